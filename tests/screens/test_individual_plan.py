"""The `p` key of a Norwegian log: pass it into an individual plan with a coordinator (R14)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from relaytui.app import RelayApp
from relaytui.services import logs
from tests.factories import build_world, guardian_consent
from tests.screens.opening_a_log import SIZE, open_log
from tests.screens.reading import screen_text, wait_for


def town_in(store, profile):
    world = build_world(store, profile)
    first = guardian_consent(world) if profile == "no" else None
    log = logs.create_log(
        store,
        world.ref("anna"),
        subject_id=world.subjects["Ida Jensen"],
        concern="Bekymring for søvn",
        first_consent=first,
    )
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
        await wait_for(
            pilot, lambda: isinstance(app.screen, IndividualPlanDialog), "the plan dialog"
        )
        await pilot.press("ctrl+s")  # nobody chosen: said, nothing changes
        await wait_for(
            pilot, lambda: "Choose the coordinator first" in screen_text(app), "the refusal"
        )
        await pilot.press(*"Carl")
        await wait_for(pilot, lambda: "Carl Dahl" in screen_text(app), "Carl in the list")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: "Coordinator: Carl Dahl" in screen_text(app), "Carl chosen")
        await pilot.press(*"Langvarige tenester", "ctrl+s")
        await wait_for(
            pilot,
            lambda: not isinstance(app.screen, (IndividualPlanDialog, LogViewScreen)),
            "back to where the log was opened from",
        )
    detail = logs.get_log(town.store, town.world.ref("carl"), town.log.id)
    assert (detail.status, detail.holder.holder_name) == ("plan", "Carl Dahl")


async def test_a_danish_log_has_no_individual_plan_key(sqlite_store):
    from relaytui.screens.individual_plan import IndividualPlanDialog

    town = town_in(sqlite_store, "dk")
    app = RelayApp(town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, town, "anna")
        await pilot.press("p")
        await pilot.pause(0.3)  # a wait for nothing to happen, on purpose: no dialog opens
        assert not isinstance(app.screen, IndividualPlanDialog)
        assert "Individual plan" not in screen_text(app)


@pytest.mark.rule("R14")
async def test_the_coordinator_is_named_coordinator_in_the_header_the_actors_and_the_papers(
    sqlite_store,
):
    from relaytui import documents
    from relaytui.services import papers, plan

    town = town_in(sqlite_store, "no")
    carl = town.world.ref("carl")
    plan.pass_to_plan(
        town.store,
        town.world.ref("anna"),
        town.log.id,
        coordinator_id=carl.id,
        reason="Langvarige tenester",
    )
    app = RelayApp(town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, town, "carl")
        text = screen_text(app)
        assert "Coordinator: Carl Dahl" in text and "Holder:" not in text
        await pilot.press("3")  # the Actors tab
        await wait_for(
            pilot, lambda: app.screen.query("#actors-table").first().row_count > 0, "the actors"
        )
        table = app.screen.query_one("#actors-table")
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[0] == "Carl Dahl" and row[3] == "coordinator", row
        assert row[1] != "-"  # the coordinator's profession
    copy = documents.render(papers.guardian_copy(town.store, carl, town.log.id), "text").decode()
    # The paper speaks the Norwegian profile's language.
    assert "Koordinatoren: kontaktpersonen din" in copy and "Stafetthaldaren:" not in copy


@pytest.mark.rule("R14")
async def test_the_log_list_names_the_coordinator_coordinator(sqlite_store):
    from relaytui.services import plan
    from tests.screens.listing import show_list, table_rows

    town = town_in(sqlite_store, "no")
    from datetime import date

    from relaytui.services.consent import ConsentInput

    emil = town.world.add_subject(
        "Emil Hansen", date(2017, 3, 2), guardians=(("Kari Hansen", True),)
    )
    other = logs.create_log(
        town.store,
        town.world.ref("carl"),
        subject_id=emil,
        concern="Fråvær",
        first_consent=ConsentInput(
            giver="guardian", method="signed_form", guardian_id=town.world.guardians["Kari Hansen"]
        ),
    )
    carl = town.world.ref("carl")
    plan.pass_to_plan(
        town.store,
        town.world.ref("anna"),
        town.log.id,
        coordinator_id=carl.id,
        reason="Langvarige tenester",
    )
    app = RelayApp(town.store)
    async with app.run_test(size=(160, 40)) as pilot:
        await show_list(pilot, carl)
        holders = {row["name"]: row["holder"] for row in table_rows(app)}
    assert holders["Ida Jensen"] == "coord. Carl Dahl", holders
    assert holders["Emil Hansen"] == "Carl Dahl", holders
    assert other.id != town.log.id


async def test_a_norwegian_number_is_masked_alike_in_the_list_and_on_the_log(sqlite_store):
    """Issue 16: the eleven digits of a Norwegian number show the birth date only, the same way
    in the list as in the log's header."""
    from tests.screens.listing import show_list, table_rows

    town = town_in(sqlite_store, "no")
    app = RelayApp(town.store)
    async with app.run_test(size=(160, 40)) as pilot:
        await show_list(pilot, town.world.ref("anna"))
        [row] = table_rows(app)
        await open_log(pilot, town, "anna")
        header = screen_text(app)
    assert row["number"].endswith("-*****") and len(row["number"]) == 12, row["number"]
    assert row["number"] in header
