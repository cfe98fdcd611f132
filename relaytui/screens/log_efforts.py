"""The "Efforts and goals" tab of a log: who does what, from when, evaluated when (R12).

The holder adds, evaluates and ends efforts and goals here; an actor reads them. Overdue
evaluations stand out by a word and a colour, never by colour alone. Every write names the
version it was based on, so a change made meanwhile by someone else is refused, shown, and
loaded, while what the holder typed stays in the form.

This module also holds what both panes of the log view share (the form dialog, dates typed as
YYYY-MM-DD, column widths that follow the pane): ``log_actors`` imports it from here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, DataTable, Input, Label, Select, Static
from textual.worker import Worker, get_current_worker

from relaytui.errors import StaleWrite
from relaytui.i18n import N_, _, ngettext
from relaytui.i18n.formats import date_text
from relaytui.screens.log_view import NOTHING, LogPane, date_only, label, literal
from relaytui.services import clock, consent, efforts, installation, logs
from relaytui.ui.base import RelayModalScreen, after_typed_keys
from relaytui.widgets.choice import Choice
from relaytui.widgets.fitted_table import FittedTable
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.messages import LogChanged
from relaytui.widgets.toggles import MarkedCheckbox
from relaytui.widgets.writing_hints import WritingHints, hints_binding

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")

EFFORT_STATUS = {"active": N_("active"), "ended": N_("ended")}
GOAL_STATUS = {"active": N_("active"), "reached": N_("reached"), "dropped": N_("dropped")}
#: What a goal evaluation decides: the goal stays, was reached, or was dropped.
GOAL_OUTCOMES = (("active", N_("Continue")), ("reached", N_("Reached")), ("dropped", N_("Dropped")))
OVERDUE_STYLE = "bold red"


# --- shared by both panes --------------------------------------------------------------------


def day(value: date | None) -> str:
    """A date shown in a table, in the user's form (typed dates stay YYYY-MM-DD)."""
    return date_text(value, NOTHING)


def one_line(text: str) -> Text:
    """Database text on one line, literally (no markup, no control codes)."""
    return literal(" ".join((text or "").split()))


def clip(text: str, width: int) -> Text:
    """Database text for a table cell: literal, on one line, cut to ``width`` with an ellipsis."""
    cell = one_line(text)
    cell.truncate(max(width, 1), overflow="ellipsis")
    return cell


#: The width given to the cell functions: the table cuts, not they.
UNCUT = 10_000


class FormError(Exception):
    """What the user typed cannot be sent: ``message`` says why, ``field`` where."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def read_date(value: str, wrong: str, *, example: date, required: bool = True,
              field: str | None = None) -> date | None:
    """A date typed as YYYY-MM-DD; ``wrong`` is the whole message, with ``{example}``."""
    text = (value or "").strip()
    if not text and not required:
        return None
    try:
        if not DATE_PATTERN.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise FormError(wrong.format(example=example.isoformat()), field) from None


class LogPaneDialog(RelayModalScreen[bool]):
    """A form over the log view. Escape closes it unchanged; Ctrl+S (or Enter in the last
    field) saves in a thread; a refusal is shown in the form, and what was typed stays.

    Subclasses compose ``form()``, check the fields in ``read_form()`` and write in
    ``write()``; a dialog that changes a versioned row also gives ``reread()`` and
    ``refreshed()``, so a stale write shows the other person's change and may be made again.
    It dismisses with True when something was stored.
    """

    CSS_PATH = "log_panes.tcss"
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="log_pane.dialog.cancel",
                tooltip=N_("Close the form without saving.")),
        Binding("ctrl+s", "save", N_("Save"), id="log_pane.dialog.save",
                tooltip=N_("Save what the form says.")),
        # Priority bindings move the focus before the next key is handed out, so nothing a
        # fast typist (or a paste of "text<Tab>2026-05-01") types lands in the field left.
        Binding("tab", "next_field", N_("Next field"), id="log_pane.dialog.next_field",
                show=False, priority=True, tooltip=N_("Go to the next field.")),
        Binding("shift+tab", "previous_field", N_("Previous field"),
                id="log_pane.dialog.previous_field", show=False, priority=True,
                tooltip=N_("Go back to the previous field.")),
        Binding("enter", "enter_field", N_("Next field"), id="log_pane.dialog.enter",
                show=False, priority=True,
                tooltip=N_("Go to the next field; in the last field, save.")),
    ]

    class Done(Message):
        """The write went through."""

    class Stale(Message):
        """Someone changed the row meanwhile: ``fresh`` is how it is now (or None if gone)."""

        def __init__(self, text: str, fresh: Any) -> None:
            super().__init__()
            self.text = text
            self.fresh = fresh

    def __init__(self, *, on_stale: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._on_stale = on_stale

    # --- what a dialog says ----------------------------------------------------------------

    def heading(self) -> str:
        raise NotImplementedError

    def form(self) -> ComposeResult:
        raise NotImplementedError

    def read_form(self) -> Any:
        """What was typed, checked; raises FormError."""
        raise NotImplementedError

    def write(self, store: Store, staff: StaffRef, values: Any) -> None:
        """Store ``values`` through a service (runs in a thread)."""
        raise NotImplementedError

    def reread(self, store: Store, staff: StaffRef) -> Any:
        """The row as it is now, after a stale write (runs in a thread)."""
        return None

    def refreshed(self, fresh: Any) -> None:
        """Show the row as it is now; later writes are based on it."""

    # --- the frame -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="log-dialog"):
            yield Static(self.heading(), classes="log-dialog-title", markup=False)
            with VerticalScroll(classes="log-dialog-body"):
                yield from self.form()
            yield Static("", id="log-dialog-error", classes="log-dialog-error", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#log-dialog-error").display = False
        fit_captions(self)
        first = next((w for w in self.query("Input, Select, OptionList, SelectionList, Checkbox")
                      if w.focusable), None)
        if first is not None:
            first.focus()

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_next_field(self) -> None:
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    def action_enter_field(self) -> None:
        """Enter in a text field moves to the next field. In the last one (and in lists,
        choices and buttons) Enter is left to the widget: a text field then submits after
        every key typed before the Enter, and submitting the last field saves."""
        fields = [w for w in self.query(Input) if w.focusable]
        if self.focused in fields and self.focused is not fields[-1]:
            self.focus_next()
            return
        raise SkipAction()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        """Enter in the last text field saves."""
        event.stop()
        self.action_save()

    @after_typed_keys
    def action_save(self) -> None:
        if self.busy:
            return
        try:
            values = self.read_form()
        except FormError as exc:
            self.show_error(exc.message, exc.field)
            return
        self.show_error("")
        self.busy = True
        self._write(self.store, self.staff, values)

    @work(thread=True, exclusive=True, exit_on_error=False, group="log-pane-dialog")
    def _write(self, store: Store, staff: StaffRef, values: Any) -> None:
        try:
            self.write(store, staff, values)
        except StaleWrite as exc:
            self.post_message(self.Stale(exc.message, self.reread(store, staff)))
            return
        self.post_message(self.Done())

    def on_log_pane_dialog_done(self, message: Done) -> None:
        message.stop()
        self.dismiss(True)

    def on_log_pane_dialog_stale(self, message: Stale) -> None:
        message.stop()
        self.busy = False
        self.refreshed(message.fresh)
        self.show_error(
            message.text + "\n"
            + _("The form now shows their change; what you typed is kept. Save again to make "
                "your change.")
        )
        if self._on_stale is not None:
            self._on_stale()

    def worker_failed(self, worker: Worker, message: str) -> None:
        self.busy = False
        self.show_error(message)

    # --- state -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.has_class("-busy")

    @busy.setter
    def busy(self, value: bool) -> None:
        self.set_class(value, "-busy")

    def show_error(self, text: str, field: str | None = None) -> None:
        error = self.query_one("#log-dialog-error", Static)
        error.update(Text(text))
        error.display = bool(text)
        for widget in self.query(Input):
            widget.remove_class("-invalid")
        if field:
            target = self.query_one(f"#{field}")
            target.add_class("-invalid")
            target.focus()

    def value(self, selector: str) -> str:
        return self.query_one(selector, Input).value


def form_row(caption: str, *fields: Widget) -> Horizontal:
    """One line of a form: the caption left, the field(s) right."""
    return Horizontal(Label(caption, classes="form-caption", markup=False), *fields,
                      classes="form-row")


#: The caption column's usual width (log_panes.tcss); it grows to the longest caption of the
#: form, up to CAPTION_MOST, and a longer caption wraps.
CAPTION_LEAST = 20
CAPTION_MOST = 28


def fit_captions(dialog: Widget) -> None:
    """Make the form's caption column as wide as its longest caption (in the user's language),
    so that no caption is cut (issue 16): "Stad eller videolenkje" is wider than the usual 20."""
    captions = list(dialog.query(".form-caption"))
    if not captions:
        return
    longest = max(cell_len(str(caption.content)) for caption in captions)
    width = min(max(longest + 1, CAPTION_LEAST), CAPTION_MOST)
    for caption in captions:
        caption.styles.width = width
        caption.styles.height = "auto"


def field(value: str = "", *, id: str, placeholder: str = "", max_length: int = 0,
          disabled: bool = False) -> Input:
    """A one-line text field without a border, so a form fits in 80x24."""
    return Input(value, id=id, placeholder=placeholder, max_length=max_length, compact=True,
                 disabled=disabled)


# --- what the pane loads ---------------------------------------------------------------------


@dataclass(frozen=True)
class Responsible:
    """One choice for who is responsible: a member of staff, or a name typed as text."""

    label: str
    staff_id: int | None = None
    text: str = ""


@dataclass(frozen=True)
class EffortsData:
    """What the pane's worker hands back; plain data, no session behind it."""

    timezone: str
    today: date
    efforts: tuple[efforts.EffortView, ...]
    goals: tuple[efforts.GoalView, ...]
    responsible: tuple[Responsible, ...]


ROLE_WORDS = {
    "holder": N_("holder"), "coordinator": N_("coordinator"), "leader": N_("leader"), "actor": N_("actor"),
    "guardian": N_("guardian"), "subject": N_("subject"), "other": N_("other"),
}


def responsible_choices(detail: logs.LogDetail,
                        actors: Iterable[consent.ActorView]) -> tuple[Responsible, ...]:
    """The holder and the actors, as the add-effort form offers them (R12). Staff are chosen
    as themselves; a guardian or another person reading along is written in by name."""
    choices = [Responsible(_("{name} (holder)").format(name=detail.holder.holder_name),
                           staff_id=detail.holder_id)]
    for actor in actors:
        if actor.staff_id is not None:
            if actor.staff_id == detail.holder_id:
                continue
            what = actor.profession or label(ROLE_WORDS, actor.role)
            choices.append(Responsible(f"{actor.name} ({what})", staff_id=actor.staff_id))
        elif actor.name:
            choices.append(Responsible(f"{actor.name} ({label(ROLE_WORDS, actor.role)})",
                                       text=actor.name))
    return tuple(choices)


def due_cells(evaluate_on: date | None, status: str, overdue: bool,
              words: dict[str, str]) -> tuple[Text, Text]:
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
    return [clip(effort.what, widths[0]), clip(effort.responsible, widths[1]),
            Text(day(effort.starts_on)), evaluate, status]


def goal_cells(goal: efforts.GoalView, widths: Sequence[int]) -> list[Text]:
    """One row of the goals table."""
    evaluate, status = due_cells(goal.evaluate_on, goal.status, goal.overdue, GOAL_STATUS)
    return [clip(goal.text, widths[0]), evaluate, status]


def overdue_text(efforts_overdue: int, goals_overdue: int) -> Text:
    """"! Overdue for evaluation: 2 efforts, 1 goal." (empty when nothing is overdue)."""
    parts = []
    if efforts_overdue:
        parts.append(ngettext("{n} effort", "{n} efforts", efforts_overdue).format(n=efforts_overdue))
    if goals_overdue:
        parts.append(ngettext("{n} goal", "{n} goals", goals_overdue).format(n=goals_overdue))
    if not parts:
        return Text("")
    return Text("! " + _("Overdue for evaluation: {what}.").format(what=", ".join(parts)),
                style=OVERDUE_STYLE)


def evaluations_text(title: str, responsible: str, items: Sequence[efforts.EvaluationView],
                     tz: str, limit: int = 3) -> Text:
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
            text.append(_("(next evaluation {date})").format(date=day(evaluation.next_evaluate_on)),
                        style="italic")
    if len(items) > limit:
        text.append("\n")
        text.append(_("… and {n} earlier evaluation(s).").format(n=len(items) - limit),
                    style="italic")
    return text


def refill(table: DataTable, rows: Iterable[tuple[str, list[Text]]], empty: str,
           empty_column: int = 0, *, current: str | None = None) -> None:
    """Replace a table's rows, keeping the cursor on the same item (``current``, or the one
    under the cursor now) when it is still there; an empty table says so in ``empty_column``."""
    current = current or selected_key(table)
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if not table.row_count:
        blanks = [Text("")] * len(table.columns)
        blanks[empty_column] = Text(empty, style="italic")
        table.add_row(*blanks, key="")
    if current and current in table.rows:
        table.move_cursor(row=table.get_row_index(current))


def not_loaded(failed: bool) -> str:
    """What an empty table says before its data came."""
    return _("Not loaded.") if failed else _("Loading…")


def selected_key(table: DataTable) -> str | None:
    """The key of the row under the cursor ("" for the empty-table line), or None."""
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def set_columns(table: DataTable, columns: Sequence[tuple[str, str, int | None]],
                width: int) -> list[int]:
    """(Re)build the columns; a :class:`FittedTable` shares its width among them by need and
    ends a cut cell with "…", so the widths returned (for the cells) are no limit (issue 16).
    This empties the table: read its ``selected_key`` first and give it to ``refill``."""
    table.clear(columns=True)
    for key, heading, _w in columns:
        table.add_column(Text(_(heading)), key=key)
    return [UNCUT] * len(columns)


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
#: The description of a holder's key pressed by a reader: it says why nothing opens (R7).
READ_ONLY = N_("Why read only")
READ_ONLY_TIP = N_("Say why you cannot write in this log.")


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
        Binding("a", "add_effort", N_("Add effort"), id="efforts.add_effort",
                tooltip=N_("Record who does what, from when, and when it is evaluated.")),
        Binding("e", "evaluate", N_("Evaluate"), id="efforts.evaluate",
                tooltip=N_("Evaluate the chosen effort or goal.")),
        Binding("s", "end_effort", N_("End effort"), id="efforts.end_effort",
                tooltip=N_("End the chosen effort, saying what it achieved.")),
        Binding("g", "add_goal", N_("Add goal"), id="efforts.add_goal",
                tooltip=N_("Record a shared goal and when it is evaluated.")),
        # A reader pressing the holder's keys is told why nothing opens (R7).
        Binding("a", "explain_read_only", READ_ONLY, show=False, id="efforts.add_effort.refused",
                tooltip=READ_ONLY_TIP),
        Binding("e", "explain_read_only", READ_ONLY, show=False, id="efforts.evaluate.refused",
                tooltip=READ_ONLY_TIP),
        Binding("s", "explain_read_only", READ_ONLY, show=False, id="efforts.end_effort.refused",
                tooltip=READ_ONLY_TIP),
        Binding("g", "explain_read_only", READ_ONLY, show=False, id="efforts.add_goal.refused",
                tooltip=READ_ONLY_TIP),
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
            note.update(Text(self.detail.why_read_only
                             or _("You can read this log, but not write in it.")))
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
            choices = responsible_choices(detail, consent.list_actors(store, staff, detail.id))
        data = EffortsData(inst.timezone, clock.today(inst.timezone), effort_rows, goal_rows, choices)
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
        overdue = overdue_text(sum(e.overdue for e in self.data.efforts),
                               sum(g.overdue for g in self.data.goals))
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
        refill(efforts_table, ((str(e.id), effort_cells(e, effort_widths)) for e in self.data.efforts),
               _("No efforts yet."), current=current_effort)
        refill(goals_table, ((str(g.id), goal_cells(g, goal_widths)) for g in self.data.goals),
               _("No goals yet."), current=current_goal)

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
            text = evaluations_text(item.what, item.responsible, item.evaluations, self.data.timezone)
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
        self.app.push_screen(AddEffortDialog(self.log_id, self.data.responsible, self.data.today),
                             self._written)

    def action_evaluate(self) -> None:
        item = self.selected()
        if self.data is None or item is None:
            return
        if isinstance(item, efforts.EffortView):
            dialog: LogPaneDialog = EvaluateEffortDialog(item, self.data.today, on_stale=self.load)
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


# --- the dialogs -----------------------------------------------------------------------------

SOMEONE_ELSE = -1

#: A new effort is evaluated this long after it starts (or after the meeting that agreed it),
#: unless the holder types another date; the next meeting is suggested as far ahead.
FOLLOW_UP = timedelta(weeks=6)


def first_evaluation(start: date) -> date:
    """When a new effort is evaluated unless the holder types another date."""
    return start + FOLLOW_UP


def default_responsible(choices: Sequence[Responsible]) -> int:
    """Who a new effort names as responsible unless the holder picks another: the holder (the
    first choice, see ``responsible_choices``), or a name typed when there is no choice."""
    return 0 if choices else SOMEONE_ELSE


def responsible_rows(choices: Sequence[Responsible], start: int, typed: str = "") -> ComposeResult:
    """The "Responsible" list ("someone else" first, then the choices) and the field for a name
    typed instead, which is open only while "someone else" is chosen."""
    options = [(Text(_("Someone else: type who below")), SOMEONE_ELSE)]
    options += [(literal(choice.label), index) for index, choice in enumerate(choices)]
    yield form_row(_("Responsible"), Choice(options, value=start, allow_blank=False,
                                            id="effort-responsible", compact=True))
    yield form_row(_("Or type who"), field(typed, id="effort-responsible-text", max_length=200,
                                           placeholder=_("e.g. mother, the home"),
                                           disabled=start != SOMEONE_ELSE))


def read_responsible(dialog: LogPaneDialog, choices: Sequence[Responsible]) -> tuple[int | None, str]:
    """The staff member or the typed name chosen in ``responsible_rows``; raises FormError."""
    choice = dialog.query_one("#effort-responsible", Select).value
    if choice == SOMEONE_ELSE or not isinstance(choice, int):
        text = dialog.value("#effort-responsible-text").strip()
        if not text:
            raise FormError(
                _("Name who is responsible: an actor, the holder, or someone in the home such "
                  "as 'mother'."), "effort-responsible-text")
        return None, text
    picked = choices[choice]
    return picked.staff_id, picked.text


@dataclass(frozen=True)
class NewEffort:
    """The add-effort form, checked."""

    what: str
    staff_id: int | None
    text: str
    starts_on: date
    evaluate_on: date


class AddEffortDialog(LogPaneDialog):
    """Who does what, from when, evaluated when: the responsible is the holder, an actor, or
    someone typed by name such as "mother" or "the home" (R12). What is done gets writing
    hints (R16)."""

    BINDINGS = [hints_binding()]

    def __init__(self, log_id: int, choices: Sequence[Responsible], today: date) -> None:
        super().__init__()
        self.log_id = log_id
        self.choices = tuple(choices)
        self.today = today

    def heading(self) -> str:
        return _("Add an effort")

    def form(self) -> ComposeResult:
        yield form_row(_("What is done"), field(id="effort-what", max_length=2000,
                                                placeholder=_("e.g. Ida is picked up by 15:00")))
        yield WritingHints(id="effort-what-hints")
        yield from responsible_rows(self.choices, default_responsible(self.choices))
        yield form_row(_("Starts on"), field(self.today.isoformat(), id="effort-starts",
                                             max_length=10, placeholder="YYYY-MM-DD"))
        yield form_row(_("Evaluate on"), field(first_evaluation(self.today).isoformat(),
                                               id="effort-evaluate", max_length=10,
                                               placeholder="YYYY-MM-DD"))

    @on(Select.Changed, "#effort-responsible")
    def _responsible_changed(self, event: Select.Changed) -> None:
        self.query_one("#effort-responsible-text", Input).disabled = event.value != SOMEONE_ELSE

    @on(Input.Changed, "#effort-what")
    def _what_typed(self, event: Input.Changed) -> None:
        self.query_one("#effort-what-hints", WritingHints).follow(event.value)

    def action_toggle_writing_hints(self) -> None:
        self.query_one("#effort-what-hints", WritingHints).toggle()

    def read_form(self) -> NewEffort:
        what = self.value("#effort-what").strip()
        if not what:
            raise FormError(_("Say what will be done."), "effort-what")
        staff_id, text = read_responsible(self, self.choices)
        starts = read_date(self.value("#effort-starts"),
                           _("Type the start date as YYYY-MM-DD, for example {example}."),
                           example=self.today, field="effort-starts")
        evaluate = read_date(self.value("#effort-evaluate"),
                             _("Type the evaluation date as YYYY-MM-DD, for example {example}."),
                             example=self.today, field="effort-evaluate")
        assert starts is not None and evaluate is not None
        return NewEffort(what, staff_id, text, starts, evaluate)

    def write(self, store: Store, staff: StaffRef, values: NewEffort) -> None:
        efforts.add_effort(store, staff, self.log_id, what=values.what, starts_on=values.starts_on,
                           evaluate_on=values.evaluate_on, responsible_staff_id=values.staff_id,
                           responsible_text=values.text)


@dataclass(frozen=True)
class EvaluationForm:
    """An evaluation form, checked: what was found, and what happens next."""

    text: str
    next_on: date | None
    end: bool = False
    status: str = "active"


def effort_summary(effort: efforts.EffortView) -> Text:
    """The effort a form is about, as it is now."""
    text = one_line(effort.what)
    text.stylize("bold")
    text.append("\n")
    text.append_text(literal(_("Responsible: {who}. Evaluate on {date}. Status: {status}.").format(
        who=effort.responsible, date=day(effort.evaluate_on),
        status=_("overdue") if effort.overdue else label(EFFORT_STATUS, effort.status))))
    return text


class EvaluateEffortDialog(LogPaneDialog):
    """What the evaluation found, and either the next evaluation date or the end (R12)."""

    def __init__(self, effort: efforts.EffortView, today: date, *, end: bool = False,
                 on_stale: Callable[[], None] | None = None) -> None:
        super().__init__(on_stale=on_stale)
        self.effort = effort
        self.today = today
        self.end = end

    def heading(self) -> str:
        return _("End the effort") if self.end else _("Evaluate the effort")

    def form(self) -> ComposeResult:
        yield Static(effort_summary(self.effort), id="evaluation-item", classes="log-dialog-note",
                     markup=False)
        yield form_row(_("What was found"), field(id="evaluation-text", max_length=4000,
                                                  placeholder=_("What worked, what did not")))
        yield form_row(_("End the effort"), MarkedCheckbox(_("yes, it ends now"), self.end,
                                                     id="evaluation-end", compact=True))
        yield form_row(_("Next evaluation"), field(id="evaluation-next", max_length=10,
                                                   placeholder="YYYY-MM-DD", disabled=self.end))

    @on(Checkbox.Changed, "#evaluation-end")
    def _end_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#evaluation-next", Input).disabled = event.value

    def read_form(self) -> EvaluationForm:
        text = self.value("#evaluation-text").strip()
        if not text:
            raise FormError(_("Write what the evaluation found."), "evaluation-text")
        end = self.query_one("#evaluation-end", Checkbox).value
        next_on = None
        if not end:
            next_on = read_date(self.value("#evaluation-next"),
                                _("Type the next evaluation date as YYYY-MM-DD, for example "
                                  "{example}, or end the effort."),
                                example=self.today, field="evaluation-next")
        return EvaluationForm(text, next_on, end)

    def write(self, store: Store, staff: StaffRef, values: EvaluationForm) -> None:
        efforts.evaluate_effort(store, staff, self.effort.id, version=self.effort.version,
                                text=values.text, next_evaluate_on=values.next_on, end=values.end)

    def reread(self, store: Store, staff: StaffRef) -> efforts.EffortView | None:
        return next((e for e in efforts.list_efforts(store, staff, self.effort.log_id)
                     if e.id == self.effort.id), None)

    def refreshed(self, fresh: efforts.EffortView | None) -> None:
        if fresh is not None:
            self.effort = fresh
            self.query_one("#evaluation-item", Static).update(effort_summary(fresh))


def goal_summary(goal: efforts.GoalView) -> Text:
    """The goal a form is about, as it is now."""
    text = one_line(goal.text)
    text.stylize("bold")
    text.append("\n")
    text.append(_("Evaluate on {date}. Status: {status}.").format(
        date=day(goal.evaluate_on),
        status=_("overdue") if goal.overdue else label(GOAL_STATUS, goal.status)))
    return text


class EvaluateGoalDialog(LogPaneDialog):
    """Was the goal reached, dropped, or does it continue to a new evaluation date?"""

    def __init__(self, goal: efforts.GoalView, today: date, *,
                 on_stale: Callable[[], None] | None = None) -> None:
        super().__init__(on_stale=on_stale)
        self.goal = goal
        self.today = today

    def heading(self) -> str:
        return _("Evaluate the goal")

    def form(self) -> ComposeResult:
        yield Static(goal_summary(self.goal), id="evaluation-item", classes="log-dialog-note",
                     markup=False)
        yield form_row(_("What was found"), field(id="evaluation-text", max_length=4000,
                                                  placeholder=_("How far the goal was reached")))
        yield form_row(_("Outcome"), Choice([(Text(_(word)), code) for code, word in GOAL_OUTCOMES],
                                            value="active", allow_blank=False,
                                            id="evaluation-outcome", compact=True))
        yield form_row(_("Next evaluation"), field(id="evaluation-next", max_length=10,
                                                   placeholder=_("YYYY-MM-DD, or empty")))

    @on(Select.Changed, "#evaluation-outcome")
    def _outcome_changed(self, event: Select.Changed) -> None:
        self.query_one("#evaluation-next", Input).disabled = event.value != "active"

    def read_form(self) -> EvaluationForm:
        text = self.value("#evaluation-text").strip()
        if not text:
            raise FormError(_("Write what the evaluation found."), "evaluation-text")
        status = str(self.query_one("#evaluation-outcome", Select).value)
        next_on = None
        if status == "active":
            next_on = read_date(self.value("#evaluation-next"),
                                _("Type the next evaluation date as YYYY-MM-DD, for example "
                                  "{example}, or leave it empty."),
                                required=False, example=self.today, field="evaluation-next")
        return EvaluationForm(text, next_on, status=status)

    def write(self, store: Store, staff: StaffRef, values: EvaluationForm) -> None:
        efforts.evaluate_goal(store, staff, self.goal.id, version=self.goal.version, text=values.text,
                              status=values.status, next_evaluate_on=values.next_on)

    def reread(self, store: Store, staff: StaffRef) -> efforts.GoalView | None:
        return next((g for g in efforts.list_goals(store, staff, self.goal.log_id)
                     if g.id == self.goal.id), None)

    def refreshed(self, fresh: efforts.GoalView | None) -> None:
        if fresh is not None:
            self.goal = fresh
            self.query_one("#evaluation-item", Static).update(goal_summary(fresh))


@dataclass(frozen=True)
class NewGoal:
    """The add-goal form, checked."""

    text: str
    evaluate_on: date | None


class AddGoalDialog(LogPaneDialog):
    """A goal everyone works towards, and when it is evaluated."""

    def __init__(self, log_id: int, today: date) -> None:
        super().__init__()
        self.log_id = log_id
        self.today = today

    def heading(self) -> str:
        return _("Add a goal")

    def form(self) -> ComposeResult:
        yield form_row(_("Goal"), field(id="goal-text", max_length=2000,
                                        placeholder=_("e.g. Ida eats breakfast before daycare")))
        yield form_row(_("Evaluate on"), field(id="goal-evaluate", max_length=10,
                                               placeholder=_("YYYY-MM-DD, or empty")))

    def read_form(self) -> NewGoal:
        text = self.value("#goal-text").strip()
        if not text:
            raise FormError(_("Describe the goal."), "goal-text")
        evaluate = read_date(self.value("#goal-evaluate"),
                             _("Type the evaluation date as YYYY-MM-DD, for example {example}, "
                               "or leave it empty."), required=False, example=self.today,
                             field="goal-evaluate")
        return NewGoal(text, evaluate)

    def write(self, store: Store, staff: StaffRef, values: NewGoal) -> None:
        efforts.add_goal(store, staff, self.log_id, text=values.text, evaluate_on=values.evaluate_on)
