"""The draft of the minutes, without a screen: what is saved when, in what order, and what
survives a crash (R13). Each test tries to break it: saves that race, a save that fails, a
line someone else changed, a kind the service refuses, a program that dies mid-line.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta

import pytest

from relaytui.screens.minutes import draft as draft_module
from relaytui.screens.minutes.draft import (
    LONGEST_UNSAVED_SECONDS,
    NOT_ON_AGENDA,
    KindChange,
    MinutesDraft,
)
from relaytui.services import clock, meetings

FAILED = "Something went wrong (test)."


class Failures:
    """The ``unexpected`` of a draft: remembers what went wrong, answers one line."""

    def __init__(self) -> None:
        self.seen: list[Exception] = []

    def __call__(self, exc: Exception) -> str:
        self.seen.append(exc)
        return FAILED


@pytest.fixture
def meeting(world):
    return meetings.schedule(
        world.store,
        world.anna,
        world.log.id,
        kind="dialogue",
        starts_at=clock.now() + timedelta(minutes=5),
        place="Room 2",
    )


def opened(world, meeting) -> tuple[MinutesDraft, Failures]:
    """A draft opened on the meeting as the database holds it now, as the screen opens it."""
    failures = Failures()
    draft = MinutesDraft(meeting.id, unexpected=failures)
    draft.restore(meetings.get_meeting(world.store, world.anna, meeting.id))
    return draft, failures


def write(draft: MinutesDraft, section_number: int, text: str, *, end: bool = True):
    """Type a line into a section (and end it with Enter, unless ``end`` is False)."""
    section = draft.sections[section_number]
    line = draft.new_line(section.item_id)
    line.noted_at = clock.now()
    section.current = line.key
    draft.typed(line, text)
    if end:
        draft.end_line(section)
    return line


def stored(world, meeting) -> list[meetings.NoteView]:
    return list(meetings.get_meeting(world.store, world.anna, meeting.id).notes)


def save(world, draft: MinutesDraft):
    return list(draft.save(world.store, world.anna, draft.dirty_keys()))


def test_racing_saves_write_each_line_once_in_the_order_it_was_begun(world, meeting):
    draft, failures = opened(world, meeting)
    lines = [write(draft, 0, f"Line {n}") for n in range(6)]
    start = threading.Barrier(4)

    def saver() -> None:
        start.wait()
        list(draft.save(world.store, world.anna, draft.dirty_keys()))

    threads = [threading.Thread(target=saver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    notes = stored(world, meeting)
    assert [n.text for n in notes] == [f"Line {n}" for n in range(6)]  # once each, in order
    assert [n.id for n in notes] == sorted(line.note_id for line in lines)
    assert all(n.version == 1 for n in notes)  # saved once, never again over itself
    assert draft.dirty_keys() == () and failures.seen == []


def test_typing_on_while_saves_run_loses_no_key(world, meeting):
    draft, _failures = opened(world, meeting)
    line = write(draft, 0, "", end=False)
    typed = "The mother says the boy sleeps better since bedtime is fixed."
    done = threading.Event()

    def typist() -> None:
        for end in range(1, len(typed) + 1):
            draft.typed(line, typed[:end])
        done.set()

    def saver() -> None:
        while not done.is_set():
            save(world, draft)

    threads = [threading.Thread(target=typist), threading.Thread(target=saver)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    save(world, draft)  # the last save, after the last key
    notes = stored(world, meeting)
    assert [(n.text, n.typing) for n in notes] == [(typed, True)]
    assert draft.dirty_keys() == ()


def test_a_failing_save_keeps_the_text_and_does_not_stop_the_lines_after_it(
    world, meeting, monkeypatch
):
    draft, failures = opened(world, meeting)
    first, second, third = (write(draft, 0, text) for text in ("One", "Two", "Three"))
    service = draft_module.minutes  # the service module the draft saves through
    real = service.save_note

    def refusing(*args, **kwargs):
        if kwargs["text"] == "Two":
            raise RuntimeError("the disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "save_note", refusing)
    results = save(world, draft)
    assert [(r.key, r.error) for r in results] == [
        (first.key, None),
        (second.key, FAILED),
        (third.key, None),
    ]
    assert [str(e) for e in failures.seen] == ["the disk is full"]
    assert [n.text for n in stored(world, meeting)] == ["One", "Three"]
    assert second.text == "Two" and second.note_id is None and draft.dirty_keys() == (second.key,)

    monkeypatch.setattr(service, "save_note", real)  # the next key tries again
    assert [(r.key, r.error) for r in save(world, draft)] == [(second.key, None)]
    assert sorted(n.text for n in stored(world, meeting)) == ["One", "Three", "Two"]
    assert draft.dirty_keys() == ()


def test_a_line_changed_by_someone_else_keeps_our_text_and_the_next_save_writes_it(world, meeting):
    draft, _failures = opened(world, meeting)
    line = write(draft, 0, "Ours")
    save(world, draft)
    theirs = draft_module.minutes.save_note(
        world.store,
        world.anna,
        meeting.id,
        text="Theirs",
        agenda_item_id=line.item_id,
        note_id=line.note_id,
        version=line.version,
    )
    draft.typed(line, "Ours, changed")
    [result] = save(world, draft)
    assert result.error is not None and "Your text is kept" in result.error
    assert line.text == "Ours, changed" and line.version == theirs.version  # read again
    assert [n.text for n in stored(world, meeting)] == ["Theirs"]
    [again] = save(world, draft)  # ctrl+s: ours over theirs
    assert again.error is None
    assert [n.text for n in stored(world, meeting)] == ["Ours, changed"]


def test_a_kind_the_service_refuses_is_dropped_and_the_text_is_still_saved(world, meeting):
    draft, _failures = opened(world, meeting)
    line = write(draft, 0, "The family department thinks so")
    draft.set_change(line, KindChange("outcome"))  # only a notification meeting has one (R11)
    [result] = save(world, draft)
    assert result.refused_change is not None and result.error is None
    assert line.change is None and line.kind == "note"
    assert [(n.text, n.kind) for n in stored(world, meeting)] == [
        ("The family department thinks so", "note")
    ]


def test_an_effort_is_saved_with_who_and_when(world, meeting):
    draft, _failures = opened(world, meeting)
    line = write(draft, 1, "Mother reads aloud every evening")
    day = clock.local(meeting.starts_at, "Europe/Copenhagen").date() + timedelta(weeks=6)
    draft.set_change(line, KindChange("effort", None, "mother", day))
    assert draft.dirty_keys() == (line.key,)
    [result] = save(world, draft)
    assert result.error is None and line.change is None
    [note] = stored(world, meeting)
    assert (note.kind, note.responsible_text, note.evaluate_on) == ("effort", "mother", day)


def test_what_was_typed_when_the_program_died_comes_back_where_it_was(world, meeting):
    before, _failures = opened(world, meeting)
    write(before, 0, "Finished line")
    half = write(before, 1, "Half a li", end=False)
    before.save_all(world.store, world.anna)  # the last save, on the way out

    after = MinutesDraft(meeting.id, unexpected=Failures())
    assert (
        after.restore(meetings.get_meeting(world.store, world.anna, meeting.id)) == 1
    )  # go on there
    first, second = after.sections[0], after.sections[1]
    assert [after.lines[k].text for k in first.keys] == ["Finished line"]
    # The half-typed line is back in its section's input, not among the finished lines.
    assert second.keys == [] and second.current is not None
    back = after.lines[second.current]
    assert (back.text, back.typing, back.note_id) == ("Half a li", True, half.note_id)
    assert [line.text for line in after.lines.values() if line.typing] == ["Half a li"]
    assert after.dirty_keys() == ()


def test_lines_of_no_agenda_item_gather_in_a_last_section(world, meeting):
    draft_module.minutes.save_note(
        world.store, world.anna, meeting.id, text="Said before the agenda"
    )
    draft, _failures = opened(world, meeting)
    last = draft.sections[-1]
    assert len(draft.sections) == len(meeting.agenda) + 1
    assert (last.item_id, last.title) == (None, NOT_ON_AGENDA)
    assert [draft.lines[k].text for k in last.keys] == ["Said before the agenda"]


def test_an_empty_new_line_is_forgotten_and_an_emptied_saved_line_is_saved_empty(world, meeting):
    draft, _failures = opened(world, meeting)
    blank = write(draft, 0, "   ")
    assert blank.key not in draft.lines and draft.sections[0].keys == []
    line = write(draft, 0, "To be taken back")
    save(world, draft)
    section = draft.sections[0]
    section.current = line.key  # Enter on a chosen line: changed in the input
    draft.typed(line, "")
    draft.end_line(section)
    assert section.keys == [line.key] and draft.dirty_keys() == (line.key,)
    save(world, draft)
    assert [(n.text, n.typing) for n in stored(world, meeting)] == [("", False)]


def test_saving_waits_for_a_pause_but_not_for_ever(world, meeting):
    draft, _failures = opened(world, meeting)
    assert not draft.changed_at(100.0)
    assert not draft.changed_at(100.0 + LONGEST_UNSAVED_SECONDS / 2)
    assert draft.changed_at(100.0 + LONGEST_UNSAVED_SECONDS)  # typing on: save now
    draft.unsaved_since = None  # a save went out
    assert not draft.changed_at(200.0)


def test_attendance_and_finishing_wait_for_a_save_under_way(world, meeting):
    draft, _failures = opened(world, meeting)
    write(draft, 0, "A line")
    recorded = threading.Event()
    invitee = meeting.invitees[0].id if meeting.invitees else None

    def record() -> None:
        draft.record_attendance(world.store, world.anna, {invitee: True} if invitee else {})
        recorded.set()

    with draft.write_lock:  # a save of lines holds it
        thread = threading.Thread(target=record)
        thread.start()
        assert not recorded.wait(0.3)
    assert recorded.wait(30)
    thread.join(timeout=30)
    save(world, draft)
    current = meetings.get_meeting(world.store, world.anna, meeting.id)
    finished = draft.finish(world.store, world.anna, version=current.version, outcome=None)
    assert finished.minutes_finished_at is not None


def test_the_draft_loads_without_textual():
    """Plain Python: importing the draft (and its package) does not load Textual."""
    code = "import sys, relaytui.screens.minutes.draft; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
