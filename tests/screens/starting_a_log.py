"""The new-log screen opened for one person, and its number check line: shared by the tests of
the new-log screen and of dates in each language."""

from __future__ import annotations

from textual.widgets import Static

from tests.screens.reading import wait_for

NEW_CPR = "0101154123"  # valid (stdnum.dk.cpr), born 2015-01-01, not in the world


async def open_new_log(pilot, world, who: str = "anna"):
    from relaytui.screens.new_log import NewLogScreen

    app = pilot.app
    app.staff = world.ref(who)
    screen = NewLogScreen()
    app.push_screen(screen)
    await wait_for(
        pilot,
        lambda: app.screen is screen and screen.inst is not None,
        "the new-log screen and the installation",
    )
    await pilot.pause()
    return screen


def check_line(screen) -> str:
    return str(screen.query_one("#newlog-number-check", Static).render())
