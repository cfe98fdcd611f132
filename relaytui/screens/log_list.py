"""The log list, the home screen after login: the relay logs I hold and read, in one list.

The list is searched, filtered and sorted by the database (:func:`log_list.list_page`) and read a
page at a time, so it stays instant with a hundred thousand logs: the next page is fetched when
the cursor nears the end of what is loaded. Every query runs in a thread worker; each reload
carries a generation number, so an answer to an older question never overwrites a newer one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker

from relaytui.errors import NotAllowed
from relaytui.i18n import N_, _
from relaytui.screens.log_list_notes import (
    count_line,
    empty_note,
    installation_line,
    refused_note,
)
from relaytui.screens.log_table import (
    LEVEL_CYCLE,
    NAME_MIN,
    LogTable,
    describe,
    layout,
    next_value,
    row_cells,
    who,
)
from relaytui.services import installation, log_list, units
from relaytui.services.access import StaffRef
from relaytui.ui.base import RelayScreen
from relaytui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from relaytui.db import Store

#: Rows asked for at a time, and how close to the end of them the cursor comes before the
#: next page is fetched.
PAGE_SIZE = 50
NEAR_END = 10
#: The service gives at most this many rows in one page (a reload keeps what was loaded).
MAX_PAGE = 500
#: Pause after the last key typed in the search before the database is asked.
SEARCH_DELAY = 0.15


class LogListScreen(RelayScreen):
    """The logs I hold and the logs I read as actor: search, filters, sorting, and Enter opens."""

    CSS_PATH = "log_list.tcss"
    AUTO_FOCUS = "#loglist-table"
    BINDINGS = [
        Binding(
            "slash",
            "search",
            N_("Search"),
            id="loglist.search",
            tooltip=N_("Search by the subject's name or national number."),
        ),
        Binding(
            "n",
            "new_log",
            N_("New log"),
            id="loglist.new_log",
            tooltip=N_("Start a new relay log."),
        ),
        Binding(
            "l",
            "cycle_level",
            N_("Level"),
            id="loglist.level",
            tooltip=N_("Show every level, or only level 0, 1, 2 or 3."),
        ),
        Binding(
            "r",
            "cycle_role",
            N_("Role"),
            id="loglist.role",
            show=False,
            tooltip=N_("Show the logs you hold, the logs you read as actor, or both."),
        ),
        Binding(
            "t",
            "cycle_status",
            N_("Status"),
            id="loglist.status",
            show=False,
            tooltip=N_("Show open logs, closed logs, or both."),
        ),
        Binding(
            "a",
            "cycle_attention",
            N_("Attention"),
            id="loglist.attention",
            show=False,
            tooltip=N_(
                "Show only logs that need attention: overdue evaluations, consent "
                "problems, pending handovers, meetings soon."
            ),
        ),
        Binding(
            "s",
            "cycle_sort",
            N_("Sort"),
            id="loglist.sort",
            show=False,
            tooltip=N_("Sort by name, level, last entry or next meeting."),
        ),
        Binding(
            "d",
            "toggle_direction",
            N_("Reverse"),
            id="loglist.direction",
            show=False,
            tooltip=N_("Reverse the order of the list."),
        ),
        Binding(
            "x",
            "clear_filters",
            N_("Clear filters"),
            id="loglist.clear",
            show=False,
            tooltip=N_("Clear the search and the filters."),
        ),
        Binding(
            "ctrl+r",
            "refresh",
            N_("Refresh"),
            id="loglist.refresh",
            show=False,
            tooltip=N_("Load the list of relay logs again."),
        ),
        # Only in the search; elsewhere Escape is the app's "back".
        Binding(
            "escape",
            "leave_search",
            N_("To the list"),
            id="loglist.leave_search",
            tooltip=N_("Leave the search and move to the list."),
        ),
        Binding(
            "down",
            "leave_search",
            N_("To the list"),
            id="loglist.to_list",
            show=False,
            tooltip=N_("Move from the search to the list."),
        ),
    ]
    #: Actions that make no sense when the service refused the list (an administrator).
    LIST_ACTIONS: ClassVar[frozenset[str]] = frozenset(
        {
            "search",
            "new_log",
            "cycle_level",
            "cycle_role",
            "cycle_status",
            "cycle_attention",
            "cycle_sort",
            "toggle_direction",
            "clear_filters",
            "refresh",
        }
    )

    class PageLoaded(Message):
        """A page of the list arrived, for the question of generation ``generation``."""

        def __init__(
            self,
            generation: int,
            after: str | None,
            page: log_list.LogPage,
            inst: installation.Installation,
            unit_name: str | None,
        ) -> None:
            super().__init__()
            self.generation = generation
            self.after = after
            self.page = page
            self.inst = inst
            self.unit_name = unit_name

    class Refused(Message):
        """The service refused the list (an administrator reads no log, R9); ``text`` says why."""

        def __init__(self, generation: int, text: str, inst: installation.Installation) -> None:
            super().__init__()
            self.generation = generation
            self.text = text
            self.inst = inst

    def __init__(self, query: log_list.LogQuery | None = None) -> None:
        super().__init__()
        #: The question the list answers now.
        self.log_query = query or log_list.LogQuery()
        #: The rows loaded so far, in order, and where the next page starts (None: no more).
        self.rows: list[log_list.LogSummary] = []
        self.next_cursor: str | None = None
        #: Whether the first answer (rows or a refusal) has arrived.
        self.loaded = False
        self.refused: str | None = None
        self.inst: installation.Installation | None = None
        self._generation = 0
        self._loading = False
        self._loading_more = False
        self._keep: int | None = None
        self._unit_name: str | None = None
        self._columns: tuple[tuple[str, str, int], ...] = ()
        self._search_timer: Timer | None = None
        self._shown = False

    @property
    def loading_rows(self) -> bool:
        """A question is on its way to the database (a reload or the next page)."""
        return self._loading or self._loading_more

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="loglist-header"):
            with Horizontal(id="loglist-header-top"):
                yield Static(_("Relay log"), id="loglist-app-name", markup=False)
                yield Static(who(self.staff), id="loglist-who", markup=False)
            yield Static("", id="loglist-installation", markup=False)
        with Horizontal(id="loglist-bar"):
            yield Input(
                value=self.log_query.search,
                id="loglist-search",
                compact=True,
                max_length=100,
                placeholder=_("Search by name or national number ( / )"),
            )
            yield Static("", id="loglist-count", markup=False)
        yield Static("", id="loglist-filters", markup=False)
        yield LogTable(id="loglist-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="loglist-message", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#loglist-message").display = False
        self._show_filters()
        self._set_columns(self.app.size.width)
        self.watch(self.table, "scroll_y", self._scrolled, init=False)
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        self._set_columns(event.size.width)

    def _set_columns(self, width: int) -> None:
        """Choose the columns for the terminal's width; rebuild the table when they change."""
        columns = layout(width)
        if columns == self._columns:
            return
        self._columns = columns
        table = self.table
        keep = self._current_id()
        table.clear(columns=True)
        for key, heading, size in columns:
            table.add_column(
                Text(heading), key=key, width=size, minimum=NAME_MIN if key == "name" else None
            )
        self._add_rows(self.rows)
        self._move_to(keep, 0)

    @property
    def table(self) -> LogTable:
        return self.query_one("#loglist-table", LogTable)

    # --- asking the database -------------------------------------------------------------

    def reload(self, keep: int | None = None, limit: int = PAGE_SIZE) -> None:
        """Ask again from the top; a reload makes every answer still on its way stale."""
        self._generation += 1
        self._loading = True
        self._loading_more = False
        self._keep = keep
        if not self.loaded:
            self.table.loading = True
        self._show_count()
        self._fetch(
            self.store,
            self.staff,
            self._generation,
            self.log_query,
            None,
            min(max(limit, PAGE_SIZE), MAX_PAGE),
            self.inst is None,
        )

    def load_more(self) -> None:
        """Fetch the next page, unless there is none or a question is on its way already."""
        if self.next_cursor is None or self.loading_rows or self.refused is not None:
            return
        self._loading_more = True
        self._show_count()
        self._fetch_more(self.store, self.staff, self._generation, self.log_query, self.next_cursor)

    @work(thread=True, exclusive=True, exit_on_error=False, group="loglist")
    def _fetch(
        self,
        store: Store,
        staff: StaffRef,
        generation: int,
        query: log_list.LogQuery,
        after: str | None,
        limit: int,
        with_installation: bool,
    ) -> None:
        self._ask(store, staff, generation, query, after, limit, with_installation)

    @work(thread=True, exclusive=True, exit_on_error=False, group="loglist-more")
    def _fetch_more(
        self, store: Store, staff: StaffRef, generation: int, query: log_list.LogQuery, after: str
    ) -> None:
        self._ask(store, staff, generation, query, after, PAGE_SIZE, False)

    def _ask(
        self,
        store: Store,
        staff: StaffRef,
        generation: int,
        query: log_list.LogQuery,
        after: str | None,
        limit: int,
        with_installation: bool,
    ) -> None:
        """In a thread: one page, plus what the header needs the first time."""
        inst = installation.read(store) if with_installation or self.inst is None else self.inst
        try:
            page = log_list.list_page(store, staff, query, after=after, limit=limit)
        except NotAllowed as exc:
            if after is not None:
                raise
            # An administrator reads no log (R9): the service says so, and that is the answer.
            self.post_message(self.Refused(generation, exc.message, inst))
            return
        unit_name = None
        if query.unit_id is not None:
            unit_name = next(
                (u.name for u in units.list_units(store, staff) if u.id == query.unit_id), None
            )
        self.post_message(self.PageLoaded(generation, after, page, inst, unit_name))

    def worker_failed(self, worker: Worker, message: str) -> None:
        self._loading = self._loading_more = False
        if self.table.loading:
            self.table.loading = False
            self.refresh_bindings()
        self._show_count()
        super().worker_failed(worker, message)

    # --- answers -------------------------------------------------------------------------

    def on_log_list_screen_page_loaded(self, message: PageLoaded) -> None:
        message.stop()
        if message.generation != self._generation:
            return  # the answer to an older question
        self._show_installation(message.inst)
        self._unit_name = message.unit_name
        rows = message.page.rows
        self.next_cursor = message.page.next_cursor
        table = self.table
        if message.after is None:
            # A reload keeps the cursor on the same log (or its row); a new question starts
            # at the top.
            index = table.cursor_row if self._keep is not None else 0
            self._loading = False
            self.rows = list(rows)
            table.clear()
            self._add_rows(self.rows)
            self._move_to(self._keep, index)
        else:
            self._loading_more = False
            self.rows.extend(rows)
            self._add_rows(rows)
        self.loaded = True
        if table.loading:
            table.loading = False
            # A loading widget's keys are left out of the footer: ask for them again.
            self.refresh_bindings()
        self._show_filters()
        self._show_count()
        self._show_empty()

    def on_log_list_screen_refused(self, message: Refused) -> None:
        message.stop()
        if message.generation != self._generation:
            return
        self._loading = False
        self.loaded = True
        self.refused = message.text
        self._show_installation(message.inst)
        for selector in ("#loglist-bar", "#loglist-filters", "#loglist-table"):
            self.query_one(selector).display = False
        self.table.loading = False
        note = self.query_one("#loglist-message", Static)
        note.update(refused_note(message.text, is_admin=self.staff.is_admin))
        note.display = True
        self.refresh_bindings()

    def _add_rows(self, rows) -> None:
        if self.inst is None:
            return
        keys = tuple(key for key, _heading, _width in self._columns)
        tz = self.inst.timezone
        for summary in rows:
            self.table.add_row(*row_cells(summary, tz, keys), key=str(summary.id))

    def _current_id(self) -> int | None:
        table = self.table
        if not table.row_count or not table.columns:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(row_key.value) if row_key.value is not None else None

    def _move_to(self, log_id: int | None, index: int) -> None:
        """Put the cursor on ``log_id`` when it is still listed, else on row ``index``."""
        table = self.table
        if not table.row_count:
            return
        if log_id is not None and str(log_id) in table.rows:
            index = table.get_row_index(str(log_id))
        table.move_cursor(row=max(0, min(index, table.row_count - 1)), animate=False)

    # --- what the screen says ------------------------------------------------------------

    def _show_installation(self, inst: installation.Installation) -> None:
        first = self.inst is None
        self.inst = inst
        if first:
            self._add_rows(self.rows)
        self.query_one("#loglist-installation", Static).update(installation_line(inst))

    def _show_filters(self) -> None:
        self.query_one("#loglist-filters", Static).update(
            Text(describe(self.log_query, self._unit_name))
        )

    def _show_count(self) -> None:
        count = self.query_one("#loglist-count", Static)
        count.update(
            count_line(
                len(self.rows),
                loading=self._loading,
                loading_more=self._loading_more,
                more=self.next_cursor is not None,
            )
        )

    def _show_empty(self) -> None:
        table = self.table
        note = self.query_one("#loglist-message", Static)
        if self.rows:
            note.display = False
            table.display = True
            if self.focused is None:
                table.focus()
            return
        note.update(empty_note(self.log_query, self._unit_name))
        note.display = True
        if self.focused is table:
            # Nothing to move through; the keys of the screen (filters, n, /) still work.
            self.set_focus(None)
        table.display = False

    # --- keys ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.refused is not None and action in self.LIST_ACTIONS:
            return False
        if action == "leave_search":
            return self._in_search()
        return True

    def _in_search(self) -> bool:
        return self.is_mounted and self.focused is self.query_one("#loglist-search", Input)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self.refresh_bindings()

    def action_search(self) -> None:
        self.query_one("#loglist-search", Input).focus()

    def action_leave_search(self) -> None:
        if self.rows:
            self.table.focus()
        else:
            self.set_focus(None)  # the screen's keys (filters, n, /) work from here

    def action_cycle_level(self) -> None:
        self._ask_for(level=next_value(LEVEL_CYCLE, self.log_query.level))

    def action_cycle_role(self) -> None:
        self._ask_for(role=next_value(log_list.ROLES_FILTER, self.log_query.role))

    def action_cycle_status(self) -> None:
        self._ask_for(status=next_value(log_list.STATUS_FILTER, self.log_query.status))

    def action_cycle_attention(self) -> None:
        self._ask_for(attention=next_value(log_list.ATTENTION_FILTER, self.log_query.attention))

    def action_cycle_sort(self) -> None:
        self._ask_for(sort=next_value(log_list.SORTS, self.log_query.sort))

    def action_toggle_direction(self) -> None:
        self._ask_for(descending=not self.log_query.descending)

    def action_clear_filters(self) -> None:
        search = self.query_one("#loglist-search", Input)
        if search.value:
            search.value = ""
        self._ask_for(
            **{
                name: getattr(log_list.LogQuery(), name)
                for name in ("role", "level", "status", "attention", "search", "unit_id")
            }
        )

    def action_refresh(self) -> None:
        self.reload(keep=self._current_id(), limit=len(self.rows))

    def _ask_for(self, **changes) -> None:
        """A new question: start from its first page, with the cursor at the top."""
        query = replace(self.log_query, **changes)
        if query == self.log_query:
            return
        self.log_query = query
        self._show_filters()
        self.reload()

    # --- search as you type --------------------------------------------------------------

    @on(Input.Changed, "#loglist-search")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._search_now)

    def _search_now(self) -> None:
        self._search_timer = None
        self._ask_for(search=self.query_one("#loglist-search", Input).value)

    @on(Input.Submitted, "#loglist-search")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_now()
        self.action_leave_search()

    # --- paging and opening --------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#loglist-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.table.row_count - NEAR_END:
            self.load_more()

    def _scrolled(self, scroll_y: float) -> None:
        table = self.table
        if table.max_scroll_y and scroll_y >= table.max_scroll_y - NEAR_END:
            self.load_more()

    @on(DataTable.RowSelected, "#loglist-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.open_log(int(event.row_key.value))

    def open_log(self, log_id: int) -> None:
        from relaytui.screens.log_view import LogViewScreen

        self.app.push_screen(LogViewScreen(log_id))

    def action_new_log(self) -> None:
        from relaytui.screens.new_log import NewLogScreen

        self.app.push_screen(NewLogScreen())

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Back from a log or a new log: ask again, so changes show, on the same log."""
        if not self._shown:
            self._shown = True  # the first showing: on_mount has asked already
            return
        if self.loaded and self.refused is None and not self._loading:
            self.reload(keep=self._current_id(), limit=len(self.rows))
