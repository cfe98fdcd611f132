"""The home screen: who is logged in, and the relay logs they hold."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from relaytui.app import RelayApp
from relaytui.errors import NotAllowed, StoreError
from relaytui.services import accounts, clock, logs, meetings, subjects

from tests.screens.reading import screen_text, wait_for

SIZE = (120, 40)
CPR = "0707614285"  # valid Danish CPR numbers (stdnum.dk.cpr.is_valid)
OTHER_CPR = "0101151234"
MARKUP_NAME = "[bold red]Bo[/]"




def loaded(app) -> bool:
    from relaytui.screens.home import HomeScreen

    screen = app.screen
    return (isinstance(screen, HomeScreen) and screen.data is not None
            and not screen.query_one("#home-body").loading)


async def open_home(pilot, username: str = "anna", password: str = "demo") -> None:
    await pilot.press(*username, "enter", *password, "enter")
    await wait_for(pilot, lambda: loaded(pilot.app), "the home screen and its list")
    await pilot.pause()


def table_rows(app) -> list[list[str]]:
    table = app.screen.query_one("#home-logs", DataTable)
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_header_shows_username_full_name_and_profile(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_home(pilot)
        header = screen_text(app).splitlines()[:3]
        assert any("anna — Anna Holm, pedagogue" in line for line in header)
        assert any("Profile: Denmark" in line for line in header)
        assert any("Europe/Copenhagen" in line for line in header)


async def test_table_lists_held_logs_with_the_number_masked(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_home(pilot)
        rows = table_rows(app)
        assert len(rows) == 1
        name, number, level, status, meeting, overdue, consent, last_entry = rows[0]
        assert (name, number, level, status) == ("Bo Jensen", "070761-****", "0", "active")
        assert (meeting, overdue, consent, last_entry) == ("-", "0", "missing", "-")
        text = screen_text(app)
        assert "Bo Jensen" in text and "070761-****" in text
        assert CPR not in text and "4285" not in text
        assert app.focused is app.screen.query_one("#home-logs", DataTable)


async def test_times_are_shown_in_the_installation_time_zone(world):
    # 23:30 UTC on 1 March is already 2 March in Copenhagen (UTC+1).
    late = datetime(2025, 3, 1, 23, 30, tzinfo=timezone.utc)
    clock.set_clock(lambda: late)
    logs.write_entry(world.store, world.anna, world.log.id, text="Talked with the mother.")
    meetings.schedule(world.store, world.anna, world.log.id, kind="dialogue",
                      starts_at=datetime(2025, 3, 5, 12, 0, tzinfo=timezone.utc))
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_home(pilot)
        row = table_rows(app)[0]
        assert row[4] == "2025-03-05 13:00"
        assert row[7] == "2025-03-02"


async def test_a_name_with_markup_is_shown_literally(world):
    subject = subjects.create_subject(world.store, world.anna, national_number=OTHER_CPR,
                                      name=MARKUP_NAME)
    logs.create_log(world.store, world.anna, subject_id=subject.id, concern="[link=x]see[/link]")
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_home(pilot)
        names = [row[0] for row in table_rows(app)]
        assert MARKUP_NAME in names
        table = app.screen.query_one("#home-logs", DataTable)
        assert all(isinstance(cell, Text) for cell in table.get_row_at(0))
        assert MARKUP_NAME in screen_text(app)


async def test_someone_holding_no_log_sees_an_empty_state(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_home(pilot, "bent", "demo")
        message = app.screen.query_one("#home-message", Static)
        assert message.display
        assert "You hold no relay logs." in screen_text(app)
        assert not app.screen.query_one("#home-logs", DataTable).display
        assert "Bo Jensen" not in screen_text(app)


@pytest.mark.rule("R9")
async def test_an_administrator_sees_no_logs(world, monkeypatch):
    # The refusal comes from the service, not from the screen: an administrator's list fails.
    root = accounts.authenticate(world.store, "root", "secret")
    with pytest.raises(NotAllowed):
        logs.list_logs(world.store, root, role="holder")
    notes = []
    app = RelayApp(world.store)
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append((message, kw)))
    async with app.run_test(size=SIZE) as pilot:
        await open_home(pilot, "root", "secret")
        text = screen_text(app)
        assert "root — Rita Root, administrator" in text
        assert "Administrators manage accounts; they do not read or write relay logs." in text
        assert "'relaytui user'" in text
        assert not app.screen.query_one("#home-logs", DataTable).display
        assert app.screen.query_one("#home-logs", DataTable).row_count == 0
        assert "Bo Jensen" not in text and "070761" not in text
        assert not [n for n in notes if n[1].get("severity") == "error"]


async def test_log_out_returns_to_an_empty_login(world):
    from relaytui.screens.login import LoginScreen

    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_home(pilot)
        assert "Log out" in screen_text(app)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        await pilot.pause()
        assert app.staff is None
        assert app.screen.query_one("#username", Input).value == ""
        assert app.screen.query_one("#password", Input).value == ""
        assert "Bo Jensen" not in screen_text(app)
        # Another person can log in now.
        await open_home(pilot, "bent", "demo")
        assert app.staff.username == "bent"


async def test_refresh_shows_a_log_created_meanwhile(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_home(pilot)
        subject = subjects.create_subject(world.store, world.anna, national_number=OTHER_CPR,
                                          name="Ane Jensen")
        logs.create_log(world.store, world.anna, subject_id=subject.id, concern="Often absent.")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(table_rows(app)) == 2, "the second log")
        assert [row[0] for row in table_rows(app)] == ["Ane Jensen", "Bo Jensen"]


async def test_the_list_loads_in_a_thread_behind_a_loading_indicator(world, monkeypatch):
    from relaytui.screens.home import HomeScreen

    release = threading.Event()
    threads = []
    real = logs.list_logs

    def slow_list(*args, **kwargs):
        threads.append(threading.current_thread())
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(logs, "list_logs", slow_list)
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"anna", "enter", *"demo", "enter")
        await wait_for(pilot, lambda: threads, "the list to start loading")
        assert threads[0] is not threading.main_thread()
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one("#home-body").loading
        # The event loop still answers keys while the list loads.
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen.id == "--command-palette", "the palette")
        await pilot.press("escape")
        release.set()
        await wait_for(pilot, lambda: loaded(app), "the list")
        assert [row[0] for row in table_rows(app)] == ["Bo Jensen"]


async def test_a_service_error_is_shown_as_its_message(world, monkeypatch):
    def unreachable(*args, **kwargs):
        raise StoreError("The database at sqlite:///x cannot be used: disk I/O error")

    monkeypatch.setattr(logs, "list_logs", unreachable)
    notes = []
    app = RelayApp(world.store)
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append((message, kw)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"anna", "enter", *"demo", "enter")
        await wait_for(pilot, lambda: notes, "the notification")
        message, kwargs = notes[0]
        assert message == "The database at sqlite:///x cannot be used: disk I/O error"
        assert kwargs.get("severity") == "error" and kwargs.get("markup") is False
        assert not app.screen.query_one("#home-body").loading


async def test_ctrl_q_quits(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_home(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0


def test_every_binding_has_an_id_and_a_description():
    from relaytui.screens.home import HomeScreen
    from relaytui.screens.login import LoginScreen

    for owner in (RelayApp, LoginScreen, HomeScreen):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding), owner
            assert binding.id and binding.description, (owner, binding)
