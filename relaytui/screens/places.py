"""The places after login, each a Textual mode with its own stack of screens, and the first
screen of each; the login and password screens shown before.

The app switches between them (F2 to F5); a screen is imported only when its place is first
shown, so that the app stays cheap to import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.screen import Screen

    from relaytui.screens.login import LoginScreen
    from relaytui.services.access import StaffRef

LOGS, DASHBOARD, HANDOVERS, PLANNER = "logs", "dashboard", "handovers", "planner"
PLACES = (LOGS, DASHBOARD, HANDOVERS, PLANNER)
LOGIN = "login"
#: The mode shown for a moment while the places are built again in another language.
REBUILDING = "language"


def password_screen(staff: StaffRef) -> Screen:
    from relaytui.screens.password import ChangePasswordScreen

    return ChangePasswordScreen(staff, forced=True)


def login_screen() -> LoginScreen:
    from relaytui.screens.login import LoginScreen

    return LoginScreen()


def log_list_screen() -> Screen:
    from relaytui.screens.log_list import LogListScreen

    return LogListScreen()


def dashboard_screen() -> Screen:
    from relaytui.screens.dashboard import DashboardScreen

    return DashboardScreen()


def handover_screen() -> Screen:
    from relaytui.screens.handover_inbox import HandoverInboxScreen

    return HandoverInboxScreen()


def planner_screen() -> Screen:
    from relaytui.screens.planner import PlannerScreen

    return PlannerScreen()


#: Each place's first screen, made anew when the place is (after login, or in a new language).
FIRST_SCREENS: dict[str, Callable[[], Screen]] = {
    LOGS: log_list_screen,
    DASHBOARD: dashboard_screen,
    HANDOVERS: handover_screen,
    PLANNER: planner_screen,
}
