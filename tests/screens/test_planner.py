"""The planner (F5), driven key by key: weeks and days, scheduling from it, and who may change
a meeting (R7, R13)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from textual.widgets import DataTable, Static

from relaytui.app import RelayApp
from relaytui.services import meetings, staff_calendar
from tests.screens.demo import DEMO_NOW
from tests.screens.planning import MONDAY_9, loaded, open_planner, planner
from tests.screens.reading import screen_text, wait_for
from tests.screens.signing_in import holder_world, log_in

SIZE = (120, 40)


def title(app) -> str:
    return str(planner(app).query_one("#planner-title", Static).render())


def day_column(app, index: int) -> str:
    return str(planner(app).query_one(f"#planner-day-{index} .planner-day-body", Static).render())


def list_rows(app) -> list[list[str]]:
    table = planner(app).query_one("#planner-agenda", DataTable)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def until_week(pilot, words: str) -> None:
    await wait_for(pilot, lambda: loaded(pilot.app) and title(pilot.app).startswith(words), words)


# --- the demo week ---------------------------------------------------------------------------


def first_upcoming(store, staff) -> meetings.MeetingView:
    """Anna's first planned meeting from today on (the demo gives her some in the coming weeks)."""
    found = staff_calendar.my_meetings(store, staff, start=DEMO_NOW - timedelta(hours=9), days=28)
    return next(m for m in found if m.status == "planned")


async def test_f5_shows_this_week_and_moves_between_weeks_and_days(demo_store):
    app = RelayApp(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_planner(pilot)
        screen = planner(app)
        assert title(app) == "Week 48, 23-29 November 2026"
        # Today is Monday: marked in words, and the chosen day.
        assert screen.query_one("#planner-day-0").has_class("-today", "-chosen")
        assert "today" in str(screen.query_one("#planner-day-0 .planner-day-head", Static).render())
        # To the week of the first meeting ahead, with "]" (a week at a time).
        first = first_upcoming(demo_store, app.staff)
        local = first.starts_at.astimezone(ZoneInfo("Europe/Copenhagen"))
        weeks = (local.date() - DEMO_NOW.date()).days // 7
        for _week in range(weeks):
            await pilot.press("right_square_bracket")
        iso = local.date().isocalendar()
        await until_week(pilot, f"Week {iso.week},")
        screen = planner(app)
        column = day_column(app, local.weekday())
        assert f"{local:%H:%M}-" in column and first.subject_name.split()[0] in column
        if weeks:  # another week: today is not in it
            assert not screen.query_one("#planner-day-0").has_class("-today")
        # Right to its day: it is the chosen meeting, shown in full below the week.
        for _day in range(local.weekday()):
            await pilot.press("right")
        assert screen.query_one(f"#planner-day-{local.weekday()}").has_class("-chosen")
        assert screen.chosen_meeting().starts_at.date() == first.starts_at.date()
        assert screen.chosen_meeting().status == "planned"
        assert "You hold this log" in screen_text(app)
        # Page up goes back a week; "t" comes home to today.
        await pilot.press("pageup")
        await until_week(pilot, f"Week {iso.week - 1},")
        await pilot.press("t")
        await until_week(pilot, "Week 48, 23-29 November 2026")
        assert planner(app).chosen_day == DEMO_NOW.date()
        # Left from Monday goes to Sunday of the week before.
        await pilot.press("left")
        await until_week(pilot, "Week 47, 16-22 November 2026")
        assert planner(app).chosen_day == DEMO_NOW.date() - timedelta(days=1)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await until_week(pilot, "Week 49, 30 November - 6 December 2026")


async def test_v_shows_the_week_as_a_list(demo_store):
    app = RelayApp(demo_store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_planner(pilot)
        first = first_upcoming(demo_store, app.staff)
        local = first.starts_at.astimezone(ZoneInfo("Europe/Copenhagen"))
        for _week in range((local.date() - DEMO_NOW.date()).days // 7):
            await pilot.press("right_square_bracket")
        await until_week(pilot, f"Week {local.date().isocalendar().week},")
        mine = planner(app).data.meetings
        await pilot.press("v")
        await pilot.pause()
        table = planner(app).query_one("#planner-agenda", DataTable)
        assert table.display and app.focused is table
        assert not planner(app).query_one("#planner-week").display
        rows = list_rows(app)
        assert len(rows) == len(mine) >= 1
        row = rows[mine.index(first)]
        assert row[0].endswith(f"{local:%Y-%m-%d}") and row[1] == f"{local:%H:%M}"
        assert row[2] == f"{first.duration_minutes} min" and row[3] == first.subject_name
        assert row[6] == "planned"
        if len(mine) > 1:
            # Down in the list chooses the next meeting, and its day.
            await pilot.press("down")
            await pilot.pause()
            assert planner(app).chosen_id == mine[1].id
        await pilot.press("v")
        await pilot.pause()
        assert planner(app).query_one("#planner-week").display and not table.display


# --- scheduling from the planner -------------------------------------------------------------


async def schedule_on_chosen_day(pilot, *, time_text: str) -> None:
    """n, pick the (only) log, change the time, Ctrl+S."""
    from relaytui.screens.meeting_form import ScheduleDialog
    from relaytui.screens.meeting_log_picker import LogPickerDialog

    app = pilot.app
    await pilot.press("n")
    await wait_for(pilot, lambda: isinstance(app.screen, LogPickerDialog), "the log picker")
    await pilot.press(*"ida", "enter")
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ScheduleDialog) and app.screen.detail is not None,
        "the schedule form",
    )
    await pilot.press("tab", "tab")  # kind -> date -> time
    assert app.focused.id == "schedule-time"
    await pilot.press("end", "ctrl+u", *time_text)
    await pilot.pause(0.5)  # the clash check runs after typing pauses
    await pilot.press("ctrl+s")


async def test_schedule_from_the_planner_then_a_clash_is_warned(sqlite_store, fixed_clock):
    from relaytui.screens.meeting_form import ScheduleDialog

    world = holder_world(sqlite_store)
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_planner(pilot)
        assert "No meetings this week." in screen_text(app)
        await pilot.press("right", "right")  # Wednesday
        await schedule_on_chosen_day(pilot, time_text="10:00")
        await wait_for(pilot, lambda: planner(app) is not None, "the form to close")
        await wait_for(
            pilot,
            lambda: loaded(app) and "10:00-11:00" in day_column(app, 2),
            "the meeting in the week",
        )
        assert "Ida Jensen" in day_column(app, 2)
        [found] = staff_calendar.my_meetings(world.store, world.ref("anna"), start=MONDAY_9, days=7)
        assert found.kind == "dialogue" and found.status == "planned"
        assert found.starts_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 10:00 in Copenhagen
        assert [a.title for a in found.agenda][0] == "Since last time"
        assert planner(app).chosen_id == found.id

        # A second meeting overlapping the first: a warning while typing, and a second Ctrl+S.
        await schedule_on_chosen_day(pilot, time_text="10:30")
        dialog = app.screen
        assert isinstance(dialog, ScheduleDialog)
        warning = dialog.query_one("#meeting-conflicts", Static)
        await wait_for(pilot, lambda: warning.display, "the clash warning")
        assert "Anna Holm already has a meeting 10:00-11:00." in str(warning.render())
        error = dialog.query_one("#log-dialog-error", Static)
        await wait_for(pilot, lambda: error.display, "the refusal of the first save")
        assert "Press Ctrl+S again to save anyway" in str(error.render())
        assert (
            len(staff_calendar.my_meetings(world.store, world.ref("anna"), start=MONDAY_9, days=7))
            == 1
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: planner(app) is not None, "the form to close")
    assert (
        len(staff_calendar.my_meetings(world.store, world.ref("anna"), start=MONDAY_9, days=7)) == 2
    )


async def test_a_bad_time_is_refused_in_the_form_and_kept(sqlite_store, fixed_clock):
    from relaytui.screens.meeting_form import ScheduleDialog

    world = holder_world(sqlite_store)
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_planner(pilot)
        await schedule_on_chosen_day(pilot, time_text="25:61")
        dialog = app.screen
        assert isinstance(dialog, ScheduleDialog)
        error = dialog.query_one("#log-dialog-error", Static)
        await wait_for(pilot, lambda: error.display, "the message")
        assert str(error.render()) == "Type the time as HH:MM, for example 09:30."
        assert app.focused.id == "schedule-time" and app.focused.value == "25:61"
        await pilot.press("escape")
        await wait_for(pilot, lambda: planner(app) is not None, "the planner")
    assert meetings.list_meetings(world.store, world.ref("anna"), world.log.id) == []


async def test_an_invited_reader_is_told_why_and_enter_opens_the_log(sqlite_store, fixed_clock):
    from relaytui.screens.log_view import LogViewScreen

    world = holder_world(sqlite_store)
    lene = world.ref("lene")
    meetings.schedule(
        world.store,
        world.ref("anna"),
        world.log.id,
        kind="dialogue",
        starts_at=MONDAY_9 + timedelta(hours=2),
        invitee_staff_ids=(lene.id,),
    )
    notes = []
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        app.notify = lambda message, **kw: notes.append(message)
        await log_in(pilot, "lene")
        await open_planner(pilot)
        screen = planner(app)
        assert screen.chosen_meeting() is not None
        assert "You are invited; only the holder" in screen_text(app)
        for key in ("m", "c", "a", "i"):
            await pilot.press(key)
            await pilot.pause()
            assert planner(app) is screen, key
        assert (
            notes.count("Only the holder of the log changes this meeting; you are invited to it.")
            == 4
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewScreen), "the log, to read")
        assert app.screen.log_id == world.log.id


async def test_enter_opens_the_minutes_for_the_holder(sqlite_store, fixed_clock):
    minutes = pytest.importorskip("relaytui.screens.minutes")
    world = holder_world(sqlite_store)
    meeting = meetings.schedule(
        world.store,
        world.ref("anna"),
        world.log.id,
        kind="dialogue",
        starts_at=MONDAY_9 + timedelta(hours=2),
    )
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_planner(pilot)
        assert planner(app).chosen_id == meeting.id
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, minutes.MinutesScreen), "the minutes")
        assert app.screen.meeting_id == meeting.id
