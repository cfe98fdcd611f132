"""What guards a session nobody is at: the idle lock and, when ``relaytui serve`` runs the app,
the session's end (after a time without use, or when the server stops).

:class:`SessionGuard` is the base of :class:`relaytui.app.RelayApp`; it keeps the time of the
last key or mouse event, which both the lock and the end are measured from.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App
from textual.screen import Screen
from textual.timer import Timer

from relaytui.i18n import _, ngettext

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


@dataclass(frozen=True)
class Served:
    """How ``relaytui serve`` runs this app: one process per session, over SSH or the web."""

    #: Where the person connects from, kept with their logins in the audit trail.
    via: str
    #: The server logged the person in (SSH): logging out ends the session rather than
    #: offering the login screen to whoever sits at that terminal next.
    ends_on_logout: bool = False


class SessionGuard(App[None]):
    """The idle lock and the end of a served session; the app proper builds on it."""

    #: The person logged in, or ``None`` on the login screen (set by the app).
    staff: StaffRef | None
    #: How this app is reached when ``relaytui serve`` runs it (set by the app).
    served: Served | None

    def __init__(self) -> None:
        super().__init__()
        self._idle_override: float | None = None
        self._idle_from_settings: float | None = None
        self._idle_timer: Timer | None = None
        self._last_input = time.monotonic()
        self._lock: Screen | None = None
        self._idle_end_seconds = 60 * 60.0
        self._idle_end_override: float | None = None
        self._idle_end_timer: Timer | None = None

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
            min(5.0, max(0.05, self.idle_end_seconds / 10)), self._check_idle_end, name="idle-end"
        )

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
        self.exit(
            message=ngettext(
                "The session ended after {minutes} minute without use. Connect again to go on; the "
                "drafts of minutes are kept.",
                "The session ended after {minutes} minutes without use. Connect again to go on; the "
                "drafts of minutes are kept.",
                minutes,
            ).format(minutes=minutes)
        )

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
            from relaytui.server.session import end_for_certain

            end_for_certain()
        self.exit(
            message=_(
                "The server is stopping, so your session ended. Minutes being "
                "written are saved as a draft; connect again shortly."
            )
        )
