"""The minutes editor opened straight on one meeting, and the waits its tests share: the
screen tests of the minutes, of typing ahead and of the writing hints."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from textual.widgets import Input

import relaytui.app
from relaytui.app import RelayApp
from relaytui.screens.minutes import MinutesScreen
from relaytui.services import clock, meetings
from tests.screens.reading import wait_for


class MinutesApp(RelayApp):
    """The real app (styles, keys, language), logged in, with the minutes of one meeting open."""

    CSS_PATH = str(Path(relaytui.app.__file__).with_name("app.tcss"))

    def __init__(self, store, staff, meeting_id: int) -> None:
        super().__init__(store)
        self.staff = staff
        self._meeting_id = meeting_id

    def on_mount(self, event) -> None:
        event.prevent_default()  # not the login screen
        self.push_screen(MinutesScreen(self._meeting_id))


def schedule(
    world, kind: str = "dialogue", guests=(meetings.GuestInput("Mette Jensen", "mother"),)
):
    return meetings.schedule(
        world.store,
        world.anna,
        world.log.id,
        kind=kind,
        starts_at=clock.now() + timedelta(minutes=5),
        place="Room 2",
        guests=guests,
    )


def minutes(app) -> MinutesScreen:
    return next(s for s in app.screen_stack if isinstance(s, MinutesScreen))


def ready(app) -> bool:
    try:
        screen = minutes(app)
    except StopIteration:
        return False
    return (
        screen.meeting is not None
        and screen.is_mounted
        and (not screen.writable or isinstance(app.focused, Input))
    )


async def open_minutes(pilot) -> MinutesScreen:
    await wait_for(pilot, lambda: ready(pilot.app), "the minutes")
    await pilot.pause()
    return minutes(pilot.app)


async def wait_until(pilot, predicate, what: str, seconds: float = 10.0) -> float:
    """Poll the database (not the screen) until ``predicate``; returns the seconds it took. The
    limit only ends a wait that would never end: how fast a line is saved is measured in
    ``python -m benchmarks.minutes``, not asserted here."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if predicate():
            return time.monotonic() - start
        await pilot.pause(0.05)
    raise AssertionError(f"not within {seconds} s: {what}")


def texts(meeting: meetings.MeetingView) -> list[tuple[int | None, str]]:
    return [(note.agenda_item_id, note.text) for note in meeting.notes]
