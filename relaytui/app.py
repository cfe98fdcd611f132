"""The Textual app: the session, its places and keys (the idle lock and the end of a served
session are its base, :class:`relaytui.session_guard.SessionGuard`).

The app holds the store and the person logged in, nothing else. The screens build on
:mod:`relaytui.ui.base` and reach the app through its :class:`~relaytui.ui.base.RelayHost`
protocol, never by importing this module; the palette's providers are in
:mod:`relaytui.ui.palette`, the places' first screens in :mod:`relaytui.screens.places`.
Screens do their database work through the services, in thread workers, and hand the results
back as messages. This module stays cheap to import: the screens (and through them the
services, SQLAlchemy and argon2) are imported when they are first shown.

After login the app has four places, each a Textual *mode* with its own stack of screens,
so that going from one to the other loses nothing typed in the one left behind: the log
list (F2), the dashboard (F3), the handover inbox (F4) and the meetings planner (F5). Escape
goes back one screen, and from the first screen of another place back to the log list.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from relaytui import i18n
from relaytui.i18n import N_, _, ngettext
from relaytui.screens.places import (
    DASHBOARD,
    FIRST_SCREENS,
    HANDOVERS,
    LOGIN,
    LOGS,
    PLACES,
    PLANNER,
    REBUILDING,
    login_screen,
    password_screen,
)
from relaytui.session_guard import Served, SessionGuard
from relaytui.ui.palette import LogFinder, ScreenActions, everywhere_commands
from relaytui.widgets.messages import OpenLog

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.screens.login import LoginScreen
    from relaytui.services.access import StaffRef

#: How often the count of handovers waiting for an answer is read again (seconds).
HANDOVER_POLL_SECONDS = 120.0
#: The declined handovers the notice after login names one by one; more are counted.
DECLINED_SHOWN = 5
DECLINED_NOTICE_SECONDS = 30.0


# --- the app ---------------------------------------------------------------------------------


class RelayApp(SessionGuard):
    """relaytui in the terminal: starts on the login screen."""

    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {LogFinder, ScreenActions}
    BINDINGS = [
        Binding(
            "f1", "help", N_("Keys"), id="app.help", tooltip=N_("Show the keys of this screen.")
        ),
        # Not a priority binding: in a text field "?" is typed, not taken.
        Binding(
            "question_mark",
            "help",
            N_("Keys"),
            id="app.help_question",
            show=False,
            tooltip=N_("Show the keys of this screen."),
        ),
        Binding(
            "f2",
            "show_logs",
            N_("Logs"),
            id="app.logs",
            tooltip=N_("Go to the list of relay logs."),
        ),
        Binding(
            "f3",
            "show_dashboard",
            N_("Dashboard"),
            id="app.dashboard",
            tooltip=N_("Go to the figures of your logs (and of your unit)."),
        ),
        Binding(
            "f4",
            "show_handovers",
            N_("Handovers"),
            id="app.handovers",
            tooltip=N_("Go to the handovers waiting for an answer."),
        ),
        Binding(
            "f5",
            "show_planner",
            N_("Meetings"),
            id="app.planner",
            tooltip=N_("Go to the planner: your meetings, week by week."),
        ),
        Binding(
            "escape",
            "go_back",
            N_("Back"),
            id="app.back",
            tooltip=N_("Go back to the previous screen."),
        ),
        Binding(
            "ctrl+l",
            "lock",
            N_("Lock"),
            id="app.lock",
            show=False,
            tooltip=N_("Lock the screen now; your password unlocks it."),
        ),
        Binding(
            "ctrl+o",
            "logout",
            N_("Log out"),
            id="app.logout",
            show=False,
            tooltip=N_("Log out and return to the login screen."),
        ),
        Binding(
            "ctrl+q",
            "quit",
            N_("Quit"),
            id="app.quit",
            priority=True,
            tooltip=N_("Quit relaytui and return to the command prompt."),
        ),
        Binding(
            "ctrl+p",
            "command_palette",
            N_("Commands"),
            id="app.commands",
            show=False,
            priority=True,
            tooltip=N_("Open the command palette."),
        ),
        Binding(
            "ctrl+c", "help_quit", N_("How to quit"), id="app.help_quit", show=False, system=True
        ),
    ]

    def __init__(
        self,
        store: Store,
        language: str | None = None,
        *,
        staff: StaffRef | None = None,
        served: Served | None = None,
    ) -> None:
        if language:
            i18n.set_language(language)
        super().__init__()
        self.store = store
        #: How this app is reached when ``relaytui serve`` runs it (None: in a local terminal).
        self.served = served
        #: Where the person is, for the audit trail of their logins ("ssh 10.0.0.7").
        self.via = served.via if served is not None else ""
        #: Logged in before the app started (SSH, by the server); None: the login screen asks.
        self._first_staff = staff
        #: The person logged in, or ``None`` on the login screen.
        self.staff: StaffRef | None = None
        #: Handovers waiting for the answer of the person logged in (shown on the F4 key).
        self.waiting_handovers = 0
        self._start_language = i18n.current_language()
        self.title = _("Relay log")
        self._poll_timer: Timer | None = None

    # --- login and logout ----------------------------------------------------------------

    def on_mount(self) -> None:
        if self.served is not None:
            import signal

            loop = asyncio.get_running_loop()
            for ending in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(ending, self.server_stops)
            # A served session has no shell to be suspended to. Textual restarts its terminal
            # on SIGCONT, which the kernel sends with SIGHUP when the connection drops: that
            # restart, racing the shutdown, could leave the process hanging (seen in tests).
            if not self.is_headless:
                signal.signal(signal.SIGTSTP, signal.SIG_IGN)
                signal.signal(signal.SIGCONT, signal.SIG_DFL)
            self._read_idle_end(self.store)
        staff, self._first_staff = self._first_staff, None
        if staff is None:
            self.add_mode(LOGIN, login_screen)
            self.switch_mode(LOGIN)
        elif staff.must_change_password:
            self.add_mode(LOGIN, partial(password_screen, staff))
            self.switch_mode(LOGIN)
        else:
            self.begin_session(staff)

    def on_login_screen_logged_in(self, message: LoginScreen.LoggedIn) -> None:
        if self.staff is not None:
            return  # a second answer to the same login
        if message.staff.must_change_password:
            # A one-time password: the person's own comes first, then the session.
            self.push_screen(password_screen(message.staff))
            return
        self.begin_session(message.staff)

    def on_change_password_screen_changed(self, message: Any) -> None:
        if message.forced:
            if self.staff is None:
                self.begin_session(message.staff)
            return
        self.staff = message.staff
        self.screen.dismiss(None)
        self.notify(_("Your password is changed."), markup=False)

    def cancel_login(self, message: str | None = None) -> None:
        """Leave the forced choice of a password: back to an empty login screen (or, when the
        server logged the person in over SSH, the session ends)."""
        text = message or _("You are logged out.")
        if self.served is not None and self.served.ends_on_logout:
            self.exit(message=text)
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        reset = getattr(self.screen, "reset", None)
        if reset is not None:
            reset()
        self.notify(text, severity="error" if message else "information", markup=False)

    def begin_session(self, staff: StaffRef) -> None:
        """The person is logged in: their places, their language, the idle lock."""
        self.staff = staff
        i18n.set_language(staff.language or self._start_language)
        self.title = _("Relay log")
        self.waiting_handovers = 0
        for mode in PLACES:
            self.add_mode(mode, FIRST_SCREENS[mode])
        self.switch_mode(LOGS)
        # The login screen (and the password typed into it) goes away.
        if LOGIN in self._modes:
            self.remove_mode(LOGIN)
        self._last_input = time.monotonic()
        self._arm_idle_lock()
        self._poll_timer = self.set_interval(HANDOVER_POLL_SECONDS, self.refresh_waiting_handovers)
        self._load_session(self.store, staff, announce=True)

    def reopen_in_language(self, code: str) -> None:
        """Switch the process to ``code`` and build every place again, staying in the current one.

        The places' screens write their words when they are composed, so they are made anew
        (as on login); the screens opened over them close.
        """
        i18n.set_language(code)
        if self.staff is not None:
            self.staff = replace(self.staff, language=code)
        self.title = _("Relay log")
        here = self.current_mode if self.current_mode in PLACES else LOGS
        self.add_mode(REBUILDING, Screen)
        self.switch_mode(REBUILDING)
        for mode in PLACES:
            self.remove_mode(mode)
            self.add_mode(mode, FIRST_SCREENS[mode])
        self.switch_mode(here)
        self.remove_mode(REBUILDING)
        self.show_waiting_handovers(self.waiting_handovers)  # the sub-title in the new words

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "logout":
            return self.staff is not None
        if action in ("show_logs", "show_dashboard", "show_handovers", "show_planner", "lock"):
            return self.staff is not None and not self.locked
        if action == "help":
            return not self.locked
        if action == "go_back":
            return self._can_go_back()
        return True

    def action_logout(self) -> None:
        """Back to the login screen; the person, their screens and their language are forgotten."""
        self.end_session(_("You are logged out."))

    def end_session(self, message: str, *, severity: str = "information") -> None:
        """Log out: every screen of the session is removed, whatever was on it."""
        if self.staff is None:
            return
        if self.served is not None and self.served.ends_on_logout:
            self.staff = None
            self.exit(message=message)
            return
        self.staff = None
        self.waiting_handovers = 0
        self._lock = None
        for timer in (self._idle_timer, self._poll_timer):
            if timer is not None:
                timer.stop()
        self._idle_timer = self._poll_timer = None
        self._idle_from_settings = None
        i18n.set_language(self._start_language)
        self.title = _("Relay log")
        self.add_mode(LOGIN, login_screen)
        self.switch_mode(LOGIN)
        for mode in PLACES:
            self.remove_mode(mode)
        self.clear_notifications()
        self.notify(message, severity=severity, markup=False)  # type: ignore[arg-type]

    @work(thread=True, exclusive=True, exit_on_error=False, group="session")
    def _load_session(self, store: Store, staff: StaffRef, announce: bool = False) -> None:
        """The idle time from the settings, and how many handovers wait for an answer; after
        login also the handovers of mine declined since I was last told, with their reasons."""
        from relaytui.services import handover, installation

        inst = installation.read(store)
        waiting = handover.waiting_for_me(store, staff)
        declined = handover.tell_declined(store, staff) if announce else []
        self.call_from_thread(
            self._session_loaded, staff, inst.idle_lock_minutes * 60.0, waiting, announce, declined
        )

    def _session_loaded(
        self,
        staff: StaffRef,
        idle: float,
        waiting: int,
        announce: bool,
        declined: list[Any] | None = None,
    ) -> None:
        if self.staff is not staff:
            return  # logged out meanwhile
        self._idle_from_settings = idle
        self._arm_idle_lock()
        self.show_waiting_handovers(waiting, announce=announce)
        if declined:
            self.show_declined_handovers(declined)

    def show_declined_handovers(self, declined: list[Any]) -> None:
        """Tell the proposer which of their handovers were declined, and why (R8)."""
        lines = [
            _("{name} declined to hold the relay log about {subject}: {reason}").format(
                name=h.to_name, subject=h.subject_name, reason=h.answer_message
            )
            for h in declined[:DECLINED_SHOWN]
        ]
        if len(declined) > DECLINED_SHOWN:
            more = len(declined) - DECLINED_SHOWN
            lines.append(
                ngettext("and {count} more.", "and {count} more.", more).format(count=more)
            )
        lines.append(
            _(
                "Declining left each log as it was. The handover inbox (F4) keeps the "
                "reasons until you dismiss them."
            )
        )
        self.notify(
            "\n".join(lines),
            title=_("Handover declined"),
            severity="warning",
            timeout=DECLINED_NOTICE_SECONDS,
            markup=False,
        )

    def refresh_waiting_handovers(self) -> None:
        """Count the handovers waiting for my answer again (in a thread)."""
        if self.staff is not None:
            self._load_session(self.store, self.staff)

    def show_waiting_handovers(self, count: int, *, announce: bool = False) -> None:
        """Show ``count`` on the F4 key; say it aloud after login or when it grew."""
        grew = count > self.waiting_handovers
        self.waiting_handovers = count
        if count and (announce or grew):
            self.notify(
                ngettext(
                    "{count} handover waits for your answer (F4).",
                    "{count} handovers wait for your answer (F4).",
                    count,
                ).format(count=count),
                markup=False,
            )
        self.sub_title = (
            ngettext(
                "{count} handover waits for your answer",
                "{count} handovers wait for your answer",
                count,
            ).format(count=count)
            if count
            else ""
        )
        self.screen.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Screens report their own workers; a failure of the app's own background reads
        # (the handover count) is logged, and the next poll tries again.
        if event.worker.node is self and event.state is WorkerState.ERROR:
            self.log.error(f"worker {event.worker.name!r} failed", event.worker.error)

    # --- going places --------------------------------------------------------------------

    def _go(self, mode: str) -> None:
        if self.staff is None or self.locked:
            return
        if self.current_mode == mode:
            # Already there: back to the first screen of the place.
            while len(self.screen_stack) > 1 and not isinstance(self.screen, ModalScreen):
                self.pop_screen()
            return
        self.switch_mode(mode)

    def action_show_logs(self) -> None:
        self._go(LOGS)

    def action_show_dashboard(self) -> None:
        self._go(DASHBOARD)

    def action_show_handovers(self) -> None:
        self._go(HANDOVERS)

    def action_show_planner(self) -> None:
        self._go(PLANNER)

    def _can_go_back(self) -> bool:
        if self.staff is None or self.locked:
            return False
        return len(self.screen_stack) > 1 or self.current_mode in (DASHBOARD, HANDOVERS, PLANNER)

    def action_go_back(self) -> None:
        """Escape: close the dialog, or go back one screen, or back to the log list."""
        if not self._can_go_back():
            return
        if isinstance(self.screen, ModalScreen):
            self.screen.dismiss(None)
        elif len(self.screen_stack) > 1:
            self.pop_screen()
        else:
            self.switch_mode(LOGS)

    def on_open_log(self, message: OpenLog) -> None:
        """Open a log over the current screen (from the palette, the inbox, the dashboard...)."""
        if self.staff is None or self.locked:
            return
        from relaytui.screens.log_view import LogViewScreen

        self.push_screen(LogViewScreen(message.log_id))

    # --- keys and help -------------------------------------------------------------------

    def describe_binding(self, binding: Binding) -> str:
        description = _(binding.description) if binding.description else ""
        if binding.id == "app.handovers" and self.waiting_handovers:
            description = _("{keys} ({count})").format(
                keys=description, count=self.waiting_handovers
            )
        return description

    def action_help(self) -> None:
        """The keys of the current screen and the keys that work everywhere."""
        from relaytui.screens.help import KeysScreen

        if self.locked or isinstance(self.screen, KeysScreen):
            return
        self.push_screen(KeysScreen(self.screen))

    def action_help_quit(self) -> None:
        for active in self.active_bindings.values():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(
                    _("Press {key} to quit relaytui.").format(
                        key=self.get_key_display(active.binding)
                    ),
                    markup=False,
                )
                return

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.locked:
            return
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(
                    placeholder=_("Search for commands or logs…"), id="--command-palette"
                )
            )

    def action_change_language(self) -> None:
        """The language dialog (relaytui/screens/settings.py): the choice is kept per user."""
        from relaytui.screens.settings import LanguageDialog

        if (
            self.staff is not None
            and not self.locked
            and not isinstance(self.screen, LanguageDialog)
        ):
            self.push_screen(LanguageDialog())

    def action_change_password(self) -> None:
        from relaytui.screens.password import ChangePasswordScreen

        if (
            self.staff is not None
            and not self.locked
            and not isinstance(self.screen, ChangePasswordScreen)
        ):
            self.push_screen(ChangePasswordScreen(self.staff, forced=False))

    def open_read_grants(self) -> None:
        """The administrators' requests to read closed logs (relaytui/screens/read_grants.py)."""
        from relaytui.screens.read_grants import ReadGrantsScreen

        if self.staff is not None and self.staff.is_admin and not self.locked:
            self.push_screen(ReadGrantsScreen())

    def open_closed_logs(self) -> None:
        """The closed logs the person held or read, to open or to ask for (read_grants.py)."""
        from relaytui.screens.read_grants import ClosedLogsScreen

        if self.staff is not None and not self.staff.is_admin and not self.locked:
            self.push_screen(ClosedLogsScreen())

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        return everywhere_commands(self)

    # --- the last guard ------------------------------------------------------------------

    def _fatal_error(self) -> None:
        """An error nothing foresaw ends the app with one line, never a traceback.

        Textual's own traceback shows the local variables of every frame: a password, a
        national number or the text of an entry would end up on the screen or in a pasted bug
        report. ``RELAYTUI_DEBUG=1`` shows the traceback, still without the variables.
        """
        import os
        import sys

        from rich.segment import Segments
        from rich.text import Text

        self.bell()
        if os.environ.get("RELAYTUI_DEBUG"):
            from rich.traceback import Traceback

            shown = Traceback(show_locals=False, width=None)
        else:
            error = sys.exc_info()[1]
            shown = Text(
                _(
                    "relaytui stopped on an unexpected error ({error}). What was saved is "
                    "kept; set RELAYTUI_DEBUG=1 to see the details."
                ).format(error=type(error).__name__ if error is not None else "?"),
                style="red",
            )
        self._exit_renderables.append(Segments(self.console.render(shown, self.console.options)))
        self._close_messages_no_wait()


def run_app(store: Store, language: str | None = None) -> None:
    """Run relaytui on ``store`` until the user quits. Where this account holds the
    installation's audit signing key, new events are put under signed checkpoints while it
    runs and when it quits."""
    from relaytui.local_checkpoints import checkpoints_while_open

    with checkpoints_while_open(store):
        RelayApp(store, language=language).run()
