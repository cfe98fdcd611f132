"""The keys that work everywhere: help, the command palette, going places, the idle lock."""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil

import pytest
from rich.console import Console
from textual.app import UnknownModeError
from textual.binding import Binding
from textual.dom import DOMNode
from textual.widgets import Input, Static

from relaytui.app import RelayApp
from relaytui.services import access, accounts
from tests.factories import new_log
from tests.screens.reading import screen_text, wait_for
from tests.screens.signing_in import PASSWORD, log_in, town_with_passwords

SIZE = (120, 40)
SMALL = (80, 24)
WRONG = (
    "Wrong username or password, or the account is locked. Check both; after five failed "
    "tries, ask an administrator to unlock it."
)
# A lockout ends the session with the one answer every refused login gets (issue 14).
LOCKED = WRONG


@pytest.fixture
def ida(sqlite_store):
    """Anna holds Ida Jensen's log."""
    world = town_with_passwords(sqlite_store)
    world.log = new_log(world)
    return world


def visible_text(app) -> str:
    """What the terminal shows, including the screens below a dialog that lets them through."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        record=True,
        force_terminal=True,
        legacy_windows=False,
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text()


def on_keys(app) -> bool:
    from relaytui.screens.help import KeysScreen

    return isinstance(app.screen, KeysScreen)


def locked(app) -> bool:
    from relaytui.screens.lock import LockScreen

    return isinstance(app.screen, LockScreen)


# --- help ------------------------------------------------------------------------------------


async def test_f1_shows_the_keys_of_this_screen_and_escape_closes(ida):
    app = RelayApp(ida.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await pilot.press("f3")
        await wait_for(pilot, lambda: app.screen.query("Figure"), "the dashboard")
        await pilot.press("f1")
        await wait_for(pilot, lambda: on_keys(app), "the keys")
        here = app.screen.query_one("#keys-here", Static)
        everywhere = app.screen.query_one("#keys-everywhere", Static)
        text = screen_text(app)
        # The dashboard's own keys, translated descriptions, then the global ones.
        assert "Show these logs" in text and "Count again." in text
        for words in ("Logs", "Dashboard", "Handovers", "Lock", "Log out", "Quit", "Back"):
            assert words in text, words
        assert "f1, ?" in text
        assert here.display and everywhere.display
        # Textual's own scrolling keys are not the screen's keys.
        assert "Scroll Home" not in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not on_keys(app), "the keys to close")
        assert app.screen.query("Figure")


async def test_question_mark_opens_help_but_is_typed_in_a_text_field(ida):
    app = RelayApp(ida.store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("?")
        await pilot.pause()
        assert not on_keys(app)
        assert app.screen.query_one("#username", Input).value == "?"
        await pilot.press("backspace")
        await log_in(pilot, "anna")
        await pilot.press("f4")
        await wait_for(pilot, lambda: app.current_mode == "handovers", "the inbox")
        await pilot.press("?")
        await wait_for(pilot, lambda: on_keys(app), "the keys")
        assert "Accept" not in screen_text(app)  # nothing waits for Anna: no accept key now
        assert "Refresh" in screen_text(app)
        await pilot.press("f1")
        await wait_for(pilot, lambda: not on_keys(app), "F1 closes the keys again")


# --- going places ----------------------------------------------------------------------------


async def test_the_places_keep_what_was_typed(ida):
    from relaytui.screens.log_list import LogListScreen

    app = RelayApp(ida.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await pilot.press("slash", *"Id")
        search = app.screen.query_one("#loglist-search", Input)
        assert search.value == "Id"
        await pilot.press("f3")
        await wait_for(pilot, lambda: app.current_mode == "dashboard", "the dashboard")
        await pilot.press("f4")
        await wait_for(pilot, lambda: app.current_mode == "handovers", "the inbox")
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, LogListScreen), "the list")
        assert app.screen.query_one("#loglist-search", Input).value == "Id"


async def test_log_out_by_key_forgets_every_place(ida):
    from relaytui.screens.login import LoginScreen

    app = RelayApp(ida.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await pilot.press("f3")
        await wait_for(pilot, lambda: app.current_mode == "dashboard", "the dashboard")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        assert app.staff is None
        assert app.screen.query_one("#password", Input).value == ""
        for mode in ("logs", "dashboard", "handovers"):
            with pytest.raises(UnknownModeError):
                app.switch_mode(mode)
        assert "Ida Jensen" not in screen_text(app)
        await log_in(pilot, "bo")
        assert app.staff.username == "bo"


# --- the command palette ---------------------------------------------------------------------


def palette_open(app) -> bool:
    return app.screen.id == "--command-palette"


def palette_hits(app) -> list[str]:
    from textual.command import CommandList

    options = app.screen.query_one(CommandList)
    return [
        str(options.get_option_at_index(i).prompt).split("\n")[0]
        for i in range(options.option_count)
    ]


async def test_the_palette_finds_a_log_by_name_and_opens_it(ida):
    from relaytui.screens.log_view import LogViewScreen

    app = RelayApp(ida.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await pilot.press("f3")
        await wait_for(pilot, lambda: app.current_mode == "dashboard", "the dashboard")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: palette_open(app), "the palette")
        await pilot.press(*"Ida")
        await wait_for(
            pilot,
            lambda: any("Ida Jensen" in hit for hit in palette_hits(app)),
            "Ida in the palette",
        )
        hit = next(hit for hit in palette_hits(app) if "Ida Jensen" in hit)
        assert "-****" in hit and "level 0" in hit
        assert "Anna Holm" in screen_text(app)  # the holder, in the help line
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewScreen), "the log")
        assert app.screen.log_id == ida.log.id


async def test_the_palette_finds_no_log_for_someone_who_may_not_read_it(ida):
    app = RelayApp(ida.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "carl")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: palette_open(app), "the palette")
        await pilot.press(*"Ida")
        await pilot.pause(
            0.3
        )  # a wait for nothing to happen, on purpose: the search finds no log of hers
        assert not any("Ida Jensen" in hit for hit in palette_hits(app))


async def test_the_palette_offers_the_actions_of_the_screen(ida):
    from relaytui.screens.lock import LockScreen

    app = RelayApp(ida.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await pilot.press("f3")
        await wait_for(pilot, lambda: app.screen.query("Figure"), "the dashboard")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: palette_open(app), "the palette")
        await wait_for(pilot, lambda: "Show these logs" in palette_hits(app), "the actions")
        assert {"Refresh", "Logs", "Handovers"} <= set(palette_hits(app))
        assert "Scroll Home" not in palette_hits(app)
        await pilot.press(*"lock")
        await wait_for(
            pilot, lambda: palette_hits(app) and palette_hits(app)[0] == "Lock", "the lock action"
        )
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen), "the lock")


async def test_a_screen_action_runs_from_the_palette(ida):
    from relaytui.screens.handover_answer import AnswerDialog
    from relaytui.services import handover

    ida_log = ida.log
    handover.propose(ida.store, ida.ref("anna"), ida_log.id, to_staff_id=ida.ref("bo").id)
    app = RelayApp(ida.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "bo")
        await pilot.press("f4")
        await wait_for(
            pilot,
            lambda: (
                app.screen.query("#handovers-to-me")
                and app.screen.query_one("#handovers-to-me").display
            ),
            "the inbox",
        )
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: palette_open(app), "the palette")
        await pilot.press(*"decline")
        await wait_for(
            pilot,
            lambda: palette_hits(app) and palette_hits(app)[0] == "Decline",
            "the decline action",
        )
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, AnswerDialog), "the answer dialog")
        assert not app.screen.accept


async def test_the_palette_shows_a_name_with_markup_literally(ida):
    from datetime import date

    from relaytui.services import logs

    ida.add_subject("[b]Ida[/b] Berg", date(2020, 1, 2), guardians=(("Eva Berg", True),))
    logs.create_log(
        ida.store,
        ida.ref("anna"),
        subject_id=ida.subjects["[b]Ida[/b] Berg"],
        concern="Often tired.",
    )
    app = RelayApp(ida.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: palette_open(app), "the palette")
        await pilot.press(*"Berg")
        await wait_for(pilot, lambda: any("Berg" in hit for hit in palette_hits(app)), "the log")
        assert any(hit.startswith("[b]Ida[/b] Berg") for hit in palette_hits(app)), palette_hits(
            app
        )
        assert "[b]Ida[/b] Berg" in screen_text(app)


# --- the idle lock ---------------------------------------------------------------------------


async def test_the_idle_lock_hides_everything_and_keeps_what_was_typed(ida):
    from relaytui.screens.log_list import LogListScreen

    app = RelayApp(ida.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await wait_for(pilot, lambda: app.idle_seconds is not None, "the idle time")
        assert app.idle_seconds == 10 * 60  # from the installation's settings
        await pilot.press("slash", *"Ida")
        await wait_for(pilot, lambda: "Ida Jensen" in screen_text(app), "the list")
        app.idle_seconds = 0.3
        await wait_for(pilot, lambda: locked(app), "the idle lock")
        await pilot.pause()
        app.idle_seconds = 3600  # no second lock while the test types
        text = visible_text(app)
        assert "Relay log is locked" in text and "Anna Holm (anna)" in text
        assert "Ida Jensen" not in text and "-****" not in text
        assert app.screen.styles.background.a == 1  # opaque: nothing behind shows through
        # While locked, no other place, no palette, no help.
        for key in ("f2", "f3", "f4", "ctrl+p", "f1", "escape"):
            await pilot.press(key)
            await pilot.pause()
            assert locked(app), key
        await pilot.press(*"wrong", "enter")
        error = app.screen.query_one("#lock-error", Static)
        await wait_for(pilot, lambda: error.display, "the refusal")
        assert str(error.render()) == WRONG
        assert app.screen.query_one("#lock-password", Input).value == ""
        await pilot.press(*PASSWORD, "enter")
        await wait_for(pilot, lambda: not locked(app), "the unlock")
        assert isinstance(app.screen, LogListScreen)
        assert app.screen.query_one("#loglist-search", Input).value == "Ida"
        assert "Ida Jensen" in screen_text(app)


async def test_ctrl_l_locks_at_once_and_an_empty_password_is_not_a_try(ida):
    app = RelayApp(ida.store)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "anna")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: locked(app), "the lock")
        await pilot.press("enter")
        error = app.screen.query_one("#lock-error", Static)
        await wait_for(pilot, lambda: error.display, "the message")
        assert str(error.render()) == "Type your password to unlock."
        assert "Log out" in screen_text(app)  # someone else at the keyboard can log out
        system = access.system_administrator()
        assert accounts.get_user(ida.store, system, "anna").failed_logins == 0


async def test_failed_unlocks_count_and_a_lockout_ends_the_session(ida):
    from relaytui.screens.login import LoginScreen

    notes = []
    app = RelayApp(ida.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        real_notify = app.notify
        app.notify = lambda message, **kw: (notes.append(message), real_notify(message, **kw))
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: locked(app), "the lock")
        for attempt in range(1, 5):
            await pilot.press(*"wrong", "enter")
            await wait_for(
                pilot,
                lambda: (
                    app.screen.query_one("#lock-error", Static).display
                    and not app.screen.has_class("-busy")
                ),
                f"refusal {attempt}",
            )
            app.screen.query_one("#lock-error", Static).display = False
        await pilot.press(*"wrong", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        assert app.staff is None
        assert LOCKED in notes
        system = access.system_administrator()
        assert accounts.get_user(ida.store, system, "anna").locked


# --- every binding has an id and a description ----------------------------------------------


def relaytui_classes():
    """Every screen, dialog and widget class defined in relaytui (and the app)."""
    import relaytui.screens
    import relaytui.widgets

    yield RelayApp
    for package in (relaytui.screens, relaytui.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                    yield cls


def test_every_binding_has_an_id_and_a_description():
    seen, wanting = set(), []
    for cls in relaytui_classes():
        for binding in cls.__dict__.get("BINDINGS", []):
            seen.add(cls.__name__)
            if not isinstance(binding, Binding) or not binding.id or not binding.description:
                wanting.append(f"{cls.__module__}.{cls.__name__}: {binding!r}")
    assert not wanting, "bindings without an id or a description:\n" + "\n".join(wanting)
    assert {
        "RelayApp",
        "HandoverInboxScreen",
        "DashboardScreen",
        "KeysScreen",
        "LockScreen",
    } <= seen


async def test_every_screen_reached_shows_described_keys(ida):
    """Walk the places and dialogs as Anna: each active key has a translated description."""
    app = RelayApp(ida.store)

    def check():
        for active in app.screen.active_bindings.values():
            binding = active.binding
            if binding.system or active.node is not app and not binding.show:
                continue
            if binding.id is None:
                continue  # Textual's own keys of a widget
            assert binding.description, (app.screen, binding)

    async with app.run_test(size=SIZE) as pilot:
        check()
        await log_in(pilot, "anna")
        for key in ("f3", "f1", "escape", "f4", "ctrl+l"):
            await pilot.press(key)
            await pilot.pause(0.2)  # on purpose: whatever the key started has had its moment
            check()
