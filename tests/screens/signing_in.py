"""Signing in through the login screen, and the municipality whose staff can: the first steps of
the screen tests that start where a caseworker starts."""

from __future__ import annotations

from tests.factories import build_world, give_password, new_log
from tests.screens.listing import loaded, wait_search
from tests.screens.reading import wait_for

PASSWORD = "demo"


def town_with_passwords(store):
    """The municipality of tests/factories.py, with a password for everyone who logs in."""
    world = build_world(store, "dk")
    for username in ("anna", "bo", "lene", "carl", "sofus"):
        give_password(store, username, PASSWORD)
    return world


def holder_world(store):
    """Anna holds Ida Jensen's log; Lene, her leader, reads it (R3); everyone has a password."""
    world = town_with_passwords(store)
    world.log = new_log(world)
    return world


async def log_in(pilot, username: str = "anna", password: str = PASSWORD) -> None:
    """Log in through the login screen; wait until the first screen, the log list, has read."""
    await pilot.press(*username, "enter", *password, "enter")
    await wait_for(pilot, lambda: loaded(pilot.app), "the log list after login")
    await pilot.pause()


def logged_in(username: str, search: str = ""):
    async def run_before(pilot) -> None:
        await log_in(pilot, username, "demo")
        if search:
            await pilot.press("slash", *search)
            await wait_search(pilot, search)
            await pilot.press("escape")  # out of the search: no blinking cursor in the picture
        # The app's own readings after login (the handovers waiting) end before the picture.
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before
