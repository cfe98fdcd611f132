"""The draft of the minutes: what is typed, what the database holds of it, and how it gets there.

A line is a draft note in the database no later than a moment after it is typed, so that the
minutes survive a crash of the terminal (R13). Two threads share the draft: the screen's, where
keys change the lines, and a saving thread. ``state_lock`` guards a line while either thread
reads or changes it; ``write_lock`` lets one writer at a time at the database, and every save
sends the latest text of its line, so lines are saved in the order they were begun and never
twice. A refused save keeps the text where it is, to be tried again.

Plain Python, no Textual: the engine is tested on its own (tests/screens/minutes/).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from relaytui.errors import DomainError, StaleWrite
from relaytui.i18n import N_, _
from relaytui.services import meetings, minutes

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

#: Seconds of quiet after a key before the line is saved.
AUTOSAVE_SECONDS = 0.7
#: Typing on without a pause still saves this often (seconds).
LONGEST_UNSAVED_SECONDS = 1.5

NOT_ON_AGENDA = N_("Not on the agenda")


@dataclass(frozen=True)
class KindChange:
    """What a line becomes when the minutes are finished, waiting to be saved."""

    kind: str
    responsible_staff_id: int | None = None
    responsible_text: str = ""
    evaluate_on: date | None = None


@dataclass
class Line:
    """One line of the minutes on screen, and the draft note that holds it in the database.

    ``note_id``/``version``/``saved_*`` say what the database holds; they change only in the
    saving thread, under the draft's locks.
    """

    key: int
    item_id: int | None
    text: str = ""
    kind: str = "note"
    responsible_staff_id: int | None = None
    responsible_text: str = ""
    evaluate_on: date | None = None
    noted_at: datetime | None = None
    note_id: int | None = None
    version: int | None = None
    saved_text: str | None = None
    saved_item_id: int | None = None
    change: KindChange | None = None
    #: The line is in the input, being typed (not yet ended with Enter), and as saved.
    typing: bool = False
    saved_typing: bool = False

    @property
    def dirty(self) -> bool:
        if self.change is not None:
            return True
        if self.note_id is None:
            return bool(self.text)
        return (
            self.text != self.saved_text
            or self.item_id != self.saved_item_id
            or self.typing != self.saved_typing
        )


@dataclass
class Section:
    """One agenda item: its lines in the order they were noted, and the line being typed."""

    item_id: int | None
    title: str
    keys: list[int] = field(default_factory=list)
    #: The line in the input: a new one, or one of ``keys`` being changed.
    current: int | None = None
    #: While choosing an earlier line: its index in ``keys``.
    chosen: int | None = None


@dataclass(frozen=True)
class SaveResult:
    key: int
    error: str | None = None
    #: A change of kind the service refused; the text was saved without it.
    refused_change: str | None = None


class MinutesDraft:
    """The lines of one meeting's minutes, by section, and the saving of them.

    ``unexpected`` turns a failure no service foresaw into the one line the holder is shown
    (and records it where the program logs): the text stays, and the next save tries again.
    """

    def __init__(self, meeting_id: int, *, unexpected: Callable[[Exception], str]) -> None:
        self.meeting_id = meeting_id
        self.sections: list[Section] = []
        self.lines: dict[int, Line] = {}
        self._next_key = 0
        self._unexpected = unexpected
        #: When the first key since the last save was typed (monotonic seconds), or None.
        self.unsaved_since: float | None = None
        # One writer at a time; the state lock guards the lines between the two threads.
        self.write_lock = threading.Lock()
        self.state_lock = threading.Lock()

    # --- the lines ---------------------------------------------------------------------------

    def new_line(self, item_id: int | None) -> Line:
        self._next_key += 1
        line = Line(self._next_key, item_id)
        with self.state_lock:
            self.lines[line.key] = line
        return line

    def typed(self, line: Line, text: str) -> None:
        """The field holds ``text`` now: the line is being typed, not yet ended."""
        with self.state_lock:
            line.text = text
            line.typing = True

    def set_text(self, line: Line, text: str) -> None:
        with self.state_lock:
            line.text = text

    def set_change(self, line: Line, change: KindChange) -> None:
        with self.state_lock:
            line.change = change

    def end_line(self, section: Section) -> None:
        """The line in the section's input is done: it joins the section's list, or, never
        written and never saved, is forgotten (an emptied saved line stays, to save it empty)."""
        key = section.current
        section.current = None
        section.chosen = None
        if key is None:
            return
        line = self.lines[key]
        with self.state_lock:
            line.typing = False
        if key not in section.keys:
            if line.text.strip() or line.note_id is not None:
                section.keys.append(key)
            else:
                with self.state_lock:
                    del self.lines[key]

    def changed_at(self, now: float) -> bool:
        """A key changed a line at ``now`` (monotonic seconds): True when it is time to save at
        once, typing having gone on without a pause; otherwise save after a short quiet."""
        if self.unsaved_since is None:
            self.unsaved_since = now
        return now - self.unsaved_since >= LONGEST_UNSAVED_SECONDS

    def dirty_keys(self) -> tuple[int, ...]:
        """The lines that differ from the database, in the order they were begun."""
        with self.state_lock:
            return tuple(key for key, line in self.lines.items() if line.dirty)

    # --- opening the draft again ----------------------------------------------------------------

    def restore(self, meeting: meetings.MeetingView) -> int:
        """Sections and lines as the database holds them; returns the section to go on in.

        Notes follow their agenda item; those of an item no longer on the agenda (or of none)
        gather in a last section. The line that was being typed goes back into its input.
        """
        self.sections = [Section(item.id, item.title) for item in meeting.agenda]
        by_item = {s.item_id: s for s in self.sections}
        for note in meeting.notes:
            line = self.new_line(note.agenda_item_id)
            line.text = line.saved_text = note.text
            line.saved_item_id = note.agenda_item_id
            line.note_id, line.version, line.noted_at = note.id, note.version, note.noted_at
            line.kind, line.evaluate_on = note.kind, note.evaluate_on
            line.responsible_staff_id, line.responsible_text = (
                note.responsible_staff_id,
                note.responsible_text,
            )
            line.typing = line.saved_typing = note.typing
            section = by_item.get(note.agenda_item_id)
            if section is None:  # an item no longer on the agenda, or none
                section = by_item.setdefault(None, Section(None, _(NOT_ON_AGENDA)))
                if section not in self.sections:
                    self.sections.append(section)
            section.keys.append(line.key)
        if not self.sections:
            self.sections.append(Section(None, _(NOT_ON_AGENDA)))
        written = [n for n in meeting.notes if n.text.strip()]
        typed = [n for n in written if n.typing]
        current = 0
        if typed or written:  # go on where the draft ended: in the line being typed, if any
            last = max(typed or written, key=lambda n: (n.noted_at, n.id))
            current = next(
                (
                    number
                    for number, section in enumerate(self.sections)
                    if any(self.lines[k].note_id == last.id for k in section.keys)
                ),
                0,
            )
            if typed:
                self._back_into_input(self.sections[current], last.id)
        return current

    def _back_into_input(self, section: Section, note_id: int) -> None:
        """The line that was being typed when the draft was last saved goes back into the
        input, to be finished; a new line leaves the list of finished ones until Enter."""
        key = next(k for k in section.keys if self.lines[k].note_id == note_id)
        section.current = key
        if section.keys[-1] == key:
            section.keys.pop()
        for line in self.lines.values():  # only one line is ever in the input
            if line.key != key:
                line.typing = False

    # --- saving (in a thread) -------------------------------------------------------------------

    def save(self, store: Store, staff: StaffRef, keys: tuple[int, ...]) -> Iterator[SaveResult]:
        """Save these lines, one writer at a time, telling what happened to each line saved
        as it happens (so a caller that stops early still knows what was done)."""
        with self.write_lock:
            for key in keys:
                result = self.save_line(store, staff, key)
                if result is not None:
                    yield result

    def save_all(self, store: Store, staff: StaffRef) -> None:
        """Save every line that differs from the database (the last save, on the way out)."""
        with self.write_lock:
            for key in self.dirty_keys():
                self.save_line(store, staff, key)

    def save_line(self, store: Store, staff: StaffRef, key: int) -> SaveResult | None:
        """Save the latest state of one line (in a thread, holding the write lock)."""
        with self.state_lock:
            line = self.lines.get(key)
            if line is None or not line.dirty:
                return None
            text, item_id, note_id, version, change, typing = (
                line.text,
                line.item_id,
                line.note_id,
                line.version,
                line.change,
                line.typing,
            )
        kind_args: dict[str, Any] = {}
        if change is not None:
            kind_args = {
                "kind": change.kind,
                "responsible_staff_id": change.responsible_staff_id,
                "responsible_text": change.responsible_text,
                "evaluate_on": change.evaluate_on,
            }
        try:
            note = minutes.save_note(
                store,
                staff,
                self.meeting_id,
                text=text,
                agenda_item_id=item_id,
                note_id=note_id,
                version=version,
                typing=typing,
                **kind_args,
            )
        except StaleWrite as exc:
            fresh = self._fresh_version(store, staff, note_id)
            if fresh is not None:
                with self.state_lock:
                    line.version = fresh  # the next try (a key, ctrl+s) writes what is typed here
            return SaveResult(
                key, exc.message + " " + _("Your text is kept; ctrl+s saves it over theirs.")
            )
        except DomainError as exc:
            if change is None:
                return SaveResult(key, exc.message)
            with self.state_lock:
                if line.change is change:
                    line.change = None
            again = self.save_line(store, staff, key)
            return SaveResult(key, again.error if again else None, refused_change=exc.message)
        except Exception as exc:  # noqa: BLE001 - the text stays; the next key tries again
            return SaveResult(key, self._unexpected(exc))
        with self.state_lock:
            line.note_id, line.version, line.noted_at = note.id, note.version, note.noted_at
            line.saved_text, line.saved_item_id, line.saved_typing = text, item_id, typing
            line.kind, line.evaluate_on = note.kind, note.evaluate_on
            line.responsible_staff_id, line.responsible_text = (
                note.responsible_staff_id,
                note.responsible_text,
            )
            if line.change is change:
                line.change = None
        return SaveResult(key)

    def _fresh_version(self, store: Store, staff: StaffRef, note_id: int | None) -> int | None:
        try:
            meeting = meetings.get_meeting(store, staff, self.meeting_id)
        except Exception:  # noqa: BLE001 - the message of the save says enough
            return None
        return next((n.version for n in meeting.notes if n.id == note_id), None)

    def record_attendance(self, store: Store, staff: StaffRef, attended: dict[int, bool]) -> None:
        """Who came, written between two saves of lines, never during one."""
        with self.write_lock:
            meetings.record_attendance(store, staff, self.meeting_id, attended)

    def finish(
        self, store: Store, staff: StaffRef, *, version: int, outcome: str | None
    ) -> meetings.MeetingView:
        """Write the minutes into the journal, after any save under way (R13)."""
        with self.write_lock:
            return minutes.finish_minutes(
                store, staff, self.meeting_id, version=version, outcome=outcome
            )
