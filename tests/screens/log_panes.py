"""A stand-in for the log view that hosts one of its panes (efforts, actors, meetings) in the
real app, and what the tests of those panes read from it."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Static

import relaytui.app
from relaytui.app import RelayApp
from relaytui.screens.log_efforts import EffortsPane
from relaytui.services import logs
from relaytui.ui.base import RelayScreen
from relaytui.ui.dialogs import WritingDialog
from relaytui.widgets.messages import LogChanged
from tests.screens.reading import wait_for

SIZE = (120, 40)
SMALL = (80, 24)
MARKUP = "[bold red]x[/]"


class PaneHost(RelayScreen):
    """Does what the log view does for a tab: load the log, show it to the pane, ask the pane
    to load (the tab is on screen), and all again on LogChanged."""

    def __init__(self, pane) -> None:
        super().__init__()
        self.pane = pane
        self.changes: list[int] = []
        self.shown = 0

    def compose(self) -> ComposeResult:
        yield self.pane
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self._load(self.app.store, self.app.staff, self.pane.log_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="host")
    def _load(self, store, staff, log_id) -> None:
        detail = logs.get_log(store, staff, log_id)
        self.app.call_from_thread(self._show, detail)

    def _show(self, detail) -> None:
        self.shown += 1
        self.pane.show(detail)
        self.pane.ensure_loaded()
        if self.shown == 1:
            self.pane.query(DataTable).first().focus()

    def on_log_changed(self, message: LogChanged) -> None:
        self.changes.append(message.log_id)
        self.reload()


class PaneApp(RelayApp):
    """The real app (its styles, keys and language), logged in, showing one pane."""

    CSS_PATH = str(Path(relaytui.app.__file__).with_name("app.tcss"))

    def __init__(self, store, staff, pane) -> None:
        super().__init__(store)
        self.staff = staff
        self._pane = pane

    def on_mount(self, event) -> None:
        event.prevent_default()  # not the login screen of RelayApp.on_mount
        self.push_screen(PaneHost(self._pane))


def host(app) -> PaneHost:
    return next(s for s in app.screen_stack if isinstance(s, PaneHost))


def pane_loaded(app) -> bool:
    try:
        pane = host(app).pane
    except StopIteration:
        return False
    return pane.data is not None and not pane.loading and host(app).shown > 0


async def open_pane(pilot) -> None:
    await wait_for(pilot, lambda: pane_loaded(pilot.app), "the pane and its data")
    await pilot.pause()


def cells(app, table_id: str) -> list[list[str]]:
    table = host(app).pane.query_one(table_id, DataTable)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


def footer_keys(app) -> set[str]:
    return {active.binding.action for active in app.screen.active_bindings.values()}


def efforts_app(town, who: str = "anna") -> PaneApp:
    return PaneApp(town.store, town.world.ref(who), EffortsPane(town.log.id))


def dialog(app):
    assert isinstance(app.screen, WritingDialog), app.screen
    return app.screen


def error_text(app) -> str:
    error = dialog(app).query_one("#log-dialog-error", Static)
    return str(error.render()) if error.display else ""
