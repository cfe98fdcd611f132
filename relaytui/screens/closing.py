"""Closing a relay log for good (R10), after a confirmation: a closed log never reopens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, RadioSet, Static, TextArea

from relaytui.errors import DomainError
from relaytui.i18n import N_, _
from relaytui.services import installation, log_closing, logs
from relaytui.ui.base import after_typed_keys
from relaytui.ui.dialogs import LogDialog
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.levels import level_in_sentence
from relaytui.widgets.toggles import MarkedRadioButton

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


class CloseLogDialog(LogDialog):
    """Close the log with the basis and the reason written down (R10).

    ``dk``: the consultation the level requires (colleagues at levels 0-1, the actors at 2-3) is
    written down. ``no``: the guardians ended the log, or the efforts have worked. A second
    step asks for confirmation before anything is changed.
    """

    AUTO_FOCUS = None
    BINDINGS = [
        Binding(
            "ctrl+s",
            "submit",
            N_("Close log"),
            id="closing.save",
            priority=True,
            tooltip=N_("Check what you wrote, then confirm to close the log."),
        ),
        Binding(
            "y",
            "confirm",
            N_("Yes, close for good"),
            id="closing.confirm",
            tooltip=N_("Close the relay log now; it can never be reopened."),
        ),
    ]

    def __init__(self, detail: logs.LogDetail) -> None:
        super().__init__(detail)
        self.confirming = False

    def compose(self) -> ComposeResult:
        with Vertical(id="close-dialog", classes="dialog-box"):
            # Outside the scrolling part: the warning stays in view whatever is focused.
            with Vertical(classes="dialog-head"):
                yield Static(
                    self.title_text(_("Close relay log")), classes="dialog-title", markup=False
                )
                yield Static(
                    Text(
                        _(
                            "A closed relay log is read-only forever and never reopens. If the "
                            "concern comes back, a new log must be started."
                        )
                    ),
                    id="close-warning",
                    markup=False,
                )
            with VerticalScroll(classes="dialog-body", id="close-form"):
                yield Static("", id="close-basis-dk", markup=False)
                with Vertical(id="close-basis-no"):
                    yield Label(_("Why does the log end?"), classes="dialog-label", markup=False)
                with Vertical(id="close-consultation-box"):
                    yield Label(
                        _(
                            "The consultation: who was consulted, when, and what they said "
                            "(required)"
                        ),
                        classes="dialog-label",
                        markup=False,
                    )
                    yield TextArea(id="close-consultation", classes="dialog-text")
                yield Label(
                    _("Why is the log closed? (required)"), classes="dialog-label", markup=False
                )
                yield Input(id="close-reason", max_length=2000)
            with Vertical(classes="dialog-foot"):
                with Vertical(id="close-confirm"):
                    yield Static("", id="close-confirm-text", markup=False)
                    with Horizontal(classes="dialog-buttons"):
                        yield Button(_("Yes, close it for good"), variant="error", id="close-yes")
                        yield Button(_("No, go back"), id="close-no")
                yield Static("", classes="dialog-error", markup=False)
                with Horizontal(classes="dialog-buttons", id="close-buttons"):
                    yield Button(_("Close log…"), variant="warning", classes="dialog-submit")
                    yield Button(_("Cancel"), classes="dialog-cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        for widget in (
            "#close-basis-dk",
            "#close-basis-no",
            "#close-consultation-box",
            "#close-confirm",
        ):
            self.query_one(widget).display = False
        super().on_mount()

    async def ready(self, inst: installation.Installation, extra: Any) -> None:
        level = self.detail.level
        needed = inst.country.consultation_needed(level)
        if needed is not None:
            if needed == "colleagues":
                why = _(
                    "At levels 0 and 1 the concern has stayed within your own unit, so you "
                    "close it after a consultation with your colleagues."
                )
            else:
                why = _(
                    "At levels 2 and 3 others work with the child, so you close it after a "
                    "consultation with the log's actors."
                )
            text = Text.assemble(_("The log is at level"), " ", level_in_sentence(level), ". ", why)
            basis = self.query_one("#close-basis-dk", Static)
            basis.update(text)
            basis.display = True
            self.query_one("#close-consultation-box").display = True
        else:
            # The choices are the country's (R10), so the set is built once the profile is known.
            box = self.query_one("#close-basis-no")
            await box.mount(
                RadioSet(
                    *(
                        MarkedRadioButton(Text(_(label)), id=f"close-basis-{basis}")
                        for basis, label in inst.country.close_choices
                    ),
                    id="close-basis",
                )
            )
            box.display = True
        self._focus_form()

    def _focus_form(self) -> None:
        """The first field of the form: the consultation (dk) or the basis (no)."""
        if self.inst is not None and self.inst.country.consultation_needed(self.detail.level):
            self.query_one("#close-consultation", TextArea).focus()
        else:
            self.query_one("#close-basis", RadioSet).focus()

    # --- the two steps -------------------------------------------------------------------

    @after_typed_keys
    def action_submit(self) -> None:
        """First step: ask for confirmation; nothing is sent yet."""
        if self.busy or self.inst is None or self.confirming:
            return
        # What is missing is said now, before "close for good?" is asked.
        problem = self._missing()
        self.show_error(problem)
        if problem is None:
            self._set_confirming(True)

    def _form(self) -> tuple[str, str, str]:
        """(basis, reason, consultation) as the form holds them; no basis chosen is ""."""
        assert self.inst is not None
        reason = self.query_one("#close-reason", Input).value
        needed = self.inst.country.consultation_needed(self.detail.level)
        if needed is not None:
            return needed, reason, self.query_one("#close-consultation", TextArea).text
        index = self.query_one("#close-basis", RadioSet).pressed_index
        choices = self.inst.country.close_choices
        return (choices[index][0] if index >= 0 else ""), reason, ""

    def _missing(self) -> str | None:
        assert self.inst is not None
        basis, reason, consultation = self._form()
        if not basis:
            return _("Say why the log is closed.")
        try:
            log_closing.check_closing(
                self.inst.country,
                self.detail.level,
                basis=basis,
                reason=reason,
                consultation=consultation,
            )
        except DomainError as exc:
            return exc.message
        return None

    @on(Button.Pressed, "#close-yes")
    def action_confirm(self) -> None:
        if self.confirming:
            super().action_submit()

    @on(Button.Pressed, "#close-no")
    def _back_to_form(self) -> None:
        self._set_confirming(False)

    def action_cancel(self) -> None:
        if self.saving:
            return
        if self.confirming:
            self._set_confirming(False)
            return
        super().action_cancel()

    def _set_confirming(self, confirming: bool) -> None:
        self.confirming = confirming
        self.query_one("#close-form").disabled = confirming
        self.query_one("#close-buttons").display = not confirming
        confirm = self.query_one("#close-confirm")
        confirm.display = confirming
        if confirming:
            self.query_one("#close-confirm-text", Static).update(
                Text(
                    _(
                        "Close the relay log about {name} for good? It can never be reopened."
                    ).format(name=self.detail.subject_name),
                    style="bold",
                )
            )
            self.query_one("#close-no", Button).focus()
        else:
            self._focus_form()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":
            return self.confirming
        if action == "submit":
            return not self.confirming
        return True

    def worker_failed(self, worker: Any, message: str) -> None:
        self._set_confirming(False)
        super().worker_failed(worker, message)

    def read_form(self) -> tuple[str, str, str]:
        return self._form()

    def write(self, store: Store, staff: StaffRef, values: tuple[str, str, str]) -> logs.LogDetail:
        basis, reason, consultation = values
        return log_closing.close_log(
            store, staff, self.detail.id, basis=basis, reason=reason, consultation=consultation
        )
