"""The real program in tmux: minutes typed live survive `kill -9`; markup is shown literally.

This is what a caseworker fears most: the terminal dies in the middle of a meeting. The app is
started in a real terminal (tmux), the minutes are typed key by key, the process is killed with
SIGKILL (nothing is flushed, no handler runs), and a new process finds the draft whole.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta

import pytest

from relaytui.db import open_store
from relaytui.services import (
    access,
    accounts,
    clock,
    installation,
    journal,
    logs,
    meetings,
    sign_in,
    units,
)
from tests.e2e.terminal import Terminal, require_tmux

PASSWORD = "a long demo password"
HOSTILE = "[bold red]hi[/] \x1b[31mred"


@pytest.fixture
def town_on_disk(tmp_path):
    require_tmux()
    path = tmp_path / "relaytui.db"
    store = open_store(str(path))
    store.upgrade()
    installation.write(store, profile="dk", timezone="Europe/Copenhagen")
    system = access.system_administrator()
    unit = units.add_unit(store, system, name="Solsikken", kind="daycare")
    accounts.add_user(
        store,
        system,
        username="anna",
        full_name="Anna Holm",
        password=PASSWORD,
        profession="pedagogue",
        unit=unit.id,
    )
    anna = sign_in.authenticate(store, "anna", PASSWORD)
    from relaytui.services import subjects

    subject = subjects.create_subject(store, anna, national_number="0707614285", name="Bo Jensen")
    log = logs.create_log(store, anna, subject_id=subject.id, concern="Comes to daycare hungry.")
    journal.write_entry(store, anna, log.id, text=HOSTILE)
    meeting = meetings.schedule(
        store,
        anna,
        log.id,
        kind="dialogue",
        place="Room 2",
        starts_at=clock.now() + timedelta(days=1),
    )
    store.dispose()
    return path, anna, log, meeting


def start(path) -> Terminal:
    return Terminal([sys.executable, "-m", "relaytui", "--db", str(path), "--lang", "en"]).start()


def log_in_and_open_the_log(term: Terminal) -> None:
    term.wait_for("Password")
    term.type("anna")
    term.send("Tab")
    term.type(PASSWORD)
    term.send("Enter")
    term.wait_for("Bo Jensen")
    term.send("Enter")


def open_minutes(term: Terminal) -> str:
    log_in_and_open_the_log(term)
    term.wait_for("Holder:")
    term.send("4")
    term.wait_for("Room 2")
    term.send("Enter")
    return term.wait_for("Since last time")


def test_a_draft_survives_kill_9_whole(town_on_disk):
    path, anna, log, meeting = town_on_disk
    term = start(path)
    try:
        open_minutes(term)
        term.type("Mother says Bo sleeps better.")
        term.send("Enter")
        term.send("NPage")  # the next section
        term.type("Bo drew his family: æøå ÆØÅ.")
        time.sleep(2.5)  # no Enter: the line being typed is saved within two seconds
        term.kill_app()
        assert term.dead()
    finally:
        term.close()

    store = open_store(str(path))
    try:
        notes = meetings.get_meeting(store, anna, meeting.id).notes
        by_section = {n.agenda_item_id: n.text for n in notes}
        agenda = meetings.get_meeting(store, anna, meeting.id).agenda
        assert by_section == {
            agenda[0].id: "Mother says Bo sleeps better.",
            agenda[1].id: "Bo drew his family: æøå ÆØÅ.",
        }
        # The first line was ended with Enter; the second was still being typed.
        assert [n.typing for n in notes] == [False, True]
        integrity = store.engine.connect().exec_driver_sql("PRAGMA integrity_check").scalar()
        assert integrity == "ok"
    finally:
        store.dispose()

    again = start(path)
    try:
        shown = open_minutes(again)
        shown = again.wait_for("Bo drew his family: æøå ÆØÅ.")
        assert "Mother says Bo sleeps better." in shown
        assert "Draft restored" in shown
        # The half-typed line is back in its field (the banner may wrap anywhere).
        assert "The line you were typing is back in its field" in " ".join(shown.split())
    finally:
        again.close()


def test_markup_and_escape_sequences_are_shown_literally_in_a_real_terminal(town_on_disk):
    path, *_ = town_on_disk
    term = start(path)
    try:
        log_in_and_open_the_log(term)
        shown = term.wait_for("[bold red]hi[/]")
        assert "␛[31mred" in shown
    finally:
        term.close()
