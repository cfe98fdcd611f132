"""The Textual app: screens, bindings, the command palette.

The app holds the store and the person logged in, nothing else. Screens do their database
work through the services, in thread workers, and hand the results back as messages. This
module stays cheap to import: the screens (and through them the services, SQLAlchemy and
argon2) are imported when they are first shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import ActiveBinding, Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from relaytui import i18n
from relaytui.errors import DomainError
from relaytui.i18n import N_, _

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.screens.login import LoginScreen
    from relaytui.services.access import StaffRef


def generic_error() -> str:
    """The one line shown when a worker fails in a way no service foresaw."""
    return _("Something went wrong, and nothing was changed. Try again; if it happens again, "
             "tell your administrator.")


def _translated(active: ActiveBinding) -> ActiveBinding:
    binding = active.binding
    description = _(binding.description) if binding.description else ""
    tooltip = _(active.tooltip) if active.tooltip else ""
    if description == binding.description and tooltip == active.tooltip:
        return active
    return active._replace(
        binding=replace(binding, description=description, tooltip=tooltip), tooltip=tooltip
    )


class RelayScreen(Screen):
    """What every relaytui screen shares.

    Binding descriptions and tooltips are written in English with ``N_()`` and translated
    when the footer asks for them, so they follow a change of language after login. A worker
    that fails is reported here, once: a :class:`DomainError` as its own message, anything
    else as one generic line (the traceback goes to the Textual log, never to the screen).
    """

    @property
    def store(self) -> Store:
        return self.app.store  # type: ignore[attr-defined]

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return {key: _translated(active) for key, active in super().active_bindings.items()}

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, DomainError):
            message = error.message
        else:
            self.log.error(f"worker {event.worker.name!r} failed", error)
            message = generic_error()
        self.worker_failed(event.worker, message)

    def worker_failed(self, worker: Worker, message: str) -> None:
        """Put the screen back in order after a failed worker; the default is a notification."""
        self.notify(message, severity="error", markup=False)


class RelayApp(App[None]):
    """relaytui in the terminal: starts on the login screen."""

    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+q", "quit", N_("Quit"), id="app.quit", priority=True,
                tooltip=N_("Quit relaytui and return to the command prompt.")),
        Binding("ctrl+p", "command_palette", N_("Commands"), id="app.commands", show=False,
                priority=True, tooltip=N_("Open the command palette.")),
        Binding("ctrl+c", "help_quit", N_("How to quit"), id="app.help_quit", show=False,
                system=True),
    ]

    def __init__(self, store: Store, language: str | None = None) -> None:
        if language:
            i18n.set_language(language)
        super().__init__()
        self.store = store
        #: The person logged in, or ``None`` on the login screen.
        self.staff: StaffRef | None = None
        self._start_language = i18n.current_language()
        self.title = _("Relay log")

    # --- screens -------------------------------------------------------------------------

    def on_mount(self) -> None:
        # Pushed over the (empty) default screen: switch_screen replaces it later, which the
        # default screen itself does not allow.
        self.push_screen(self._login_screen())

    @staticmethod
    def _login_screen() -> LoginScreen:
        from relaytui.screens.login import LoginScreen

        return LoginScreen()

    def on_login_screen_logged_in(self, message: LoginScreen.LoggedIn) -> None:
        from relaytui.screens.home import HomeScreen

        self.staff = message.staff
        i18n.set_language(message.staff.language or self._start_language)
        self.title = _("Relay log")
        self.switch_screen(HomeScreen(message.staff))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "logout":
            return self.staff is not None
        return True

    def action_logout(self) -> None:
        """Back to the login screen; the person and their language are forgotten."""
        if self.staff is None:
            return
        self.staff = None
        i18n.set_language(self._start_language)
        self.title = _("Relay log")
        self.switch_screen(self._login_screen())
        self.notify(_("You are logged out."))

    # --- keys and commands ---------------------------------------------------------------

    def action_help_quit(self) -> None:
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(
                    _("Press {key} to quit relaytui.").format(key=self.get_key_display(active.binding)),
                    markup=False,
                )
                return

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(placeholder=_("Search for commands…"), id="--command-palette")
            )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if self.staff is not None:
            yield SystemCommand(_("Log out"), _("Log out and return to the login screen."),
                                self.action_logout)
        yield SystemCommand(_("Theme"), _("Change the colours of relaytui"),
                            self.action_change_theme)
        if screen.query("HelpPanel"):
            yield SystemCommand(_("Keys"), _("Hide the panel of keys"),
                                self.action_hide_help_panel)
        else:
            yield SystemCommand(_("Keys"), _("Show the keys of this screen"),
                                self.action_show_help_panel)
        yield SystemCommand(_("Quit"), _("Quit relaytui"), self.action_quit)


def run_app(store: Store, language: str | None = None) -> None:
    """Run relaytui on ``store`` until the user quits."""
    RelayApp(store, language=language).run()
