"""The "Efforts and goals" tab of a log: who does what, from when, evaluated when (R12).

The holder adds, evaluates and ends efforts and goals here; an actor reads them. Overdue
evaluations stand out by a word and a colour, never by colour alone. Every write names the
version it was based on, so a change made meanwhile by someone else is refused, shown, and
loaded, while what the holder typed stays in the form (the dialogs: ``effort_forms``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from relaytui.i18n import N_, _, ngettext
from relaytui.screens.effort_forms import (
    EFFORT_STATUS,
    GOAL_STATUS,
    AddEffortDialog,
    AddGoalDialog,
    EvaluateEffortDialog,
    EvaluateGoalDialog,
    Responsible,
    responsible_choices,
)
from relaytui.services import clock, efforts, installation, log_actors, logs
from relaytui.ui.dialogs import WritingDialog
from relaytui.ui.log_pane import NOTHING, READ_ONLY, READ_ONLY_TIP, LogPane, date_only, label
from relaytui.ui.tables import clip, day, not_loaded, one_line, refill, selected_key, set_columns
from relaytui.widgets.fitted_table import FittedTable
from relaytui.widgets.messages import LogChanged

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

OVERDUE_STYLE = "bold red"


# --- what the pane loads ---------------------------------------------------------------------


@dataclass(frozen=True)
class EffortsData:
    """What the pane's worker hands back; plain data, no session behind it."""

    timezone: str
    today: date
    efforts: tuple[efforts.EffortView, ...]
    goals: tuple[efforts.GoalView, ...]
    responsible: tuple[Responsible, ...]


def due_cells(
    evaluate_on: date | None, status: str, overdue: bool, words: dict[str, str]
) -> tuple[Text, Text]:
    """The evaluation date and the status; overdue says so in a word and a mark, not only red."""
    evaluate = Text(day(evaluate_on) if status == "active" else NOTHING)
    if overdue:
        evaluate.append(" !")
        evaluate.stylize(OVERDUE_STYLE)
        return evaluate, Text(_("overdue"), style=OVERDUE_STYLE)
    return evaluate, Text(label(words, status), style="" if status == "active" else "dim")


def effort_cells(effort: efforts.EffortView, widths: Sequence[int]) -> list[Text]:
    """One row of the efforts table."""
    evaluate, status = due_cells(effort.evaluate_on, effort.status, effort.overdue, EFFORT_STATUS)
    return [
        clip(effort.what, widths[0]),
        clip(effort.responsible, widths[1]),
        Text(day(effort.starts_on)),
        evaluate,
        status,
    ]


def goal_cells(goal: efforts.GoalView, widths: Sequence[int]) -> list[Text]:
    """One row of the goals table."""
    evaluate, status = due_cells(goal.evaluate_on, goal.status, goal.overdue, GOAL_STATUS)
    return [clip(goal.text, widths[0]), evaluate, status]


def overdue_text(efforts_overdue: int, goals_overdue: int) -> Text:
    """ "! Overdue for evaluation: 2 efforts, 1 goal." (empty when nothing is overdue)."""
    parts = []
    if efforts_overdue:
        parts.append(
            ngettext("{n} effort", "{n} efforts", efforts_overdue).format(n=efforts_overdue)
        )
    if goals_overdue:
        parts.append(ngettext("{n} goal", "{n} goals", goals_overdue).format(n=goals_overdue))
    if not parts:
        return Text("")
    return Text(
        "! " + _("Overdue for evaluation: {what}.").format(what=", ".join(parts)),
        style=OVERDUE_STYLE,
    )


def evaluations_text(
    title: str, responsible: str, items: Sequence[efforts.EvaluationView], tz: str, limit: int = 3
) -> Text:
    """The selected item and its evaluations, newest first."""
    text = one_line(title)
    text.stylize("bold")
    if responsible:
        text.append(" — ")
        text.append_text(one_line(responsible))
    if not items:
        text.append("\n")
        text.append(_("Not evaluated yet."), style="italic")
        return text
    for evaluation in list(reversed(items))[:limit]:
        text.append("\n")
        text.append(date_only(evaluation.at, tz), style="bold")
        text.append(" ")
        text.append_text(one_line(evaluation.by_name))
        text.append(": ")
        text.append_text(one_line(evaluation.text))
        if evaluation.next_evaluate_on is not None:
            text.append(" ")
            text.append(
                _("(next evaluation {date})").format(date=day(evaluation.next_evaluate_on)),
                style="italic",
            )
    if len(items) > limit:
        text.append("\n")
        text.append(
            _("… and {n} earlier evaluation(s).").format(n=len(items) - limit), style="italic"
        )
    return text


# --- the pane --------------------------------------------------------------------------------

EFFORT_COLUMNS = (
    ("what", N_("What"), None),
    ("responsible", N_("Responsible"), 16),
    ("from", N_("From"), 10),
    ("evaluate", N_("Evaluate on"), 12),
    ("status", N_("Status"), 8),
)
GOAL_COLUMNS = (
    ("goal", N_("Goal"), None),
    ("evaluate", N_("Evaluate on"), 12),
    ("status", N_("Status"), 8),
)
WRITER_ACTIONS = frozenset({"add_effort", "evaluate", "end_effort", "add_goal"})


class EffortsPane(LogPane):
    """The efforts and goals of one log, with the holder's keys to add and evaluate them."""

    DEFAULT_CSS = """
    EffortsPane {
        height: 1fr;
        padding: 0 1;
    }
    EffortsPane .pane-note {
        height: auto;
        color: $text-warning;
        text-style: bold;
    }
    EffortsPane .pane-title {
        height: 1;
        text-style: bold;
        color: $primary;
    }
    EffortsPane #efforts-table {
        height: 2fr;
        min-height: 3;
    }
    EffortsPane #goals-table {
        height: 1fr;
        min-height: 3;
        max-height: 10;
    }
    EffortsPane #efforts-history {
        height: auto;
        max-height: 5;
        border-top: hkey $primary-muted;
    }
    """

    BINDINGS = [
        Binding(
            "a",
            "add_effort",
            N_("Add effort"),
            id="efforts.add_effort",
            tooltip=N_("Record who does what, from when, and when it is evaluated."),
        ),
        Binding(
            "e",
            "evaluate",
            N_("Evaluate"),
            id="efforts.evaluate",
            tooltip=N_("Evaluate the chosen effort or goal."),
        ),
        Binding(
            "s",
            "end_effort",
            N_("End effort"),
            id="efforts.end_effort",
            tooltip=N_("End the chosen effort, saying what it achieved."),
        ),
        Binding(
            "g",
            "add_goal",
            N_("Add goal"),
            id="efforts.add_goal",
            tooltip=N_("Record a shared goal and when it is evaluated."),
        ),
        # A reader pressing the holder's keys is told why nothing opens (R7).
        Binding(
            "a",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="efforts.add_effort.refused",
            tooltip=READ_ONLY_TIP,
        ),
        Binding(
            "e",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="efforts.evaluate.refused",
            tooltip=READ_ONLY_TIP,
        ),
        Binding(
            "s",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="efforts.end_effort.refused",
            tooltip=READ_ONLY_TIP,
        ),
        Binding(
            "g",
            "explain_read_only",
            READ_ONLY,
            show=False,
            id="efforts.add_goal.refused",
            tooltip=READ_ONLY_TIP,
        ),
    ]

    class Loaded(Message):
        def __init__(self, data: EffortsData) -> None:
            super().__init__()
            self.data = data

    def __init__(self, log_id: int, *, id: str | None = None) -> None:
        super().__init__(log_id, id=id)
        self.data: EffortsData | None = None
        self._failed = False
        self._table_id = "efforts-table"

    def compose(self) -> ComposeResult:
        yield Static("", id="efforts-read-only", classes="pane-note", markup=False)
        yield Static("", id="efforts-overdue", classes="pane-note", markup=False)
        yield Static(_("Efforts"), classes="pane-title", markup=False)
        yield FittedTable(id="efforts-table", cursor_type="row", zebra_stripes=True)
        yield Static(_("Goals"), classes="pane-title", markup=False)
        yield FittedTable(id="goals-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="efforts-history", markup=False)

    def on_mount(self) -> None:
        self.query_one("#efforts-overdue").display = False
        self.query_one("#efforts-history").display = False
        self.detail_changed()
        self._fill()

    # --- the log view's side ----------------------------------------------------------------

    def detail_changed(self) -> None:
        """Say why a reader cannot write (R7); the data is loaded when the tab is shown."""
        if not self.is_mounted:
            return
        note = self.query_one("#efforts-read-only", Static)
        if self.detail is not None and not self.detail.can_write:
            note.update(
                Text(self.detail.why_read_only or _("You can read this log, but not write in it."))
            )
            note.display = True
        else:
            note.display = False

    @property
    def can_write(self) -> bool:
        return self.detail is not None and self.detail.can_write

    # --- loading ---------------------------------------------------------------------------

    def load(self) -> None:
        if self.detail is None:
            return
        # No loading cover: it would take the focus the log view gives the tab; the tables
        # say "Loading…" until the first answer.
        self._load(self.store, self.staff, self.detail)

    @work(thread=True, exclusive=True, exit_on_error=False, group="efforts-load")
    def _load(self, store: Store, staff: StaffRef, detail: logs.LogDetail) -> None:
        worker = get_current_worker()
        inst = installation.read(store)
        effort_rows = tuple(efforts.list_efforts(store, staff, detail.id))
        goal_rows = tuple(efforts.list_goals(store, staff, detail.id))
        choices: tuple[Responsible, ...] = ()
        if detail.can_write:
            choices = responsible_choices(detail, log_actors.list_actors(store, staff, detail.id))
        data = EffortsData(
            inst.timezone, clock.today(inst.timezone), effort_rows, goal_rows, choices
        )
        if not worker.is_cancelled:
            self.post_message(self.Loaded(data))

    def worker_done(self) -> None:
        """The load failed (the notification says why): the tables stop saying "Loading…"."""
        self._failed = True
        self._fill()

    def on_efforts_pane_loaded(self, message: Loaded) -> None:
        message.stop()
        self.data = message.data
        self._failed = False
        self._fill()
        line = self.query_one("#efforts-overdue", Static)
        overdue = overdue_text(
            sum(e.overdue for e in self.data.efforts), sum(g.overdue for g in self.data.goals)
        )
        line.update(overdue)
        line.display = bool(overdue)
        self._show_history()
        self.refresh_bindings()

    # --- the tables ------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._fill()

    def _fill(self) -> None:
        width = max(self.content_size.width, 60)
        efforts_table = self.query_one("#efforts-table", DataTable)
        goals_table = self.query_one("#goals-table", DataTable)
        current_effort, current_goal = selected_key(efforts_table), selected_key(goals_table)
        effort_widths = set_columns(efforts_table, EFFORT_COLUMNS, width)
        goal_widths = set_columns(goals_table, GOAL_COLUMNS, width)
        if self.data is None:
            waiting = not_loaded(self._failed)
            refill(efforts_table, (), waiting)
            refill(goals_table, (), waiting)
            return
        refill(
            efforts_table,
            ((str(e.id), effort_cells(e, effort_widths)) for e in self.data.efforts),
            _("No efforts yet."),
            current=current_effort,
        )
        refill(
            goals_table,
            ((str(g.id), goal_cells(g, goal_widths)) for g in self.data.goals),
            _("No goals yet."),
            current=current_goal,
        )

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, DataTable) and event.widget.id != self._table_id:
            self._table_id = event.widget.id or self._table_id
            self._show_history()
            self.refresh_bindings()

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == self._table_id:
            self._show_history()
            self.refresh_bindings()

    def selected(self) -> efforts.EffortView | efforts.GoalView | None:
        """The effort or goal under the cursor of the table last focused."""
        if self.data is None:
            return None
        key = selected_key(self.query_one(f"#{self._table_id}", DataTable))
        items = self.data.efforts if self._table_id == "efforts-table" else self.data.goals
        return next((item for item in items if str(item.id) == key), None)

    def _show_history(self) -> None:
        history = self.query_one("#efforts-history", Static)
        item = self.selected()
        if item is None or self.data is None:
            history.display = False
            return
        if isinstance(item, efforts.EffortView):
            text = evaluations_text(
                item.what, item.responsible, item.evaluations, self.data.timezone
            )
        else:
            text = evaluations_text(item.text, "", item.evaluations, self.data.timezone)
        history.update(text)
        history.display = True

    # --- the holder's keys -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "explain_read_only":
            return self.detail is not None and not self.detail.can_write
        if action not in WRITER_ACTIONS:
            return True
        if not self.can_write:
            return False  # R7: a reader is not offered the keys; the note says why
        if action in ("evaluate", "end_effort"):
            item = self.selected()
            if item is None or item.status != "active":
                return None
            if action == "end_effort" and not isinstance(item, efforts.EffortView):
                return None
        return True

    def action_explain_read_only(self) -> None:
        if self.detail is not None and self.detail.why_read_only:
            self.notify(self.detail.why_read_only, severity="warning", markup=False)

    def action_add_effort(self) -> None:
        if self.data is None:
            return
        self.app.push_screen(
            AddEffortDialog(self.log_id, self.data.responsible, self.data.today), self._written
        )

    def action_evaluate(self) -> None:
        item = self.selected()
        if self.data is None or item is None:
            return
        if isinstance(item, efforts.EffortView):
            dialog: WritingDialog = EvaluateEffortDialog(item, self.data.today, on_stale=self.load)
        else:
            dialog = EvaluateGoalDialog(item, self.data.today, on_stale=self.load)
        self.app.push_screen(dialog, self._written)

    def action_end_effort(self) -> None:
        item = self.selected()
        if self.data is None or not isinstance(item, efforts.EffortView):
            return
        self.app.push_screen(
            EvaluateEffortDialog(item, self.data.today, end=True, on_stale=self.load), self._written
        )

    def action_add_goal(self) -> None:
        if self.data is None:
            return
        self.app.push_screen(AddGoalDialog(self.log_id, self.data.today), self._written)

    def _written(self, changed: bool | None) -> None:
        """After a write the log view loads the log again and shows it to every tab."""
        if changed:
            self.post_message(LogChanged(self.log_id))
