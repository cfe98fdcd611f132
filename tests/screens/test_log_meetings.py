"""The Meetings tab of the log view: its footer shows only the keys that can act (R7, R13)."""

from __future__ import annotations

from datetime import timedelta

from relaytui.screens.log_meetings import MeetingsPane
from relaytui.services import clock, meetings
from tests.screens.log_panes import SIZE, PaneApp, host
from tests.screens.reading import wait_for

CHOSEN_MEETING_KEYS = {"move_meeting", "cancel_meeting", "edit_agenda", "export_invitation"}


def meetings_app(level_0_town, who: str) -> PaneApp:
    return PaneApp(
        level_0_town.store, level_0_town.world.ref(who), MeetingsPane(level_0_town.log.id)
    )


async def open_meetings(pilot) -> MeetingsPane:
    def loaded() -> bool:
        try:
            pane = host(pilot.app).pane
        except StopIteration:
            return False
        return pane.found is not None and host(pilot.app).shown > 0

    await wait_for(pilot, loaded, "the meetings")
    await pilot.pause()
    return host(pilot.app).pane


def shown_keys(app) -> set[str]:
    """The actions the footer shows (enabled or greyed), not the hidden explanations."""
    return {
        active.binding.action
        for active in app.screen.active_bindings.values()
        if active.binding.show
    }


async def test_a_readers_empty_meetings_tab_offers_no_meeting_keys(level_0_town):
    app = meetings_app(level_0_town, "lene")  # the leader reads along (R3), does not hold the log
    async with app.run_test(size=SIZE) as pilot:
        await open_meetings(pilot)
        assert not CHOSEN_MEETING_KEYS & shown_keys(app)
        assert "schedule_meeting" not in shown_keys(app)
        # A meeting key still says why nothing opens.
        await pilot.press("m")
        await wait_for(pilot, lambda: app._notifications, "the explanation")


async def test_the_holders_empty_meetings_tab_offers_only_schedule(level_0_town):
    app = meetings_app(level_0_town, "anna")
    async with app.run_test(size=SIZE) as pilot:
        await open_meetings(pilot)
        keys = shown_keys(app)
        assert "schedule_meeting" in keys
        assert not CHOSEN_MEETING_KEYS & keys


async def test_a_chosen_meeting_gives_the_holder_its_keys_and_a_reader_none(level_0_town):
    starts = clock.now() + timedelta(days=3)
    meetings.schedule(
        level_0_town.store,
        level_0_town.anna,
        level_0_town.log.id,
        kind="dialogue",
        starts_at=starts,
        place="Daycare",
    )
    for who, expected in (("anna", CHOSEN_MEETING_KEYS), ("lene", set())):
        app = meetings_app(level_0_town, who)
        async with app.run_test(size=SIZE) as pilot:
            pane = await open_meetings(pilot)
            await wait_for(pilot, lambda: pane.chosen_meeting() is not None, "the chosen meeting")
            assert CHOSEN_MEETING_KEYS & shown_keys(app) == expected, who
