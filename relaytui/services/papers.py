"""Papers for the family: the consent form, the guardians' copy, meeting papers, the access report.

Most guardians never use relaytui; the holder, their one contact (seed 000, 002), hands them
paper. A paper leaves the system for good, so only the holder of an open log makes one: an
actor reads along but does not decide what goes out to the family (R7, R9). The access report
is also made by an administrator, for the whole subject, from the command line (R9, GDPR art.
15). Each export is itself an audited read. This module gathers what a paper says; the
rendering (plain text, PDF) is in :mod:`relaytui.documents` and never touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import NotAllowed, NotFound, RuleViolation
from relaytui.i18n import _
from relaytui.models import (
    AuditEvent,
    Effort,
    Entry,
    Goal,
    Guardian,
    Meeting,
    Membership,
    Notification,
    RelayLog,
    Staff,
    Subject,
    Unit,
)
from relaytui.models.base import stored_id
from relaytui.profiles import Profile
from relaytui.services import (
    access,
    audit,
    clock,
    consent_givers,
    efforts,
    installation,
    invitations,
    log_actors,
    subjects,
)
from relaytui.services.efforts import EffortView, GoalView
from relaytui.services.meetings import MeetingView, meeting_views

#: The papers, as the screens and the command line name them.
KINDS = ("consent-form", "guardian-copy", "minutes", "access-report")


@dataclass(frozen=True)
class Letterhead:
    """Who sends the paper, and when: the top of every page."""

    municipality: str
    unit: str
    unit_phone: str
    made_at: datetime
    made_by: str
    timezone: str
    #: The country whose rules and words the paper follows.
    country: Profile
    #: The language the paper is written in: the log's own (empty: the reader's).
    language: str = ""


@dataclass(frozen=True)
class Person:
    """Someone a paper names: the holder, an actor, a guardian."""

    name: str
    profession: str = ""
    unit: str = ""
    role: str = ""  # holder|leader|actor|guardian|subject|other
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class AboutSubject:
    name: str
    national_number_masked: str
    birth_date: date | None
    kind: str  # child|youth|pregnant


@dataclass(frozen=True)
class Signer:
    """A signature line: a named guardian, the subject, or a blank line for a guardian."""

    name: str
    relation: str
    is_subject: bool = False


@dataclass(frozen=True)
class ConsentForm:
    head: Letterhead
    log_id: int
    subject: AboutSubject
    level: int
    holder: Person
    actors: tuple[Person, ...]  # attached actors whose reading needs consent (R5)
    leader: Person | None  # reads along without consent (R3)
    signers: tuple[Signer, ...]
    self_consent: bool  # the subject consents for themself (R6)


@dataclass(frozen=True)
class PaperEntry:
    """An entry as a paper shows it: never edited; a correction says what it corrects."""

    written_at: datetime
    author: str
    kind: str
    text: str
    corrects_written_at: datetime | None = None


@dataclass(frozen=True)
class MeetingRecord:
    meeting: MeetingView
    minutes: tuple[PaperEntry, ...]


@dataclass(frozen=True)
class GuardianCopy:
    head: Letterhead
    log_id: int
    subject: AboutSubject
    level: int
    status: str
    started_at: datetime
    concern: str
    holder: Person
    actors: tuple[Person, ...]
    # The view classes by their own names: in this class "efforts" is the field above.
    efforts: tuple[EffortView, ...]
    goals: tuple[GoalView, ...]
    meetings: tuple[MeetingRecord, ...]
    entries: tuple[PaperEntry, ...]  # those not part of a meeting's minutes, oldest first
    #: Notifications to the family department made from the log: not on this copy, but the
    #: copy says that something was left out (issue 16).
    notifications_left_out: int = 0
    #: Read in the family view (the family made it), not handed over by the holder.
    family_view: bool = False


@dataclass(frozen=True)
class MeetingPaper:
    """The invitation with its agenda before the meeting; its minutes after it."""

    head: Letterhead
    invitation: invitations.Invitation
    minutes: tuple[PaperEntry, ...]
    agreed_efforts: tuple[EffortView, ...]
    agreed_goals: tuple[GoalView, ...]

    @property
    def has_minutes(self) -> bool:
        return self.invitation.meeting.minutes_finished_at is not None


@dataclass(frozen=True)
class Reader:
    """One person in the access report's summary: how often and when they read."""

    name: str
    profession: str
    unit: str
    reads: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class AccessReport:
    head: Letterhead
    subject: AboutSubject
    lines: tuple[audit.AccessLine, ...]
    readers: tuple[Reader, ...]
    whole_subject: bool  # True: every log of the subject (an administrator); False: one log


# --- access ------------------------------------------------------------------------------


def _holder_log(
    session: Session, by: access.StaffRef, log_id: int, what: str
) -> tuple[Staff, RelayLog]:
    """The log, if ``by`` holds it and it is open; refused otherwise, and nothing is written."""
    staff = access.staff_for_log(session, by, log_id, what)
    log = access.load_log(session, log_id)
    if log.status == "closed":
        raise RuleViolation(
            _(
                "This relay log is closed: no papers are made from it. An administrator can export "
                "the access report."
            ),
            rule="R10",
        )
    if log.holder_id != staff.id:
        if not access.can_read(session, staff, log):
            # Refused here, and the attempt is recorded as a refused read.
            access.log_for_read(session, by, log_id, what=what)
        holder = session.get(Staff, log.holder_id)
        raise NotAllowed(
            _(
                "Papers for the family are made by the holder, {name}: you read this log as an "
                "actor. Ask the holder."
            ).format(name=holder.full_name if holder else "-"),
            rule="R7",
        )
    return staff, log


def _letterhead(
    session: Session,
    made_by: Staff | None,
    by: access.StaffRef,
    unit_id: int | None,
    language: str = "",
) -> Letterhead:
    inst = installation.read_in(session)
    unit = session.get(Unit, unit_id) if unit_id else None
    return Letterhead(
        municipality=inst.municipality,
        unit=unit.name if unit else "",
        unit_phone=unit.phone if unit else "",
        made_at=clock.now(),
        made_by=made_by.full_name if made_by else by.full_name,
        timezone=inst.timezone,
        country=inst.country,
        language=language,
    )


def _about(subject: Subject) -> AboutSubject:
    return AboutSubject(
        subject.name, subjects.mask(subject.national_number), subject.birth_date, subject.kind
    )


def _holder(session: Session, log: RelayLog) -> Person:
    holder = session.get(Staff, log.holder_id)
    contact = subjects.holder_contact(session, log)
    return Person(
        contact.holder_name,
        holder.profession if holder else "",
        contact.unit_name,
        "coordinator" if contact.coordinator else "holder",
        contact.phone,
        contact.email,
    )


def _actors(session: Session, log: RelayLog) -> list[log_actors.ActorView]:
    rows = session.exec(
        select(Membership)
        .where(Membership.log_id == log.id, col(Membership.removed_at).is_(None))
        .order_by(col(Membership.id))
    ).all()
    views = log_actors.actor_views(session, list(rows))
    # An actor whose consent ran out or was withdrawn reads nothing (R6): not on the paper.
    return [view for view in views if view.consent_state in ("in_force", "not_needed")]


def _person(view: log_actors.ActorView) -> Person:
    return Person(view.name, view.profession, view.unit_name, view.role)


def _entries(session: Session, rows: list[Entry]) -> list[PaperEntry]:
    names = (
        dict(
            session.exec(
                select(Staff.id, Staff.full_name).where(
                    col(Staff.id).in_({row.author_id for row in rows})
                )
            ).all()
        )
        if rows
        else {}
    )
    written = {row.id: row.written_at for row in rows}
    return [
        PaperEntry(
            row.written_at,
            names.get(row.author_id, ""),
            row.kind,
            row.text,
            written.get(row.corrects_id) if row.corrects_id else None,
        )
        for row in rows
    ]


def _record(
    session: Session,
    staff: Staff | None,
    by: access.StaffRef,
    action: str,
    log: RelayLog | None,
    detail: str,
    subject_id: int | None = None,
) -> None:
    access.write_audit(session, staff, by, action, log=log, subject_id=subject_id, detail=detail)


# --- the papers --------------------------------------------------------------------------


def consent_form(store: Store, by: access.StaffRef, log_id: int) -> ConsentForm:
    """The consent form, filled in, to print and have signed (R5, R6); the holder records it
    afterwards as a consent given on a signed form."""
    with store.session(write=True) as session:
        staff, log = _holder_log(session, by, log_id, "consent form")
        inst = installation.read_in(session)
        subject = session.get_one(Subject, log.subject_id)
        actors = _actors(session, log)
        self_consent = consent_givers.consents_for_self(subject, inst, clock.today(inst.timezone))
        signers: tuple[Signer, ...]
        if self_consent:
            relation = _("herself") if subject.kind == "pregnant" else _("the young person")
            signers = (Signer(subject.name, relation, is_subject=True),)
        else:
            guardians = session.exec(
                select(Guardian)
                .where(Guardian.subject_id == subject.id, col(Guardian.has_custody).is_(True))
                .order_by(col(Guardian.id))
            ).all()
            signers = tuple(Signer(g.name, g.relation) for g in guardians) or (
                Signer("", _("guardian with custody")),
                Signer("", _("guardian with custody")),
            )
        leader = next((view for view in actors if view.role == "leader"), None)
        paper = ConsentForm(
            head=_letterhead(session, staff, by, log.unit_id, log.language),
            log_id=stored_id(log),
            subject=_about(subject),
            level=log.level,
            holder=_holder(session, log),
            actors=tuple(_person(view) for view in actors if view.role in ("actor", "other")),
            leader=_person(leader) if leader else None,
            signers=signers,
            self_consent=self_consent,
        )
        _record(session, staff, by, "consent_form_exported", log, f"{len(paper.actors)} actors")
        return paper


def guardian_copy(store: Store, by: access.StaffRef, log_id: int) -> GuardianCopy:
    """What the guardians may read (seed 000), in one paper: the concern, the level, the holder,
    the actors, the efforts, goals, meetings with their minutes, and the entries. Nothing of
    the audit trail, the draft minutes or other families."""
    with store.session(write=True) as session:
        staff, log = _holder_log(session, by, log_id, "guardians' copy")
        paper = guardian_copy_in(
            session, log, _letterhead(session, staff, by, log.unit_id, log.language)
        )
        _record(session, staff, by, "guardian_copy_exported", log, f"{_entry_count(paper)} entries")
        return paper


def _entry_count(paper: GuardianCopy) -> int:
    return len(paper.entries) + sum(len(record.minutes) for record in paper.meetings)


def guardian_copy_in(
    session: Session, log: RelayLog, head: Letterhead, *, family_view: bool = False
) -> GuardianCopy:
    """The guardians' copy of ``log``, for whoever already may make it: the holder's paper and
    the family view say exactly the same (no access check, no audit here)."""
    inst = installation.read_in(session)
    today = clock.today(inst.timezone)
    subject = session.get_one(Subject, log.subject_id)
    effort_rows = session.exec(
        select(Effort)
        .where(Effort.log_id == log.id)
        .order_by(col(Effort.starts_on), col(Effort.id))
    ).all()
    goal_rows = session.exec(select(Goal).where(Goal.log_id == log.id).order_by(col(Goal.id))).all()
    meeting_rows = session.exec(
        select(Meeting)
        .where(Meeting.log_id == log.id)
        .order_by(col(Meeting.starts_at), col(Meeting.id))
    ).all()
    entry_rows = list(
        session.exec(
            select(Entry)
            .where(Entry.log_id == log.id)
            .order_by(col(Entry.written_at), col(Entry.id))
        ).all()
    )
    entries = _entries(session, entry_rows)
    minutes: dict[int, list[PaperEntry]] = {}
    loose = []
    for row, entry in zip(entry_rows, entries, strict=True):
        if row.meeting_id is not None:
            minutes.setdefault(row.meeting_id, []).append(entry)
        else:
            loose.append(entry)
    return GuardianCopy(
        head=head,
        log_id=stored_id(log),
        subject=_about(subject),
        level=log.level,
        status=log.status,
        started_at=log.created_at,
        concern=log.concern,
        holder=_holder(session, log),
        actors=tuple(_person(view) for view in _actors(session, log)),
        efforts=tuple(efforts.effort_views(session, list(effort_rows), today)),
        goals=tuple(efforts.goal_views(session, list(goal_rows), today)),
        meetings=tuple(
            MeetingRecord(view, tuple(minutes.get(view.id, ())))
            for view in meeting_views(session, list(meeting_rows), with_notes=False)
        ),
        entries=tuple(loose),
        notifications_left_out=len(
            session.exec(select(Notification.id).where(Notification.log_id == log.id)).all()
        ),
        family_view=family_view,
    )


def meeting_paper(store: Store, by: access.StaffRef, meeting_id: int) -> MeetingPaper:
    """The invitation with its agenda (as :func:`invitations.letter` says it), and after the
    meeting its minutes: attendance, the entries written from them, the agreed efforts and goals.

    The invitation is read, checked and audited as an exported invitation; minutes exported
    with it are audited too.
    """
    with store.session() as session:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFound(_("There is no such meeting."))
        _holder_log(session, by, meeting.log_id, "minutes")
    invitation = invitations.read_invitation(store, by, meeting_id)
    with store.session(write=True) as session:
        staff, log = _holder_log(session, by, invitation.meeting.log_id, "minutes")
        inst = installation.read_in(session)
        today = clock.today(inst.timezone)
        rows = list(
            session.exec(
                select(Entry)
                .where(Entry.meeting_id == meeting_id)
                .order_by(col(Entry.written_at), col(Entry.id))
            ).all()
        )
        agreed = session.exec(
            select(Effort).where(Effort.meeting_id == meeting_id).order_by(col(Effort.id))
        ).all()
        goals = session.exec(
            select(Goal).where(Goal.meeting_id == meeting_id).order_by(col(Goal.id))
        ).all()
        paper = MeetingPaper(
            head=_letterhead(session, staff, by, log.unit_id, log.language),
            invitation=invitation,
            minutes=tuple(_entries(session, rows)),
            agreed_efforts=tuple(efforts.effort_views(session, list(agreed), today)),
            agreed_goals=tuple(efforts.goal_views(session, list(goals), today)),
        )
        if paper.has_minutes:
            _record(session, staff, by, "minutes_exported", log, f"meeting {meeting_id}")
        return paper


def readers(lines: list[audit.AccessLine]) -> tuple[Reader, ...]:
    found: dict[tuple[str, str], Reader] = {}
    for line in lines:
        if line.action not in ("read", "read_under_grant"):
            continue
        key = (line.username, line.full_name)
        seen = found.get(key)
        if seen is None:
            found[key] = Reader(
                line.full_name or line.username, line.profession, line.unit, 1, line.at, line.at
            )
        else:
            found[key] = Reader(
                seen.name, seen.profession, seen.unit, seen.reads + 1, seen.first, line.at
            )
    return tuple(sorted(found.values(), key=lambda r: (-r.reads, r.name)))


def access_lines(session: Session, subject_id: int, log_id: int | None) -> list[audit.AccessLine]:
    """The trail of the subject (and of ``log_id`` only, when given), in the order things
    were recorded; the family's own reads in the family view name the guardian."""
    query = (
        select(AuditEvent, Staff, Unit)
        .join(Staff, col(Staff.id) == AuditEvent.staff_id, isouter=True)
        .join(Unit, col(Unit.id) == Staff.unit_id, isouter=True)
        .where(AuditEvent.subject_id == subject_id)
    )
    if log_id is not None:
        # The holder's report covers their log and the subject itself, not other (closed) logs.
        query = query.where((col(AuditEvent.log_id) == log_id) | col(AuditEvent.log_id).is_(None))
    lines = []
    for event, staff, unit in session.exec(
        query.order_by(col(AuditEvent.at), col(AuditEvent.id))
    ).all():
        full_name, profession = (
            (staff.full_name, staff.profession) if staff else family_reader(session, event.username)
        )
        lines.append(
            audit.AccessLine(
                at=event.at,
                username=event.username,
                full_name=full_name,
                profession=profession,
                unit=unit.name if unit else "",
                action=event.action,
                detail=event.detail,
            )
        )
    return lines


def family_reader(session: Session, username: str) -> tuple[str, str]:
    """Who of the family an event of the family view names (``family:guardian:<id>`` or
    ``family:subject:<id>``): their name, and what they are to the child."""
    _family, _sep, rest = username.partition("family:")
    kind, _sep, number = rest.partition(":")
    if _sep and number.isdigit():
        if kind == "guardian":
            guardian = session.get(Guardian, int(number))
            if guardian is not None:
                return guardian.name, guardian.relation or _("guardian")
        if kind == "subject":
            subject = session.get(Subject, int(number))
            if subject is not None:
                return subject.name, _("the person the log is about")
    return "", ""


def access_report(store: Store, by: access.StaffRef, log_id: int) -> AccessReport:
    """Who read or changed the log, for a guardian's request for access (R9, GDPR art. 15)."""
    with store.session(write=True) as session:
        staff, log = _holder_log(session, by, log_id, "access report")
        subject = session.get_one(Subject, log.subject_id)
        lines = access_lines(session, stored_id(subject), stored_id(log))
        paper = AccessReport(
            _letterhead(session, staff, by, log.unit_id, log.language),
            _about(subject),
            tuple(lines),
            readers(lines),
            whole_subject=False,
        )
        _record(session, staff, by, "access_report_exported", log, f"{len(lines)} events")
        return paper


def subject_access_report(store: Store, by: access.StaffRef, national_number: str) -> AccessReport:
    """The whole subject's trail, every log, by an administrator (the command line); the export
    is recorded by :func:`audit.subject_trail`."""
    _name, lines = audit.subject_trail(store, by, national_number)
    profile = installation.read(store).profile
    digits, _born = subjects.validate_national_number(national_number, profile)
    with store.session() as session:
        admin = access.require_admin(session, by)
        subject = session.exec(select(Subject).where(Subject.national_number == digits)).one()
        unit_id = admin.unit_id if admin else None
        lines = sorted(lines, key=lambda line: line.at)  # in the order things happened
        return AccessReport(
            _letterhead(session, admin, by, unit_id),
            _about(subject),
            tuple(lines),
            readers(lines),
            whole_subject=True,
        )


def default_path(kind: str, number: int, suffix: str, tz: str = "UTC") -> Path:
    """Where a paper goes: the user's documents folder, named by paper, log (or meeting) and
    date; never by the child's name, which file lists would show."""
    from platformdirs import user_documents_dir

    day = clock.local(clock.now(), tz) or datetime.now()
    return (
        Path(user_documents_dir()) / f"relaytui-{kind}-{number}-{day:%Y-%m-%d}.{suffix.lstrip('.')}"
    )
