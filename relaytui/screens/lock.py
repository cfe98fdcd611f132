"""The idle lock: covers the screen until the logged-in person types their password again.

The lock is pushed *over* whatever was open, so an entry half-written in an editor or the
text of a search field is still there after unlocking: nothing below is touched. The lock
hides it all behind an opaque screen. A wrong password counts toward the account's lockout
like a failed login; when the account locks (or was disabled meanwhile) the session ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static
from textual.worker import Worker

from relaytui.errors import AccountClosed, LoginFailed
from relaytui.i18n import N_, _
from relaytui.services import sign_in
from relaytui.services.access import StaffRef
from relaytui.ui.base import RelayModalScreen
from relaytui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from relaytui.db import Store


def ends_session(error: LoginFailed) -> bool:
    """Whether this refusal means the account can no longer log in (locked or disabled)."""
    return isinstance(error, AccountClosed)


class LockScreen(RelayModalScreen[None]):
    """Locked: only the password of the person logged in (or logging out) goes on."""

    AUTO_FOCUS = "#lock-password"
    BINDINGS = [
        Binding(
            "ctrl+o",
            "app.logout",
            N_("Log out"),
            id="lock.logout",
            tooltip=N_("Log out instead; whatever was open is closed."),
        ),
    ]

    class Refused(Message):
        def __init__(self, text: str, final: bool) -> None:
            super().__init__()
            self.text = text
            self.final = final

    def __init__(self, staff: StaffRef, *, idle: bool = False) -> None:
        super().__init__(id="lock-screen")
        #: The person logged in, who alone can unlock.
        self.person = staff
        self.idle = idle

    def compose(self) -> ComposeResult:
        with Center(id="lock-center"):
            with Vertical(id="lock-box"):
                yield Static(_("Relay log is locked"), id="lock-title", markup=False)
                why = (
                    _(
                        "The screen locked itself to protect the logs while nobody was at "
                        "the keyboard."
                    )
                    if self.idle
                    else _("The screen is locked.")
                )
                go_on = _(
                    "Type the password of {name} ({username}) to go on where you left off."
                ).format(name=self.person.full_name, username=self.person.username)
                yield Static(Text(f"{why} {go_on}"), id="lock-explanation", markup=False)
                yield Label(_("Password"), id="lock-password-label", markup=False)
                yield Input(id="lock-password", password=True, max_length=1024)
                yield Static("", id="lock-error", markup=False)
        yield KeyFooter()

    @on(Input.Submitted, "#lock-password")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        if self.has_class("-busy"):
            return
        if not event.value:
            self._show_error(_("Type your password to unlock."))
            return
        self.set_class(True, "-busy")
        self.query_one("#lock-password", Input).disabled = True
        self._unlock(self.store, self.person.username, event.value, getattr(self.app, "via", ""))

    @work(thread=True, exclusive=True, exit_on_error=False, group="unlock")
    def _unlock(self, store: Store, username: str, password: str, via: str) -> None:
        try:
            sign_in.authenticate(
                store, username, password, via=f"unlock; {via}" if via else "unlock"
            )
        except LoginFailed as exc:
            self.post_message(self.Refused(exc.message, ends_session(exc)))
            return
        self.app.call_from_thread(self.dismiss, None)

    def on_lock_screen_refused(self, message: Refused) -> None:
        message.stop()
        if message.final:
            self.host.end_session(message.text, severity="error")
            return
        self._show_error(message.text)

    def worker_failed(self, worker: Worker, message: str) -> None:
        self._show_error(message)

    def _show_error(self, text: str) -> None:
        self.set_class(False, "-busy")
        password = self.query_one("#lock-password", Input)
        password.disabled = False
        password.clear()
        password.focus()
        error = self.query_one("#lock-error", Static)
        error.update(Text(text))
        error.display = True
