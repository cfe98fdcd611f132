"""``relaytui notices``: the administrator sees the outbox without the child, and switches a
kind off and on for the whole installation."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col
from typer.testing import CliRunner

from relaytui.cli import app
from relaytui.models import Guardian
from relaytui.services.notices import KINDS
from tests.factories import build_world, give_password, new_log

runner = CliRunner()


def run(world, *command: str):
    return runner.invoke(
        app,
        [
            "--db",
            world.store.url.replace("sqlite:///", ""),
            "notices",
            *command,
            "--user",
            "admin",
            "--password-stdin",
        ],
        input="admin-pw\n",
        env={"COLUMNS": "200"},
    )


def test_the_outbox_is_listed_without_the_child_and_kinds_are_switched(sqlite_store):
    world = build_world(sqlite_store, "dk")
    give_password(sqlite_store, "admin", "admin-pw")
    with sqlite_store.session(write=True) as session:
        session.execute(
            update(Guardian)
            .where(col(Guardian.id) == world.guardians["Mette Jensen"])
            .values(email="mette@example.invalid")
        )
    log = new_log(world)
    listed = run(world, "list")
    assert listed.exit_code == 0, listed.output
    assert "Added as an actor" in listed.output and "lene" in listed.output
    assert "guardian" in listed.output and f" {log.id} " in listed.output
    for secret in ("Ida", "Jensen", "mette@", "hungry"):
        assert secret not in listed.output
    assert "No notices." in run(world, "list", "--state", "sent").output
    assert run(world, "off", "family-log-created").exit_code == 0
    kinds = run(world, "kinds").output
    assert [line.split()[-1] for line in kinds.splitlines() if "family_log_created" in line] == [
        "off"
    ]
    refused = run(world, "off", "gossip")
    assert refused.exit_code == 1 and "Unknown kind of notice" in refused.output
    assert run(world, "on", "family_log_created").exit_code == 0
    again = run(world, "kinds").output.splitlines()
    assert {line.split()[-1] for line in again if line.split() and line.split()[0] in KINDS} == {
        "on"
    }
