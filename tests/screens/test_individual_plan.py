"""The `p` key of a Norwegian log: pass it into an individual plan with a coordinator (R14)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from relaytui.app import RelayApp
from relaytui.services import logs
from tests.factories import build_world
from tests.screens.reading import screen_text, wait_for
from tests.screens.test_log_view import SIZE, open_log
from tests.services.test_logs import guardian_consent


def town_in(store, profile):
    world = build_world(store, profile)
    first = guardian_consent(world) if profile == "no" else None
    log = logs.create_log(store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"],
                          concern="Bekymring for søvn", first_consent=first)
    return SimpleNamespace(world=world, store=store, log=log)


@pytest.mark.rule("R14")
async def test_the_holder_passes_the_log_to_a_coordinator_by_keyboard(sqlite_store):
    from relaytui.screens.individual_plan import IndividualPlanDialog
    from relaytui.screens.log_view import LogViewScreen

    town = town_in(sqlite_store, "no")
    app = RelayApp(town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, town, "anna")
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, IndividualPlanDialog), "the plan dialog")
        await pilot.press("ctrl+s")  # nobody chosen: said, nothing changes
        await wait_for(pilot, lambda: "Choose the coordinator first" in screen_text(app), "the refusal")
        await pilot.press(*"Carl")
        await wait_for(pilot, lambda: "Carl Dahl" in screen_text(app), "Carl in the list")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: "Coordinator: Carl Dahl" in screen_text(app), "Carl chosen")
        await pilot.press(*"Langvarige tenester", "ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, (IndividualPlanDialog, LogViewScreen)),
                       "back to where the log was opened from")
    detail = logs.get_log(town.store, town.world.ref("carl"), town.log.id)
    assert (detail.status, detail.holder.holder_name) == ("plan", "Carl Dahl")


async def test_a_danish_log_has_no_individual_plan_key(sqlite_store):
    from relaytui.screens.individual_plan import IndividualPlanDialog

    town = town_in(sqlite_store, "dk")
    app = RelayApp(town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, town, "anna")
        await pilot.press("p")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, IndividualPlanDialog)
        assert "Individual plan" not in screen_text(app)
