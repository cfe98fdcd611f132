"""Answering a handover to me (R8): accept, with an optional message, or decline, with the
reason the holder reads. Opened from the handover inbox; nothing changes until the receiver
accepts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker

from relaytui.i18n import N_, _
from relaytui.services import handover
from relaytui.ui.dialogs import OWN_BOX_BINDINGS, WritingDialog
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.levels import level_in_sentence

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

NOTHING = "-"


class AnswerDialog(WritingDialog, inherit_bindings=False):
    """Accept (an optional message) or decline (a required message) one handover to me.

    Dismisses with the answered :class:`~relaytui.services.handover.HandoverView`, or False on
    Escape. The service's refusal (a decline without a reason, a handover answered meanwhile)
    is shown in the dialog and what was typed stays.
    """

    # The inbox's dialogs have their own box (app.tcss), not the form's frame.
    CSS_PATH = None
    ERROR = ".handover-dialog-error"
    FORM_FRAME = False
    REREAD_WHEN_STALE = False
    AUTO_FOCUS = "#answer-message"
    BINDINGS = [
        *OWN_BOX_BINDINGS,
        Binding(
            "escape",
            "cancel",
            N_("Cancel"),
            id="handover.dialog.cancel",
            tooltip=N_("Close the dialog without changing anything."),
        ),
        Binding(
            "ctrl+s",
            "answer",
            N_("Answer"),
            id="handover.answer",
            priority=True,
            tooltip=N_("Send the answer."),
        ),
    ]

    def __init__(self, view: handover.HandoverView, *, accept: bool) -> None:
        super().__init__()
        self.view = view
        self.accept = accept

    def compose(self) -> ComposeResult:
        view = self.view
        what = _("Accept the handover") if self.accept else _("Decline the handover")
        with Vertical(classes="handover-dialog-box"):
            yield Static(
                Text.assemble(
                    (what, "bold"), " — ", view.subject_name, f" ({view.national_number_masked})"
                ),
                classes="handover-dialog-title",
                markup=False,
            )
            proposal = Text.assemble(
                _(
                    "{name} ({unit}) proposes that you hold the relay log about {subject}, now at "
                    "level"
                ).format(
                    name=view.from_name, unit=view.from_unit or NOTHING, subject=view.subject_name
                ),
                " ",
                level_in_sentence(view.level),
                ".",
            )
            if view.message:
                proposal.append("\n" + _("Their message:") + " ")
                proposal.append(view.message, style="italic")
            yield Static(proposal, id="answer-proposal", markup=False)
            if self.accept:
                meaning = _(
                    "When you accept, you are the holder from this moment: the one "
                    "responsible, and the only one who writes in the log."
                )
                label = _("Message to {name} (optional)").format(name=view.from_name)
                ok = _("Accept")
            else:
                meaning = _(
                    "Declining leaves everything as it was: {name} stays the holder."
                ).format(name=view.from_name)
                label = _("Why do you decline? (required, {name} reads it)").format(
                    name=view.from_name
                )
                ok = _("Decline")
            yield Static(meaning, id="answer-meaning", markup=False)
            yield Label(label, classes="handover-dialog-label", markup=False)
            yield Input(id="answer-message", max_length=2000)
            yield Static("", classes="handover-dialog-error", markup=False)
            with Horizontal(classes="handover-dialog-buttons"):
                yield Button(
                    ok,
                    id="answer-ok",
                    variant="primary" if self.accept else "warning",
                    classes="handover-dialog-ok dialog-submit",
                )
                yield Button(_("Cancel"), classes="handover-dialog-cancel")
        yield KeyFooter()

    @on(Input.Submitted, "#answer-message")
    @on(Button.Pressed, "#answer-ok")
    def _submitted(self, event: Message) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, ".handover-dialog-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_answer(self) -> None:
        self.action_save()

    def read_form(self) -> str:
        return self.value("#answer-message")

    def write(self, store: Store, staff: StaffRef, message: str) -> handover.HandoverView:
        if self.accept:
            return handover.accept(store, staff, self.view.id, message=message)
        return handover.decline(store, staff, self.view.id, message=message)

    def written(self, result: handover.HandoverView) -> None:
        if self.is_current:
            self.dismiss(result)

    def worker_failed(self, worker: Worker, message: str) -> None:
        super().worker_failed(worker, message)
        self.query_one("#answer-message", Input).focus()
