"""The journal of a log: entries written by the holder, never changed; a correction is a new
entry pointing to the one it corrects (R7). Reading it is audited (R9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound
from relaytui.i18n import _
from relaytui.models import Entry, Staff
from relaytui.models.base import stored_id
from relaytui.services import access, clock

ENTRY_KINDS = ("note", "assessment", "agreement", "positive")


@dataclass(slots=True)  # not frozen: a journal of 500 is built each time a log opens, and a
class EntryView:  # frozen dataclass costs five times as much to build (issue 18)
    id: int
    log_id: int
    author_name: str
    written_at: datetime
    kind: str
    text: str
    corrects_id: int | None
    corrected_by: tuple[int, ...]
    meeting_id: int | None


def write_entry(
    store: Store,
    by: access.StaffRef,
    log_id: int,
    *,
    text: str,
    kind: str = "note",
    corrects_id: int | None = None,
) -> EntryView:
    """Only the holder writes; entries are never changed: a correction is a new entry (R7)."""
    if kind not in ENTRY_KINDS:
        raise InvalidInput(
            _("An entry is a note, an assessment, an agreement or a positive observation.")
        )
    if not (text or "").strip():
        raise InvalidInput(_("An entry cannot be empty. Type what happened."))
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="entry")
        if corrects_id is not None:
            target = session.get(Entry, corrects_id)
            if target is None or target.log_id != log.id:
                raise NotFound(_("The entry to correct is not in this log."))
        entry = Entry(
            log_id=stored_id(log),
            author_id=stored_id(staff),
            written_at=clock.now(),
            kind=kind,
            text=text,
            corrects_id=corrects_id,
        )
        session.add(entry)
        session.flush()
        access.write_audit(session, staff, by, "entry_written", log=log, detail=f"entry {entry.id}")
        return _entry_view(session, entry, {})


def _entry_view(session: Session, entry: Entry, corrections: dict[int, list[int]]) -> EntryView:
    author = session.get(Staff, entry.author_id)
    return EntryView(
        id=stored_id(entry),
        log_id=entry.log_id,
        author_name=author.full_name if author else "",
        written_at=entry.written_at,
        kind=entry.kind,
        text=entry.text,
        corrects_id=entry.corrects_id,
        corrected_by=tuple(corrections.get(stored_id(entry), [])),
        meeting_id=entry.meeting_id,
    )


def list_entries(
    store: Store, by: access.StaffRef, log_id: int, *, limit: int = 500
) -> list[EntryView]:
    """The journal, newest first (an audited read)."""
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="entries")
        return read_journal(session, log_id, limit)


#: The newest entries of a log with their authors' names: columns, not entities (a journal
#: of 500 as ORM objects costs more in Python than the statement), built once and run as a
#: Core statement, which skips the ORM's row loading (issue 18: opening a log).
_JOURNAL = (
    select(  # type: ignore[call-overload]  # SQLModel types its fields as values
        Entry.id,
        Entry.log_id,
        Entry.written_at,
        Entry.kind,
        Entry.text,
        Entry.corrects_id,
        Entry.meeting_id,
        Staff.full_name,
    )
    .join(Staff, Staff.id == Entry.author_id, isouter=True)
    .where(Entry.log_id == bindparam("log_id"))
    .order_by(col(Entry.written_at).desc(), col(Entry.id).desc())
    .limit(bindparam("limit"))
)


def read_journal(session: Session, log_id: int, limit: int) -> list[EntryView]:
    rows = session.connection().execute(_JOURNAL, {"log_id": log_id, "limit": limit}).all()
    corrections: dict[int, list[int]] = {}
    for row in rows:  # (by name, not star-unpacking a list per row: 500 rows as a log opens)
        if row.corrects_id is not None:
            corrections.setdefault(row.corrects_id, []).append(row.id)
    return [
        EntryView(
            entry_id,
            log_id_,
            author or "",
            written_at,
            kind,
            text,
            corrects_id,
            tuple(corrections.get(entry_id, ())),
            meeting_id,
        )
        for entry_id, log_id_, written_at, kind, text, corrects_id, meeting_id, author in rows
    ]
