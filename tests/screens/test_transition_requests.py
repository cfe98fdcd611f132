"""Asking the family about a new unit (R8), key by key: the handover dialog offers it when a
transition is refused for want of consent, and the "Actors and consent" tab shows the request,
its answer, and lets the holder withdraw it while it waits."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import Input, OptionList

from relaytui.app import RelayApp
from relaytui.screens.handover import ProposeHandoverDialog
from relaytui.screens.log_actors import ActorsPane
from relaytui.services import family, handover, logs, subjects, transitions
from relaytui.services.subjects import GuardianInput
from relaytui.ui.dialogs import ConfirmDialog
from tests.factories import dk_number, new_log
from tests.screens.log_panes import SIZE, PaneApp, PaneHost, footer_keys, host, open_pane
from tests.screens.reading import screen_text, wait_for
from tests.screens.signing_in import log_in, town_with_passwords

METTES_NUMBER = dk_number(date(1985, 3, 12), serial=4123)


def mette_can_log_in(world, log_id: int) -> None:
    subjects.change_guardian(
        world.store,
        world.ref("anna"),
        log_id,
        world.guardians["Mette Jensen"],
        GuardianInput("Mette Jensen", "mother", national_number=METTES_NUMBER),
    )


async def choose_carl(pilot) -> None:
    app = pilot.app
    await pilot.press(*"Carl")
    await wait_for(
        pilot,
        lambda: (
            app.screen.people
            and all(p.full_name == "Carl Dahl" for p in app.screen.people.values())
        ),
        "Carl found",
    )
    await pilot.press("enter", "enter")  # to the list, then pick him
    await wait_for(pilot, lambda: app.screen.chosen is not None, "the choice")


@pytest.mark.rule("R8")
async def test_a_transition_refused_for_want_of_consent_offers_to_ask_the_guardians(
    sqlite_store,
):
    world = town_with_passwords(sqlite_store)
    log = new_log(world)
    mette_can_log_in(world, log.id)
    results: list = []
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        detail = logs.get_log(world.store, world.ref("anna"), log.id)
        app.push_screen(ProposeHandoverDialog(detail), callback=results.append)
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ProposeHandoverDialog)
                and app.screen.inst is not None
                and app.screen.query_one(OptionList).option_count
            ),
            "the handover dialog",
        )
        await choose_carl(pilot)
        assert app.focused is app.screen.query_one("#handover-message", Input)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        text = screen_text(app)
        assert "No consent covers Østre School yet" in text
        assert "propose the handover to Carl Dahl again" in text
        await pilot.press("enter")  # yes: ask the guardians
        await wait_for(pilot, lambda: results, "the handover dialog to close")
        assert results == [True]
    (asked,) = transitions.requests_for_log(world.store, world.ref("anna"), log.id)
    assert asked.status == "pending" and asked.unit_id == world.units["school"]
    assert handover.inbox(world.store, world.ref("carl")) == []  # nothing proposed yet


@pytest.fixture
def asked_town(level_0_town):
    """Anna asked Ida's mother, who can log in, about Østre School."""
    mette_can_log_in(level_0_town.world, level_0_town.log.id)
    level_0_town.asked = transitions.ask_family(
        level_0_town.store,
        level_0_town.anna,
        level_0_town.log.id,
        level_0_town.world.units["school"],
    )
    return level_0_town


def note(app) -> str:
    widget = host(app).pane.query_one("#actors-transitions")
    return str(widget.render()) if widget.display else ""


@pytest.mark.rule("R8")
async def test_the_tab_shows_the_waiting_request_and_the_holder_withdraws_it(asked_town):
    app = PaneApp(asked_town.store, asked_town.anna, ActorsPane(asked_town.log.id))
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        assert "to let the log pass to Østre School: waiting for their answer" in note(app)
        assert "withdraw_transition" in footer_keys(app)
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        assert "no longer be asked to let the log pass to Østre School" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the question to close")
        await wait_for(pilot, lambda: not note(app), "the request to go")
        assert "withdraw_transition" not in footer_keys(app)
    (gone,) = transitions.requests_for_log(asked_town.store, asked_town.anna, asked_town.log.id)
    assert gone.status == "withdrawn"


async def test_an_actor_reads_the_familys_answer_without_the_holders_hints(asked_town):
    mother = family.FamilyRef(national_number=METTES_NUMBER, name="Mette Jensen")
    family.answer_transition(asked_town.store, mother, asked_town.asked.id, accept=True)
    app = PaneApp(asked_town.store, asked_town.lene, ActorsPane(asked_town.log.id))
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        assert "Mette Jensen accepted on" in note(app)
        assert "that the log passes to Østre School." in note(app)
        assert "Propose the handover" not in note(app)
        assert "withdraw_transition" not in footer_keys(app)
