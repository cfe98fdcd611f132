"""The user's own settings: the language of relaytui, remembered for their account, and the
e-mail notices they get.

Reached from the command palette ("Language"). The choice is stored with
:func:`relaytui.services.accounts.set_language` (so the next login starts in it) and applies at
once: the screens are built again in the new language, since every screen writes its words
when it is composed. What was open over the places (a log, a form) closes; the dialog says so
before the user chooses.

Under it, one switch per kind of notice to staff (issue 15): Space switches a kind on or off
for the person, stored at once with :func:`relaytui.services.notices.switch_for_me`, one switch
after the other so none is lost. The family's notices are not theirs to switch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from relaytui import i18n
from relaytui.i18n import LANGUAGE_NAMES, N_, _
from relaytui.services import notices
from relaytui.ui.base import RelayModalScreen
from relaytui.ui.dialogs import OWN_BOX_BINDINGS
from relaytui.widgets.toggles import MarkedSelectionList

if TYPE_CHECKING:
    from textual.worker import Worker

    from relaytui.db import Store
    from relaytui.services.access import StaffRef


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


class LanguageDialog(RelayModalScreen[str | None]):
    """Choose the language (arrows and Enter) and, after Tab, the e-mail notices (arrows and
    Space). Dismisses with the language chosen, or None."""

    DEFAULT_CSS = """
    LanguageDialog { align: center middle; }
    LanguageDialog .dialog-box {
        width: 64; max-width: 100%; height: auto; max-height: 100%;
        padding: 0 1; border: thick $primary; background: $surface;
    }
    LanguageDialog .dialog-title { color: $primary; text-style: bold; }
    LanguageDialog .dialog-label { margin: 1 0; }
    LanguageDialog OptionList { height: auto; }
    LanguageDialog .dialog-hint { color: $warning; margin-top: 1; }
    LanguageDialog .dialog-error { display: none; color: $error; text-style: bold; margin-top: 1; }
    LanguageDialog .dialog-section { margin-top: 1; }
    LanguageDialog SelectionList { height: auto; }
    LanguageDialog #notices-state { color: $text-muted; }
    """
    BINDINGS = [
        *OWN_BOX_BINDINGS,
        Binding(
            "escape",
            "cancel",
            N_("Cancel"),
            id="settings.cancel",
            tooltip=N_("Close the dialog without changing anything."),
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.saving = False
        #: The kinds of notice switched off for the person, as stored (None until read).
        self.notices_off: frozenset[str] | None = None
        self.switching = False
        self.close_when_switched = False

    def compose(self) -> ComposeResult:
        current = i18n.current_language()
        with VerticalScroll(id="language-dialog", classes="dialog-box"):
            yield Static(_("Language"), classes="dialog-title", markup=False)
            yield Static(
                _("Choose the language of relaytui. It is remembered for your account."),
                classes="dialog-label",
                markup=False,
            )
            yield OptionList(
                *(
                    Option(("● " if code == current else "  ") + language_name(code), id=code)
                    for code in i18n.LANGUAGES
                ),
                id="language-choices",
            )
            yield Static(
                _(
                    "The screens open again in the new language: an open log or form closes. "
                    "Save what you are writing first."
                ),
                classes="dialog-hint",
                markup=False,
            )
            yield Static("", id="language-error", classes="dialog-error", markup=False)
            yield from self.compose_notices()

    def compose_notices(self) -> ComposeResult:
        yield Static(_("E-mail notices"), classes="dialog-title dialog-section", id="notices-title")
        yield Static(
            _(
                "The notices relaytui sends you by e-mail. Space switches the highlighted "
                "notice on or off; it is saved at once."
            ),
            markup=False,
        )
        yield MarkedSelectionList[str](
            *(Selection(Text(notices.kind_label(kind)), kind) for kind in notices.STAFF_KINDS),
            id="notice-kinds",
            disabled=True,
        )
        yield Static(_("Reading your notices…"), id="notices-state", markup=False)
        yield Static("", id="notices-error", classes="dialog-error", markup=False)

    def on_mount(self) -> None:
        choices = self.query_one("#language-choices", OptionList)
        current = i18n.current_language()
        choices.highlighted = i18n.LANGUAGES.index(current) if current in i18n.LANGUAGES else 0
        choices.focus()
        self._read_notices(self.store, self.staff)

    @on(OptionList.OptionSelected, "#language-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        code = event.option.id or "en"
        if self.saving:
            return
        if code == i18n.current_language():
            self.dismiss(None)
            return
        self.saving = True
        self.show_error("")
        self._save(self.store, self.staff, code)

    @work(thread=True, exclusive=True, exit_on_error=False, group="settings-language")
    def _save(self, store: Store, staff: StaffRef, code: str) -> None:
        from relaytui.services import accounts

        accounts.set_language(store, staff, code)
        self.app.call_from_thread(self._saved, code)

    def _saved(self, code: str) -> None:
        self.saving = False
        app, host = self.app, self.host
        self.dismiss(code)
        app.call_later(host.reopen_in_language, code)

    def worker_failed(self, worker: Worker, message: str) -> None:
        if worker.group == "settings-notices":
            self.notice_failed(message)
            return
        self.saving = False
        self.show_error(message)

    def show_error(self, message: str) -> None:
        error = self.query_one("#language-error", Static)
        error.update(message)
        error.display = bool(message)

    def action_cancel(self) -> None:
        if self.switching:
            self.close_when_switched = True  # a switch on its way is stored, then the dialog closes
        elif not self.saving:
            self.dismiss(None)

    # --- the e-mail notices ------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="settings-notices")
    def _read_notices(self, store: Store, staff: StaffRef) -> None:
        found = notices.my_notices_off(store, staff)
        self.app.call_from_thread(self._notices_read, found)

    def _notices_read(self, off: frozenset[str]) -> None:
        self.notices_off = off
        self.show_notices(off)
        kinds = self.query_one("#notice-kinds", SelectionList)
        kinds.disabled = False
        self.query_one("#notices-state", Static).update("")

    def show_notices(self, off: frozenset[str]) -> None:
        """Tick the kinds switched on (every staff kind not switched off)."""
        kinds = self.query_one("#notice-kinds", SelectionList)
        with self.prevent(SelectionList.SelectionToggled, SelectionList.SelectedChanged):
            for kind in notices.STAFF_KINDS:
                if kind in off:
                    kinds.deselect(kind)
                else:
                    kinds.select(kind)

    @on(SelectionList.SelectionToggled, "#notice-kinds")
    def _notice_toggled(self, event: SelectionList.SelectionToggled) -> None:
        event.stop()
        self.show_notice_error("")
        self.switch_next()

    def wanted_off(self) -> frozenset[str]:
        """The kinds switched off as the list shows them now."""
        on = set(self.query_one("#notice-kinds", SelectionList).selected)
        return frozenset(kind for kind in notices.STAFF_KINDS if kind not in on)

    def switch_next(self) -> None:
        """Store the first kind whose switch differs from what is stored, if none is on its way
        (one at a time: two switches at once could each overwrite the other)."""
        if self.switching or self.notices_off is None:
            return
        wanted = self.wanted_off()
        changed = sorted(wanted ^ (self.notices_off & set(notices.STAFF_KINDS)))
        if not changed:
            if self.close_when_switched:
                self.dismiss(None)
            return
        kind = changed[0]
        self.switching = True
        self.query_one("#notices-state", Static).update(_("Saving…"))
        self._switch(self.store, self.staff, kind, kind not in wanted)

    @work(thread=True, exit_on_error=False, group="settings-notices")
    def _switch(self, store: Store, staff: StaffRef, kind: str, on: bool) -> None:
        after = notices.switch_for_me(store, staff, kind, on=on)
        self.app.call_from_thread(self._switched, after)

    def _switched(self, off: frozenset[str]) -> None:
        self.switching = False
        self.notices_off = off
        if not self.is_attached:
            return
        self.query_one("#notices-state", Static).update(_("Saved."))
        self.switch_next()

    def notice_failed(self, message: str) -> None:
        """Reading or storing a switch failed: the list shows what is stored, and why."""
        self.switching = False
        self.close_when_switched = False
        if not self.is_attached:
            return
        self.query_one("#notices-state", Static).update("")
        if self.notices_off is not None:
            self.show_notices(self.notices_off)
        self.show_notice_error(
            _("Your e-mail notices were not changed: {reason}").format(reason=message)
        )

    def show_notice_error(self, message: str) -> None:
        error = self.query_one("#notices-error", Static)
        error.update(message)
        error.display = bool(message)
