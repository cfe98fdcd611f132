"""The "Actors and consent" pane of the log view, driven key by key (R5, R6, R7).

The pane sits in the stand-in for the log view of tests/screens/log_panes.py (PaneHost): it loads the log,
shows it to the pane, and loads again on LogChanged, as the log view does.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, Input, OptionList, SelectionList

from relaytui.errors import NotAllowed
from relaytui.screens.actor_forms import AddActorDialog, RemoveActorDialog
from relaytui.screens.consent_forms import RecordConsentDialog, WithdrawConsentDialog
from relaytui.screens.log_actors import ActorsPane
from relaytui.services import consent, log_actors, logs
from relaytui.services.consent import ConsentInput
from tests.screens.log_panes import (
    MARKUP,
    SIZE,
    SMALL,
    PaneApp,
    PaneHost,
    cells,
    dialog,
    error_text,
    footer_keys,
    host,
    open_pane,
)
from tests.screens.reading import screen_text, type_text, wait_for

R5_MESSAGE = (
    "No consent in force covers Fie Falk. Record a consent that covers Fie Falk "
    "under Actors and consent first."
)


def actors_app(level_0_town, who: str = "anna") -> PaneApp:
    return PaneApp(level_0_town.store, level_0_town.world.ref(who), ActorsPane(level_0_town.log.id))


def actor_names(level_0_town) -> list[str]:
    return [
        a.name
        for a in log_actors.list_actors(level_0_town.store, level_0_town.anna, level_0_town.log.id)
    ]


def shown_names(app) -> list[str]:
    return [row[0] for row in cells(app, "#actors-table")]


def give_consent(level_0_town, **covers) -> consent.ConsentView:
    data = ConsentInput(
        giver="guardian",
        method="signed_form",
        guardian_id=level_0_town.world.guardians["Mette Jensen"],
        **covers,
    )
    return consent.record_consent(level_0_town.store, level_0_town.anna, level_0_town.log.id, data)


async def choose(pilot, *keys: str) -> None:
    """Open the focused Select, move in its list, and take the option."""
    await pilot.press("enter", *keys, "enter")
    await pilot.pause()


# --- recording a consent, then adding the actor it covers ------------------------------------


@pytest.mark.rule("R5")
async def test_the_holder_records_a_consent_for_carl_then_adds_carl(level_0_town):
    carl = level_0_town.world.ref("carl")
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        assert shown_names(app) == ["Anna Holm", "Lene Lund"]
        assert "No consent recorded yet." in screen_text(app)
        assert "The log has no consent in force." in screen_text(app)

        await pilot.press("c")
        await wait_for(
            pilot, lambda: isinstance(app.screen, RecordConsentDialog), "the consent form"
        )
        form = dialog(app)
        assert app.focused.id == "consent-giver"  # Mette Jensen, the guardian with custody
        await pilot.press("tab")
        await choose(pilot, "down")  # signed form
        await pilot.press("tab", "tab", "tab")  # given on (today), covers the log (yes), search
        assert app.focused.id == "consent-staff-search"
        await type_text(pilot, "teach")  # by profession: the teacher and the headteacher
        staff_list = form.query_one("#consent-staff", SelectionList)
        await wait_for(pilot, lambda: staff_list.option_count == 2, "the search for teachers")
        assert "Carl Dahl" in str(staff_list.get_option_at_index(0).prompt)
        assert "Sofus Sand" in str(staff_list.get_option_at_index(1).prompt)
        await pilot.press("tab", "space")
        await wait_for(
            pilot,
            lambda: "Carl Dahl" in str(form.query_one("#consent-staff-chosen").render()),
            "Carl among the chosen",
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(
            pilot, lambda: cells(app, "#consents-table")[0][1] == "Mette Jensen", "the consent"
        )
        row = cells(app, "#consents-table")[0]
        assert row[3] == "the log; Carl Dahl" and row[4] == "in force"
        assert level_0_town.log.id in host(app).changes

        # Carl is now covered: the holder adds him.
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddActorDialog), "the actor form")
        await type_text(pilot, "carl")
        choices = dialog(app).query_one("#actor-choices", OptionList)
        await wait_for(
            pilot,
            lambda: "covered by consent #" in str(choices.get_option_at_index(0).prompt),
            "Carl, covered",
        )
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(pilot, lambda: "Carl Dahl" in shown_names(app), "Carl in the list")
        carl_row = next(r for r in cells(app, "#actors-table") if r[0] == "Carl Dahl")
        assert carl_row[1:4] == ["teacher", "Østre School", "actor"]
        assert carl_row[4].startswith("in force (#")
    [given] = consent.list_consents(level_0_town.store, level_0_town.anna, level_0_town.log.id)
    assert (given.giver_name, given.method, given.covers_log) == (
        "Mette Jensen",
        "signed_form",
        True,
    )
    assert [c.staff_id for c in given.covers] == [carl.id]
    assert "Carl Dahl" in actor_names(level_0_town)
    assert logs.get_log(level_0_town.store, carl, level_0_town.log.id).my_role == "actor"


@pytest.mark.rule("R5")
async def test_adding_fie_without_a_consent_shows_the_rule_and_adds_nothing(level_0_town):
    give_consent(level_0_town, staff_ids=(level_0_town.world.ref("carl").id,))
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddActorDialog), "the actor form")
        await type_text(pilot, "social")  # by profession
        choices = dialog(app).query_one("#actor-choices", OptionList)
        await wait_for(
            pilot,
            lambda: (
                choices.option_count and "Fie Falk" in str(choices.get_option_at_index(0).prompt)
            ),
            "Fie in the list",
        )
        assert "no consent covers them" in str(choices.get_option_at_index(0).prompt)
        await pilot.press("enter")  # adds the first in the list
        await wait_for(pilot, lambda: error_text(app), "the refusal")
        assert error_text(app) == R5_MESSAGE
        assert R5_MESSAGE.split(". ")[0] in screen_text(app)
        # The form stays, with the search as typed.
        assert dialog(app).query_one("#actor-search", Input).value == "social"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the pane")
        assert "Fie Falk" not in shown_names(app)
        assert host(app).changes == []
    assert "Fie Falk" not in actor_names(level_0_town)
    with pytest.raises(NotAllowed):
        logs.get_log(level_0_town.store, level_0_town.world.ref("fie"), level_0_town.log.id)


@pytest.mark.rule("R5")
async def test_withdrawing_the_consent_detaches_carl(level_0_town):
    carl = level_0_town.world.ref("carl")
    given = give_consent(level_0_town, staff_ids=(carl.id,))
    log_actors.add_actor(
        level_0_town.store, level_0_town.anna, level_0_town.log.id, staff_id=carl.id
    )
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        assert "Carl Dahl" in shown_names(app)
        # The withdraw key needs a consent chosen: move to the consents table.
        assert host(app).pane.check_action("withdraw_consent", ()) is None
        await pilot.press("tab")
        assert app.focused.id == "consents-table"
        await pilot.pause()
        assert "in force" in screen_text(app)
        await pilot.press("w")
        await wait_for(
            pilot, lambda: isinstance(app.screen, WithdrawConsentDialog), "the withdraw form"
        )
        text = screen_text(app)
        assert "These actors read through it and are detached" in text and "Carl Dahl" in text
        # No reason, no withdrawal: the form goes back to the reason.
        await pilot.press("enter")
        assert app.focused.id == "withdraw-confirm"
        await pilot.press("enter")
        await wait_for(pilot, lambda: error_text(app), "the message")
        assert error_text(app) == "Write down how and when the consent was withdrawn."
        assert app.focused.id == "withdraw-reason"
        await type_text(pilot, "Mother phoned on Tuesday")
        await pilot.press("enter")  # to the button: the confirmation
        assert app.focused.id == "withdraw-confirm"
        assert (
            consent.list_consents(level_0_town.store, level_0_town.anna, level_0_town.log.id)[
                0
            ].state
            == "in_force"
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(pilot, lambda: "Carl Dahl" not in shown_names(app), "Carl to go")
        assert cells(app, "#consents-table")[0][4].startswith("withdrawn ")
        assert "The log has no consent in force." in screen_text(app)
    [after] = consent.list_consents(level_0_town.store, level_0_town.anna, level_0_town.log.id)
    assert after.id == given.id and after.state == "withdrawn"
    assert after.withdrawn_reason == "Mother phoned on Tuesday"
    assert actor_names(level_0_town) == ["Lene Lund"]
    with pytest.raises(NotAllowed):
        logs.get_log(level_0_town.store, carl, level_0_town.log.id)


async def test_the_holder_removes_an_actor_with_a_reason(level_0_town):
    carl = level_0_town.world.ref("carl")
    give_consent(level_0_town, staff_ids=(carl.id,))
    log_actors.add_actor(
        level_0_town.store, level_0_town.anna, level_0_town.log.id, staff_id=carl.id
    )
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        # The holder's own row cannot be removed.
        assert host(app).pane.check_action("remove_actor", ()) is None
        await pilot.press("down", "down")  # holder, Lene, Carl
        await pilot.pause()
        assert "Reads through consent #" in screen_text(app)
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, RemoveActorDialog), "the form")
        assert "Carl Dahl will no longer read this log." in screen_text(app)
        await type_text(pilot, "Ida changed school")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(pilot, lambda: "Carl Dahl" not in shown_names(app), "Carl to go")
    removed = [
        a
        for a in log_actors.list_actors(
            level_0_town.store, level_0_town.anna, level_0_town.log.id, include_removed=True
        )
        if a.name == "Carl Dahl"
    ]
    assert removed[0].removed_reason == "Ida changed school"


@pytest.mark.rule("R6")
async def test_a_guardian_without_custody_is_not_offered_and_the_form_says_why(level_0_town):
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("c")
        await wait_for(
            pilot, lambda: isinstance(app.screen, RecordConsentDialog), "the consent form"
        )
        await choose(pilot, "down")  # past Mette: nobody else to choose
        assert (
            dialog(app).query_one("#consent-giver").value
            == level_0_town.world.guardians["Mette Jensen"]
        )
        assert "Not offered, as they may not consent: Peter Jensen." in screen_text(app)


async def test_a_badly_typed_expiry_date_says_the_format(level_0_town):
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("c")
        await wait_for(
            pilot, lambda: isinstance(app.screen, RecordConsentDialog), "the consent form"
        )
        await pilot.press("tab")
        await choose(pilot, "down", "down", "down")  # oral
        form = dialog(app)
        form.query_one("#consent-expires", Input).focus()
        await type_text(pilot, "next year")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: error_text(app), "the message")
        assert error_text(app).startswith("Type the expiry date as YYYY-MM-DD, for example ")
        assert app.focused is form.query_one("#consent-expires", Input)
        # With a proper date it is stored, with a named person as well.
        expires = level_0_town.today + timedelta(days=200)
        await pilot.press("ctrl+u", *expires.isoformat())
        form.query_one("#consent-persons", Input).focus()
        await type_text(pilot, "Grandma Inge, Uncle Ib")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
    [given] = consent.list_consents(level_0_town.store, level_0_town.anna, level_0_town.log.id)
    assert given.method == "oral" and given.expires_at is not None
    assert [c.person_name for c in given.covers] == ["Grandma Inge", "Uncle Ib"]


# --- readers and text from the database ----------------------------------------------------


@pytest.mark.rule("R7")
async def test_lene_as_actor_gets_no_write_keys_and_sees_why(level_0_town):
    give_consent(level_0_town)
    app = actors_app(level_0_town, "lene")
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        text = screen_text(app)
        assert "You read this log as an actor. Only the holder writes in it." in text
        assert shown_names(app) == ["Anna Holm", "Lene Lund"]
        assert cells(app, "#consents-table")[0][1] == "Mette Jensen"
        pane = host(app).pane
        for action in ("record_consent", "withdraw_consent", "add_actor", "remove_actor"):
            assert pane.check_action(action, ()) is False
        assert not {
            "record_consent",
            "withdraw_consent",
            "add_actor",
            "remove_actor",
        } & footer_keys(app)
        for words in ("Record consent", "Withdraw consent", "Add actor", "Remove actor"):
            assert words not in text
        notes = []
        app.notify = lambda message, **kw: notes.append(message)
        await pilot.press("c", "a", "delete")
        await pilot.press("tab", "w")
        await pilot.pause()
        assert isinstance(app.screen, PaneHost)
        assert notes and set(notes) == {
            "You read this log as an actor. Only the holder writes in it."
        }
    assert (
        len(consent.list_consents(level_0_town.store, level_0_town.anna, level_0_town.log.id)) == 1
    )
    assert actor_names(level_0_town) == ["Lene Lund"]


async def test_a_person_named_with_markup_is_shown_literally(level_0_town):
    give_consent(level_0_town, persons=(MARKUP,))
    log_actors.add_actor(
        level_0_town.store, level_0_town.anna, level_0_town.log.id, person_name=MARKUP
    )
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        assert MARKUP in shown_names(app)
        assert cells(app, "#consents-table")[0][3] == f"the log; {MARKUP}"
        table = host(app).pane.query_one("#actors-table", DataTable)
        assert all(isinstance(cell, Text) for cell in table.get_row_at(2))
        assert screen_text(app).count(MARKUP) >= 2
        # And in the search of the add-actor form.
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddActorDialog), "the actor form")
        await type_text(pilot, "[b]y")
        choices = dialog(app).query_one("#actor-choices", OptionList)
        await wait_for(pilot, lambda: choices.option_count == 1, "the named person")
        assert "“[b]y”" in screen_text(app)


@pytest.mark.rule("R6")
async def test_the_consent_form_offers_only_those_who_may_consent(level_0_town):
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("c")
        await wait_for(
            pilot, lambda: isinstance(app.screen, RecordConsentDialog), "the consent form"
        )
        giver = dialog(app).query_one("#consent-giver")
        # Mette has custody; Peter has none, and Ida (a child in the Danish profile) does not
        # consent for herself.
        assert [str(prompt) for prompt, _value in giver._options] == ["Mette Jensen (parent)"]
        assert giver.value == level_0_town.world.guardians["Mette Jensen"]


# --- adding by keyboard: Enter takes the first, a stray key adds nobody -----------------------


async def test_typing_a_name_and_enter_adds_the_first_at_once(level_0_town):
    give_consent(level_0_town, staff_ids=(level_0_town.world.ref("carl").id,))
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddActorDialog), "the actor form")
        # Typed fast: the Enter comes before the search has answered, and waits for it.
        await pilot.press(*"carl", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
    assert "Carl Dahl" in actor_names(level_0_town)


async def test_a_stray_down_arrow_does_not_make_a_colleague_a_named_person(level_0_town):
    give_consent(level_0_town, staff_ids=(level_0_town.world.ref("carl").id,), persons=("Carl",))
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddActorDialog), "the actor form")
        await type_text(pilot, "Carl")
        choices = dialog(app).query_one("#actor-choices", OptionList)
        await wait_for(
            pilot, lambda: choices.option_count == 2, "Carl Dahl, and someone named Carl"
        )
        await pilot.press("down", "down", "enter")  # one ↓ too many: the named person, then Enter
        await wait_for(pilot, lambda: error_text(app), "the question")
        assert "nobody on the staff" in error_text(app)
        assert isinstance(app.screen, AddActorDialog) and actor_names(level_0_town) == ["Lene Lund"]
        await pilot.press("up", "enter")  # the colleague meant
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
    assert "Carl Dahl" in actor_names(level_0_town) and "Carl" not in actor_names(level_0_town)


async def test_someone_not_on_the_staff_is_added_with_a_second_enter(level_0_town):
    give_consent(level_0_town, persons=("Grandma Inge",))
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddActorDialog), "the actor form")
        await type_text(pilot, "Grandma Inge")
        await pilot.press("enter")
        await wait_for(pilot, lambda: error_text(app), "the question")
        assert "Grandma Inge" not in actor_names(level_0_town)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
    assert "Grandma Inge" in actor_names(level_0_town)


# --- the small terminal --------------------------------------------------------------------


async def test_the_pane_and_the_consent_form_fit_in_80_by_24(level_0_town):
    give_consent(level_0_town, staff_ids=(level_0_town.world.ref("carl").id,))
    app = actors_app(level_0_town)
    async with app.run_test(size=SMALL) as pilot:
        await open_pane(pilot)
        await wait_for(
            pilot, lambda: "Record consent" in screen_text(app), "the keys in the footer"
        )
        text = screen_text(app)
        for words in (
            "Who reads the log",
            "Consents",
            "Name",
            "Role",
            "Consent",
            "Anna Holm",
            "holder",
            "Mette Jensen",
            "in force",
            "Record consent",
        ):
            assert words in text, words
        await pilot.press("c")
        await wait_for(
            pilot, lambda: isinstance(app.screen, RecordConsentDialog), "the consent form"
        )
        await pilot.press("ctrl+s")  # no method chosen: the message shows
        await wait_for(pilot, lambda: error_text(app), "the message")
        text = screen_text(app)
        for caption in (
            "Record a consent",
            "Given by",
            "How",
            "Given on",
            "Covers the log",
            "Staff: search",
            "Whole units",
            "Named persons",
            "Expires on",
            "Note",
            "Say how the consent was given",
            "Save",
            "Cancel",
        ):
            assert caption in text, caption


def test_every_binding_has_an_id_and_a_description():
    for owner in (ActorsPane, AddActorDialog):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding), owner
            assert binding.id and binding.description, (owner, binding)


@pytest.mark.rule("R9")
def test_the_guardians_are_listed_to_whoever_reads_the_log(level_0_town):
    from relaytui.services import subjects

    guardians = subjects.list_guardians(level_0_town.store, level_0_town.anna, level_0_town.log.id)
    assert [(g.name, g.has_custody) for g in guardians] == [
        ("Mette Jensen", True),
        ("Peter Jensen", False),
    ]
    assert (
        len(subjects.list_guardians(level_0_town.store, level_0_town.lene, level_0_town.log.id))
        == 2
    )
    with pytest.raises(NotAllowed):
        subjects.list_guardians(
            level_0_town.store, level_0_town.world.ref("fie"), level_0_town.log.id
        )
