"""The meeting dialogs, driven key by key from the planner and from the log's Meetings tab:
moving and cancelling with a reason, the agenda reordered, the invitation exported (R13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.widgets import DataTable, Static

from relaytui.app import RelayApp
from relaytui.errors import StaleWrite
from relaytui.services import meetings
from tests.screens.planning import MONDAY_9, open_planner, planner
from tests.screens.reading import wait_for
from tests.screens.signing_in import holder_world, log_in

SIZE = (120, 40)
#: Wednesday 25 November 2026, 10:00 in Copenhagen.
WEDNESDAY_10 = MONDAY_9 + timedelta(days=2, hours=1)


@pytest.fixture
def planned(sqlite_store, fixed_clock):
    """Anna holds Ida Jensen's log and has a dialogue meeting about it on Wednesday at 10:00,
    with Lene (her leader, an actor) invited."""
    world = holder_world(sqlite_store)
    world.meeting = meetings.schedule(
        world.store,
        world.ref("anna"),
        world.log.id,
        kind="dialogue",
        starts_at=WEDNESDAY_10,
        place="Room 2",
        invitee_staff_ids=(world.ref("lene").id,),
    )
    return world


async def to_the_meeting(pilot) -> None:
    """Log in as anna, F5, right to Wednesday: the meeting is chosen."""
    await log_in(pilot, "anna")
    await open_planner(pilot)
    await pilot.press("right", "right")
    assert planner(pilot.app).chosen_meeting() is not None


def error_text(app) -> str:
    error = app.screen.query_one("#log-dialog-error", Static)
    return str(error.render()) if error.display else ""


async def until_form(pilot, kind) -> None:
    app = pilot.app
    await wait_for(
        pilot, lambda: isinstance(app.screen, kind) and app.screen.tz is not None, kind.__name__
    )
    await pilot.pause()


async def back_in_planner(pilot) -> None:
    await wait_for(pilot, lambda: planner(pilot.app) is not None, "the planner")


def stored(world) -> meetings.MeetingView:
    return meetings.get_meeting(world.store, world.ref("anna"), world.meeting.id)


# --- moving and cancelling -------------------------------------------------------------------


async def test_move_needs_a_reason_then_moves(planned):
    from relaytui.screens.meeting_changes import RescheduleDialog

    app = RelayApp(planned.store)
    async with app.run_test(size=SIZE) as pilot:
        await to_the_meeting(pilot)
        await pilot.press("m")
        await until_form(pilot, RescheduleDialog)
        assert app.focused.id == "move-date" and app.focused.value == "2026-11-25"
        assert app.screen.query_one("#move-time").value == "10:00"
        await pilot.press("end", "ctrl+u", *"2026-11-26", "tab", "end", "ctrl+u", *"13:00")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: error_text(app), "the refusal")
        assert error_text(app) == "Write why the meeting moves."
        assert app.focused.id == "move-reason"
        assert app.screen.query_one("#move-date").value == "2026-11-26"  # what was typed stays
        assert stored(planned).starts_at == WEDNESDAY_10
        await pilot.press(*"The mother is ill", "enter")
        await back_in_planner(pilot)
    moved = stored(planned)
    assert moved.starts_at == datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert moved.moved_reason == "The mother is ill" and moved.place == "Room 2"


async def test_a_stale_move_says_so_and_keeps_what_was_typed(planned):
    from relaytui.screens.meeting_changes import RescheduleDialog

    app = RelayApp(planned.store)
    async with app.run_test(size=SIZE) as pilot:
        await to_the_meeting(pilot)
        await pilot.press("m")
        await until_form(pilot, RescheduleDialog)
        # Meanwhile the meeting is moved elsewhere (another terminal).
        meetings.reschedule(
            planned.store,
            planned.ref("anna"),
            planned.meeting.id,
            version=planned.meeting.version,
            starts_at=WEDNESDAY_10 + timedelta(hours=1),
            duration_minutes=60,
            reason="Room taken",
        )
        await pilot.press("tab", "tab", "tab", "tab", *"Holiday", "ctrl+s")
        await wait_for(pilot, lambda: error_text(app), "the stale message")
        assert "Save again to make your change." in error_text(app)
        assert app.screen.query_one("#move-reason").value == "Holiday"
        assert "11:00-12:00" in str(app.screen.query_one("#meeting-summary", Static).render())
        await pilot.press("ctrl+s")
        await back_in_planner(pilot)
    assert stored(planned).moved_reason == "Holiday"
    with pytest.raises(StaleWrite):
        meetings.cancel(
            planned.store,
            planned.ref("anna"),
            planned.meeting.id,
            version=planned.meeting.version,
            reason="old",
        )


async def test_cancel_needs_a_reason_and_shows_struck_with_it(planned):
    from relaytui.screens.meeting_changes import CancelMeetingDialog

    app = RelayApp(planned.store)
    async with app.run_test(size=SIZE) as pilot:
        await to_the_meeting(pilot)
        await pilot.press("c")
        await until_form(pilot, CancelMeetingDialog)
        await pilot.press("enter")
        await wait_for(pilot, lambda: error_text(app), "the refusal")
        assert error_text(app) == "Write why the meeting is cancelled."
        assert stored(planned).status == "planned"
        await pilot.press(*"The family moved", "ctrl+s")
        await back_in_planner(pilot)
        await wait_for(
            pilot, lambda: planner(app).chosen_meeting().status == "cancelled", "the reload"
        )
        column = planner(app).query_one("#planner-day-2 .planner-day-body", Static)
        assert "cancelled: The family moved" in str(column.render())
        assert any("strike" in str(span.style) for span in column.render().spans)
    assert stored(planned).cancel_reason == "The family moved"


# --- the agenda ------------------------------------------------------------------------------


async def test_the_agenda_is_edited_and_reordered_by_keyboard(planned):
    from relaytui.screens.meeting_changes import AgendaDialog

    app = RelayApp(planned.store)
    before = [a.title for a in planned.meeting.agenda]
    assert before[:2] == ["Since last time", "The child's own view"]
    async with app.run_test(size=SIZE) as pilot:
        await to_the_meeting(pilot)
        await pilot.press("a")
        await until_form(pilot, AgendaDialog)
        dialog = app.screen
        assert app.focused.id == "agenda-items"
        # The first item one down; then edit it (Enter), and add one after it (n).
        await pilot.press("shift+down")
        await pilot.pause()
        assert dialog.titles[:2] == ["The child's own view", "Since last time"]
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused.id == "agenda-edit" and app.focused.value == "Since last time"
        await pilot.press(*" at home", "enter")
        await pilot.pause()
        assert app.focused.id == "agenda-items"
        await pilot.press("n", *"School start", "enter")
        await pilot.pause()
        # Ctrl+Up twice moves "School start" to the top; the last item goes.
        await pilot.press("ctrl+up", "ctrl+up")
        await pilot.pause()
        assert dialog.titles[0] == "School start"
        await pilot.press(*["down"] * 5, "d")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await back_in_planner(pilot)
    assert [a.title for a in stored(planned).agenda] == [
        "School start",
        "The child's own view",
        "Since last time at home",
        "Evaluation of efforts and goals",
        "New agreements",
    ]


# --- the invitation --------------------------------------------------------------------------


async def test_i_exports_the_invitation_as_ics_and_letter(planned, tmp_path, monkeypatch):
    import platformdirs
    from icalendar import Calendar

    monkeypatch.setattr(platformdirs, "user_documents_dir", lambda: str(tmp_path / "Documents"))
    notes = []
    app = RelayApp(planned.store)
    async with app.run_test(size=SIZE) as pilot:
        app.notify = lambda message, **kw: notes.append(message)
        await to_the_meeting(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: any("Invitation saved" in n for n in notes), "the paths")
    [ics] = (tmp_path / "Documents").glob("*.ics")
    [letter] = (tmp_path / "Documents").glob("*.txt")
    assert str(ics) in notes[-1] and str(letter) in notes[-1]
    assert ics.stat().st_mode & 0o077 == 0  # the child's initials: its owner's only
    event = next(c for c in Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))
    assert event.decoded("DTSTART") == WEDNESDAY_10
    assert str(event["LOCATION"]) == "Room 2"
    attendees = event["ATTENDEE"]
    assert len(attendees if isinstance(attendees, list) else [attendees]) == 2  # Anna and Lene
    assert "Ida Jensen" in letter.read_text(encoding="utf-8")


# --- the Meetings tab of the log view ---------------------------------------------------------


async def open_meetings_tab(pilot, log_id: int) -> None:
    from relaytui.screens.log_view import LogViewScreen
    from relaytui.widgets.messages import OpenLog

    app = pilot.app
    app.post_message(OpenLog(log_id))
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, LogViewScreen) and app.screen.detail is not None,
        "the log",
    )
    await pilot.press("4")
    pane = app.screen.query_one("#logview-meetings")
    await wait_for(pilot, lambda: pane.found is not None, "the meetings")
    await pilot.pause()


async def test_the_holder_schedules_from_the_meetings_tab(planned):
    from relaytui.screens.meeting_form import ScheduleDialog

    app = RelayApp(planned.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_meetings_tab(pilot, planned.log.id)
        pane = app.screen.query_one("#logview-meetings")
        assert len(pane.found) == 1
        await pilot.press("n")
        await until_form(pilot, ScheduleDialog)
        dialog = app.screen
        assert dialog.query_one("#schedule-date").value == "2026-11-24"  # tomorrow, 09:00
        # Notification meeting: its own agenda, and the hint about the family department.
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert dialog.kind == "notification"
        assert dialog.query_one("#schedule-agenda").text.startswith(
            "The concern and what has been done"
        )
        assert dialog.query_one("#schedule-guest-hint").display
        # Lene (the leader, an actor) and the guardians are offered as invitees (issue 16);
        # a guest is typed.
        invitees = dialog.query_one("#schedule-invitees")
        assert [str(o.prompt).split(" (")[0] for o in invitees.options] == [
            "Lene Lund",
            "Mette Jensen",
            "Peter Jensen",
        ]
        invitees.focus()
        await pilot.press("space", "down", "space")
        dialog.query_one("#schedule-guests").focus()
        await pilot.press(*"Jonas Kjaer, social worker")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is not dialog, "the form to close")
        await wait_for(
            pilot,
            lambda: pane.found is not None and len(pane.found) == 2,
            "the new meeting in the tab",
        )
        table = pane.query_one("#meetings-table", DataTable)
        assert "notification meeting" in [
            table.get_row_at(i)[1].plain for i in range(table.row_count)
        ]
    new = next(
        m
        for m in meetings.list_meetings(planned.store, planned.ref("anna"), planned.log.id)
        if m.kind == "notification"
    )
    assert [i.name for i in new.invitees] == [
        "Anna Holm",
        "Lene Lund",
        "Mette Jensen",
        "Jonas Kjaer",
    ]
    assert new.invitees[2].guardian_id == planned.guardians["Mette Jensen"]  # invited as a guardian
    assert new.invitees[3].role == "social worker" and new.invitees[3].staff_id is None


async def test_a_reader_in_the_meetings_tab_is_told_why(planned):
    notes = []
    app = RelayApp(planned.store)
    async with app.run_test(size=SIZE) as pilot:
        app.notify = lambda message, **kw: notes.append(message)
        await log_in(pilot, "lene")
        await open_meetings_tab(pilot, planned.log.id)
        screen = app.screen
        for key in ("n", "m", "c", "a", "i"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, key
        assert len(notes) == 5 and len(set(notes)) == 1
        assert "holder" in notes[0]
