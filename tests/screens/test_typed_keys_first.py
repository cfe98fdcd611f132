"""A fast typist: the keys typed just before ctrl+s (or a minutes key) are never lost.

Textual hands a priority key to the app at once, while the characters typed before it may
still wait in the field's queue. These tests queue characters in the field exactly so, then
press the key in the same moment, as a terminal delivering a fast burst does.
"""

from __future__ import annotations

from datetime import timedelta

from textual import events
from textual.widgets import Input

from relaytui.app import RelayApp
from relaytui.services import clock, meetings
from tests.screens.opening_a_log import SIZE, editor_open, journal_loaded, open_log, stored
from tests.screens.reading import wait_for
from tests.screens.taking_minutes import MinutesApp, open_minutes, texts, wait_until


def burst(widget, text: str) -> None:
    """Characters the terminal delivered, waiting in the field's queue."""
    for ch in text:
        widget.post_message(events.Key("space" if ch == " " else ch, ch))


async def test_ctrl_s_right_after_typing_saves_every_character(level_2_town):
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        await pilot.press("n")
        await wait_for(pilot, lambda: editor_open(app), "the entry editor")
        await pilot.press(*"Ida ate")
        burst(app.focused, " well at 10")
        app.screen.action_save()  # ctrl+s, in the same moment
        await wait_for(pilot, lambda: not editor_open(app), "the editor to close")
        await wait_for(pilot, lambda: journal_loaded(app), "the journal")
    assert stored(level_2_town)[0].text == "Ida ate well at 10"


async def test_a_section_change_right_after_typing_keeps_the_line_whole(world):
    meeting = meetings.schedule(
        world.store,
        world.anna,
        world.log.id,
        kind="dialogue",
        starts_at=clock.now() + timedelta(minutes=5),
    )
    first, second = (item.id for item in meeting.agenda[:2])
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_minutes(pilot)
        await pilot.press(*"Mor er")
        burst(app.focused, " glad")
        screen.action_step_section(1)  # ctrl+down, in the same moment
        await wait_for(
            pilot,
            lambda: (
                screen.current == 1
                and isinstance(app.focused, Input)
                and app.focused.has_class("minutes-input")
            ),
            "the second section's field",
        )
        await pilot.press(*"Ida leger")
        await pilot.press("enter")

        def got():
            return texts(meetings.get_meeting(world.store, world.anna, meeting.id))

        await wait_until(
            pilot,
            lambda: got() == [(first, "Mor er glad"), (second, "Ida leger")],
            "each line whole, in its own section",
        )
