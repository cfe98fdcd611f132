"""Dates shown in the user's language (issue 16): one form per screen, Babel's, never ISO beside
a local form; "6. desember" with its full stop in Norwegian; "født" in the new-log summary."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from textual.widgets import Static

from relaytui import i18n
from relaytui.app import RelayApp
from relaytui.i18n.formats import date_text, day_month_text
from relaytui.services import clock, meetings
from tests.screens.reading import screen_text, wait_for
from tests.screens.taking_minutes import MinutesApp, open_minutes

SIZE = (120, 40)
#: Sunday 6 December 2026, 09:00 in Copenhagen and Oslo.
SUNDAY = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture
def sunday():
    clock.set_clock(lambda: SUNDAY)
    yield SUNDAY
    clock.set_clock(None)


def test_the_day_and_month_keep_the_full_stop_in_danish_and_norwegian():
    day = date(2026, 12, 6)
    for language, expected in (
        ("nb", "6. desember"),
        ("nn", "6. desember"),
        ("da", "6. december"),
        ("en", "6 December"),
    ):
        with i18n.speaking(language):
            assert day_month_text(day) == expected


async def test_the_minutes_heading_shows_the_date_as_the_language_writes_it(world, sunday):
    meeting = meetings.schedule(
        world.store,
        world.anna,
        world.log.id,
        kind="dialogue",
        starts_at=SUNDAY + timedelta(days=8),
        place="Rum 2",
    )
    app = MinutesApp(world.store, world.anna, meeting.id)
    i18n.set_language("da")
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_minutes(pilot)
            heading = str(screen.query_one("#minutes-title", Static).render())
            assert "14.12.2026 09.00–10.00" in heading or "14.12.2026 09.00–" in heading
            assert not ISO.search(heading)
    finally:
        i18n.set_language("en")


async def test_the_history_shows_danish_dates(world, sunday):
    from types import SimpleNamespace

    from tests.screens.opening_a_log import open_log

    app = RelayApp(world.store, language="da")
    try:
        async with app.run_test(size=SIZE) as pilot:
            town = SimpleNamespace(
                world=SimpleNamespace(ref=lambda _name: world.anna), log=world.log
            )
            await open_log(pilot, town, "anna")
            await pilot.press("5")
            pane = app.screen.query_one("#logview-history")
            await wait_for(pilot, lambda: pane.history is not None, "the history")
            await pilot.pause()
            text = screen_text(app)
            assert date_text(clock.today("Europe/Copenhagen")) in text  # dd.mm.yyyy
            assert not ISO.search(text)
    finally:
        i18n.set_language("en")


async def test_the_planner_says_6_desember_with_the_full_stop(world, sunday):
    from relaytui.screens.planner import PlannerScreen

    app = RelayApp(world.store, language="nb")
    try:
        async with app.run_test(size=SIZE) as pilot:
            app.staff = world.anna
            screen = PlannerScreen()
            app.push_screen(screen)
            await wait_for(pilot, lambda: screen.data is not None, "the planner's week")
            await pilot.pause()
            detail = str(screen.query_one("#planner-detail", Static).render())
            assert "6. desember" in detail, detail
    finally:
        i18n.set_language("en")


async def test_the_new_log_says_born_in_the_language_s_form(sqlite_store):
    from tests.factories import build_world
    from tests.screens.starting_a_log import NEW_CPR, check_line, open_new_log

    world = build_world(sqlite_store, "dk")
    app = RelayApp(sqlite_store, language="da")
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_new_log(pilot, world)
            await pilot.press(*NEW_CPR)
            assert check_line(screen).endswith("født 01.01.2015")
    finally:
        i18n.set_language("en")
