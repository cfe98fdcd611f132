"""The guardians in the "Actors and consent" tab: whether the family can read the log online,
and the holder's form to add a guardian or change one, with the national number the family
logs in with (issue 15), driven key by key."""

from __future__ import annotations

from datetime import date

from relaytui.models import Guardian
from relaytui.screens.guardian_forms import GuardianDialog
from relaytui.screens.log_actors import ActorsPane
from relaytui.services import subjects
from tests.factories import dk_number
from tests.screens.log_panes import (
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

MOTHERS_NUMBER = dk_number(date(1985, 3, 12), serial=4123)


def actors_app(town, who: str = "anna") -> PaneApp:
    return PaneApp(town.store, town.world.ref(who), ActorsPane(town.log.id))


def stored_number(town, name: str) -> str | None:
    with town.store.session() as session:
        return session.get(Guardian, town.world.guardians[name]).national_number


async def to_guardians(pilot) -> None:
    """From the actors table, Tab past the consents to the guardians."""
    await pilot.press("tab", "tab")
    assert pilot.app.focused.id == "guardians-table"
    await pilot.pause()


async def test_the_holder_types_a_guardians_number_and_the_family_can_read_online(level_0_town):
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        rows = cells(app, "#guardians-table")
        assert [(r[0], r[2], r[4]) for r in rows] == [
            ("Mette Jensen", "custody", "cannot log in"),
            ("Peter Jensen", "no custody", "cannot log in"),
        ]
        assert host(app).pane.check_action("change_guardian", ()) is None  # no guardian chosen
        await to_guardians(pilot)
        assert "no national number recorded" in screen_text(app)
        assert "change_guardian" in footer_keys(app)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GuardianDialog), "the form")
        form = dialog(app)
        assert app.focused.id == "guardian-name" and form.value("#guardian-name") == "Mette Jensen"
        # A wrong number: the service's refusal in the form, the typing kept, nothing stored.
        form.query_one("#guardian-number").focus()
        await type_text(pilot, MOTHERS_NUMBER[:9])
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: error_text(app), "the refusal")
        assert error_text(app).startswith("Mette Jensen's national number: The number has 9")
        assert "Type a Danish CPR number" in error_text(app)
        assert stored_number(level_0_town, "Mette Jensen") is None
        await type_text(pilot, MOTHERS_NUMBER[9:])
        form.query_one("#guardian-email").focus()
        await type_text(pilot, "mette@example.dk")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(
            pilot,
            lambda: cells(app, "#guardians-table")[0][4] == "can read online",
            "the family can read online",
        )
        assert cells(app, "#guardians-table")[0][3] == "mette@example.dk"
        text = screen_text(app)
        assert subjects.mask(MOTHERS_NUMBER) in text and MOTHERS_NUMBER not in text
        # Changing her again without typing a number keeps it.
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GuardianDialog), "the form again")
        assert dialog(app).value("#guardian-number") == ""  # never shown in full
        await pilot.press("tab", *"mother", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(
            pilot, lambda: cells(app, "#guardians-table")[0][1] == "mother", "the relation"
        )
    assert stored_number(level_0_town, "Mette Jensen") == MOTHERS_NUMBER


async def test_the_holder_adds_a_guardian_with_n(level_0_town):
    app = actors_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, GuardianDialog), "the form")
        await type_text(pilot, "Inge Jensen")
        await pilot.press("tab", *"foster parent", "tab", "tab", *"inge@example.dk", "tab")
        await pilot.press("tab", *MOTHERS_NUMBER, "enter")  # Enter in the last field saves
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(pilot, lambda: len(cells(app, "#guardians-table")) == 3, "Inge listed")
        inge = cells(app, "#guardians-table")[2]
        assert inge[0] == "Inge Jensen" and inge[1] == "foster parent"
        assert inge[4] == "can read online"
    [added] = [
        g
        for g in subjects.list_guardians(level_0_town.store, level_0_town.anna, level_0_town.log.id)
        if g.name == "Inge Jensen"
    ]
    assert added.has_national_number and added.email == "inge@example.dk"


async def test_an_actor_sees_the_guardians_but_gets_no_keys_for_them(level_0_town):
    app = actors_app(level_0_town, "lene")
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        assert [r[0] for r in cells(app, "#guardians-table")] == ["Mette Jensen", "Peter Jensen"]
        await to_guardians(pilot)
        assert not {"add_guardian", "change_guardian"} & footer_keys(app)
        notes = []
        app.notify = lambda message, **kw: notes.append(message)
        await pilot.press("g", "n")
        await pilot.pause()
        assert isinstance(app.screen, PaneHost)
        assert set(notes) == {"You read this log as an actor. Only the holder writes in it."}


async def test_the_guardian_form_fits_in_80_by_24(level_0_town):
    app = actors_app(level_0_town)
    async with app.run_test(size=SMALL) as pilot:
        await open_pane(pilot)
        assert "Guardians" in screen_text(app) and "Mette Jensen" in screen_text(app)
        await to_guardians(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GuardianDialog), "the form")
        text = screen_text(app)
        for caption in ("Change a guardian", "Name", "E-mail", "Custody", "National number"):
            assert caption in text, caption
