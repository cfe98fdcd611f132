"""The login screen: username, password, and the service's answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, LoadingIndicator, Static
from textual.worker import Worker

from relaytui.errors import DomainError
from relaytui.i18n import N_, _
from relaytui.ui.base import RelayScreen
from relaytui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


class LoginScreen(RelayScreen):
    """Who are you? Enter in the username moves on; Enter in the password logs in."""

    AUTO_FOCUS = "#username"
    BINDINGS = [
        # A priority binding moves the focus before the next key is handed out, so a fast
        # typist (or a password manager typing "anna<Enter>secret<Enter>") loses no key to the
        # username field. In the password field Enter is left to the Input: its Submitted
        # message then comes after every key typed before it.
        Binding(
            "enter",
            "next_field",
            N_("Next field"),
            id="login.next_field",
            show=False,
            priority=True,
        ),
    ]

    class LoggedIn(Message):
        """The password was right; the app takes over from here."""

        def __init__(self, staff: StaffRef) -> None:
            super().__init__()
            self.staff = staff

    class Refused(Message):
        """The service said no; ``text`` says why, in the user's language."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def compose(self) -> ComposeResult:
        with Center(id="login-center"):
            with Vertical(id="login-box"):
                yield Static(_("Relay log"), id="login-title", markup=False)
                yield Static(
                    _("Who does what, by when, around a child you worry about."),
                    id="login-explanation",
                    markup=False,
                )
                yield Label(_("Username"), id="username-label", markup=False)
                yield Input(id="username", max_length=64, placeholder=_("e.g. anna"))
                yield Label(_("Password"), id="password-label", markup=False)
                yield Input(id="password", password=True, max_length=1024)
                yield Button(_("Log in"), id="login-button", variant="primary")
                yield LoadingIndicator(id="login-busy")
                yield Static("", id="login-error", markup=False)
        yield KeyFooter()

    # --- input ---------------------------------------------------------------------------

    def action_next_field(self) -> None:
        if self.focused is not self.query_one("#username", Input):
            raise SkipAction()
        self.set_focus(self.query_one("#password", Input))

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login-button")
    def _submit(self) -> None:
        if self.busy:
            return
        username = self.query_one("#username", Input).value
        password = self.query_one("#password", Input).value
        self._set_busy(True)
        self._authenticate(self.store, username, password, getattr(self.app, "via", ""))

    # --- the check, in a thread ----------------------------------------------------------

    def on_mount(self) -> None:
        # Once the screen is painted, load the services and open the store while the user
        # types, so the first login does not wait for the imports the start skipped.
        self.call_after_refresh(self._warm, self.store)

    @work(thread=True, exclusive=True, exit_on_error=False, group="login-warm")
    def _warm(self, store: Store) -> None:
        from relaytui.services import accounts, sign_in  # noqa: F401

        store.engine  # noqa: B018 - made now rather than on the first key

    @work(thread=True, exclusive=True, exit_on_error=False, group="login")
    def _authenticate(self, store: Store, username: str, password: str, via: str) -> None:
        # Imported here: the screen shows before SQLAlchemy and argon2 are loaded (cold start).
        from relaytui.services import sign_in

        try:
            staff = sign_in.authenticate(store, username, password, via=via)
        except DomainError as exc:
            self.post_message(self.Refused(exc.message))
            return
        self.post_message(self.LoggedIn(staff))

    def on_login_screen_refused(self, message: Refused) -> None:
        message.stop()
        self._show_error(message.text)

    def worker_failed(self, worker: Worker, message: str) -> None:
        self._show_error(message)

    def _show_error(self, text: str) -> None:
        self._set_busy(False)
        error = self.query_one("#login-error", Static)
        error.update(Text(text))
        error.display = True
        password = self.query_one("#password", Input)
        password.clear()
        username = self.query_one("#username", Input)
        (password if username.value.strip() else username).focus()

    # --- state ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Empty again, for the next person (after a login was given up)."""
        self._set_busy(False)
        for selector in ("#password", "#username"):
            self.query_one(selector, Input).clear()
        self.query_one("#username", Input).focus()

    @property
    def busy(self) -> bool:
        return self.has_class("-busy")

    def _set_busy(self, busy: bool) -> None:
        self.set_class(busy, "-busy")
        for widget in self.query_one("#login-box").query("Input, Button"):
            widget.disabled = busy
        if busy:
            error = self.query_one("#login-error", Static)
            error.update("")
            error.display = False
