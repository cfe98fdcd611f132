"""The level dashboard: how many logs at each level, and what needs attention.

For everyone the figures of the logs they hold; for a leader also those of each unit they
lead (counts only: a figure names no child). Every figure is a key to the list behind it:
Enter on "2 overdue evaluations" opens the log list filtered to the logs with overdue
evaluations.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker

from relaytui.i18n import N_, _
from relaytui.profiles import Profile, default_profile
from relaytui.services import dashboard, installation, log_list, logs
from relaytui.ui.base import RelayScreen
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.levels import level_badge

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

#: The figures that are not levels: the field of Figures, the English words, the list filter.
ATTENTION_FIGURES = (
    ("overdue_evaluations", N_("overdue evaluations"), "overdue"),
    ("meetings_next_14_days", N_("meetings in the next 14 days"), "meeting_soon"),
    ("pending_handovers", N_("pending handovers"), "handover"),
    ("consent_missing", N_("logs without consent"), "consent"),
    ("consent_expired", N_("logs whose consent expired"), "consent"),
    ("consent_withdrawn", N_("logs whose consent was withdrawn"), "consent"),
    ("consent_expiring", N_("consents about to expire"), "consent_expiring"),
)


@dataclass(frozen=True)
class Scope:
    """One block of figures: mine, or one unit's (with its id, for the list filter)."""

    figures: dashboard.Figures
    unit_id: int | None


@dataclass(frozen=True)
class DashboardData:
    inst: installation.Installation
    scopes: tuple[Scope, ...]


def count_text(count: int) -> Text:
    """The count before a figure's words: right-aligned, bold unless it is nought."""
    return Text(f"{count:>4}  ", style="bold" if count else "dim")


def attention_width() -> int:
    """The width of the attention column: its title or its longest figure, in the user's
    language (when the columns stand side by side the level column takes the rest)."""
    figures = (count_text(0).cell_len + cell_len(_(words)) for _f, words, _a in ATTENTION_FIGURES)
    return max(cell_len(_("Needs attention")), *figures)


def level_width(country: Profile) -> int:
    """The width of the longest level figure, with the meanings of ``country``."""
    return max(
        count_text(0).cell_len
        + level_badge(level).cell_len
        + 1
        + cell_len(country.level_meaning(level))
        for level in logs.LEVELS
    )


def wide_width(country: Profile) -> int:
    """The narrowest terminal on which the two columns of figures fit side by side, nothing
    cut off: the body's padding, both columns, the gutter between them and room for a
    scrollbar (see ``.dashboard-grid`` in app.tcss)."""
    return 2 + level_width(country) + 2 + attention_width() + 2


class Figure(Static, can_focus=True):
    """One figure: a count and what it counts. Enter opens the list of those logs."""

    BINDINGS = [
        Binding(
            "enter",
            "choose",
            N_("Show these logs"),
            id="dashboard.open",
            tooltip=N_("Open the log list filtered to the logs behind this figure."),
        ),
        Binding(
            "down,right",
            "app.focus_next",
            N_("Next figure"),
            id="dashboard.next",
            show=False,
            tooltip=N_("Move to the next figure."),
        ),
        Binding(
            "up,left",
            "app.focus_previous",
            N_("Previous figure"),
            id="dashboard.previous",
            show=False,
            tooltip=N_("Move to the previous figure."),
        ),
    ]

    class Chosen(Message):
        def __init__(self, query: log_list.LogQuery) -> None:
            super().__init__()
            self.query = query

    def __init__(self, label: Text, count: int, query: log_list.LogQuery, *, id: str) -> None:
        text = count_text(count)
        text.append_text(label)
        text.no_wrap = True
        text.overflow = "ellipsis"
        super().__init__(text, id=id, classes="figure" + (" -zero" if not count else ""))
        self.count = count
        self.log_query = query

    def action_choose(self) -> None:
        self.post_message(self.Chosen(self.log_query))

    def on_click(self) -> None:
        self.focus()
        self.action_choose()


def scope_figures(scope: Scope, country: Profile) -> list[Figure]:
    """The figures of one scope, levels first; ids like ``mine-level-2``, ``unit-3-overdue``."""
    figures = scope.figures
    if scope.unit_id is None:
        base = log_list.LogQuery(role="holder")
        prefix = "mine"
    else:
        base = log_list.LogQuery(role="all", unit_id=scope.unit_id)
        prefix = f"unit-{scope.unit_id}"
    found = []
    for level in logs.LEVELS:
        label = Text.assemble(level_badge(level), " ", country.level_meaning(level))
        found.append(
            Figure(
                label,
                figures.logs_per_level.get(level, 0),
                replace(base, level=level),
                id=f"{prefix}-level-{level}",
            )
        )
    for field, words, attention in ATTENTION_FIGURES:
        found.append(
            Figure(
                Text(_(words)),
                getattr(figures, field),
                replace(base, attention=attention),
                id=f"{prefix}-{field.replace('_', '-')}",
            )
        )
    return found


class DashboardScreen(RelayScreen):
    """My figures, and a leader's unit figures; Enter on a figure opens the list behind it."""

    BINDINGS = [
        Binding("r", "refresh", N_("Refresh"), id="dashboard.refresh", tooltip=N_("Count again.")),
    ]

    class Loaded(Message):
        def __init__(self, data: DashboardData) -> None:
            super().__init__()
            self.data = data

    def __init__(self) -> None:
        super().__init__()
        self.data: DashboardData | None = None

    def compose(self) -> ComposeResult:
        yield Static(_("Dashboard"), id="dashboard-title", markup=False)
        yield VerticalScroll(id="dashboard-body")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._fit(self.app.size.width)
        self.load()

    def on_screen_resume(self) -> None:
        # The terminal may have been resized while another place was shown.
        self._fit(self.app.size.width)
        if self.data is not None:
            self.load()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        """The two columns of each scope side by side (the class ``-wide``) when they fit, no
        level's meaning cut off; on a narrower terminal the attention figures come below."""
        # Until the first figures arrive, the default profile's words (for :func:`wide_width`).
        country = self.data.inst.country if self.data is not None else default_profile()
        self.set_class(width >= wide_width(country), "-wide")

    # --- loading -------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load()

    def load(self) -> None:
        if self.data is None:
            self.query_one("#dashboard-body").loading = True
        self._load(self.store, self.staff)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dashboard")
    def _load(self, store: Store, staff: StaffRef) -> None:
        inst = installation.read(store)
        scopes = [Scope(dashboard.my_figures(store, staff), None)]
        scopes.extend(
            Scope(figures, figures.unit_id) for figures in dashboard.unit_figures(store, staff)
        )
        self.post_message(self.Loaded(DashboardData(inst, tuple(scopes))))

    def worker_failed(self, worker: Worker, message: str) -> None:
        self.query_one("#dashboard-body").loading = False
        super().worker_failed(worker, message)

    async def on_dashboard_screen_loaded(self, message: Loaded) -> None:
        message.stop()
        data = message.data
        focused = self.focused.id if isinstance(self.focused, Figure) else None
        self.data = data
        self._fit(self.app.size.width)
        body = self.query_one("#dashboard-body", VerticalScroll)
        body.loading = False
        with self.app.batch_update():
            await body.remove_children()
            blocks = []
            for scope in data.scopes:
                if scope.unit_id is None and scope.figures.scope == "mine":
                    title = _("Logs you hold")
                else:
                    title = _("Logs in {unit}").format(unit=scope.figures.scope)
                figures = scope_figures(scope, data.inst.country)
                levels, attention = figures[: len(logs.LEVELS)], figures[len(logs.LEVELS) :]
                grid = Grid(
                    Vertical(
                        Static(_("By level"), classes="dashboard-column-title", markup=False),
                        *levels,
                        classes="dashboard-column",
                    ),
                    Vertical(
                        Static(
                            _("Needs attention"), classes="dashboard-column-title", markup=False
                        ),
                        *attention,
                        classes="dashboard-column",
                    ),
                    classes="dashboard-grid",
                )
                # Side by side (see _fit), the levels' long meanings get the rest.
                grid.styles.grid_columns = ("1fr", str(attention_width()))
                blocks.append(
                    Vertical(
                        Static(Text(title), classes="dashboard-scope-title", markup=False),
                        grid,
                        classes="dashboard-scope",
                    )
                )
            await body.mount_all(blocks)
        target = None
        if focused is not None:
            target = next(iter(self.query(f"#{focused}")), None)
        (target or self.query(Figure).first()).focus()

    # --- choosing a figure ---------------------------------------------------------------

    @on(Figure.Chosen)
    def _chosen(self, message: Figure.Chosen) -> None:
        message.stop()
        from relaytui.screens.log_list import LogListScreen

        self.app.push_screen(LogListScreen(message.query))
