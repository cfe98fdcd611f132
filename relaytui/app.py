"""The Textual app: screens, bindings, the command palette, the idle lock.

The app holds the store and the person logged in, nothing else. Screens do their database
work through the services, in thread workers, and hand the results back as messages. This
module stays cheap to import: the screens (and through them the services, SQLAlchemy and
argon2) are imported when they are first shown.

After login the app has four places, each a Textual *mode* with its own stack of screens,
so that going from one to the other loses nothing typed in the one left behind: the log
list (F2), the dashboard (F3), the handover inbox (F4) and the meetings planner (F5). Escape
goes back one screen, and from the first screen of another place back to the log list.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import ActiveBinding, Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape as escape_markup
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from relaytui import i18n
from relaytui.errors import DomainError
from relaytui.i18n import N_, _, ngettext
from relaytui.ui.base import described_bindings
from relaytui.widgets.messages import OpenLog

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.screens.login import LoginScreen
    from relaytui.services.access import StaffRef

#: The places after login, each a Textual mode with its own stack of screens.
LOGS, DASHBOARD, HANDOVERS, PLANNER = "logs", "dashboard", "handovers", "planner"
PLACES = (LOGS, DASHBOARD, HANDOVERS, PLANNER)
LOGIN = "login"
#: The mode shown for a moment while the places are built again in another language.
REBUILDING = "language"
#: How often the count of handovers waiting for an answer is read again (seconds).
HANDOVER_POLL_SECONDS = 120.0
#: The declined handovers the notice after login names one by one; more are counted.
DECLINED_SHOWN = 5
DECLINED_NOTICE_SECONDS = 30.0


@dataclass(frozen=True)
class Served:
    """How ``relaytui serve`` runs this app: one process per session, over SSH or the web."""

    #: Where the person connects from, kept with their logins in the audit trail.
    via: str
    #: The server logged the person in (SSH): logging out ends the session rather than
    #: offering the login screen to whoever sits at that terminal next.
    ends_on_logout: bool = False


# --- the command palette ---------------------------------------------------------------------


def highlighted(matcher: Matcher, candidate: str) -> Content:
    """``candidate`` as literal text, its fuzzy match in the palette's style.

    ``Matcher.highlight`` reads the candidate as markup; a name from the database is not.
    """
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if not score:
        return content
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class LogFinder(Provider):
    """Finds relay logs by the subject's name (or national number) as you type."""

    async def search(self, query: str) -> Hits:
        app = self.app
        staff = getattr(app, "staff", None)
        text = query.strip()
        if staff is None or getattr(app, "locked", False) or len(text) < 2:
            return
        from relaytui.services import log_list

        try:
            page = await asyncio.to_thread(
                log_list.list_page, app.store, staff, log_list.LogQuery(search=text), limit=10  # type: ignore[attr-defined]
            )
        except DomainError:
            return  # an administrator reads no logs (R9): nothing to find
        except Exception as exc:  # noqa: BLE001 - the palette goes on without logs
            app.log.error("finding logs for the palette failed", exc)
            return
        matcher = self.matcher(text)
        for row in page.rows:
            score = matcher.match(row.subject_name)
            name = highlighted(matcher, row.subject_name)
            display = Content.assemble(
                name, "  ", Content(row.national_number_masked), "  ",
                Content(_("level {level}").format(level=row.level)),
            )
            yield Hit(
                max(score, 0.5),
                display,
                partial(app.post_message, OpenLog(row.id)),
                text=row.subject_name,
                # The palette reads help as markup: a name from the database is escaped.
                help=escape_markup(_("Open the relay log held by {holder}").format(
                    holder=row.holder_name)),
            )


class ScreenActions(Provider):
    """Offers what the keys of the current screen do, by their (translated) descriptions.

    The keys that work everywhere (F2, F3, ...) come from :meth:`RelayApp.get_system_commands`,
    so that they are there on a dialog too, where the app's keys do not reach.
    """

    def _actions(self) -> list[tuple[str, str, ActiveBinding]]:
        found: list[tuple[str, str, ActiveBinding]] = []
        seen: set[tuple[int, str]] = set()
        if getattr(self.app, "locked", False):
            return found
        for active in described_bindings(self.screen).values():
            binding = active.binding
            # Textual's own widget keys (scrolling, copying) carry no id; ours all do. The
            # app's own keys are offered by the system commands.
            if (not active.enabled or binding.system or not binding.id
                    or active.node is self.app):
                continue
            description = binding.description
            if not description or (id(active.node), binding.action) in seen:
                continue
            seen.add((id(active.node), binding.action))
            key = self.app.get_key_display(binding)
            found.append((description, key, active))
        return found

    async def _run(self, active: ActiveBinding) -> None:
        await self.app.run_action(active.binding.action, active.node)

    async def discover(self) -> Hits:
        for description, key, active in self._actions():
            yield DiscoveryHit(Content(description), partial(self._run, active), text=description,
                               help=escape_markup(_("Key: {key}").format(key=key)))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, key, active in self._actions():
            score = matcher.match(description)
            if score > 0:
                yield Hit(score, highlighted(matcher, description), partial(self._run, active),
                          text=description, help=escape_markup(_("Key: {key}").format(key=key)))


# --- the app ---------------------------------------------------------------------------------


class RelayApp(App[None]):
    """relaytui in the terminal: starts on the login screen."""

    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {LogFinder, ScreenActions}
    BINDINGS = [
        Binding("f1", "help", N_("Keys"), id="app.help",
                tooltip=N_("Show the keys of this screen.")),
        # Not a priority binding: in a text field "?" is typed, not taken.
        Binding("question_mark", "help", N_("Keys"), id="app.help_question", show=False,
                tooltip=N_("Show the keys of this screen.")),
        Binding("f2", "show_logs", N_("Logs"), id="app.logs",
                tooltip=N_("Go to the list of relay logs.")),
        Binding("f3", "show_dashboard", N_("Dashboard"), id="app.dashboard",
                tooltip=N_("Go to the figures of your logs (and of your unit).")),
        Binding("f4", "show_handovers", N_("Handovers"), id="app.handovers",
                tooltip=N_("Go to the handovers waiting for an answer.")),
        Binding("f5", "show_planner", N_("Meetings"), id="app.planner",
                tooltip=N_("Go to the planner: your meetings, week by week.")),
        Binding("escape", "go_back", N_("Back"), id="app.back",
                tooltip=N_("Go back to the previous screen.")),
        Binding("ctrl+l", "lock", N_("Lock"), id="app.lock", show=False,
                tooltip=N_("Lock the screen now; your password unlocks it.")),
        Binding("ctrl+o", "logout", N_("Log out"), id="app.logout", show=False,
                tooltip=N_("Log out and return to the login screen.")),
        Binding("ctrl+q", "quit", N_("Quit"), id="app.quit", priority=True,
                tooltip=N_("Quit relaytui and return to the command prompt.")),
        Binding("ctrl+p", "command_palette", N_("Commands"), id="app.commands", show=False,
                priority=True, tooltip=N_("Open the command palette.")),
        Binding("ctrl+c", "help_quit", N_("How to quit"), id="app.help_quit", show=False,
                system=True),
    ]

    def __init__(self, store: Store, language: str | None = None, *,
                 staff: StaffRef | None = None, served: Served | None = None) -> None:
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
        self._idle_override: float | None = None
        self._idle_from_settings: float | None = None
        self._idle_timer: Timer | None = None
        self._poll_timer: Timer | None = None
        self._last_input = time.monotonic()
        self._lock: Screen | None = None
        self._idle_end_seconds = 60 * 60.0
        self._idle_end_override: float | None = None
        self._idle_end_timer: Timer | None = None

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
            self.add_mode(LOGIN, self._login_screen)
            self.switch_mode(LOGIN)
        elif staff.must_change_password:
            self.add_mode(LOGIN, partial(self._password_screen, staff))
            self.switch_mode(LOGIN)
        else:
            self.begin_session(staff)

    @staticmethod
    def _password_screen(staff: StaffRef) -> Screen:
        from relaytui.screens.password import ChangePasswordScreen

        return ChangePasswordScreen(staff, forced=True)

    @staticmethod
    def _login_screen() -> LoginScreen:
        from relaytui.screens.login import LoginScreen

        return LoginScreen()

    @staticmethod
    def _log_list_screen() -> Screen:
        from relaytui.screens.log_list import LogListScreen

        return LogListScreen()

    @staticmethod
    def _dashboard_screen() -> Screen:
        from relaytui.screens.dashboard import DashboardScreen

        return DashboardScreen()

    @staticmethod
    def _handover_screen() -> Screen:
        from relaytui.screens.handover import HandoverInboxScreen

        return HandoverInboxScreen()

    @staticmethod
    def _planner_screen() -> Screen:
        from relaytui.screens.planner import PlannerScreen

        return PlannerScreen()

    def on_login_screen_logged_in(self, message: LoginScreen.LoggedIn) -> None:
        if self.staff is not None:
            return  # a second answer to the same login
        if message.staff.must_change_password:
            # A one-time password: the person's own comes first, then the session.
            self.push_screen(self._password_screen(message.staff))
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
        self.add_mode(LOGS, self._log_list_screen)
        self.add_mode(DASHBOARD, self._dashboard_screen)
        self.add_mode(HANDOVERS, self._handover_screen)
        self.add_mode(PLANNER, self._planner_screen)
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
        factories = {LOGS: self._log_list_screen, DASHBOARD: self._dashboard_screen,
                     HANDOVERS: self._handover_screen, PLANNER: self._planner_screen}
        here = self.current_mode if self.current_mode in PLACES else LOGS
        self.add_mode(REBUILDING, Screen)
        self.switch_mode(REBUILDING)
        for mode in PLACES:
            self.remove_mode(mode)
            self.add_mode(mode, factories[mode])
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
        self.add_mode(LOGIN, self._login_screen)
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
        self.call_from_thread(self._session_loaded, staff, inst.idle_lock_minutes * 60.0,
                              waiting, announce, declined)

    def _session_loaded(self, staff: StaffRef, idle: float, waiting: int, announce: bool,
                        declined: list[Any] | None = None) -> None:
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
                name=h.to_name, subject=h.subject_name, reason=h.answer_message)
            for h in declined[:DECLINED_SHOWN]
        ]
        if len(declined) > DECLINED_SHOWN:
            more = len(declined) - DECLINED_SHOWN
            lines.append(ngettext("and {count} more.", "and {count} more.", more).format(count=more))
        lines.append(_("Declining left each log as it was. The handover inbox (F4) keeps the "
                       "reasons until you dismiss them."))
        self.notify("\n".join(lines), title=_("Handover declined"), severity="warning",
                    timeout=DECLINED_NOTICE_SECONDS, markup=False)

    def refresh_waiting_handovers(self) -> None:
        """Count the handovers waiting for my answer again (in a thread)."""
        if self.staff is not None:
            self._load_session(self.store, self.staff)

    def show_waiting_handovers(self, count: int, *, announce: bool = False) -> None:
        """Show ``count`` on the F4 key; say it aloud after login or when it grew."""
        grew = count > self.waiting_handovers
        self.waiting_handovers = count
        if count and (announce or grew):
            self.notify(ngettext("{count} handover waits for your answer (F4).",
                                 "{count} handovers wait for your answer (F4).", count)
                        .format(count=count), markup=False)
        self.sub_title = (ngettext("{count} handover waits for your answer",
                                   "{count} handovers wait for your answer", count)
                          .format(count=count) if count else "")
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
            description = _("{keys} ({count})").format(keys=description,
                                                       count=self.waiting_handovers)
        return description

    def action_help(self) -> None:
        """The keys of the current screen and the keys that work everywhere."""
        from relaytui.screens.help import KeysScreen

        if self.locked or isinstance(self.screen, KeysScreen):
            return
        self.push_screen(KeysScreen(self.screen))

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

        if self.locked:
            return
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(placeholder=_("Search for commands or logs…"), id="--command-palette")
            )

    def action_change_language(self) -> None:
        """The language dialog (relaytui/screens/settings.py): the choice is kept per user."""
        from relaytui.screens.settings import LanguageDialog

        if self.staff is not None and not self.locked and not isinstance(self.screen, LanguageDialog):
            self.push_screen(LanguageDialog())

    def action_change_password(self) -> None:
        from relaytui.screens.password import ChangePasswordScreen

        if self.staff is not None and not self.locked and not isinstance(self.screen, ChangePasswordScreen):
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
        if self.staff is not None:
            yield SystemCommand(_("Log out"), _("Log out and return to the login screen."),
                                self.action_logout)
            yield SystemCommand(_("Lock"), _("Lock the screen now; your password unlocks it."),
                                self.action_lock)
            yield SystemCommand(_("Logs"), _("Go to the list of relay logs."),
                                self.action_show_logs)
            yield SystemCommand(_("Dashboard"), _("Go to the figures of your logs (and of your unit)."),
                                self.action_show_dashboard)
            yield SystemCommand(_("Handovers"), _("Go to the handovers waiting for an answer."),
                                self.action_show_handovers)
            yield SystemCommand(_("Meetings"), _("Go to the planner: your meetings, week by week."),
                                self.action_show_planner)
            yield SystemCommand(_("Language"), _("Choose the language of relaytui; it is remembered for you."),
                                self.action_change_language)
            yield SystemCommand(_("Change password"), _("Choose a new password for your account."),
                                self.action_change_password)
            if self.staff.is_admin:
                yield SystemCommand(_("Requests to read closed logs"),
                                    _("Give or refuse a time-limited permission to read a closed log."),
                                    self.open_read_grants)
            else:
                yield SystemCommand(_("Closed logs"),
                                    _("The closed logs you held or read: open one with a permission, "
                                      "or ask for one."),
                                    self.open_closed_logs)
        yield SystemCommand(_("Keys"), _("Show the keys of this screen"), self.action_help)
        yield SystemCommand(_("Theme"), _("Change the colours of relaytui"),
                            self.action_change_theme)
        yield SystemCommand(_("Quit"), _("Quit relaytui"), self.action_quit)

    # --- the idle lock -------------------------------------------------------------------

    @property
    def idle_seconds(self) -> float | None:
        """Seconds without a key or mouse event before the screen locks (None: not known yet)."""
        if self._idle_override is not None:
            return self._idle_override
        return self._idle_from_settings

    @idle_seconds.setter
    def idle_seconds(self, seconds: float | None) -> None:
        """Override the installation's idle time (tests, demos); ``None`` follows it again."""
        self._idle_override = seconds
        if self.staff is not None:
            self._arm_idle_lock()

    @property
    def locked(self) -> bool:
        return self._lock is not None

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseEvent)):
            self._last_input = time.monotonic()
        await super().on_event(event)

    def _arm_idle_lock(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.stop()
            self._idle_timer = None
        idle = self.idle_seconds
        if idle is None or self.staff is None:
            return
        period = min(5.0, max(0.05, idle / 5))
        self._idle_timer = self.set_interval(period, self._check_idle, name="idle-lock")

    def _check_idle(self) -> None:
        idle = self.idle_seconds
        if self.staff is None or self.locked or idle is None:
            return
        if time.monotonic() - self._last_input >= idle:
            self.action_lock(idle=True)

    def action_lock(self, idle: bool = False) -> None:
        """Cover everything with the lock screen; the screens below stay as they are."""
        if self.staff is None or self.locked:
            return
        from relaytui.screens.lock import LockScreen

        # A notification may name a child: it does not stay on the locked screen.
        self.clear_notifications()
        self._lock = LockScreen(self.staff, idle=idle)
        self.push_screen(self._lock, callback=self._unlocked)

    def _unlocked(self, result: object) -> None:
        self._lock = None
        self._last_input = time.monotonic()

    # --- a served session ends -----------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="idle-end")
    def _read_idle_end(self, store: Store) -> None:
        minutes = store.setting("idle_end_minutes")
        seconds = int(minutes) * 60.0 if minutes and minutes.isdigit() else 60 * 60.0
        self.call_from_thread(self._arm_idle_end, seconds)

    def _arm_idle_end(self, seconds: float) -> None:
        if self._idle_end_override is None:
            self._idle_end_seconds = seconds
        self._idle_end_timer = self.set_interval(
            min(5.0, max(0.05, self.idle_end_seconds / 10)), self._check_idle_end, name="idle-end")

    @property
    def idle_end_seconds(self) -> float:
        """Seconds without a key after which a served session ends."""
        if self._idle_end_override is not None:
            return self._idle_end_override
        return self._idle_end_seconds

    @idle_end_seconds.setter
    def idle_end_seconds(self, seconds: float | None) -> None:
        """Override the installation's time (tests); ``None`` follows it again."""
        self._idle_end_override = seconds
        if self._idle_end_timer is not None:
            self._idle_end_timer.stop()
            self._arm_idle_end(self._idle_end_seconds)

    def _check_idle_end(self) -> None:
        idle = time.monotonic() - self._last_input
        if self.served is None or idle < self.idle_end_seconds:
            return
        minutes = max(1, round(self.idle_end_seconds / 60))
        self.exit(message=ngettext(
            "The session ended after {minutes} minute without use. Connect again to go on; the "
            "drafts of minutes are kept.",
            "The session ended after {minutes} minutes without use. Connect again to go on; the "
            "drafts of minutes are kept.", minutes).format(minutes=minutes))

    def server_stops(self) -> None:
        """SIGTERM from the server (or SIGHUP: the connection is gone): end the session the
        way quitting does. What screens hold unsaved (the minutes being written) is saved
        first, at once, so that nothing depends on the terminal still being there."""
        for stack in self._screen_stacks.values():
            for screen in stack:
                save = getattr(screen, "save_drafts", None)
                if save is not None:
                    save()
        if not self.is_headless:
            _end_for_certain()
        self.exit(message=_("The server is stopping, so your session ended. Minutes being "
                            "written are saved as a draft; connect again shortly."))

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
            shown = Text(_("relaytui stopped on an unexpected error ({error}). What was saved is "
                           "kept; set RELAYTUI_DEBUG=1 to see the details.").format(
                error=type(error).__name__ if error is not None else "?"), style="red")
        self._exit_renderables.append(Segments(self.console.render(shown, self.console.options)))
        self._close_messages_no_wait()


#: Seconds a served session has to end once the server stopped it, its saves done, before the
#: process ends anyway: a terminal that is gone must not keep it (and its memory) alive.
END_FOR_CERTAIN_SECONDS = 20.0


def _end_for_certain() -> None:
    """Once a served session is told to end: wait for the saves in flight, then make sure the
    process ends, whatever the terminal's end does to the shutdown."""
    import os

    def watch() -> None:
        time.sleep(END_FOR_CERTAIN_SECONDS)
        for thread in threading.enumerate():
            if not thread.daemon and thread is not threading.main_thread() and thread is not threading.current_thread():
                thread.join(END_FOR_CERTAIN_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="end-for-certain", daemon=True).start()


def _sign_while_open(store: Store, signer, stop: threading.Event, *, look: float = 60.0) -> None:
    """While the app runs on this machine: a signed checkpoint once the setting's number of
    events is new (looked at every minute), and at least hourly when anything is new; the
    server does the same for its sessions (relaytui.server.serving)."""
    from relaytui import signing
    from relaytui.services import checkpoints, installation

    last = time.monotonic()
    while not stop.wait(look):
        try:
            every = installation.read(store).audit_checkpoint_every
            if time.monotonic() - last >= 3600.0:
                every = 1
            if checkpoints.maybe_take(store, signer, every, file=signing.checkpoint_file()) is not None:
                last = time.monotonic()
        except Exception:  # noqa: BLE001 - tried again at the next look; quitting signs as well
            continue


def run_app(store: Store, language: str | None = None) -> None:
    """Run relaytui on ``store`` until the user quits. Where this account holds the
    installation's audit signing key, new events are put under signed checkpoints while it
    runs and when it quits."""
    import sys

    from relaytui import signing
    from relaytui.services import checkpoints

    def unsigned(exc: Exception) -> None:
        sys.stderr.write(_("The audit checkpoint could not be signed ({error}); take it with 'relaytui "
                           "audit checkpoint'.").format(error=getattr(exc, "message", type(exc).__name__)) + "\n")

    try:
        signer = signing.load_signer()
    except Exception as exc:  # noqa: BLE001 - the app runs; 'audit verify' shows what is missing
        signer, problem = None, exc
    else:
        problem = None
    stop = threading.Event()
    if signer is not None:
        threading.Thread(target=_sign_while_open, args=(store, signer, stop), name="audit-checkpoints",
                         daemon=True).start()
    try:
        RelayApp(store, language=language).run()
    finally:
        stop.set()
    if problem is not None:
        unsigned(problem)
        return
    if signer is None:
        return
    try:
        checkpoints.take(store, signer, file=signing.checkpoint_file())
    except Exception as exc:  # noqa: BLE001 - quitting never fails; 'audit verify' shows what is missing
        unsigned(exc)
