"""Which log a new meeting is about (R13): the planner (F5) asks first when it was not opened
from a log, then schedules with :class:`~relaytui.screens.meeting_form.ScheduleDialog`."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from relaytui.i18n import N_, _
from relaytui.services import log_list, logs
from relaytui.ui.dialogs import FormDialog
from relaytui.ui.forms import FormError, field, form_row
from relaytui.ui.log_pane import literal


def log_line(row: log_list.LogSummary) -> Text:
    text = literal(row.subject_name)
    text.stylize("bold")
    text.append(f"  {row.national_number_masked}  ")
    text.append(_("level {level}").format(level=row.level))
    return text


class LogPickerDialog(FormDialog):
    """Which of my logs a new meeting is about: type part of a name, pick with Enter.

    Dismisses with the chosen log's summary, or None.
    """

    CSS_PATH = ["log_panes.tcss", "meeting_form.tcss"]
    BINDINGS = [
        Binding(
            "ctrl+s",
            "save",
            N_("Choose"),
            id="meeting_form.pick.choose",
            tooltip=N_("Schedule the meeting about the chosen log."),
        ),
        Binding(
            "down",
            "step(1)",
            N_("Next log"),
            id="meeting_form.pick.next",
            show=False,
            tooltip=N_("Move to the next log in the list."),
        ),
        Binding(
            "up",
            "step(-1)",
            N_("Previous log"),
            id="meeting_form.pick.previous",
            show=False,
            tooltip=N_("Move to the previous log in the list."),
        ),
    ]

    def __init__(self, rows: Sequence[log_list.LogSummary]) -> None:
        super().__init__()
        self.rows = tuple(rows)
        self.shown: tuple[log_list.LogSummary, ...] = self.rows

    def heading(self) -> str:
        return _("Schedule a meeting about which log?")

    def form(self) -> ComposeResult:
        yield form_row(
            _("Name"),
            field(
                id="pick-filter", max_length=100, placeholder=_("type part of the name, then Enter")
            ),
        )
        yield OptionList(
            *(Option(log_line(row), id=str(row.id)) for row in self.rows),
            id="pick-logs",
            compact=True,
        )

    def on_mount(self) -> None:
        self.query_one("#pick-logs", OptionList).highlighted = 0 if self.rows else None

    @on(Input.Changed, "#pick-filter")
    def _filter(self, event: Input.Changed) -> None:
        words = event.value.casefold().split()
        self.shown = tuple(
            row
            for row in self.rows
            if all(
                word in f"{row.subject_name} {row.national_number_masked}".casefold()
                for word in words
            )
        )
        options = self.query_one("#pick-logs", OptionList)
        options.clear_options()
        options.add_options(Option(log_line(row), id=str(row.id)) for row in self.shown)
        options.highlighted = 0 if self.shown else None

    def action_step(self, step: int) -> None:
        options = self.query_one("#pick-logs", OptionList)
        if self.shown:
            options.highlighted = max(
                0, min((options.highlighted or 0) + step, len(self.shown) - 1)
            )

    @on(OptionList.OptionSelected, "#pick-logs")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_save()

    def read_form(self) -> logs.LogSummary:
        highlighted = self.query_one("#pick-logs", OptionList).highlighted
        if highlighted is None or not self.shown:
            raise FormError(_("No log of yours matches; type less of the name."))
        return self.shown[highlighted]
