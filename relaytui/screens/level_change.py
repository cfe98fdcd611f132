"""Changing a log's level (R4): the new level, why, and what is missing when it cannot change.

This module also holds what the log view's dialogs share: :class:`LogDialog` (the frame: the
log it acts on, the installation, a form that keeps what was typed when the service says no)
and the words and colours of the levels.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, RadioButton, RadioSet, Static, TextArea
from textual.worker import Worker

from relaytui.i18n import N_, _
from relaytui.services import installation, logs
from relaytui.ui.base import RelayScreen, after_typed_keys
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.levels import level_badge
from relaytui.widgets.toggles import MarkedRadioButton

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

class LogDialog(RelayScreen, ModalScreen[bool]):
    """The frame of a dialog over a log: dismisses True when the log changed, False on Escape.

    The installation (and whatever :meth:`load_extra` fetches) is read in a thread when the
    dialog opens; the change itself runs in a thread too. A refusal from the service is shown
    inside the dialog, which stays open with everything typed still there.
    """

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="dialog.cancel",
                tooltip=N_("Close the dialog without changing anything.")),
    ]

    def __init__(self, detail: logs.LogDetail) -> None:
        super().__init__()
        self.detail = detail
        self.inst: installation.Installation | None = None
        #: A change is on its way to the database: its answer, not Escape, closes the dialog.
        self.saving = False

    # --- opening -------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.set_busy(True)
        self._load(self.store, self.staff)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dialog-load")
    def _load(self, store: Store, staff: StaffRef) -> None:
        inst = installation.read(store)
        extra = self.load_extra(store, staff)
        self.app.call_from_thread(self._loaded, inst, extra)

    def load_extra(self, store: Store, staff: StaffRef) -> Any:
        """More to read before the form can be filled (runs in the worker thread)."""
        return None

    async def _loaded(self, inst: installation.Installation, extra: Any) -> None:
        self.inst = inst
        self.set_busy(False)
        filled = self.ready(inst, extra)
        if inspect.isawaitable(filled):
            await filled

    def ready(self, inst: installation.Installation, extra: Any) -> Awaitable[None] | None:
        """Fill the form for this installation's profile (may be a coroutine, to mount)."""
        return None

    # --- saving --------------------------------------------------------------------------

    @after_typed_keys
    def action_submit(self) -> None:
        if self.busy or self.inst is None:
            return
        self.show_error(None)
        call = self.prepare()
        if call is None:
            return
        self.set_busy(True)
        self.saving = True
        self._save(call)

    def prepare(self) -> Callable[[], object] | None:
        """The service call for what was typed, or None (with a message shown) if not ready."""
        raise NotImplementedError

    @work(thread=True, exclusive=True, exit_on_error=False, group="dialog-save")
    def _save(self, call: Callable[[], object]) -> None:
        result = call()
        self.app.call_from_thread(self._saved, result)

    def _saved(self, result: object) -> None:
        self.saving = False
        self.set_busy(False)
        if self.is_current:
            self.dismiss(True)

    def worker_failed(self, worker: Worker, message: str) -> None:
        self.saving = False
        self.set_busy(False)
        self.show_error(message)

    def action_cancel(self) -> None:
        if self.saving:
            return
        self.dismiss(False)

    @on(Button.Pressed, ".dialog-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, ".dialog-submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    # --- state ---------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.has_class("-busy")

    def set_busy(self, busy: bool) -> None:
        self.set_class(busy, "-busy")
        for button in self.query(".dialog-submit"):
            button.disabled = busy

    def show_error(self, text: str | None) -> None:
        error = self.query_one(".dialog-error", Static)
        error.update(Text(text or ""))
        error.display = bool(text)

    def title_text(self, what: str) -> Text:
        """"Change level — Ida Jensen (150121-****)": the dialog's title, the name as text."""
        return Text.assemble(
            (what, "bold"), " — ", self.detail.subject_name,
            f" ({self.detail.national_number_masked})",
        )


class LevelChangeDialog(LogDialog):
    """Raise or lower the level, with the reason written down (R4).

    Level 1 and above need the guardians' consent to the log: the dialog says so before the
    change is tried when the log has none in force, and shows the service's refusal if it
    is tried anyway.
    """

    AUTO_FOCUS = "#level-choice"
    BINDINGS = [
        Binding("ctrl+s", "submit", N_("Change level"), id="level.save", priority=True,
                tooltip=N_("Change the level and record why.")),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="level-dialog", classes="dialog-box"):
            with Vertical(classes="dialog-head"):
                yield Static(self.title_text(_("Change level")), classes="dialog-title",
                             markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Static("", id="level-now", markup=False)
                yield Label(_("New level"), classes="dialog-label", markup=False)
                yield RadioSet(
                    *(MarkedRadioButton(Text(str(level)), id=f"level-{level}") for level in logs.LEVELS),
                    id="level-choice",
                )
                yield Static("", id="level-hint", classes="dialog-hint", markup=False)
                yield Label(_("Why does the level change? (required)"), classes="dialog-label",
                            markup=False)
                yield TextArea(id="level-reason", classes="dialog-text")
            with Vertical(classes="dialog-foot"):
                yield Static("", classes="dialog-error", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    yield Button(_("Change level"), variant="primary", classes="dialog-submit")
                    yield Button(_("Cancel"), classes="dialog-cancel")
        yield KeyFooter()

    def ready(self, inst: installation.Installation, extra: Any) -> None:
        current = self.detail.level
        self.query_one("#level-now", Static).update(Text.assemble(
            _("Now at level"), " ", level_badge(current), " ", inst.country.level_meaning(current),
        ))
        for level in logs.LEVELS:
            label = Text.assemble(level_badge(level), " ", inst.country.level_meaning(level))
            if level == current:
                label.append(" " + _("(now)"), style="italic")
            self.query_one(f"#level-{level}", RadioButton).label = label
        self._update_hint()

    def chosen_level(self) -> int | None:
        index = self.query_one("#level-choice", RadioSet).pressed_index
        return logs.LEVELS[index] if index >= 0 else None

    @on(RadioSet.Changed, "#level-choice")
    def _update_hint(self) -> None:
        hint = self.query_one("#level-hint", Static)
        level = self.chosen_level()
        text = ""
        if level is not None and level >= 1 and self.detail.consent_state != "ok":
            state = {
                "expired": _("the consent has expired"),
                "withdrawn": _("the consent was withdrawn"),
            }.get(self.detail.consent_state, _("no consent is recorded"))
            text = _("Level {level} needs a consent to the log, and {detail}: record it under "
                     "Actors and consent.").format(level=level, detail=state)
        elif level is not None and level != self.detail.level:
            text = _("From level {old} to level {new}.").format(old=self.detail.level, new=level)
        hint.update(Text(text))
        hint.display = bool(text)

    def show_error(self, text: str | None) -> None:
        super().show_error(text)
        # The service's refusal says what the hint said: once is enough.
        hint = self.query_one("#level-hint", Static)
        if text and hint.display and str(hint.render()) == text:
            hint.display = False

    def prepare(self) -> Callable[[], object] | None:
        level = self.chosen_level()
        if level is None:
            self.show_error(_("Choose the new level: move with the arrow keys, choose with Enter "
                              "or Space."))
            return None
        reason = self.query_one("#level-reason", TextArea).text
        store, staff, detail = self.store, self.staff, self.detail

        def call() -> logs.LogDetail:
            return logs.change_level(store, staff, detail.id, to_level=level, reason=reason,
                                     version=detail.version)

        return call
