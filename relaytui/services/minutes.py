"""The minutes of a meeting: saved line by line as drafts while the meeting runs (so a dead
terminal loses nothing), then written into the log as entries that never change, with the
agreed efforts and goals, when the holder finishes them (R7, R11, R12, R13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound, RuleViolation
from relaytui.i18n import N_, _
from relaytui.models import (
    AgendaItem,
    Effort,
    Entry,
    Goal,
    Invitee,
    Meeting,
    MinutesNote,
    RelayLog,
    Staff,
)
from relaytui.models.base import stored_id
from relaytui.services import access, clock, installation, meetings, notices
from relaytui.services.efforts import check_responsible
from relaytui.services.versions import guarded_update

#: What a line of the minutes becomes when they are finished.
NOTE_KINDS = ("note", "effort", "goal", "agreement", "outcome")
#: How a line of each kind starts when it is written into the journal.
NOTE_PREFIX = {
    "effort": N_("Effort"),
    "goal": N_("Goal"),
    "agreement": N_("Agreement"),
    "outcome": N_("The family department's assessment"),
}


@dataclass(frozen=True)
class AgreedEffort:
    what: str
    evaluate_on: date
    responsible_staff_id: int | None = None
    responsible_text: str = ""
    starts_on: date | None = None


def save_note(
    store: Store,
    by: access.StaffRef,
    meeting_id: int,
    *,
    text: str,
    agenda_item_id: int | None = None,
    note_id: int | None = None,
    version: int | None = None,
    kind: str | None = None,
    responsible_staff_id: int | None = None,
    responsible_text: str = "",
    evaluate_on: date | None = None,
    typing: bool = False,
) -> meetings.NoteView:
    """Save one line of the minutes as a draft: a new line, or a change of a draft line.

    ``typing`` says the line is still in the holder's input, not finished with Enter: opened
    again after a crash, the minutes put it back there.

    ``kind`` turns the line into an effort (with who is responsible and when it is evaluated,
    R12), a goal, an agreement or, at a notification meeting, the family department's
    assessment (R11); ``None`` keeps what the line already is. The line keeps the time it was
    first noted.
    """
    if kind is not None and kind not in NOTE_KINDS:
        raise InvalidInput(_("A line is a note, an effort, a goal, an agreement or an assessment."))
    with store.session(write=True) as session:
        staff, log, meeting = meetings.meeting_for_write(session, by, meeting_id)
        note = _draft_line(session, meeting, agenda_item_id, note_id)
        new_kind = kind if kind is not None else (note.kind if note is not None else "note")
        values: dict[str, Any] = {
            "text": text,
            "agenda_item_id": agenda_item_id,
            "kind": new_kind,
            "typing": typing,
        }
        if kind is not None:
            values.update(
                _kind_values(
                    session,
                    log,
                    meeting,
                    kind,
                    text,
                    responsible_staff_id=responsible_staff_id,
                    responsible_text=responsible_text,
                    evaluate_on=evaluate_on,
                )
            )
        if note is None:
            note = MinutesNote(meeting_id=stored_id(meeting), noted_at=clock.now(), **values)
            session.add(note)
            session.flush()
        else:
            # and refreshes note
            guarded_update(
                session,
                MinutesNote,
                stored_id(note),
                version if version is not None else note.version,
                **values,
            )
        access.write_audit(
            session, staff, by, "minutes_draft", log=log, detail=f"meeting {meeting.id}"
        )
        return meetings.note_view(note)


def _draft_line(
    session: Session, meeting: Meeting, agenda_item_id: int | None, note_id: int | None
) -> MinutesNote | None:
    """The draft line being changed (``None`` for a new one), once the minutes may still
    change and the agenda item and the line are this meeting's own."""
    if meeting.minutes_finished_at is not None:
        raise RuleViolation(_("The minutes are finished and can no longer change."), rule="R7")
    if meeting.status == "cancelled":
        raise RuleViolation(_("A cancelled meeting has no minutes."), rule="R13")
    if agenda_item_id is not None:
        item = session.get(AgendaItem, agenda_item_id)
        if item is None or item.meeting_id != meeting.id:
            raise NotFound(_("That agenda item is not on this meeting."))
    note = None
    if note_id is not None:
        note = session.get(MinutesNote, note_id)
        if note is None or note.meeting_id != meeting.id:
            raise NotFound(_("That line is not in these minutes."))
    return note


def _kind_values(
    session: Session,
    log: RelayLog,
    meeting: Meeting,
    kind: str,
    text: str,
    *,
    responsible_staff_id: int | None,
    responsible_text: str,
    evaluate_on: date | None,
) -> dict[str, Any]:
    """What a line turned into ``kind`` keeps: an effort says who is responsible and when it
    is evaluated (R12), any other kind clears that; only a notification meeting records the
    family department's assessment (R11)."""
    values: dict[str, Any] = {
        "responsible_staff_id": None,
        "responsible_text": "",
        "evaluate_on": None,
    }
    if kind == "effort":
        if not text.strip():
            raise InvalidInput(_("Write what the effort is before you make the line an effort."))
        if evaluate_on is None:
            raise InvalidInput(_("Give the date the effort is evaluated."), rule="R12")
        if evaluate_on < clock.local(meeting.starts_at, installation.timezone_of(session)).date():
            raise InvalidInput(_("The evaluation date cannot be before the meeting."), rule="R12")
        check_responsible(session, log, responsible_staff_id, responsible_text)
        values.update(
            responsible_staff_id=responsible_staff_id,
            responsible_text=(responsible_text or "").strip()
            if responsible_staff_id is None
            else "",
            evaluate_on=evaluate_on,
        )
    elif kind == "outcome" and meeting.kind != "notification":
        raise InvalidInput(
            _("Only a notification meeting records the family department's assessment."),
            rule="R11",
        )
    return values


def finish_minutes(
    store: Store,
    by: access.StaffRef,
    meeting_id: int,
    *,
    version: int,
    efforts: tuple[AgreedEffort, ...] = (),
    goals: tuple[str, ...] = (),
    outcome: str | None = None,
) -> meetings.MeetingView:
    """Write the minutes into the log as entries that never change, with the agreed efforts
    and goals; the meeting is held (R13). A notification meeting records its outcome (R11).

    Lines turned into efforts, goals or agreements become those; ``efforts`` and ``goals``
    add more. Attendance heads the minutes.
    """
    with store.session(write=True) as session:
        staff, log, meeting = meetings.meeting_for_write(session, by, meeting_id)
        if meeting.minutes_finished_at is not None:
            raise RuleViolation(_("These minutes were already finished."), rule="R13")
        if meeting.status == "cancelled":
            raise RuleViolation(_("A cancelled meeting has no minutes."), rule="R13")
        now = clock.now()
        agenda, notes = _lines_in_order(session, meeting)
        outcome_text = (outcome or "").strip() or "\n".join(
            n.text.strip() for n in notes if n.kind == "outcome"
        )
        if meeting.kind == "notification" and not outcome_text:
            raise InvalidInput(
                _("Write the family department's assessment before finishing."), rule="R11"
            )
        tz = installation.timezone_of(session)
        session.add(
            Entry(
                log_id=stored_id(log),
                author_id=stored_id(staff),
                written_at=now,
                kind="minutes",
                text=_attendance_head(session, meeting, tz),
                meeting_id=meeting.id,
            )
        )
        for note in notes:
            _write_line(
                session, log, staff, meeting, note, agenda.get(note.agenda_item_id), now, tz
            )
        _write_agreed(session, log, staff, meeting, now, efforts, goals)
        guarded_update(
            session,
            Meeting,
            stored_id(meeting),
            version,
            status="held",
            minutes_finished_at=now,
            outcome=outcome_text or None,
        )  # and refreshes meeting
        access.write_audit(
            session, staff, by, "minutes_finished", log=log, detail=f"meeting {meeting.id}"
        )
        notices.queue_minutes_finished(session, log, meeting, staff)
        return meetings.meeting_view(session, meeting)


def _lines_in_order(
    session: Session, meeting: Meeting
) -> tuple[dict[int | None, AgendaItem], list[MinutesNote]]:
    """The agenda by id, and the lines with text in agenda order, each section in the order it
    was noted (lines under no item last). The agenda is looked up by a line's agenda_item_id,
    which is None for a line under no item."""
    agenda = {
        a.id: a for a in session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))
    }
    notes = [
        n
        for n in session.exec(
            select(MinutesNote)
            .where(MinutesNote.meeting_id == meeting.id)
            .order_by(col(MinutesNote.noted_at), col(MinutesNote.id))
        ).all()
        if n.text.strip()
    ]
    order = {item_id: item.position for item_id, item in agenda.items()}
    notes.sort(key=lambda n: (order.get(n.agenda_item_id, len(order)), n.noted_at, n.id))
    return agenda, notes


def _attendance_head(session: Session, meeting: Meeting, tz: str) -> str:
    """The first entry of the minutes: when the meeting was, who came and who did not."""
    invitees = session.exec(
        select(Invitee).where(Invitee.meeting_id == meeting.id).order_by(col(Invitee.id))
    ).all()
    present = [i.name for i in invitees if i.attended]
    absent = [i.name for i in invitees if i.attended is False]
    head = _("Minutes of the meeting {when}.").format(
        when=clock.local(meeting.starts_at, tz).strftime("%Y-%m-%d %H:%M")
    )
    if present:
        head += " " + _("Present: {names}.").format(names=", ".join(present))
    if absent:
        head += " " + _("Absent: {names}.").format(names=", ".join(absent))
    return head


def _write_line(
    session: Session,
    log: RelayLog,
    staff: Staff,
    meeting: Meeting,
    note: MinutesNote,
    item: AgendaItem | None,
    now: datetime,
    tz: str,
) -> None:
    """One line of the minutes as an entry; a line made an effort or a goal becomes one too."""
    body = note.text.strip()
    if note.kind in NOTE_PREFIX:
        body = f"{_(NOTE_PREFIX[note.kind])}: {body}"
    if note.kind == "effort":
        who = note.responsible_text
        if note.responsible_staff_id:
            person = session.get(Staff, note.responsible_staff_id)
            who = person.full_name if person else who
        body += " " + _("(responsible: {who}; evaluated {day})").format(
            who=who, day=note.evaluate_on.isoformat() if note.evaluate_on else "-"
        )
    if item is not None:
        body = f"{item.title}: {body}"
    log_id, staff_id = stored_id(log), stored_id(staff)
    session.add(
        Entry(
            log_id=log_id,
            author_id=staff_id,
            written_at=now,
            kind="agreement" if note.kind in ("agreement", "effort", "goal") else "minutes",
            text=body,
            meeting_id=meeting.id,
        )
    )
    if note.kind == "effort":
        assert note.evaluate_on is not None, (
            "save_note gives a line made an effort its evaluation date"
        )
        session.add(
            Effort(
                log_id=log_id,
                what=note.text.strip(),
                responsible_staff_id=note.responsible_staff_id,
                responsible_text=note.responsible_text if note.responsible_staff_id is None else "",
                starts_on=clock.local(now, tz).date(),
                evaluate_on=note.evaluate_on,
                created_by=staff_id,
                created_at=now,
                meeting_id=meeting.id,
            )
        )
    elif note.kind == "goal":
        session.add(
            Goal(
                log_id=log_id,
                text=note.text.strip(),
                created_by=staff_id,
                created_at=now,
                meeting_id=meeting.id,
            )
        )


def _write_agreed(
    session: Session,
    log: RelayLog,
    staff: Staff,
    meeting: Meeting,
    now: datetime,
    efforts: tuple[AgreedEffort, ...],
    goals: tuple[str, ...],
) -> None:
    """The efforts and goals agreed besides the lines (the finish dialog's), each checked (R12)."""
    log_id, staff_id = stored_id(log), stored_id(staff)
    for agreed in efforts:
        if not agreed.what.strip():
            continue
        check_responsible(session, log, agreed.responsible_staff_id, agreed.responsible_text)
        session.add(
            Effort(
                log_id=log_id,
                what=agreed.what.strip(),
                responsible_staff_id=agreed.responsible_staff_id,
                responsible_text=agreed.responsible_text,
                starts_on=agreed.starts_on or now.date(),
                evaluate_on=agreed.evaluate_on,
                created_by=staff_id,
                created_at=now,
                meeting_id=meeting.id,
            )
        )
    for text in goals:
        if text.strip():
            session.add(
                Goal(
                    log_id=log_id,
                    text=text.strip(),
                    created_by=staff_id,
                    created_at=now,
                    meeting_id=meeting.id,
                )
            )
