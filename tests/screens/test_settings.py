"""The language, changed in the app and remembered per user (issue 7, part 2).

The user opens the command palette, chooses "Language" and a language; the screens speak it at
once, and after logging out and in again still do, because it is stored with the account.
"""

from __future__ import annotations

from textual.widgets import OptionList

from relaytui import i18n
from relaytui.app import RelayApp
from relaytui.screens.settings import LanguageDialog
from relaytui.services import sign_in
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
