"""The language, changed in the app and remembered per user (issue 7, part 2).

The user opens the command palette, chooses "Language" and a language; the screens speak it at
once, and after logging out and in again still do, because it is stored with the account.
"""

from __future__ import annotations

from textual.widgets import OptionList, SelectionList

from relaytui import i18n
from relaytui.app import RelayApp
from relaytui.errors import NotAllowed
from relaytui.screens.settings import LanguageDialog
from relaytui.services import notices, sign_in
from tests.screens.listing import loaded
from tests.screens.reading import palette_offers, screen_text, wait_for
from tests.screens.signing_in import log_in

SMALL = (80, 24)


async def open_language_dialog(pilot) -> LanguageDialog:
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: app.screen.id == "--command-palette", "the palette")
    await pilot.press(*"language")
    await wait_for(pilot, lambda: palette_offers(app, "language"), "the command in the palette")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, LanguageDialog), "the language dialog")
    await pilot.pause()
    return app.screen


async def test_switching_to_nynorsk_shows_it_at_once_and_after_the_next_login(demo_store):
    app = RelayApp(demo_store)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "anna")
        assert "Open" in screen_text(app).splitlines()[-1]
        dialog = await open_language_dialog(pilot)
        text = screen_text(app)
        assert all(name in text for name in ("English", "Dansk", "Norsk bokmål", "Norsk nynorsk"))
        assert "Save what you are writing first." in text  # said before the choice
        choices = dialog.query_one("#language-choices", OptionList)
        assert choices.highlighted == 0  # English, the language now
        await pilot.press("down", "down", "down", "enter")  # Norsk nynorsk
        await wait_for(
            pilot,
            lambda: i18n.current_language() == "nn" and loaded(app),
            "the log list in nynorsk",
        )
        await pilot.pause()
        text = screen_text(app)
        footer = text.splitlines()[-1]
        assert (
            "Opne" in footer and "Søk" in footer and "Ny logg" in footer and "Open " not in footer
        )
        assert "Stafettlogg" in text and "Namn" in text  # the title and a column of the list
        assert sign_in.authenticate(demo_store, "anna", "demo").language == "nn"
        # Log out and in again: still nynorsk (the login screen itself is in the start language).
        app.action_logout()
        await wait_for(pilot, lambda: app.staff is None, "the login screen")
        assert i18n.current_language() == "en"
        await pilot.pause()
        await log_in(pilot, "anna")
        assert i18n.current_language() == "nn"
        assert "Opne" in screen_text(app).splitlines()[-1]


async def test_escape_and_the_same_language_change_nothing(demo_store):
    app = RelayApp(demo_store)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "lene")
        await pilot.press("slash", *"Ag")  # typed into the list's search: stays
        await pilot.pause(0.5)  # on purpose: the search is asked after a pause in typing
        await open_language_dialog(pilot)
        await pilot.press("escape")
        await wait_for(
            pilot, lambda: not isinstance(app.screen, LanguageDialog), "the dialog closed"
        )
        await open_language_dialog(pilot)
        await pilot.press("enter")  # English again: nothing to do
        await wait_for(
            pilot, lambda: not isinstance(app.screen, LanguageDialog), "the dialog closed"
        )
        await pilot.pause()
        assert i18n.current_language() == "en"
        assert app.screen.log_query.search == "Ag"
        assert sign_in.authenticate(demo_store, "lene", "demo").language is None


# --- the e-mail notices (issue 15) -----------------------------------------------------------


def notice_kinds(dialog) -> SelectionList:
    return dialog.query_one("#notice-kinds", SelectionList)


async def open_notices(pilot) -> LanguageDialog:
    """The dialog, its notices read, and Tab to their list."""
    dialog = await open_language_dialog(pilot)
    await wait_for(pilot, lambda: not notice_kinds(dialog).disabled, "the notices read")
    await pilot.press("tab")
    await wait_for(pilot, lambda: pilot.app.focused is notice_kinds(dialog), "the notices")
    return dialog


def ticked(dialog) -> set[str]:
    return set(notice_kinds(dialog).selected)


async def test_switching_a_notice_off_stores_it_for_me_only(demo_store):
    app = RelayApp(demo_store)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "anna")
        anna = app.staff
        dialog = await open_notices(pilot)
        text = screen_text(app)
        assert "E-mail notices" in text and "Added as an actor" in text
        assert ticked(dialog) == set(notices.STAFF_KINDS)  # all on to begin with
        assert not set(notices.FAMILY_KINDS) & {
            notice_kinds(dialog).get_option_at_index(i).value
            for i in range(notice_kinds(dialog).option_count)
        }  # the family's notices are not anna's to switch
        await pilot.press("down", "space")  # the second: a handover waits for an answer
        await wait_for(
            pilot,
            lambda: notices.my_notices_off(demo_store, anna) == {"handover_waiting"},
            "the switch stored",
        )
        await wait_for(pilot, lambda: "Saved." in screen_text(app), "the dialog saying so")
        await pilot.press("escape")
        await wait_for(
            pilot, lambda: not isinstance(app.screen, LanguageDialog), "the dialog closed"
        )
        dialog = await open_notices(pilot)  # opened again: as stored
        assert ticked(dialog) == set(notices.STAFF_KINDS) - {"handover_waiting"}
        await pilot.press("down", "space")  # and on again
        await wait_for(pilot, lambda: notices.my_notices_off(demo_store, anna) == set(), "on again")
    lene = sign_in.authenticate(demo_store, "lene", "demo")
    assert notices.my_notices_off(demo_store, lene) == set()


async def test_two_quick_switches_are_both_stored(demo_store):
    app = RelayApp(demo_store)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "anna")
        await open_notices(pilot)
        await pilot.press("space", "down", "down", "space", "escape")  # off, off, and close
        await wait_for(
            pilot, lambda: not isinstance(app.screen, LanguageDialog), "the dialog closed"
        )
        assert notices.my_notices_off(demo_store, app.staff) == {
            "actor_added",
            "handover_accepted",
        }


async def test_a_switch_that_fails_says_why_and_shows_what_is_stored(demo_store, monkeypatch):
    def refused(*_args, **_kwargs):
        raise NotAllowed("Your account was deactivated. Ask an administrator.")

    app = RelayApp(demo_store)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "anna")
        dialog = await open_notices(pilot)
        monkeypatch.setattr(notices, "switch_for_me", refused)
        await pilot.press("space")
        error = dialog.query_one("#notices-error")
        await wait_for(pilot, lambda: error.display, "the error")
        assert "Your e-mail notices were not changed: Your account was deactivated." in str(
            error.render()
        )
        assert ticked(dialog) == set(notices.STAFF_KINDS)  # back to what is stored
        assert isinstance(app.screen, LanguageDialog)
    assert notices.my_notices_off(demo_store, sign_in.authenticate(demo_store, "anna", "demo")) == (
        set()
    )
