"""Opening a log in the log view and reading its journal, for the screen tests of the log view,
its journal and what is typed while it loads."""

from __future__ import annotations

from textual.widgets import OptionList

from relaytui.services import journal
from tests.screens.reading import wait_for

SIZE = (120, 40)


def loaded(app) -> bool:
    from relaytui.screens.log_view import LogViewScreen

    screen = app.screen
    return (
        isinstance(screen, LogViewScreen)
        and (screen.detail is not None or screen.refused is not None)
        and not screen.query_one("#logview-body").loading
    )


def journal_loaded(app) -> bool:
    from relaytui.screens.log_journal import JournalPane

    if not loaded(app) or app.screen.detail is None:
        return False
    pane = app.screen.query_one(JournalPane)
    return pane.entries is not None and not pane.query_one("#journal-entries").loading


async def open_log(pilot, town, username: str) -> None:
    from relaytui.screens.log_view import LogViewScreen

    app = pilot.app
    app.staff = town.world.ref(username)
    await app.push_screen(LogViewScreen(town.log.id))
    await wait_for(pilot, lambda: loaded(app), "the log view")
    if app.screen.detail is not None:
        await wait_for(pilot, lambda: journal_loaded(app), "the journal")
    await pilot.pause()


def stored(town) -> list[journal.EntryView]:
    return journal.list_entries(town.store, town.world.ref("anna"), town.log.id)


def editor_open(app) -> bool:
    from relaytui.screens.log_journal import EntryEditor

    return isinstance(app.screen, EntryEditor)


def entry_texts(app) -> list[str]:
    listing = app.screen.query_one("#journal-entries", OptionList)
    return [listing.get_option_at_index(i).prompt.plain for i in range(listing.option_count)]
