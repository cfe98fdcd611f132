"""The log list, the home screen after login: search, filters, sorting, pages, opening a log.

Pilot tests drive the screen key by key and compare what it shows with what
``log_list.list_page`` answers for the same question. The SVG snapshots at the end show the demo
municipality at 80x24 and 120x40, on a fixed clock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input, Static

from relaytui.app import RelayApp
from relaytui.errors import NotAllowed, StoreError
from relaytui.services import (
    clock,
    consent,
    efforts,
    handover,
    journal,
    log_list,
    logs,
    meetings,
    sign_in,
    subjects,
)
from relaytui.services.log_list import LogQuery
from tests.factories import build_world
from tests.screens.listing import (
    column_keys,
    list_screen,
    loaded,
    show_list,
    table,
    table_rows,
    wait_search,
)
from tests.screens.reading import screen_text, wait_for
from tests.screens.signing_in import log_in, logged_in

SIZE = (120, 40)
SMALL = (80, 24)
OTHER_CPR = "0101151234"  # a valid Danish CPR number (stdnum.dk.cpr.is_valid)
MARKUP_NAME = "[bold red]Bo[/]"


# --- reading the screen ----------------------------------------------------------------------


def row_ids(app) -> list[int]:
    return [int(row.key.value) for row in table(app).ordered_rows]


def names(app) -> list[str]:
    return [row["name"] for row in table_rows(app)]


def count_text(app) -> str:
    return str(app.screen.query_one("#loglist-count", Static).render())


def ids_of(store, who, query: LogQuery) -> list[int]:
    """Every log ``list_page`` gives ``who`` for ``query``, page by page, in order."""
    found, after = [], None
    while True:
        page = log_list.list_page(store, who, query, after=after, limit=50)
        found.extend(row.id for row in page.rows)
        if page.next_cursor is None:
            return found
        after = page.next_cursor


def key_for(binding_id: str) -> str:
    """The key of one of the app's bindings, so the test presses what the user would."""
    for binding in RelayApp.BINDINGS:
        if isinstance(binding, Binding) and binding.id == binding_id:
            return binding.key.split(",")[0]
    raise LookupError(binding_id)


async def wait_rows(pilot, expected: list[int], what: str) -> None:
    await wait_for(pilot, lambda: loaded(pilot.app) and row_ids(pilot.app) == expected, what)
    await pilot.pause()


class Opened(Screen):
    """Stands in for the log view and the new-log screen: remembers what it was asked to open."""

    opened: list[int | None] = []

    def __init__(self, log_id: int | None = None) -> None:
        super().__init__()
        self.log_id = log_id
        Opened.opened.append(log_id)


@pytest.fixture
def opened(monkeypatch):
    import relaytui.screens.log_view as log_view
    import relaytui.screens.new_log as new_log

    Opened.opened = []
    monkeypatch.setattr(log_view, "LogViewScreen", Opened)
    monkeypatch.setattr(new_log, "NewLogScreen", Opened)
    return Opened.opened


# --- a caseload ------------------------------------------------------------------------------


@dataclass
class Caseload:
    world: object
    store: object
    anna: object
    bo: object
    lene: object
    ids: dict[str, int]


def _subject(world, name: str, born: date) -> int:
    return world.add_subject(name, born, guardians=((f"Guardian of {name}", True),))


def _consent_and_level(world, who, log_id: int, name: str, level: int) -> None:
    consent.record_consent(
        world.store,
        who,
        log_id,
        consent.ConsentInput(
            giver="guardian", guardian_id=world.guardians[f"Guardian of {name}"], method="oral"
        ),
    )
    logs.change_level(world.store, who, log_id, to_level=level, reason="The concern grew.")


@pytest.fixture
def caseload(sqlite_store) -> Caseload:
    """Anna holds four logs (levels 0-2, an overdue evaluation, a handover proposed to Bo); Bo
    holds one; Lene, their leader, reads them all as actor (R3) and holds one herself."""
    world = build_world(sqlite_store, "dk")
    anna, bo, lene = world.ref("anna"), world.ref("bo"), world.ref("lene")
    world.guardians["Guardian of Ida Jensen"] = world.guardians["Mette Jensen"]
    people = {
        "Noah Hansen": date(2019, 2, 3),
        "Emma Larsen": date(2020, 8, 9),
        "Alma Holm": date(2018, 11, 30),
        "Karl Berg": date(2017, 4, 4),
        "Vera Lund": date(2016, 6, 6),
    }
    for name, born in people.items():
        _subject(world, name, born)
    ids = {}
    for name, who in (
        ("Ida Jensen", anna),
        ("Noah Hansen", anna),
        ("Emma Larsen", anna),
        ("Alma Holm", anna),
        ("Karl Berg", bo),
        ("Vera Lund", lene),
    ):
        ids[name] = logs.create_log(
            world.store, who, subject_id=world.subjects[name], concern=f"{name} is often tired."
        ).id
    _consent_and_level(world, anna, ids["Noah Hansen"], "Noah Hansen", 2)
    _consent_and_level(world, anna, ids["Emma Larsen"], "Emma Larsen", 1)
    today = clock.today("Europe/Copenhagen")
    efforts.add_effort(
        world.store,
        anna,
        ids["Emma Larsen"],
        what="Talk every Friday.",
        starts_on=today - timedelta(days=20),
        evaluate_on=today - timedelta(days=2),
        responsible_text="mother",
    )
    handover.propose(
        world.store, anna, ids["Alma Holm"], to_staff_id=bo.id, message="I move to another group."
    )
    return Caseload(world, world.store, anna, bo, lene, ids)


# --- what the home screen did: header, masked numbers, markup, administrators, logout --------


async def test_header_shows_username_full_name_and_profile(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        header = screen_text(app).splitlines()[:3]
        assert any("anna — Anna Holm, pedagogue" in line for line in header)
        assert any("Profile: Denmark" in line for line in header)
        assert any("Europe/Copenhagen" in line for line in header)


async def test_table_lists_my_logs_with_the_number_masked(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        rows = table_rows(app)
        assert len(rows) == 1
        assert rows[0] == {
            "name": "Bo Jensen",
            "number": "070761-****",
            "level": "0",
            "holder": "Anna Holm",
            "status": "active",
            "meeting": "-",
            "overdue": "0",
            "consent": "missing",
            "entry": "-",
        }
        text = screen_text(app)
        assert "Bo Jensen" in text and "070761-****" in text
        assert "0707614285" not in text and "4285" not in text
        assert app.focused is table(app)
        assert "1 shown" in count_text(app) and "more" not in count_text(app)


async def test_times_are_shown_in_the_installation_time_zone(world):
    # 23:30 UTC on 1 March is already 2 March in Copenhagen (UTC+1).
    late = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
    clock.set_clock(lambda: late)
    journal.write_entry(world.store, world.anna, world.log.id, text="Talked with the mother.")
    meetings.schedule(
        world.store,
        world.anna,
        world.log.id,
        kind="dialogue",
        starts_at=datetime(2025, 3, 5, 23, 15, tzinfo=UTC),
    )
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        row = table_rows(app)[0]
        assert row["meeting"] == "2025-03-06"
        assert row["entry"] == "2025-03-02"


async def test_a_name_with_markup_is_shown_literally(world):
    subject = subjects.create_subject(
        world.store, world.anna, national_number=OTHER_CPR, name=MARKUP_NAME
    )
    logs.create_log(world.store, world.anna, subject_id=subject.id, concern="[link=x]see[/link]")
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        assert MARKUP_NAME in names(app)
        t = table(app)
        for index in range(t.row_count):
            assert all(isinstance(cell, Text) for cell in t.get_row_at(index))
        assert MARKUP_NAME in screen_text(app)


async def test_someone_who_holds_and_reads_no_log_sees_an_empty_state(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "bent", "demo")
        message = app.screen.query_one("#loglist-message", Static)
        assert message.display
        text = screen_text(app)
        assert "You hold no relay logs and read none." in text
        assert "Press n to start a new relay log." in text
        assert not table(app).display
        assert "Bo Jensen" not in text
        assert "0 shown" in count_text(app)


@pytest.mark.rule("R9")
async def test_an_administrator_sees_no_logs_and_where_to_manage_accounts(world, monkeypatch):
    # The refusal comes from the service, not from the screen: an administrator's list fails.
    root = sign_in.authenticate(world.store, "root", "secret")
    with pytest.raises(NotAllowed):
        log_list.list_page(world.store, root, LogQuery())
    notes = []
    app = RelayApp(world.store)
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append((message, kw)))
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "root", "secret")
        text = screen_text(app)
        assert "root — Rita Root, administrator" in text
        assert "Administrators manage accounts; they do not read or write relay logs." in text
        assert "'relaytui user'" in text
        assert not table(app).display and table(app).row_count == 0
        assert not app.screen.query_one("#loglist-bar").display
        assert "Bo Jensen" not in text and "070761" not in text
        assert not [n for n in notes if n[1].get("severity") == "error"]
        # No key of the list works for an administrator, and the footer offers none.
        for key in ("n", "l", "slash"):
            await pilot.press(key)
        assert list_screen(app) is not None and table(app).row_count == 0
        assert "New log" not in text and "Search" not in text


async def test_log_out_returns_to_an_empty_login(world):
    from relaytui.screens.login import LoginScreen

    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await pilot.press(key_for("app.logout"))
        await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen), "the login screen")
        await pilot.pause()
        assert app.staff is None
        assert app.screen.query_one("#username", Input).value == ""
        assert app.screen.query_one("#password", Input).value == ""
        assert "Bo Jensen" not in screen_text(app)
        # Another person can log in now, and sees their own list.
        await log_in(pilot, "bent", "demo")
        assert app.staff.username == "bent"
        assert "You hold no relay logs and read none." in screen_text(app)


async def test_refresh_shows_a_log_created_meanwhile(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        subject = subjects.create_subject(
            world.store, world.anna, national_number=OTHER_CPR, name="Ane Jensen"
        )
        logs.create_log(world.store, world.anna, subject_id=subject.id, concern="Often absent.")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(table_rows(app)) == 2, "the second log")
        assert names(app) == ["Ane Jensen", "Bo Jensen"]


async def test_the_list_loads_in_a_thread_behind_a_loading_indicator(world, monkeypatch):
    release = threading.Event()
    threads = []
    real = log_list.list_page

    def slow_page(*args, **kwargs):
        threads.append(threading.current_thread())
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(log_list, "list_page", slow_page)
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        try:
            await pilot.press(*"anna", "enter", *"demo", "enter")
            await wait_for(pilot, lambda: threads, "the list to start loading")
            assert threads[0] is not threading.main_thread()
            assert list_screen(app) is not None
            assert table(app).loading
            assert "Loading…" in count_text(app)
            # The event loop still answers keys while the list loads.
            await pilot.press("ctrl+p")
            await wait_for(pilot, lambda: app.screen.id == "--command-palette", "the palette")
            await pilot.press("escape")
        finally:
            release.set()
        await wait_for(pilot, lambda: loaded(app), "the list")
        assert names(app) == ["Bo Jensen"]
        assert not table(app).loading


async def test_a_service_error_is_shown_as_its_message(world, monkeypatch):
    def unreachable(*args, **kwargs):
        raise StoreError("The database at sqlite:///x cannot be used: disk I/O error")

    monkeypatch.setattr(log_list, "list_page", unreachable)
    notes = []
    app = RelayApp(world.store)
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append((message, kw)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"anna", "enter", *"demo", "enter")
        await wait_for(
            pilot, lambda: [n for n in notes if n[1].get("severity") == "error"], "the notification"
        )
        message, kwargs = [n for n in notes if n[1].get("severity") == "error"][0]
        assert message == "The database at sqlite:///x cannot be used: disk I/O error"
        assert kwargs.get("markup") is False
        assert not table(app).loading
        assert "Traceback" not in screen_text(app)


async def test_ctrl_q_quits(world):
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0


def test_every_binding_has_an_id_and_a_description():
    from relaytui.screens.log_list import LogListScreen
    from relaytui.screens.log_table import LogTable

    for owner in (LogListScreen, LogTable):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding), owner
            assert binding.id and binding.description, (owner, binding)
            assert binding.id.startswith("loglist."), binding.id


# --- the list: my logs, search as you type, filters, sorting -------------------------------


async def test_anna_sees_the_logs_she_holds_and_their_flags(caseload):
    app = RelayApp(caseload.store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, caseload.anna)
        assert row_ids(app) == ids_of(caseload.store, caseload.anna, LogQuery())
        rows = {row["name"]: row for row in table_rows(app)}
        assert sorted(rows) == ["Alma Holm", "Emma Larsen", "Ida Jensen", "Noah Hansen"]
        assert rows["Noah Hansen"]["level"] == "2" and rows["Emma Larsen"]["level"] == "1"
        # Overdue evaluations and consent problems stand out with a mark or a word.
        assert rows["Emma Larsen"]["overdue"] == "1 !"
        assert rows["Ida Jensen"]["consent"] == "missing"
        assert rows["Noah Hansen"]["consent"] == "ok"
        assert rows["Alma Holm"]["status"] == "handover"
        text = screen_text(app)
        assert "open logs · held or read by you · every level · sorted by name, ascending" in text
        assert "4 shown" in count_text(app)


async def test_typing_part_of_a_name_narrows_the_list(caseload):
    app = RelayApp(caseload.store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, caseload.lene)
        assert len(row_ids(app)) == 6
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"ha")
        expected = ids_of(caseload.store, caseload.lene, LogQuery(search="ha"))
        await wait_rows(pilot, expected, "the names with 'ha'")
        assert sorted(names(app)) == ["Noah Hansen"]
        await pilot.press(*"nsen")
        await wait_search(pilot, "hansen")
        assert row_ids(app) == ids_of(caseload.store, caseload.lene, LogQuery(search="hansen"))
        assert "matching “hansen”" in screen_text(app)
        # Deleting the search brings every log back; Escape moves to the list.
        await pilot.press(*["backspace"] * 6)
        await wait_rows(pilot, ids_of(caseload.store, caseload.lene, LogQuery()), "all logs")
        await pilot.press("escape")
        assert app.focused is table(app)


async def test_typing_a_number_prefix_finds_by_national_number(caseload):
    app = RelayApp(caseload.store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, caseload.anna)
        await pilot.press("slash", *"1705")
        await wait_rows(pilot, [caseload.ids["Ida Jensen"]], "Ida by her number")
        assert table_rows(app)[0]["number"] == "170521-****"
        await pilot.press(*"21-")
        await wait_search(pilot, "170521-")
        assert row_ids(app) == [caseload.ids["Ida Jensen"]]
        await pilot.press(*"9")
        await wait_search(pilot, "170521-9")
        assert row_ids(app) == []
        assert "Nothing matches the search." in screen_text(app)


async def test_level_role_status_and_attention_filters_change_the_rows(caseload):
    store, lene = caseload.store, caseload.lene
    app = RelayApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, lene)
        assert app.focused is table(app)

        await pilot.press("l")  # level 0
        await wait_rows(pilot, ids_of(store, lene, LogQuery(level=0)), "level 0")
        assert "level 0" in screen_text(app)
        assert {row["level"] for row in table_rows(app)} == {"0"}
        await pilot.press("l", "l")  # level 2
        await wait_rows(pilot, ids_of(store, lene, LogQuery(level=2)), "level 2")
        assert names(app) == ["Noah Hansen"]
        await pilot.press("l", "l")  # every level again
        await wait_rows(pilot, ids_of(store, lene, LogQuery()), "every level")

        await pilot.press("r")  # the logs Lene holds
        await wait_rows(pilot, ids_of(store, lene, LogQuery(role="holder")), "held")
        assert names(app) == ["Vera Lund"]
        assert "held by you" in screen_text(app)
        await pilot.press("r")  # the logs Lene reads as actor
        expected = ids_of(store, lene, LogQuery(role="actor"))
        await wait_rows(pilot, expected, "read as actor")
        assert len(expected) == 5 and caseload.ids["Vera Lund"] not in expected
        assert "read by you as actor" in screen_text(app)
        await pilot.press("r")
        await wait_rows(pilot, ids_of(store, lene, LogQuery()), "all roles")

        await pilot.press("a")  # needing attention
        expected = ids_of(store, lene, LogQuery(attention="any"))
        await wait_rows(pilot, expected, "needing attention")
        assert {caseload.ids["Emma Larsen"], caseload.ids["Alma Holm"]} <= set(expected)
        await pilot.press("a")  # overdue evaluations
        await wait_rows(pilot, [caseload.ids["Emma Larsen"]], "overdue")
        assert "with overdue evaluations" in screen_text(app)
        await pilot.press("a", "a")  # pending handover
        await wait_rows(pilot, [caseload.ids["Alma Holm"]], "handover")
        assert "with a pending handover" in screen_text(app)

        await pilot.press("t")  # closed logs: none without a grant
        await wait_rows(pilot, [], "no closed logs")
        text = screen_text(app)
        assert "No relay log matches the filters." in text and "closed logs" in text
        await pilot.press("x")
        await wait_rows(pilot, ids_of(store, lene, LogQuery()), "the filters cleared")
        assert "open logs · held or read by you · every level" in screen_text(app)


async def test_sorting_changes_the_order(caseload):
    store, lene = caseload.store, caseload.lene
    app = RelayApp(store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, lene)
        by_name = ids_of(store, lene, LogQuery())
        assert row_ids(app) == by_name
        await pilot.press("s")
        by_level = ids_of(store, lene, LogQuery(sort="level"))
        await wait_rows(pilot, by_level, "sorted by level")
        assert "sorted by level, ascending" in screen_text(app)
        await pilot.press("d")
        descending = ids_of(store, lene, LogQuery(sort="level", descending=True))
        await wait_rows(pilot, descending, "sorted by level, descending")
        assert descending != by_level
        assert [row["level"] for row in table_rows(app)][0] == "2"
        assert "sorted by level, descending" in screen_text(app)
        await pilot.press("s", "s")
        await wait_rows(
            pilot,
            ids_of(store, lene, LogQuery(sort="next_meeting", descending=True)),
            "sorted by next meeting",
        )
        assert "sorted by next meeting, descending" in screen_text(app)


async def test_the_list_opens_filtered_as_asked(caseload):
    """The dashboard opens the list on one of its figures."""
    app = RelayApp(caseload.store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, caseload.anna, LogQuery(attention="overdue", sort="level"))
        assert row_ids(app) == [caseload.ids["Emma Larsen"]]
        text = screen_text(app)
        assert "with overdue evaluations" in text and "sorted by level" in text


@pytest.mark.parametrize("hostile", ["%", "_", "[bold]", "\\", "'; --"])
async def test_hostile_search_text_finds_nothing_it_should_not(caseload, monkeypatch, hostile):
    subject = subjects.create_subject(
        caseload.store, caseload.anna, national_number=OTHER_CPR, name="[bold]Kim"
    )
    kim = logs.create_log(
        caseload.store, caseload.anna, subject_id=subject.id, concern="Kim is tired."
    ).id
    notes = []
    app = RelayApp(caseload.store)
    monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append((message, kw)))
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, caseload.anna)
        assert len(row_ids(app)) == 5
        await pilot.press("slash", *hostile)
        expected = [kim] if hostile == "[bold]" else []
        await wait_search(pilot, hostile)
        assert row_ids(app) == expected
        assert expected == ids_of(caseload.store, caseload.anna, LogQuery(search=hostile))
        text = screen_text(app)
        assert f"matching “{hostile}”" in text
        if expected:
            assert names(app) == ["[bold]Kim"] and "[bold]Kim" in text
        else:
            assert "Nothing matches the search." in text
        assert not notes


async def test_a_late_answer_to_an_older_search_never_overwrites_a_newer_one(caseload, monkeypatch):
    release = threading.Event()
    asked = []
    real = log_list.list_page

    answered = []

    def page(store, by, query=None, **kwargs):
        asked.append(query.search)
        if query.search == "a":
            assert release.wait(10)  # the older question answers last
        result = real(store, by, query, **kwargs)
        answered.append(query.search)
        return result

    monkeypatch.setattr(log_list, "list_page", page)
    app = RelayApp(caseload.store)
    async with app.run_test(size=SIZE) as pilot:
        try:
            await show_list(pilot, caseload.anna)
            await pilot.press("slash", "a")
            await wait_for(pilot, lambda: "a" in asked, "the search for 'a' to start")
            await pilot.press("l")
            await wait_search(pilot, "al")
            expected = [caseload.ids["Alma Holm"]]
            assert row_ids(app) == expected
        finally:
            release.set()
        await wait_for(pilot, lambda: "a" in answered, "the older answer")
        await pilot.pause()
        await pilot.pause()
        assert row_ids(app) == expected
        assert "matching “al”" in screen_text(app)
        assert "1 shown" in count_text(app)


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def crowded(sqlite_store):
    """Anna holds 120 logs."""
    world = build_world(sqlite_store, "dk")
    anna = world.ref("anna")
    for n in range(120):
        name = f"Child {n:03d}"
        world.add_subject(
            name, date(2010, 1, 1) + timedelta(days=n * 3), guardians=((f"Parent {n}", True),)
        )
        logs.create_log(world.store, anna, subject_id=world.subjects[name], concern="Tired.")
    return world


async def test_pages_load_as_the_cursor_nears_the_end(crowded, monkeypatch):
    calls = []
    real = log_list.list_page

    def counted(store, by, query=None, *, after=None, limit=50):
        calls.append((after, limit))
        return real(store, by, query, after=after, limit=limit)

    monkeypatch.setattr(log_list, "list_page", counted)
    anna = crowded.ref("anna")
    app = RelayApp(crowded.store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, anna)
        # The first load asks for one page only.
        assert calls == [(None, 50)]
        assert len(row_ids(app)) == 50
        assert count_text(app) == "50 shown · more…"
        # Scrolling near the end of what is loaded asks for the next page.
        table(app).scroll_end(animate=False)
        await wait_for(pilot, lambda: loaded(app) and len(row_ids(app)) == 100, "the second page")
        assert len(calls) == 2 and calls[1][0] is not None
        # So does moving the cursor to the last row, until every log is there.
        for _ in range(5):
            if len(row_ids(app)) == 120:
                break
            before = len(row_ids(app))
            await pilot.press("end")
            await wait_for(pilot, lambda: loaded(app) and len(row_ids(app)) > before, "more rows")
        assert len(row_ids(app)) == 120
        assert len(calls) == 3 and all(limit == 50 for _after, limit in calls)
        await pilot.pause()
        assert count_text(app) == "120 shown"
        # At the end there is nothing more to ask for.
        await pilot.press("end", "up", "down")
        await pilot.pause(0.2)  # a wait for nothing to happen, on purpose: no fourth page is asked
        assert len(calls) == 3
        assert names(app)[:2] == ["Child 000", "Child 001"] and names(app)[-1] == "Child 119"
        assert row_ids(app) == ids_of(crowded.store, anna, LogQuery())


async def test_a_new_question_starts_again_from_the_first_page(crowded, monkeypatch):
    calls = []
    real = log_list.list_page

    def counted(store, by, query=None, *, after=None, limit=50):
        calls.append((query, after))
        return real(store, by, query, after=after, limit=limit)

    monkeypatch.setattr(log_list, "list_page", counted)
    app = RelayApp(crowded.store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, crowded.ref("anna"))
        await pilot.press("end")
        await wait_for(pilot, lambda: loaded(app) and len(row_ids(app)) == 100, "the second page")
        await pilot.press("d")
        await wait_for(pilot, lambda: loaded(app) and names(app)[0] == "Child 119", "descending")
        assert len(row_ids(app)) == 50
        assert calls[-1][0].descending and calls[-1][1] is None
        assert table(app).cursor_row == 0


# --- opening a log, a new log, and coming back -----------------------------------------------


async def test_enter_opens_the_log_under_the_cursor(caseload, opened):
    app = RelayApp(caseload.store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, caseload.anna)
        assert names(app)[:2] == ["Alma Holm", "Emma Larsen"]
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, Opened), "the log view")
        assert opened == [caseload.ids["Emma Larsen"]]
        assert app.screen.log_id == caseload.ids["Emma Larsen"]


async def test_the_real_log_view_opens_on_enter(caseload):
    from relaytui.screens.log_view import LogViewScreen

    app = RelayApp(caseload.store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, caseload.anna)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewScreen), "the log view")
        assert app.screen.log_id == caseload.ids["Alma Holm"]


async def test_n_opens_a_new_log(caseload, opened):
    app = RelayApp(caseload.store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, caseload.anna)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, Opened), "the new-log screen")
        assert opened == [None]


async def test_coming_back_reloads_and_keeps_the_cursor_on_the_same_log(caseload, opened):
    app = RelayApp(caseload.store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, caseload.anna)
        await pilot.press("down", "down", "enter")  # Ida Jensen
        await wait_for(pilot, lambda: isinstance(app.screen, Opened), "the log view")
        ida = caseload.ids["Ida Jensen"]
        assert opened == [ida]
        # Meanwhile a log is created that sorts before Ida, and Ida's level changes.
        subject = subjects.create_subject(
            caseload.store, caseload.anna, national_number=OTHER_CPR, name="Ane Jensen"
        )
        logs.create_log(caseload.store, caseload.anna, subject_id=subject.id, concern="Absent.")
        consent.record_consent(
            caseload.store,
            caseload.anna,
            ida,
            consent.ConsentInput(
                giver="guardian",
                guardian_id=caseload.world.guardians["Mette Jensen"],
                method="oral",
            ),
        )
        logs.change_level(caseload.store, caseload.anna, ida, to_level=1, reason="Worse.")
        app.pop_screen()
        await wait_for(pilot, lambda: loaded(app) and "Ane Jensen" in names(app), "the reload")
        t = table(app)
        assert int(t.coordinate_to_cell_key(t.cursor_coordinate).row_key.value) == ida
        assert table_rows(app)[t.cursor_row]["level"] == "1"
        assert app.focused is t


# --- the terminal's size ---------------------------------------------------------------------


async def test_narrow_terminals_leave_out_the_holder_and_the_last_entry(caseload):
    app = RelayApp(caseload.store)
    async with app.run_test(size=SIZE) as pilot:
        await show_list(pilot, caseload.lene)
        assert "holder" in column_keys(app) and "entry" in column_keys(app)
        cursor_on = row_ids(app)[2]
        await pilot.press("down", "down")
        await pilot.resize_terminal(*SMALL)
        await wait_for(pilot, lambda: "holder" not in column_keys(app), "the narrow columns")
        assert column_keys(app) == [
            "name",
            "number",
            "level",
            "status",
            "meeting",
            "overdue",
            "consent",
        ]
        # Rows and cursor survive the change of columns.
        assert row_ids(app)[table(app).cursor_row] == cursor_on
        text = screen_text(app)
        lines = text.splitlines()
        assert len(lines) <= 24 and all(len(line.rstrip()) <= 80 for line in lines)
        for word in (
            "Subject",
            "Number",
            "Level",
            "Status",
            "Meeting",
            "Overdue",
            "Consent",
            "Noah Hansen",
            "Emma Larsen",
            "missing",
        ):
            assert word in text, word
        await pilot.resize_terminal(*SIZE)
        await wait_for(pilot, lambda: "holder" in column_keys(app), "the wide columns")


async def test_everything_fits_at_80x24(caseload):
    app = RelayApp(caseload.store)
    async with app.run_test(size=SMALL) as pilot:
        await show_list(pilot, caseload.lene)
        text = screen_text(app)
        assert "lene — Lene Lund, daycare leader" in text
        assert "6 shown" in text
        assert "open logs · held or read by you · every level · sorted by name, ascending" in text
        assert all(name in text for name in ("Alma Holm", "Vera Lund", "Karl Berg"))


@pytest.mark.parametrize(
    "size, keys",
    [
        (
            SIZE,
            (
                "⏎ Open",
                "/ Search",
                "n New log",
                "l Level",
                "^q Quit",
                "f1 Keys",
                "f2 Logs",
                "f3 Dashboard",
                "f4 Handovers (1)",
            ),
        ),
        (SMALL, ("⏎ Open", "/ Search", "n New log", "f1 Keys")),
    ],
)
async def test_the_footer_leaves_room_for_the_keys_that_work_everywhere(demo_store, size, keys):
    """The list's less used keys (role, attention, sort...) are in F1 and the palette only,
    so the footer still shows the main list keys and F1 (at 120 columns F1-F4 and Quit)."""
    app = RelayApp(demo_store)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "anna")
        await wait_for(pilot, lambda: app.waiting_handovers == 1, "the handovers waiting")
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert [key for key in keys if key not in footer] == []


# --- snapshots on the demo municipality ------------------------------------------------------


def test_snapshot_anna_at_80x24(demo_store, snap_compare):
    assert snap_compare(RelayApp(demo_store), terminal_size=SMALL, run_before=logged_in("anna"))


def test_snapshot_anna_at_120x40(demo_store, snap_compare):
    assert snap_compare(RelayApp(demo_store), terminal_size=SIZE, run_before=logged_in("anna"))


def test_snapshot_leader_reading_as_actor_at_120x40(demo_store, snap_compare):
    assert snap_compare(RelayApp(demo_store), terminal_size=SIZE, run_before=logged_in("lene"))


def test_snapshot_nothing_matches_at_80x24(demo_store, snap_compare):
    assert snap_compare(
        RelayApp(demo_store), terminal_size=SMALL, run_before=logged_in("anna", "xyz")
    )


@pytest.mark.parametrize("language", ["en", "da", "nb", "nn"])
@pytest.mark.parametrize("width", [80, 100, 160])
def test_the_columns_fit_the_terminal_and_every_status_and_consent_word_fits_its_column(
    language, width
):
    """At 80 columns in every language: no horizontal scrolling, no status or consent word
    cut (a Norwegian "individuell plan" or a Danish "tilbagekaldt" once was)."""
    from relaytui import i18n
    from relaytui.screens.log_table import COLUMNS, NAME_MIN, layout, table_words

    i18n.set_language(language)
    try:
        chosen = layout(width)
        sizes = {key: size for key, _heading, size in chosen}
        assert sum(sizes.values()) + 2 * len(chosen) + 1 <= width
        assert sizes["name"] >= NAME_MIN and {
            "name",
            "number",
            "level",
            "status",
            "consent",
        } <= set(sizes)
        words = table_words()
        for column in COLUMNS:
            for word in column.words:
                assert len(words[word]) <= sizes[column.key], (column.key, words[word])
        for _key, heading, size in chosen:
            assert len(heading) <= size, heading
    finally:
        i18n.set_language("en")
