"""The app as ``relaytui serve`` runs it (headless, key by key): started logged in over SSH,
a one-time password changed before anything else, logging out ends an SSH session, a session
left alone ends, and SIGTERM ends it the way quitting does."""

from __future__ import annotations

import os
import signal
import time

import pytest
from textual.widgets import Input

from relaytui.app import RelayApp
from relaytui.services import accounts, sign_in
from relaytui.session_guard import Served
from tests.screens.reading import palette_offers, screen_text, wait_for

SIZE = (100, 30)
HOME = "Search by name or national number"


def ssh(world) -> RelayApp:
    """The app as the server starts it after an SSH login; ``app.said`` keeps the line it says
    as it ends (Textual prints it after the screen is gone)."""
    app = RelayApp(
        world.store, staff=world.anna, served=Served("ssh 10.0.0.7", ends_on_logout=True)
    )
    app.said = ""
    exit_ = app.exit

    def exit(result=None, return_code: int = 0, message=None) -> None:
        app.said = str(message or "")
        exit_(result, return_code, message)

    app.exit = exit
    return app


async def test_over_ssh_the_app_starts_logged_in_and_logging_out_ends_the_session(world):
    app = ssh(world)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: HOME in screen_text(app), "the log list")
        assert "Username" not in screen_text(app)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: app._exit, "the session to end")
    assert app.staff is None  # nobody is left logged in at that terminal


async def test_in_the_browser_logging_out_offers_the_login_screen_again(world):
    app = RelayApp(world.store, served=Served("web 10.0.0.8"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Username" in screen_text(app), "the login screen")
        for key in "anna":
            await pilot.press(key)
        await pilot.press("enter", *"demo", "enter")
        await wait_for(pilot, lambda: HOME in screen_text(app), "the log list")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: "Username" in screen_text(app), "the login screen again")
        assert not app._exit
    from sqlmodel import select

    from relaytui.models import AuditEvent

    with world.store.session() as session:
        details = [
            e.detail for e in session.exec(select(AuditEvent).where(AuditEvent.action == "login"))
        ]
    assert "web 10.0.0.8" in details  # where the person logged in from


async def test_a_session_left_alone_ends_and_says_why(world):
    app = ssh(world)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: HOME in screen_text(app), "the log list")
        app.idle_end_seconds = 0.4
        await wait_for(pilot, lambda: app._exit, "the idle session to end")
    assert "The session ended after 1 minute without use" in app.said


async def test_keys_keep_a_session_alive(world):
    app = ssh(world)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: HOME in screen_text(app), "the log list")
        # Keys a second apart for twice the idle limit keep the session; the limit leaves a
        # loaded machine two seconds of slack between one key and the next.
        app.idle_end_seconds = 3.0
        started = time.monotonic()
        while time.monotonic() - started < 2 * app.idle_end_seconds:
            await pilot.press("down")
            await pilot.pause(1.0)  # on purpose: keys at intervals, past the limit in all
            assert not app._exit
        await wait_for(pilot, lambda: app._exit, "the idle session to end")


async def test_sigterm_ends_the_session_like_quitting(world):
    app = ssh(world)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: HOME in screen_text(app), "the log list")
        os.kill(os.getpid(), signal.SIGTERM)  # the handler the app installed answers it
        await wait_for(pilot, lambda: app._exit, "the session to end on SIGTERM")
    assert "The server is stopping" in app.said


def after_a_reset(world) -> tuple[RelayApp, str]:
    """Anna's password reset by the administrator, and the app as SSH starts it for her."""
    reset = accounts.reset_password(world.store, world.system, "anna")
    anna = sign_in.authenticate(world.store, "anna", reset.password)
    return RelayApp(
        world.store, staff=anna, served=Served("ssh 10.0.0.7", ends_on_logout=True)
    ), reset.password


async def test_a_one_time_password_comes_first_and_cannot_be_skipped(world):
    app, one_time = after_a_reset(world)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: "Choose your password" in screen_text(app), "the password screen"
        )
        for key in ("escape", "f2", "f3"):
            await pilot.press(key)
        await pilot.pause(0.2)  # a wait for nothing to happen, on purpose: the keys lead nowhere
        assert "Choose your password" in screen_text(app) and app.staff is None
        await pilot.press(*one_time, "enter", *"new words", "enter", *"other words", "enter")
        await wait_for(pilot, lambda: "differ" in screen_text(app), "the mismatch to be named")
        assert app.screen.query_one("#current-password", Input).value == one_time  # kept
        await pilot.press(*"new words", "enter", *"new words", "enter")
        await wait_for(pilot, lambda: HOME in screen_text(app), "the log list")
    assert not sign_in.authenticate(world.store, "anna", "new words").must_change_password


async def test_logging_out_from_the_password_screen_over_ssh_ends_the_session(world):
    app, _one_time = after_a_reset(world)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(
            pilot, lambda: "Choose your password" in screen_text(app), "the password screen"
        )
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: app._exit, "the session to end")


async def test_after_a_login_with_a_one_time_password_the_login_screen_asks_for_a_new_one(world):
    reset = accounts.reset_password(world.store, world.system, "anna")
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "Username" in screen_text(app), "the login screen")
        await pilot.press(*"anna", "enter", *reset.password, "enter")
        await wait_for(
            pilot, lambda: "Choose your password" in screen_text(app), "the password screen"
        )
        await pilot.press("ctrl+o")  # give up: back to an empty login screen
        await wait_for(pilot, lambda: "Username" in screen_text(app), "the login screen")
        assert app.screen.query_one("#username", Input).value == ""
        assert app.screen.query_one("#password", Input).value == ""
        assert app.staff is None


@pytest.mark.parametrize("wrong", [True, False])
async def test_the_palette_changes_the_password_of_the_person_logged_in(world, wrong):
    app = RelayApp(world.store, staff=world.anna)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: HOME in screen_text(app), "the log list")
        await pilot.press("ctrl+p", *"Change password")
        await wait_for(
            pilot, lambda: palette_offers(app, "change password"), "the command in the palette"
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Password now" in screen_text(app), "the password screen")
        current = "guess" if wrong else "demo"
        await pilot.press(*current, "enter", *"fresh words", "enter", *"fresh words", "enter")
        if wrong:
            await wait_for(
                pilot, lambda: "Wrong username or password" in screen_text(app), "the refusal"
            )
            await pilot.press("escape")
            await wait_for(pilot, lambda: HOME in screen_text(app), "back to the list")
        else:
            await wait_for(pilot, lambda: HOME in screen_text(app), "back to the list")
    if not wrong:
        assert sign_in.authenticate(world.store, "anna", "fresh words").id == world.anna.id
