"""Meetings: the holder convenes, sends the agenda, leads, and writes the outcome in (R13).

Minutes are saved as draft lines while the meeting runs (so a dead terminal loses nothing) and
become entries, which can no longer change, when the holder finishes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound, RuleViolation
from relaytui.i18n import N_, _
from relaytui.models import (
    AgendaItem,
    Invitee,
    Meeting,
    MinutesNote,
    RelayLog,
    Staff,
    Subject,
)
from relaytui.models.base import stored_id
from relaytui.services import access, clock, installation, notices
from relaytui.services.versions import guarded_update

KINDS = ("dialogue", "notification", "evaluation")

DEFAULT_AGENDA = {
    "dialogue": (
        N_("Since last time"),
        N_("The child's own view"),
        N_("Evaluation of efforts and goals"),
        N_("New agreements"),
        N_("Next meeting"),
    ),
    "notification": (
        N_("The concern and what has been done"),
        N_("The child's own view"),
        N_("The family department's assessment"),
        N_("Agreements and who tells the family"),
        N_("Next meeting"),
    ),
    "evaluation": (
        N_("Since last time"),
        N_("Evaluation of efforts and goals"),
        N_("Should the level change?"),
        N_("New agreements"),
        N_("Next meeting"),
    ),
}


@dataclass(frozen=True)
class GuestInput:
    name: str
    role: str = ""
    email: str = ""


#: What the subject is called when invited to a meeting about them.
SUBJECT_ROLES = {
    "child": N_("the child"),
    "youth": N_("the young person"),
    "pregnant": N_("the pregnant person"),
}


@dataclass(frozen=True)
class Invitable:
    """Someone the schedule form offers to invite: an actor who is staff (``kind`` "staff",
    ``id`` their staff id), a guardian of the subject ("guardian", the guardian's id), the
    subject who consents for themself or reads along ("subject"), or another named person
    who reads along ("person")."""

    kind: str
    id: int | None
    name: str
    what: str  # profession and unit, a guardian's relation, or the role
    email: str = ""


@dataclass(frozen=True)
class AgendaItemView:
    id: int
    position: int
    title: str


@dataclass(frozen=True)
class InviteeView:
    id: int
    staff_id: int | None
    name: str
    role: str
    attended: bool | None
    guardian_id: int | None = None
    #: The address of an invitee who is not staff (staff are reached at their own), or "".
    email: str = ""


@dataclass(frozen=True)
class NoteView:
    id: int
    agenda_item_id: int | None
    noted_at: datetime
    text: str
    version: int
    kind: str = "note"
    responsible_staff_id: int | None = None
    responsible_text: str = ""
    evaluate_on: date | None = None
    #: Saved while still being typed: it goes back into the input when the minutes open.
    typing: bool = False


@dataclass(frozen=True)
class MeetingView:
    id: int
    log_id: int
    subject_name: str
    kind: str
    starts_at: datetime
    duration_minutes: int
    place: str
    status: str
    cancel_reason: str | None
    outcome: str | None
    moved_reason: str | None
    agenda: tuple[AgendaItemView, ...]
    invitees: tuple[InviteeView, ...]
    notes: tuple[NoteView, ...]
    minutes_finished_at: datetime | None
    version: int


def meeting_view(session: Session, meeting: Meeting, *, with_notes: bool = True) -> MeetingView:
    """What the screens, papers and invitations show of a meeting (see :func:`meeting_views`)."""
    return meeting_views(session, [meeting], with_notes=with_notes)[0]


def meeting_views(
    session: Session, rows: list[Meeting], *, with_notes: bool = True
) -> list[MeetingView]:
    """The views of several meetings, a statement per kind of row (never one per meeting)."""
    if not rows:
        return []
    ids = [m.id for m in rows]
    names = dict(
        session.exec(
            select(RelayLog.id, Subject.name)
            .join(Subject, col(Subject.id) == RelayLog.subject_id)
            .where(col(RelayLog.id).in_({m.log_id for m in rows}))
        ).all()
    )
    agenda: dict[int, list[AgendaItem]] = {}
    for item in session.exec(
        select(AgendaItem)
        .where(col(AgendaItem.meeting_id).in_(ids))
        .order_by(col(AgendaItem.position), col(AgendaItem.id))
    ).all():
        agenda.setdefault(item.meeting_id, []).append(item)
    invitees: dict[int, list[Invitee]] = {}
    for person in session.exec(
        select(Invitee).where(col(Invitee.meeting_id).in_(ids)).order_by(col(Invitee.id))
    ).all():
        invitees.setdefault(person.meeting_id, []).append(person)
    notes: dict[int, list[MinutesNote]] = {}
    if with_notes:
        for note in session.exec(
            select(MinutesNote)
            .where(col(MinutesNote.meeting_id).in_(ids))
            .order_by(col(MinutesNote.noted_at), col(MinutesNote.id))
        ).all():
            notes.setdefault(note.meeting_id, []).append(note)
    return [
        MeetingView(
            id=stored_id(meeting),
            log_id=meeting.log_id,
            subject_name=names.get(meeting.log_id, ""),
            kind=meeting.kind,
            starts_at=meeting.starts_at,
            duration_minutes=meeting.duration_minutes,
            place=meeting.place,
            status=meeting.status,
            cancel_reason=meeting.cancel_reason,
            outcome=meeting.outcome,
            moved_reason=meeting.moved_reason,
            agenda=tuple(
                AgendaItemView(stored_id(a), a.position, a.title)
                for a in agenda.get(stored_id(meeting), [])
            ),
            invitees=tuple(
                InviteeView(
                    stored_id(i),
                    i.staff_id,
                    i.name,
                    i.role,
                    i.attended,
                    guardian_id=i.guardian_id,
                    email=i.email or "",
                )
                for i in invitees.get(stored_id(meeting), [])
            ),
            notes=tuple(note_view(n) for n in notes.get(stored_id(meeting), [])),
            minutes_finished_at=meeting.minutes_finished_at,
            version=meeting.version,
        )
        for meeting in rows
    ]


def note_view(note: MinutesNote) -> NoteView:
    return NoteView(
        stored_id(note),
        note.agenda_item_id,
        note.noted_at,
        note.text,
        note.version,
        note.kind,
        note.responsible_staff_id,
        note.responsible_text or "",
        note.evaluate_on,
        bool(note.typing),
    )


def check_time(starts_at: datetime, duration_minutes: int) -> None:
    """A meeting time says its time zone and lasts from 5 minutes to 8 hours."""
    if starts_at.tzinfo is None:
        raise InvalidInput(_("Give the meeting time with its time zone."))
    if not 5 <= duration_minutes <= 8 * 60:
        raise InvalidInput(_("A meeting lasts from 5 minutes to 8 hours."))


def _check_address(email: str) -> str:
    email = (email or "").strip()
    if email and ("@" not in email.strip("@") or any(ch.isspace() for ch in email)):
        raise InvalidInput(
            _(
                "'{address}' is not an e-mail address; write it as name@example.dk, "
                "or leave it out."
            ).format(address=email)
        )
    return email


def invitable(store: Store, by: access.StaffRef, log_id: int) -> list[Invitable]:
    """Whom the holder can invite from the log: its actors who are staff, the subject's
    guardians (with their recorded address), the subject when they consent for themself or
    read along (R6), and other named people who read along. Guests are typed besides."""
    from relaytui.models import Guardian, Membership
    from relaytui.services import consent_givers, log_actors

    with store.session(write=True) as session:
        staff, log = access.log_for_read(session, by, log_id, what="invitees")
        rows = session.exec(
            select(Membership)
            .where(Membership.log_id == log.id, col(Membership.removed_at).is_(None))
            .order_by(col(Membership.id))
        ).all()
        actors = [
            a
            for a in log_actors.actor_views(session, list(rows))
            if a.consent_state in ("in_force", "not_needed") and a.name
        ]
        subject = session.get_one(Subject, log.subject_id)
        guardians = session.exec(
            select(Guardian).where(Guardian.subject_id == log.subject_id).order_by(col(Guardian.id))
        ).all()
        found: list[Invitable] = []
        for actor in actors:
            if actor.staff_id is not None and actor.staff_id != staff.id:
                what = ", ".join(part for part in (actor.profession, actor.unit_name) if part)
                found.append(Invitable("staff", actor.staff_id, actor.name, what, actor.email))
        for guardian in guardians:
            found.append(
                Invitable(
                    "guardian",
                    guardian.id,
                    guardian.name,
                    guardian.relation or _("guardian"),
                    guardian.email or "",
                )
            )
        inst = installation.read_in(session)
        self_consent = consent_givers.consents_for_self(subject, inst, clock.today(inst.timezone))
        if self_consent or any(a.role == "subject" for a in actors):
            found.append(
                Invitable(
                    "subject",
                    subject.id,
                    subject.name,
                    _(SUBJECT_ROLES.get(subject.kind, SUBJECT_ROLES["child"])),
                )
            )
        named = {f.name.casefold() for f in found}
        for actor in actors:
            if (
                actor.staff_id is None
                and actor.role not in ("guardian", "subject")
                and actor.name.casefold() not in named
            ):
                found.append(Invitable("person", None, actor.name, actor.role))
        return found


def schedule(
    store: Store,
    by: access.StaffRef,
    log_id: int,
    *,
    kind: str,
    starts_at: datetime,
    duration_minutes: int = 60,
    place: str = "",
    invitee_staff_ids: tuple[int, ...] = (),
    guests: tuple[GuestInput, ...] = (),
    agenda: tuple[str, ...] | None = None,
    guardian_ids: tuple[int, ...] = (),
    invite_subject: bool = False,
) -> MeetingView:
    """The holder convenes a meeting; invitees come from the log's actors and the subject's
    guardians (each with their recorded address), the subject if chosen, plus guests (R13)."""
    if kind not in KINDS:
        raise InvalidInput(
            _("A meeting is a dialogue meeting, a notification meeting or an evaluation.")
        )
    check_time(starts_at, duration_minutes)
    guests = tuple(
        GuestInput(g.name.strip(), g.role.strip(), _check_address(g.email)) for g in guests
    )
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="meeting")
        meeting = Meeting(
            log_id=stored_id(log),
            kind=kind,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            place=(place or "").strip(),
            convened_by=stored_id(staff),
        )
        session.add(meeting)
        session.flush()
        meeting_id = stored_id(meeting)
        titles = agenda if agenda is not None else tuple(_(t) for t in DEFAULT_AGENDA[kind])
        for position, title in enumerate(t.strip() for t in titles if t.strip()):
            session.add(AgendaItem(meeting_id=meeting_id, position=position, title=title))
        session.add(
            Invitee(
                meeting_id=meeting_id, staff_id=staff.id, name=staff.full_name, role=_("holder")
            )
        )
        _invite_actors(session, staff, log, meeting_id, invitee_staff_ids)
        _invite_guardians(session, log, meeting_id, guardian_ids)
        if invite_subject:
            _invite_subject(session, log, meeting_id)
        _invite_guests(session, meeting_id, guests)
        session.flush()
        access.write_audit(
            session, staff, by, "meeting_scheduled", log=log, detail=f"meeting {meeting.id}"
        )
        notices.queue_meeting_planned(session, log, meeting, staff)
        return meeting_view(session, meeting)


def _invite_actors(
    session: Session, staff: Staff, log: RelayLog, meeting_id: int, staff_ids: tuple[int, ...]
) -> None:
    """Invite staff from the log's actors, each once (the holder already is); staff who are
    not actors of the log are refused and come as guests instead (R13)."""
    for staff_id in dict.fromkeys(staff_ids):
        if staff_id == staff.id:
            continue
        if access.active_membership(session, stored_id(log), staff_id) is None:
            raise RuleViolation(
                _("Only actors of the log can be invited from staff; add others as guests."),
                rule="R13",
            )
        member = session.get_one(Staff, staff_id)  # an actor: checked just above
        session.add(
            Invitee(
                meeting_id=meeting_id,
                staff_id=staff_id,
                name=member.full_name,
                role=member.profession,
            )
        )


def _invite_guardians(
    session: Session, log: RelayLog, meeting_id: int, guardian_ids: tuple[int, ...]
) -> None:
    """Invite the subject's guardians (each once), reached at their recorded address."""
    if not guardian_ids:
        return
    from relaytui.models import Guardian

    for guardian_id in dict.fromkeys(guardian_ids):
        guardian = session.get(Guardian, guardian_id)
        if guardian is None or guardian.subject_id != log.subject_id:
            raise NotFound(_("That guardian does not belong to this subject."))
        session.add(
            Invitee(
                meeting_id=meeting_id,
                guardian_id=guardian.id,
                name=guardian.name,
                role=guardian.relation or _("guardian"),
                email=guardian.email or None,
            )
        )


def _invite_subject(session: Session, log: RelayLog, meeting_id: int) -> None:
    """Invite the person the log is about, named by what they are (the child, the young person)."""
    subject = session.get_one(Subject, log.subject_id)
    session.add(
        Invitee(
            meeting_id=meeting_id,
            name=subject.name,
            role=_(SUBJECT_ROLES.get(subject.kind, SUBJECT_ROLES["child"])),
        )
    )


def _invite_guests(session: Session, meeting_id: int, guests: tuple[GuestInput, ...]) -> None:
    """Invite the guests typed in the form; a guest without a name is left out."""
    for guest in guests:
        if guest.name:
            session.add(
                Invitee(
                    meeting_id=meeting_id,
                    name=guest.name,
                    role=guest.role,
                    email=guest.email or None,
                )
            )


def meeting_for_write(
    session: Session, by: access.StaffRef, meeting_id: int
) -> tuple[Staff, RelayLog, Meeting]:
    """The meeting and its log, for a change only the log's holder may make (R7)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFound(_("There is no such meeting."))
    staff, log = access.log_for_write(session, by, meeting.log_id, what="meeting")
    return staff, log, meeting


def reschedule(
    store: Store,
    by: access.StaffRef,
    meeting_id: int,
    *,
    version: int,
    starts_at: datetime,
    duration_minutes: int,
    reason: str,
    place: str | None = None,
) -> MeetingView:
    """Move a planned meeting, with the reason (kept on the meeting)."""
    check_time(starts_at, duration_minutes)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write why the meeting moves."))
    with store.session(write=True) as session:
        staff, log, meeting = meeting_for_write(session, by, meeting_id)
        if meeting.status != "planned":
            raise RuleViolation(_("Only a planned meeting can be moved."), rule="R13")
        values = {
            "starts_at": starts_at,
            "duration_minutes": duration_minutes,
            "moved_reason": reason,
        }
        if place is not None:
            values["place"] = place.strip()
        guarded_update(
            session, Meeting, stored_id(meeting), version, **values
        )  # and refreshes meeting
        access.write_audit(
            session, staff, by, "meeting_moved", log=log, detail=f"meeting {meeting.id}"
        )
        return meeting_view(session, meeting)


def cancel(
    store: Store, by: access.StaffRef, meeting_id: int, *, version: int, reason: str
) -> MeetingView:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write why the meeting is cancelled."))
    with store.session(write=True) as session:
        staff, log, meeting = meeting_for_write(session, by, meeting_id)
        if meeting.status != "planned":
            raise RuleViolation(_("Only a planned meeting can be cancelled."), rule="R13")
        # guarded_update refreshes meeting too.
        guarded_update(
            session, Meeting, stored_id(meeting), version, status="cancelled", cancel_reason=reason
        )
        access.write_audit(
            session, staff, by, "meeting_cancelled", log=log, detail=f"meeting {meeting.id}"
        )
        return meeting_view(session, meeting)


def set_agenda(
    store: Store, by: access.StaffRef, meeting_id: int, titles: list[str]
) -> MeetingView:
    """Replace the agenda (edit and reorder); items with notes keep their identity by title."""
    clean = [t.strip() for t in titles if t.strip()]
    if not clean:
        raise InvalidInput(_("An agenda needs at least one item."))
    with store.session(write=True) as session:
        staff, log, meeting = meeting_for_write(session, by, meeting_id)
        if meeting.minutes_finished_at is not None:
            raise RuleViolation(
                _("The minutes are finished; the agenda can no longer change."), rule="R13"
            )
        existing = session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)).all()
        by_title = {a.title: a for a in existing}
        keep = set()
        for position, title in enumerate(clean):
            item = by_title.pop(title, None)
            if item is None:
                item = AgendaItem(meeting_id=stored_id(meeting), position=position, title=title)
            item.position = position
            session.add(item)
            session.flush()
            keep.add(item.id)
        for item in by_title.values():
            used = session.exec(
                select(MinutesNote.id).where(MinutesNote.agenda_item_id == item.id)
            ).first()
            if used:
                raise RuleViolation(
                    _("'{title}' already has minutes; keep it on the agenda.").format(
                        title=item.title
                    ),
                    rule="R13",
                )
            session.delete(item)
        session.flush()
        access.write_audit(
            session, staff, by, "agenda_changed", log=log, detail=f"meeting {meeting.id}"
        )
        return meeting_view(session, meeting)


def record_attendance(
    store: Store, by: access.StaffRef, meeting_id: int, attended: dict[int, bool]
) -> MeetingView:
    with store.session(write=True) as session:
        staff, log, meeting = meeting_for_write(session, by, meeting_id)
        for invitee in session.exec(select(Invitee).where(Invitee.meeting_id == meeting.id)).all():
            if invitee.id in attended:
                invitee.attended = bool(attended[invitee.id])
                session.add(invitee)
        session.flush()
        access.write_audit(
            session, staff, by, "attendance", log=log, detail=f"meeting {meeting.id}"
        )
        return meeting_view(session, meeting)


def get_meeting(store: Store, by: access.StaffRef, meeting_id: int) -> MeetingView:
    with store.session(write=True) as session:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFound(_("There is no such meeting."))
        access.log_for_read(session, by, meeting.log_id, what="meeting")
        return meeting_view(session, meeting)


def list_meetings(store: Store, by: access.StaffRef, log_id: int) -> list[MeetingView]:
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="meetings")
        rows = session.exec(
            select(Meeting).where(Meeting.log_id == log_id).order_by(col(Meeting.starts_at))
        ).all()
        return meeting_views(session, list(rows), with_notes=False)
