"""The planner (F5), opened and read: shared by the tests of the planner and of the meeting
dialogs opened from it."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.screens.reading import wait_for

#: Monday 23 November 2026, 09:00 in Copenhagen.
MONDAY_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def planner(app):
    from relaytui.screens.planner import PlannerScreen

    screen = app.screen
    return screen if isinstance(screen, PlannerScreen) else None


def loaded(app) -> bool:
    screen = planner(app)
    return (
        screen is not None
        and screen.data is not None
        and not screen.query_one("#planner-week").loading
    )


async def open_planner(pilot) -> None:
    await pilot.press("f5")
    await wait_for(pilot, lambda: loaded(pilot.app), "the planner and its week")
    await pilot.pause()
