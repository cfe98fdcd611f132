"""The dialogs' one contract: read the form, check it, answer.

A :class:`FormDialog` reads what was typed (:meth:`~FormDialog.read_form`, which raises
:class:`~relaytui.ui.forms.FormError` naming the field to fix) and answers with it: it
dismisses with the values, and the screen that opened it does the rest (the minutes' editor
saves its own lines). A :class:`WritingDialog` answers by calling a service in a thread worker
(:meth:`~WritingDialog.write`); the worker posts :class:`WritingDialog.Written`, handled with
``@on``, and the dialog dismisses with True (or what :meth:`~WritingDialog.written` says). A
refusal of the service (a DomainError) is shown in the dialog in the user's language; nothing
changed and what was typed stays.

:class:`LogDialog` is a writing dialog over a whole log (its level, closing, a notification, a
handover): it reads the installation first, so that the form follows the profile.
:class:`ConfirmDialog` asks a question with a yes and a no.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Input, Static
from textual.worker import Worker

from relaytui.errors import StaleWrite
from relaytui.i18n import N_, _
from relaytui.ui.base import RelayModalScreen, after_typed_keys
from relaytui.ui.forms import FormError, fit_captions
from relaytui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services import installation, logs
    from relaytui.services.access import StaffRef

#: The dialogs' styles. Absolute, because Textual reads a relative CSS_PATH beside the module of
#: the dialog's own class, and dialogs live in more than one package.
_STYLES = Path(__file__).resolve().parent.parent / "screens"
FORM_STYLES = str(_STYLES / "log_panes.tcss")
LOG_DIALOG_STYLES = str(_STYLES / "dialogs.tcss")


#: A dialog that composes its own box keeps a screen's own keys (Tab and Shift+Tab through its
#: fields, copying what is selected), described and with ids like every key of relaytui.
OWN_BOX_BINDINGS = [
    Binding(
        "tab",
        "app.focus_next",
        N_("Next field"),
        id="dialog.next_field",
        show=False,
        tooltip=N_("Go to the next field."),
    ),
    Binding(
        "shift+tab",
        "app.focus_previous",
        N_("Previous field"),
        id="dialog.previous_field",
        show=False,
        tooltip=N_("Go back to the previous field."),
    ),
    Binding(
        "ctrl+c,super+c",
        "screen.copy_text",
        N_("Copy selected text"),
        id="dialog.copy",
        show=False,
        tooltip=N_("Copy the selected text."),
    ),
]


class FormDialog(RelayModalScreen[Any]):
    """A form over a screen: Escape closes it (dismissing None); Ctrl+S, or Enter in the last
    field, reads the form and answers with what it read. What is wrong is shown in the form,
    at the field to fix, and what was typed stays.

    Subclasses compose :meth:`form` under :meth:`heading` and check the fields in
    :meth:`read_form`; :meth:`answer` dismisses with the values read.
    """

    CSS_PATH: ClassVar[Any] = FORM_STYLES
    BINDINGS = [
        Binding(
            "escape",
            "cancel",
            N_("Cancel"),
            id="log_pane.dialog.cancel",
            tooltip=N_("Close the form without saving."),
        ),
        Binding(
            "ctrl+s",
            "save",
            N_("Save"),
            id="log_pane.dialog.save",
            tooltip=N_("Save what the form says."),
        ),
        # Priority bindings move the focus before the next key is handed out, so nothing a
        # fast typist (or a paste of "text<Tab>2026-05-01") types lands in the field left.
        Binding(
            "tab",
            "next_field",
            N_("Next field"),
            id="log_pane.dialog.next_field",
            show=False,
            priority=True,
            tooltip=N_("Go to the next field."),
        ),
        Binding(
            "shift+tab",
            "previous_field",
            N_("Previous field"),
            id="log_pane.dialog.previous_field",
            show=False,
            priority=True,
            tooltip=N_("Go back to the previous field."),
        ),
        Binding(
            "enter",
            "enter_field",
            N_("Next field"),
            id="log_pane.dialog.enter",
            show=False,
            priority=True,
            tooltip=N_("Go to the next field; in the last field, save."),
        ),
    ]
    #: Where the dialog says what is wrong.
    ERROR: ClassVar[str] = "#log-dialog-error"
    #: The dialog is composed in the form's frame (heading, fields, the error line): the frame
    #: focuses the first field, fits the captions, and Enter in the last text field saves. A
    #: dialog that composes its own box, and gives Enter its own meaning, says False.
    FORM_FRAME: ClassVar[bool] = True

    # --- what a dialog says ----------------------------------------------------------------

    def heading(self) -> str:
        raise NotImplementedError

    def form(self) -> ComposeResult:
        raise NotImplementedError

    def read_form(self) -> Any:
        """What was typed, checked; raises FormError."""
        raise NotImplementedError

    def answer(self, values: Any) -> None:
        """Hand back what the form says (the default: dismiss with it)."""
        self.dismiss(values)

    # --- the frame -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="log-dialog"):
            yield Static(self.heading(), classes="log-dialog-title", markup=False)
            with VerticalScroll(classes="log-dialog-body"):
                yield from self.form()
            yield Static("", id="log-dialog-error", classes="log-dialog-error", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        # Textual calls every class's on_mount, so a dialog with its own box is left alone here.
        if not self.FORM_FRAME:
            return
        self.query_one("#log-dialog-error").display = False
        fit_captions(self)
        first = next(
            (
                w
                for w in self.query("Input, Select, OptionList, SelectionList, Checkbox")
                if w.focusable
            ),
            None,
        )
        if first is not None:
            first.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

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
        if not self.FORM_FRAME:
            return
        event.stop()
        self.action_save()

    def may_answer(self) -> bool:
        """Whether the form can be read now (not while a write is on its way)."""
        return not self.busy

    @after_typed_keys
    def action_save(self) -> None:
        if not self.may_answer():
            return
        try:
            values = self.read_form()
        except FormError as exc:
            self.show_error(exc.message, exc.field)
            return
        self.show_error("")
        self.answer(values)

    # --- state -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.has_class("-busy")

    @busy.setter
    def busy(self, value: bool) -> None:
        self.set_class(value, "-busy")
        for button in self.query(".dialog-submit"):
            button.disabled = value

    def show_error(self, text: str | None, field: str | None = None) -> None:
        """Say what is wrong (nothing: hide the line); ``field`` is marked and focused."""
        error = self.query_one(self.ERROR, Static)
        error.update(Text(text or ""))
        error.display = bool(text)
        for widget in self.query(Input):
            widget.remove_class("-invalid")
        if field:
            target = self.query_one(f"#{field}")
            target.add_class("-invalid")
            target.focus()

    def value(self, selector: str) -> str:
        return self.query_one(selector, Input).value


class WritingDialog(FormDialog):
    """A form that stores what it says through a service, and dismisses True once stored.

    :meth:`write` runs in a thread worker and returns the service's answer; the worker posts
    :class:`Written` (or :class:`Stale`), handled here with ``@on``. A dialog that changes a
    versioned row gives :meth:`reread` and :meth:`refreshed`, so that a stale write shows the
    other person's change and may be made again. A DomainError's message is shown in the form.
    """

    class Written(Message):
        """The write went through: ``result`` is what the service answered."""

        def __init__(self, result: Any) -> None:
            super().__init__()
            self.result = result

    class Stale(Message):
        """Someone changed the row meanwhile: ``fresh`` is how it is now (or None if gone)."""

        def __init__(self, text: str, fresh: Any) -> None:
            super().__init__()
            self.text = text
            self.fresh = fresh

    #: Whether a stale write shows the row as it is now (:meth:`reread`); if not, its message
    #: is shown like any other refusal.
    REREAD_WHEN_STALE: ClassVar[bool] = True

    def __init__(self, *, on_stale: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._on_stale = on_stale
        #: A write is on its way to the database.
        self.saving = False

    # --- what a writing dialog does --------------------------------------------------------

    def write(self, store: Store, staff: StaffRef, values: Any) -> Any:
        """Store ``values`` through a service (runs in a thread); returns its answer."""
        raise NotImplementedError

    def written(self, result: Any) -> None:
        """The write went through: close, saying that something was stored."""
        if self.is_current:
            self.dismiss(True)

    def reread(self, store: Store, staff: StaffRef) -> Any:
        """The row as it is now, after a stale write (runs in a thread)."""
        return None

    def refreshed(self, fresh: Any) -> None:
        """Show the row as it is now; later writes are based on it."""

    # --- the frame -------------------------------------------------------------------------

    def action_cancel(self) -> None:
        # A write on its way finishes first: closed now, the change would be stored but the
        # pane that opened the form would never hear of it and show the row as it was.
        if self.saving:
            return
        self.dismiss(False)

    def answer(self, values: Any) -> None:
        self.busy = True
        self.saving = True
        self._write(self.store, self.staff, values)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dialog-write")
    def _write(self, store: Store, staff: StaffRef, values: Any) -> None:
        try:
            result = self.write(store, staff, values)
        except StaleWrite as exc:
            if not self.REREAD_WHEN_STALE:
                raise
            self.post_message(self.Stale(exc.message, self.reread(store, staff)))
            return
        self.post_message(self.Written(result))

    @on(Written)
    def _written(self, message: Written) -> None:
        message.stop()
        self.saving = False
        self.busy = False
        self.written(message.result)

    @on(Stale)
    def _stale(self, message: Stale) -> None:
        message.stop()
        self.saving = False
        self.busy = False
        self.refreshed(message.fresh)
        self.show_error(
            message.text
            + "\n"
            + _(
                "The form now shows their change; what you typed is kept. Save again to make "
                "your change."
            )
        )
        if self._on_stale is not None:
            self._on_stale()

    def worker_failed(self, worker: Worker, message: str) -> None:
        self.saving = False
        self.busy = False
        self.show_error(message)


class LogDialog(WritingDialog, inherit_bindings=False):
    """A writing dialog over one log, opened from the log view: dismisses True when the log
    changed, False on Escape.

    The installation (and whatever :meth:`load_extra` fetches) is read in a thread when the
    dialog opens, and :meth:`ready` fills the form for its profile; until then the dialog is
    busy. Subclasses compose their own box (``dialog-box``, with ``dialog-submit`` and
    ``dialog-cancel`` buttons) and give Enter its meaning in their fields; the form's keys
    (Tab through fields, Enter to save) are not theirs. Escape does nothing while the change
    is on its way.
    """

    CSS_PATH = LOG_DIALOG_STYLES
    ERROR = ".dialog-error"
    FORM_FRAME = False
    REREAD_WHEN_STALE = False
    BINDINGS = [
        *OWN_BOX_BINDINGS,
        Binding(
            "escape",
            "cancel",
            N_("Cancel"),
            id="dialog.cancel",
            tooltip=N_("Close the dialog without changing anything."),
        ),
    ]

    def __init__(self, detail: logs.LogDetail) -> None:
        super().__init__()
        self.detail = detail
        self.inst: installation.Installation | None = None

    # --- opening -------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.busy = True
        self._load(self.store, self.staff)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dialog-load")
    def _load(self, store: Store, staff: StaffRef) -> None:
        from relaytui.services import installation

        inst = installation.read(store)
        extra = self.load_extra(store, staff)
        self.post_message(self.Loaded(inst, extra))

    class Loaded(Message):
        """The installation and what :meth:`load_extra` read are here."""

        def __init__(self, inst: installation.Installation, extra: Any) -> None:
            super().__init__()
            self.inst = inst
            self.extra = extra

    def load_extra(self, store: Store, staff: StaffRef) -> Any:
        """More to read before the form can be filled (runs in the worker thread)."""
        return None

    @on(Loaded)
    async def _loaded(self, message: Loaded) -> None:
        message.stop()
        self.inst = message.inst
        self.busy = False
        filled = self.ready(message.inst, message.extra)
        if filled is not None:
            await filled

    def ready(self, inst: installation.Installation, extra: Any) -> Awaitable[None] | None:
        """Fill the form for this installation's profile (may be a coroutine, to mount)."""
        return None

    # --- answering -----------------------------------------------------------------------

    def may_answer(self) -> bool:
        return not self.busy and self.inst is not None

    def action_submit(self) -> None:
        self.action_save()

    @on(Button.Pressed, ".dialog-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, ".dialog-submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    def title_text(self, what: str) -> Text:
        """ "Change level — Ida Jensen (150121-****)": the dialog's title, the name as text."""
        return Text.assemble(
            (what, "bold"),
            " — ",
            self.detail.subject_name,
            f" ({self.detail.national_number_masked})",
        )


class ConfirmDialog(RelayModalScreen[bool]):
    """A question with a yes and a no; dismisses True for yes (Enter), False for no."""

    AUTO_FOCUS = "#confirm-yes"
    BINDINGS = [
        Binding(
            "escape",
            "cancel",
            N_("Cancel"),
            id="handover.dialog.cancel",
            tooltip=N_("Close the dialog without changing anything."),
        ),
    ]

    def __init__(self, title: Text | str, text: Text | str, yes: str, no: str) -> None:
        super().__init__()
        self.title_text = title if isinstance(title, Text) else Text(title, style="bold")
        self.body = text if isinstance(text, Text) else Text(text)
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(classes="handover-dialog-box"):
            yield Static(self.title_text, classes="handover-dialog-title", markup=False)
            yield Static(self.body, id="confirm-text", markup=False)
            yield Static("", classes="handover-dialog-error", markup=False)
            with Horizontal(classes="handover-dialog-buttons"):
                yield Button(
                    self.yes, id="confirm-yes", variant="primary", classes="handover-dialog-ok"
                )
                yield Button(self.no, id="confirm-no", classes="handover-dialog-cancel")
        yield KeyFooter()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(True)

    @on(Button.Pressed, ".handover-dialog-cancel")
    def _no(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(False)
