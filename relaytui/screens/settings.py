"""The user's own settings: the language of relaytui, remembered for their account.

Reached from the command palette ("Language"). The choice is stored with
:func:`relaytui.services.accounts.set_language` (so the next login starts in it) and applies at
once: the screens are built again in the new language, since every screen writes its words
when it is composed. What was open over the places (a log, a form) closes; the dialog says so
before the user chooses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from relaytui import i18n
from relaytui.i18n import LANGUAGE_NAMES, N_, _
from relaytui.ui.base import RelayModalScreen

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


class LanguageDialog(RelayModalScreen[str | None]):
    """Choose the language: arrows and Enter. Dismisses with the code chosen, or None."""

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
    """
    BINDINGS = [
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

    def compose(self) -> ComposeResult:
        current = i18n.current_language()
        with Vertical(id="language-dialog", classes="dialog-box"):
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

    def on_mount(self) -> None:
        choices = self.query_one("#language-choices", OptionList)
        current = i18n.current_language()
        choices.highlighted = i18n.LANGUAGES.index(current) if current in i18n.LANGUAGES else 0
        choices.focus()

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

    def worker_failed(self, worker, message: str) -> None:
        self.saving = False
        self.show_error(message)

    def show_error(self, message: str) -> None:
        error = self.query_one("#language-error", Static)
        error.update(message)
        error.display = bool(message)

    def action_cancel(self) -> None:
        if not self.saving:
            self.dismiss(None)
