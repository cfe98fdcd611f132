"""The dialogs of the minutes: a line made an effort, finishing, going to a section, and
the question after finishing. Each hands back what was chosen; the screen saves it.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Select, Static

from relaytui.i18n import N_, _
from relaytui.screens.effort_forms import (
    SOMEONE_ELSE,
    Responsible,
    default_responsible,
    first_evaluation,
    read_responsible,
    responsible_rows,
)
from relaytui.screens.minutes.draft import KindChange, Line
from relaytui.ui.base import RelayModalScreen
from relaytui.ui.dialogs import ConfirmDialog, FormDialog
from relaytui.ui.forms import FormError, form_row, read_date
from relaytui.ui.forms import field as form_field
from relaytui.ui.log_pane import literal


class EffortDialog(FormDialog):
    """Who is responsible for the line's effort, and when it is evaluated (R12)."""

    def __init__(
        self,
        text: str,
        choices: tuple[Responsible, ...],
        *,
        meeting_day: date,
        current: Line | None = None,
    ) -> None:
        super().__init__()
        self.text = text
        self.choices = choices
        self.meeting_day = meeting_day
        self.current = current

    def heading(self) -> str:
        return _("Make the line an effort")

    def form(self) -> ComposeResult:
        start, typed = default_responsible(self.choices), ""
        evaluate = first_evaluation(self.meeting_day)
        if self.current is not None and self.current.kind == "effort":
            found = [
                i
                for i, c in enumerate(self.choices)
                if c.staff_id is not None and c.staff_id == self.current.responsible_staff_id
            ]
            start = found[0] if found else SOMEONE_ELSE
            typed = self.current.responsible_text
            evaluate = self.current.evaluate_on or evaluate
        yield Static(literal(self.text), classes="log-dialog-note", markup=False)
        yield from responsible_rows(self.choices, start, typed)
        yield form_row(
            _("Evaluate on"),
            form_field(
                evaluate.isoformat(), id="effort-evaluate", max_length=10, placeholder="YYYY-MM-DD"
            ),
        )

    @on(Select.Changed, "#effort-responsible")
    def _responsible_changed(self, event: Select.Changed) -> None:
        self.query_one("#effort-responsible-text", Input).disabled = event.value != SOMEONE_ELSE

    def read_form(self) -> KindChange:
        staff_id, text = read_responsible(self, self.choices)
        evaluate = read_date(
            self.value("#effort-evaluate"),
            _("Type the evaluation date as YYYY-MM-DD, for example {example}."),
            example=first_evaluation(self.meeting_day),
            field="effort-evaluate",
        )
        assert evaluate is not None
        if evaluate < self.meeting_day:
            raise FormError(
                _("The evaluation date cannot be before the meeting."), "effort-evaluate"
            )
        return KindChange("effort", staff_id, text, evaluate)


class FinishDialog(FormDialog):
    """What finishing will write, and the warning that it can no longer change (R7, R13).

    A notification meeting needs the family department's assessment (R11): typed here when
    no line of the minutes holds it. Dismisses with the assessment typed ("" if none was
    needed), or None.
    """

    BINDINGS = [
        Binding(
            "ctrl+s",
            "save",
            N_("Finish"),
            id="minutes.finish_dialog.finish",
            tooltip=N_("Finish the minutes: write them into the journal for good."),
        ),
    ]

    def __init__(self, summary: Text, *, needs_outcome: bool) -> None:
        super().__init__()
        self.summary = summary
        self.needs_outcome = needs_outcome

    def heading(self) -> str:
        return _("Finish the minutes")

    def form(self) -> ComposeResult:
        yield Static(
            Text(
                _(
                    "Finished minutes are written into the log's journal and can no longer be "
                    "changed, only corrected by a new entry. Ctrl+S finishes, Escape goes back."
                ),
                style="bold",
            ),
            id="finish-warning",
            classes="log-dialog-note",
            markup=False,
        )
        yield Static(self.summary, id="finish-summary", markup=False)
        if self.needs_outcome:
            yield form_row(
                _("Assessment"),
                form_field(
                    id="finish-outcome",
                    max_length=4000,
                    placeholder=_("The family department's assessment"),
                ),
            )

    def action_enter_field(self) -> None:
        if not self.needs_outcome:
            self.action_save()
            return
        super().action_enter_field()

    def read_form(self) -> str:
        if not self.needs_outcome:
            return ""
        outcome = self.value("#finish-outcome").strip()
        if not outcome:
            raise FormError(
                _("Write the family department's assessment before finishing."), "finish-outcome"
            )
        return outcome


class GoToSectionDialog(RelayModalScreen[int]):
    """Jump to an agenda item by its number."""

    CSS_PATH = "minutes.tcss"
    AUTO_FOCUS = "#goto-number"
    BINDINGS = [
        Binding(
            "escape",
            "cancel",
            N_("Cancel"),
            id="minutes.goto.cancel",
            tooltip=N_("Stay in the section you are in."),
        ),
    ]

    def __init__(self, titles: list[str]) -> None:
        super().__init__()
        self.titles = titles

    def compose(self) -> ComposeResult:
        listing = Text(_("Go to section:"), style="bold")
        for number, title in enumerate(self.titles, start=1):
            listing.append(f"\n{number}  ")
            listing.append_text(literal(title))
        with Vertical(id="goto-box"):
            yield Static(listing, markup=False)
            yield Input(
                id="goto-number",
                type="integer",
                max_length=3,
                compact=True,
                placeholder=_("number"),
            )

    def _number(self, value: str) -> int | None:
        try:
            number = int(value)
        except ValueError:
            return None
        return number if 1 <= number <= len(self.titles) else None

    @on(Input.Changed, "#goto-number")
    def _typed(self, event: Input.Changed) -> None:
        number = self._number(event.value)
        # One digit is enough when no longer number starts with it.
        if number is not None and number * 10 > len(self.titles):
            self.dismiss(number)

    @on(Input.Submitted, "#goto-number")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        number = self._number(event.value)
        if number is not None:
            self.dismiss(number)

    def action_cancel(self) -> None:
        self.dismiss(None)


class NextMeetingQuestion(ConfirmDialog):
    """ "Schedule the next meeting?" with y and n as well as the buttons."""

    BINDINGS = [
        Binding(
            "y",
            "answer(True)",
            N_("Yes"),
            id="minutes.next.yes",
            tooltip=N_("Schedule the next meeting now."),
        ),
        Binding(
            "n",
            "answer(False)",
            N_("No"),
            id="minutes.next.no",
            tooltip=N_("Do not schedule a meeting now."),
        ),
    ]

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
