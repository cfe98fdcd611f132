"""The drop-down lists of the forms open inside their dialog, and say their keys in the user's
language (issue 16)."""

from __future__ import annotations

import pytest

from relaytui.screens.effort_forms import AddEffortDialog
from relaytui.services import consent, log_actors
from relaytui.widgets.choice import Choice, ChoiceOverlay
from tests.factories import guardian_consent
from tests.screens.log_panes import efforts_app, open_pane
from tests.screens.reading import screen_text, wait_for

READERS = ("bo", "carl", "sofus", "fie")


@pytest.fixture
def crowded(level_0_town):
    """Anna's log with six people to choose from as responsible: the holder, Lene (the leader)
    and four actors."""
    town = level_0_town
    ids = tuple(town.world.ref(name).id for name in READERS)
    consent.record_consent(
        town.store, town.anna, town.log.id, guardian_consent(town.world, staff_ids=ids)
    )
    for staff_id in ids:
        log_actors.add_actor(town.store, town.anna, town.log.id, staff_id=staff_id)
    return town


async def open_responsible(pilot):
    app = pilot.app
    await open_pane(pilot)
    await pilot.press("a")
    await wait_for(pilot, lambda: isinstance(app.screen, AddEffortDialog), "the form")
    await pilot.press("tab", "enter")
    await wait_for(
        pilot, lambda: app.screen.query_one("#effort-responsible", Choice).expanded, "the list"
    )
    await pilot.pause()
    return app.screen.query_one("#effort-responsible", Choice), app.screen.query_one(ChoiceOverlay)


@pytest.mark.parametrize("size", [(120, 40), (100, 24), (80, 16)])
async def test_the_open_list_stays_inside_the_dialog(crowded, size):
    app = efforts_app(crowded)
    async with app.run_test(size=size) as pilot:
        choice, overlay = await open_responsible(pilot)
        box = choice.frame().content_region
        shown = overlay.region
        assert box.y <= shown.y and shown.bottom <= box.bottom, (box, shown)
        # As many options as there is room for, and every option at most a scroll away.
        assert shown.height >= min(overlay.option_count, box.height - 1, 3)
        await pilot.press("end", "enter")
        await wait_for(pilot, lambda: not choice.expanded, "the list closed")
        assert choice.value == choice._options[-1][1]


async def test_a_short_list_opens_below_the_field_at_its_own_height(level_0_town):
    app = efforts_app(level_0_town)
    async with app.run_test(size=(120, 40)) as pilot:
        choice, overlay = await open_responsible(pilot)
        assert overlay.option_count == 3  # someone else, Anna (holder), Lene (leader)
        current = choice.query_one("#label").parent
        assert overlay.region.y == current.region.bottom
        assert overlay.region.height == overlay.option_count + overlay.styles.gutter.height
        # Escape closes the list, and the footer says so in the user's words, not Textual's.
        assert "Close the list" in screen_text(app) and "Dismiss menu" not in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not choice.expanded, "the list closed")
        assert isinstance(app.screen, AddEffortDialog)
