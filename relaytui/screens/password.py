"""Choosing one's own password: forced after a one-time password, or from the command palette.

An administrator who creates an account or resets a password hands over a one-time password;
until the person has chosen their own, nothing else opens. The current password is asked for
again even then, so that a session left open cannot have its password changed by someone
passing by.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static
from textual.worker import Worker

from relaytui.errors import AccountClosed, DomainError
from relaytui.i18n import N_, _
from relaytui.ui.base import RelayScreen
from relaytui.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


class ChangePasswordScreen(RelayScreen):
    """Current password, new password, the new one again."""

    AUTO_FOCUS = "#current-password"
    BINDINGS = [
        Binding(
            "enter",
            "next_field",
            N_("Next field"),
            id="password.next_field",
            show=False,
            priority=True,
        ),
        Binding(
            "escape",
            "leave",
            N_("Back"),
            id="password.back",
            tooltip=N_("Keep your password as it is."),
        ),
        Binding(
            "ctrl+o",
            "log_out",
            N_("Log out"),
            id="password.logout",
            tooltip=N_("Log out without choosing a password."),
        ),
    ]

    class Changed(Message):
        """The password is changed; ``staff`` is the person as now logged in."""

        def __init__(self, staff: StaffRef, forced: bool) -> None:
            super().__init__()
            self.staff = staff
            self.forced = forced

    class Refused(Message):
        def __init__(self, text: str, final: bool) -> None:
            super().__init__()
            self.text = text
            self.final = final

    def __init__(self, staff: StaffRef, *, forced: bool) -> None:
        super().__init__(id="password-screen")
        #: Whose password changes: after a one-time password, not logged in yet.
        self.person = staff
        self.forced = forced

    def compose(self) -> ComposeResult:
        with Center(id="password-center"):
            with Vertical(id="password-box"):
                yield Static(_("Choose your password"), id="password-title", markup=False)
                if self.forced:
                    why = _(
                        "{name}, you logged in with a one-time password. Choose your own "
                        "password to go on: a long passphrase of several words is best."
                    ).format(name=self.person.full_name or self.person.username)
                else:
                    why = _("Type the password you have now, then the new one twice.")
                yield Static(Text(why), id="password-explanation")
                label = _("One-time password") if self.forced else _("Password now")
                yield Label(label, id="current-password-label", markup=False)
                yield Input(id="current-password", password=True, max_length=1024)
                yield Label(_("New password"), markup=False)
                yield Input(id="new-password", password=True, max_length=1024)
                yield Label(_("New password again"), markup=False)
                yield Input(id="repeat-password", password=True, max_length=1024)
                yield Static("", id="password-error", markup=False)
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave":
            return not self.forced
        if action == "log_out":
            return self.forced
        return True

    # --- input ---------------------------------------------------------------------------

    def action_next_field(self) -> None:
        order = ["#current-password", "#new-password", "#repeat-password"]
        focused = self.focused
        for index, selector in enumerate(order[:-1]):
            if focused is self.query_one(selector, Input):
                self.set_focus(self.query_one(order[index + 1], Input))
                return
        raise SkipAction()

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_log_out(self) -> None:
        self.host.cancel_login()

    @on(Input.Submitted, "#repeat-password")
    def _submit(self) -> None:
        if self.has_class("-busy"):
            return
        current = self.query_one("#current-password", Input).value
        new = self.query_one("#new-password", Input).value
        repeat = self.query_one("#repeat-password", Input).value
        if not current:
            self._show_error(_("Type the password you have now first."), "#current-password")
            return
        if new != repeat:
            self._show_error(
                _("The two new passwords differ. Type the same new password twice."),
                "#new-password",
            )
            return
        self._set_busy(True)
        self._change(self.store, self.person.username, current, new, getattr(self.app, "via", ""))

    @work(thread=True, exclusive=True, exit_on_error=False, group="password")
    def _change(self, store: Store, username: str, current: str, new: str, via: str) -> None:
        from relaytui.services import sign_in

        try:
            staff = sign_in.change_password(
                store,
                username,
                current,
                new,
                via=f"password change; {via}" if via else "password change",
            )
        except DomainError as exc:
            self.post_message(self.Refused(exc.message, isinstance(exc, AccountClosed)))
            return
        self.post_message(self.Changed(staff, self.forced))

    def on_change_password_screen_refused(self, message: Refused) -> None:
        message.stop()
        if message.final:
            self.host.cancel_login(message.text)
            return
        self._show_error(message.text, "#current-password")

    def worker_failed(self, worker: Worker, message: str) -> None:
        self._show_error(message, "#current-password")

    def _show_error(self, text: str, field: str) -> None:
        self._set_busy(False)
        error = self.query_one("#password-error", Static)
        error.update(Text(text))
        error.display = True
        order = ("#current-password", "#new-password", "#repeat-password")
        for selector in order[order.index(field) :]:
            self.query_one(selector, Input).clear()
        self.query_one(field, Input).focus()

    def _set_busy(self, busy: bool) -> None:
        self.set_class(busy, "-busy")
        for widget in self.query("Input"):
            widget.disabled = busy
