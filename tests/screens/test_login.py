"""The login screen, driven headless key by key, as a user would."""

from __future__ import annotations

import subprocess
import sys
import threading

from textual.widgets import Button, Input, LoadingIndicator, Static

from relaytui import i18n
from relaytui.app import RelayApp
from relaytui.services import accounts, sign_in
from relaytui.ui.base import generic_error
from tests.screens.reading import screen_text, wait_for

SIZE = (120, 40)
CPR = "0707614285"  # a valid Danish CPR number (stdnum.dk.cpr.is_valid)
WRONG = (
    "Wrong username or password, or the account is locked. Check both; after five failed "
    "tries, ask an administrator to unlock it."
)


def error_text(app) -> str:
    label = app.screen.query_one("#login-error", Static)
    return str(label.render()) if label.display else ""


async def log_in(pilot, username: str, password: str) -> None:
    await pilot.press(*username, "enter", *password, "enter")


def on_login(app) -> bool:
    from relaytui.screens.login import LoginScreen

    return isinstance(app.screen, LoginScreen)


def on_home(app) -> bool:
    from relaytui.screens.log_list import LogListScreen

    return isinstance(app.screen, LogListScreen)


async def test_starts_on_login_with_name_and_explanation(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert on_login(app)
        text = screen_text(app)
        assert "Relay log" in text
        assert "Who does what, by when, around a child you worry about." in text
        assert app.focused is app.screen.query_one("#username", Input)
        assert app.screen.query_one("#password", Input).password is True
        assert "Quit" in text  # the footer shows the bindings
        assert app.staff is None


async def test_enter_in_username_moves_to_password(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "n", "n", "a", "enter")
        assert app.focused is app.screen.query_one("#password", Input)
        assert app.screen.query_one("#username", Input).value == "anna"


async def test_wrong_password_stays_on_login_keeps_username_clears_password(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna", "wrong")
        await wait_for(pilot, lambda: error_text(app), "the error message")
        assert error_text(app) == WRONG
        assert on_login(app)
        assert app.screen.query_one("#username", Input).value == "anna"
        password = app.screen.query_one("#password", Input)
        assert password.value == ""
        assert not password.disabled
        assert app.focused is password
        assert app.staff is None
        # The user can try again at once: the right password now opens the home screen.
        await pilot.press("d", "e", "m", "o", "enter")
        await wait_for(pilot, lambda: on_home(app), "the home screen")


async def test_five_wrong_passwords_lock_the_account(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "n", "n", "a", "enter")
        for attempt in range(1, 6):
            await pilot.press("n", "o", "p", "e", "enter")
            await wait_for(
                pilot,
                lambda: error_text(app) and not app.screen.busy,
                f"the answer to attempt {attempt}",
            )
            if attempt < 5:
                assert error_text(app) == WRONG
        assert "locked" in error_text(app)
        assert "administrator" in error_text(app)
        # Even the right password is refused now, with the same message.
        await pilot.press("d", "e", "m", "o", "enter")
        await wait_for(pilot, lambda: error_text(app) and not app.screen.busy, "the answer")
        assert "locked" in error_text(app)
        assert on_login(app)
    assert accounts.get_user(world.store, world.system, "anna").locked


async def test_right_password_opens_home(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna", "demo")
        await wait_for(pilot, lambda: on_home(app), "the home screen")
        assert app.staff is not None and app.staff.username == "anna"


async def test_login_button_logs_in(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", "n", "n", "a", "tab", "d", "e", "m", "o")
        await pilot.click("#login-button")
        await wait_for(pilot, lambda: on_home(app), "the home screen")


async def test_password_is_checked_in_a_thread_with_the_form_disabled(world, monkeypatch):
    release = threading.Event()
    threads = []
    real = sign_in.authenticate

    def slow_authenticate(store, username, password, **where):
        threads.append(threading.current_thread())
        assert release.wait(10)
        return real(store, username, password, **where)

    monkeypatch.setattr(sign_in, "authenticate", slow_authenticate)
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna", "demo")
        await wait_for(pilot, lambda: threads, "the check to start")
        screen = app.screen
        # The event loop answers while the check runs; the form waits for it.
        assert threads[0] is not threading.main_thread()
        assert screen.query_one("#username", Input).disabled
        assert screen.query_one("#password", Input).disabled
        assert screen.query_one("#login-button", Button).disabled
        assert screen.query_one("#login-busy", LoadingIndicator).display
        release.set()
        await wait_for(pilot, lambda: on_home(app), "the home screen")


async def test_unexpected_failure_shows_one_generic_line(world, monkeypatch):
    def broken(store, username, password, **where):
        raise RuntimeError("internal detail that must not reach the screen")

    monkeypatch.setattr(sign_in, "authenticate", broken)
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna", "demo")
        await wait_for(pilot, lambda: error_text(app), "the error message")
        assert error_text(app) == generic_error()
        assert "internal detail" not in screen_text(app)
        assert on_login(app)
        assert not app.screen.query_one("#password", Input).disabled


async def test_staff_language_is_used_after_login_and_dropped_at_logout(world, monkeypatch):
    accounts.set_language(world.store, world.anna, "da")
    chosen = []
    real = i18n.set_language

    def spy(code):
        chosen.append(code)
        return real(code)

    monkeypatch.setattr(i18n, "set_language", spy)
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna", "demo")
        await wait_for(pilot, lambda: on_home(app), "the home screen")
        assert chosen[-1] == "da"
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: on_login(app), "the login screen")
        assert chosen[-1] == "en"


def test_importing_the_app_loads_no_database_or_screen_code():
    """A cold start is a feature: the screens, SQLAlchemy and argon2 load when needed."""
    code = (
        "import sys, relaytui.app\n"
        "heavy = ('sqlalchemy', 'sqlmodel', 'argon2', 'alembic', 'psycopg', 'relaytui.screens.login',"
        " 'relaytui.screens.log_list', 'relaytui.services')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
