"""`relaytui grant request | list | give | refuse`: reading a closed log again, from the
command line, each command logged in and audited (R10)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from relaytui.cli import app
from relaytui.models import AuditEvent, ReadGrant, ReadGrantRequest
from relaytui.services import clock, consent, log_actors, log_closing, logs
from tests.factories import build_world, give_password

runner = CliRunner()


@pytest.fixture
def closed_log_town(sqlite_store):
    store = sqlite_store
    world = build_world(store, "dk")
    for name in ("anna", "carl", "bo", "admin"):
        give_password(store, name, "secret-pw")
    anna = world.ref("anna")
    log = logs.create_log(
        store, anna, subject_id=world.subjects["Ida Jensen"], concern="Ida is hungry."
    )
    given = consent.record_consent(
        store,
        anna,
        log.id,
        consent.ConsentInput(
            giver="guardian",
            guardian_id=world.guardians["Mette Jensen"],
            method="oral",
            staff_ids=(world.ref("carl").id,),
        ),
    )
    log_actors.add_actor(store, anna, log.id, staff_id=world.ref("carl").id, consent_id=given.id)
    log_closing.close_log(
        store, anna, log.id, basis="colleagues", reason="Fine", consultation="Bo agreed"
    )
    world.db, world.log = store.url.replace("sqlite:///", ""), log
    return world


def grant(closed_log_town, *args, user="admin", password="secret-pw"):
    return runner.invoke(
        app,
        ["--db", closed_log_town.db, "grant", *args, "--user", user, "--password-stdin"],
        input=f"{password}\n",
        env={"COLUMNS": "250"},
    )


def rows(closed_log_town, model):
    with closed_log_town.store.session() as session:
        return list(session.exec(select(model)).all())


def test_ask_list_give_and_read(closed_log_town):
    asked = grant(
        closed_log_town,
        "request",
        str(closed_log_town.log.id),
        "--reason",
        "A new concern about Ida",
        user="carl",
    )
    assert asked.exit_code == 0, asked.output
    request_id = rows(closed_log_town, ReadGrantRequest)[0].id
    assert f"number {request_id}" in asked.output

    listed = grant(closed_log_town, "list")
    assert listed.exit_code == 0, listed.output
    assert "Ida Jensen" in listed.output and "A new concern about Ida" in listed.output
    assert "Carl Dahl" in listed.output

    until = clock.today("Europe/Copenhagen") + timedelta(days=20)
    given = grant(
        closed_log_town,
        "give",
        str(request_id),
        "--reason",
        "Court asked",
        "--until",
        until.isoformat(),
    )
    assert given.exit_code == 0, given.output
    assert f"relay log {closed_log_town.log.id}" in given.output
    assert (
        logs.get_log(
            closed_log_town.store, closed_log_town.ref("carl"), closed_log_town.log.id
        ).status
        == "closed"
    )
    assert "No request waits" in grant(closed_log_town, "list").output
    answered = grant(closed_log_town, "list", "--all")
    assert "Court asked" in answered.output


def test_a_caseworker_cannot_list_give_or_refuse_and_a_stranger_cannot_ask(closed_log_town):
    grant(
        closed_log_town, "request", str(closed_log_town.log.id), "--reason", "Needed", user="anna"
    )
    request_id = rows(closed_log_town, ReadGrantRequest)[0].id
    until = (clock.today() + timedelta(days=5)).isoformat()
    for args in (
        ["list"],
        ["give", str(request_id), "--reason", "x", "--until", until],
        ["refuse", str(request_id), "--reason", "x"],
    ):
        refused = grant(closed_log_town, *args, user="anna")
        assert refused.exit_code == 1, args
        assert "administrator" in refused.output
    stranger = grant(
        closed_log_town, "request", str(closed_log_town.log.id), "--reason", "Curious", user="bo"
    )
    assert stranger.exit_code == 1 and "held this relay log" in stranger.output
    wrong_password = grant(closed_log_town, "list", password="nope")
    assert wrong_password.exit_code == 1
    assert (
        rows(closed_log_town, ReadGrant) == []
        and rows(closed_log_town, ReadGrantRequest)[0].status == "pending"
    )


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--reason", "Court asked", "--until", "2001-01-01"], "has passed"),
        (["--reason", "Court asked"], "end date"),
        (["--reason", "Court asked", "--until", "31.02.2027"], "end date"),
        (["--until", "{soon}"], "Write why"),
    ],
)
def test_bad_grants_are_one_line_and_change_nothing(closed_log_town, args, fragment):
    grant(
        closed_log_town, "request", str(closed_log_town.log.id), "--reason", "Needed", user="carl"
    )
    request_id = rows(closed_log_town, ReadGrantRequest)[0].id
    soon = (clock.today() + timedelta(days=5)).isoformat()
    result = grant(closed_log_town, "give", str(request_id), *[a.format(soon=soon) for a in args])
    assert result.exit_code == 1
    assert fragment in result.output and "Traceback" not in result.output
    assert rows(closed_log_town, ReadGrant) == []


def test_refuse_with_a_reason(closed_log_town):
    grant(
        closed_log_town, "request", str(closed_log_town.log.id), "--reason", "Needed", user="anna"
    )
    request_id = rows(closed_log_town, ReadGrantRequest)[0].id
    assert grant(closed_log_town, "refuse", str(request_id)).exit_code == 1
    done = grant(closed_log_town, "refuse", str(request_id), "--reason", "No need for it")
    assert done.exit_code == 0, done.output
    assert rows(closed_log_town, ReadGrantRequest)[0].status == "refused"
    with closed_log_town.store.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert "grant_requested" in actions and "grant_refused" in actions
