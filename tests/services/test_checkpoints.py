"""Signed checkpoints of the audit chain: the key (never in the database), taking them, the
file outside the database, and ``relaytui audit keygen | checkpoint | verify``."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC

import pytest
from typer.testing import CliRunner

from relaytui import config, signing
from relaytui.cli import app
from relaytui.errors import InvalidInput, StoreError
from relaytui.services import access, audit, checkpoints, journal, log_list, logs
from tests.factories import give_password

runner = CliRunner()


def _events(world, n: int) -> None:
    log = logs.create_log(
        world.store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c"
    )
    for number in range(n):
        journal.write_entry(world.store, world.ref("anna"), log.id, text=f"e{number}")


def test_the_key_is_made_once_private_and_outside_the_database(world):
    signer, where = signing.generate()
    path = signing.default_key_file()
    assert where == str(path) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.read_config()["audit_public_key"] == signer.public.text
    assert signing.load_signer().public == signer.public
    with pytest.raises(InvalidInput, match="already"):
        signing.generate()
    path.chmod(0o644)
    with pytest.raises(StoreError, match="chmod 600"):
        signing.load_signer()
    with world.store.session() as session:  # nothing of the key in the database
        from sqlmodel import select

        from relaytui.models import Setting

        values = " ".join(row.value for row in session.exec(select(Setting)))
    assert signer.public.text not in values


def test_a_checkpoint_signs_the_head_of_every_chain(world, tmp_path):
    """Issue 18: one checkpoint covers every chain, in the database and in the file, and a
    head changed in either no longer checks out."""
    signer, _where = signing.generate()
    file = tmp_path / "audit.checkpoints"
    _events(world, 2)
    [log] = log_list.list_logs(world.store, world.ref("anna"))
    logs.get_log(world.store, world.ref("lene"), log.id)
    made = checkpoints.take(world.store, signer, file=file)
    with world.store.session() as session:
        heads = audit.heads(session)
    assert {(c, i, h) for c, (i, h) in heads.items()} == set(made.heads)
    assert {c for c, _i, _h in made.heads} >= {
        audit.chain_of(world.ref("anna").id),
        audit.chain_of(world.ref("lene").id),
    }
    [line] = [json.loads(text) for text in file.read_text().splitlines()]
    assert line["heads"] == [list(head) for head in made.heads]
    [in_file], _bad = checkpoints.read_file(file)
    assert in_file.same(made) and signer.public.verifies(in_file.signature, in_file.message())
    assert audit.verify(
        world.store,
        access.system_administrator(),
        public_key=signer.public,
        checkpoint_file=file,
        from_file=True,
    ).intact
    chain, event_id, digest = made.heads[0]
    forged = dict(line, heads=[[chain, event_id, "0" * 64]] + line["heads"][1:])
    file.write_text(json.dumps(forged) + "\n")
    report = audit.verify(
        world.store,
        access.system_administrator(),
        public_key=signer.public,
        checkpoint_file=file,
        from_file=True,
    )
    assert [f.kind for f in report.findings] == ["bad_signature"]


def test_a_checkpoint_of_one_chain_is_signed_as_before_there_were_chains():
    """Checkpoints taken before issue 18 (one chain, no heads) keep their signatures."""
    from datetime import datetime

    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert signing.checkpoint_message(7, "ab", 7, at) == (
        b'relaytui audit checkpoint v1\n[7,"ab",7,"2026-12-01T12:00:00.000000+00:00"]'
    )
    assert signing.checkpoint_message(7, "ab", 7, at, ((3, 7, "ab"), (0, 5, "cd"))) == (
        b'relaytui audit checkpoint v2\n[7,"ab",7,"2026-12-01T12:00:00.000000+00:00",[[0,5,"cd"],[3,7,"ab"]]]'
    )


def test_a_key_file_is_never_written_over_another_file(world, tmp_path):
    existing = tmp_path / "precious.txt"
    existing.write_text("keep me")
    with pytest.raises(InvalidInput, match="never written over"):
        signing.generate(key_file=existing)
    assert existing.read_text() == "keep me"
    link = tmp_path / "link.key"
    os.symlink(tmp_path / "elsewhere", link)
    with pytest.raises(InvalidInput):
        signing.generate(key_file=link)
    assert not (tmp_path / "elsewhere").exists()


def test_checkpoints_are_taken_when_due_and_appended_to_the_file(world, tmp_path):
    signer, _where = signing.generate()
    file = tmp_path / "audit.checkpoints"
    _events(world, 3)
    first = checkpoints.take(world.store, signer, file=file)
    assert first is not None and first.key_id == signer.public.id
    assert checkpoints.take(world.store, signer, file=file) is None  # nothing new
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert checkpoints.events_since_last(world.store) == 0
    [log] = log_list.list_logs(world.store, world.ref("anna"))
    journal.write_entry(world.store, world.ref("anna"), log.id, text="one more")
    assert checkpoints.maybe_take(world.store, signer, 1000, file=file) is None  # not due yet
    second = checkpoints.maybe_take(world.store, signer, 1, file=file)
    assert second is not None and second.last_id > first.last_id
    lines = [json.loads(line) for line in file.read_text().splitlines()]
    assert [line["last_id"] for line in lines] == [first.last_id, second.last_id]
    report = audit.verify(
        world.store, access.system_administrator(), public_key=signer.public, checkpoint_file=file
    )
    assert report.intact and report.checkpoints == 2 and report.uncovered == 0


def test_another_key_does_not_vouch_for_the_trail(world, tmp_path):
    signer, _where = signing.generate()
    file = tmp_path / "audit.checkpoints"
    _events(world, 2)
    checkpoints.take(world.store, signer, file=file)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = signing.Signer(Ed25519PrivateKey.generate())
    report = audit.verify(
        world.store, access.system_administrator(), public_key=other.public, checkpoint_file=file
    )
    assert not report.intact and {f.kind for f in report.findings} == {"bad_signature"}


def test_a_changed_line_in_the_file_is_named(world, tmp_path):
    signer, _where = signing.generate()
    file = tmp_path / "audit.checkpoints"
    _events(world, 2)
    checkpoints.take(world.store, signer, file=file)
    with file.open("a") as fh:
        fh.write("not a checkpoint\n")
    report = audit.verify(
        world.store, access.system_administrator(), public_key=signer.public, checkpoint_file=file
    )
    assert not report.intact and ("file_line", "2") in {(f.kind, f.detail) for f in report.findings}


def test_the_command_line_makes_the_key_takes_checkpoints_and_verifies(sqlite_store):
    from tests.factories import build_world

    world = build_world(sqlite_store, "dk")
    give_password(sqlite_store, "admin", "admin-pw")
    _events(world, 3)
    db = sqlite_store.url.replace("sqlite:///", "")

    def admin(*args):
        return runner.invoke(
            app,
            ["--db", db, "audit", *args, "--user", "admin", "--password-stdin"],
            input="admin-pw\n",
            env={"COLUMNS": "200"},
        )

    unsigned = admin("verify")
    assert unsigned.exit_code == 0 and "relaytui audit keygen" in unsigned.output
    made = admin("keygen")
    assert made.exit_code == 0, made.output
    public = config.read_config()["audit_public_key"]
    assert public in made.output
    assert admin("keygen").exit_code == 1
    taken = admin("checkpoint")
    assert taken.exit_code == 0 and "Signed a checkpoint" in taken.output
    verified = admin("verify")
    assert verified.exit_code == 0, verified.output
    assert "It matches 1 signed checkpoint." in verified.output
    assert admin("verify", "--from-file").exit_code == 0
    assert admin("verify", "--public-key", "not-a-key").exit_code == 1


def test_a_backup_is_recorded_and_a_changed_one_refused_at_restore(sqlite_store, tmp_path):
    from tests.factories import build_world

    world = build_world(sqlite_store, "dk")
    give_password(sqlite_store, "admin", "admin-pw")
    _events(world, 3)
    db = sqlite_store.url.replace("sqlite:///", "")
    signing.generate()

    def admin(*args):
        return runner.invoke(
            app,
            ["--db", db, "db", *args, "--user", "admin", "--password-stdin"],
            input="admin-pw\n",
            env={"COLUMNS": "200"},
        )

    saved = tmp_path / "saved.db"
    made = admin("backup", str(saved))
    assert made.exit_code == 0 and "Recorded in the checkpoint file" in made.output, made.output
    changed = tmp_path / "changed.db"
    changed.write_bytes(saved.read_bytes())
    from sqlalchemy import text

    from relaytui.db import open_store
    from tests.tampering import heads_onto

    changed_store = open_store(str(changed))
    with (
        changed_store.engine.begin() as conn
    ):  # an event removed from the end, the heads moved back
        conn.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
        events = conn.execute(text("SELECT id, hash, chain FROM audit_event ORDER BY id")).all()
        conn.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": events[-1].id})
        for statement, params in heads_onto(events[:-1]):
            conn.execute(text(statement), params)
    changed_store.dispose()
    refused = admin("restore", str(changed), "--force")
    assert (
        refused.exit_code == 1 and "not a backup recorded in the checkpoint file" in refused.output
    )
    assert admin("restore", str(saved), "--force").exit_code == 0
    forced = admin("restore", str(changed), "--force", "--unverified")
    assert forced.exit_code == 0, forced.output


def test_the_app_on_one_machine_signs_while_it_runs_once_enough_is_new(
    world, tmp_path, monkeypatch
):
    """relaytui.local_checkpoints.sign_while_open: what the app run without a server does every minute."""
    import threading
    import time

    from relaytui.local_checkpoints import sign_while_open
    from relaytui.services import installation

    signer, _where = signing.generate()
    file = tmp_path / "audit.checkpoints"
    monkeypatch.setattr(signing, "checkpoint_file", lambda: file)
    installation.change(world.store, access.system_administrator(), "audit_checkpoint_every", "5")
    stop = threading.Event()
    worker = threading.Thread(
        target=sign_while_open, args=(world.store, signer, stop), kwargs={"look": 0.05}
    )
    worker.start()
    try:
        time.sleep(0.3)  # on purpose: the signer has looked a few times with nothing to sign
        taken_before = checkpoints.read_file(file)[0] if file.exists() else []
        _events(world, 6)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and checkpoints.events_since_last(world.store) >= 5:
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(5)
    assert not worker.is_alive()
    taken, _bad = checkpoints.read_file(file)
    assert len(taken) > len(taken_before)
    assert checkpoints.events_since_last(world.store) < 5


def test_a_trail_from_before_the_chains_verifies_after_the_upgrade(tmp_path):
    """Migration 0012 on a trail of one chain with a checkpoint of the first form: both still
    check out, and the chains that follow are signed with them."""
    from datetime import datetime, timedelta

    from alembic import command
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from sqlalchemy import text

    from relaytui.db import open_store
    from relaytui.signing import Signer

    store = open_store(str(tmp_path / "old.db"), create_folder=True)
    with store.engine.begin() as conn:
        command.upgrade(store._alembic_config(conn), "0011")
    signer = Signer(Ed25519PrivateKey.generate())
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    previous = ""
    with store.engine.begin() as conn:  # what the app of schema 0011 wrote: one chain
        for n in range(1, 6):
            at = start + timedelta(minutes=n)
            digest = audit.event_hash(
                at=at,
                staff_id=n,
                username=f"u{n}",
                action="read",
                log_id=1,
                subject_id=1,
                detail="log",
                prev_hash=previous,
            )
            conn.execute(
                text(
                    "INSERT INTO audit_event (id, at, staff_id, username, action, log_id, subject_id, "
                    "detail, prev_hash, hash) VALUES (:id, :at, :n, :u, 'read', 1, 1, 'log', :p, :h)"
                ),
                {
                    "id": n,
                    "at": at.replace(tzinfo=None),
                    "n": n,
                    "u": f"u{n}",
                    "p": previous,
                    "h": digest,
                },
            )
            previous = digest
        conn.execute(
            text("INSERT INTO setting (key, value) VALUES (:k, :v)"),
            {"k": audit.HEAD_KEY, "v": f"5:{previous}"},
        )
        signature = signer.sign(signing.checkpoint_message(5, previous, 5, start))
        import base64

        conn.execute(
            text(
                "INSERT INTO audit_checkpoint (last_id, head_hash, events, at, key_id, signature) "
                "VALUES (5, :h, 5, :at, :key, :sig)"
            ),
            {
                "h": previous,
                "at": start.replace(tzinfo=None),
                "key": signer.public.id,
                "sig": base64.b64encode(signature).decode(),
            },
        )
    store.dispose()
    store = open_store(str(tmp_path / "old.db"))
    store.upgrade()
    admin = access.system_administrator()
    report = audit.verify(store, admin, public_key=signer.public)
    assert report.intact and report.checkpoints == 1, report
    for staff_id in (1, 2, 3, 1 + audit.CHAINS):  # three chains, the first and the last in one
        with store.session(write=True) as session:
            audit.record(
                session, staff_id=staff_id, username=f"u{staff_id}", action="read", log_id=1
            )
    made = checkpoints.take(store, signer)
    assert sorted(c for c, _i, _h in made.heads) == [0, 1, 2, 3] and made.events == 9
    report = audit.verify(store, admin, public_key=signer.public)
    assert report.intact and report.checkpoints == 2 and report.uncovered == 0, report
    store.dispose()


def test_a_signed_head_found_in_another_chain_is_named_as_rewritten():
    """``check`` reads what the walk saw as (hash, events up to it, chain): a head whose event
    now sits in another chain is a rewrite although its hash is the same, and a head with
    fewer events before it is a count. (``check`` was once annotated with pairs.)"""
    from datetime import datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer = signing.Signer(Ed25519PrivateKey.generate())
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    heads = ((0, 5, "cd"), (3, 7, "ab"))
    signed = checkpoints.Checkpoint(
        last_id=7,
        head_hash="ab",
        events=7,
        at=at,
        key_id=signer.public.id,
        signature=signer.sign(signing.checkpoint_message(7, "ab", 7, at, heads)),
        source="database",
        heads=heads,
    )
    walked = {5: ("cd", 5, 0), 7: ("ab", 7, 3)}
    assert checkpoints.check([signed], walked, signer.public, 7) == []
    moved = {5: ("cd", 5, 0), 7: ("ab", 7, 1)}
    assert [f.kind for f in checkpoints.check([signed], moved, signer.public, 7)] == ["rewritten"]
    fewer = {5: ("cd", 5, 0), 7: ("ab", 6, 3)}
    assert [f.kind for f in checkpoints.check([signed], fewer, signer.public, 7)] == ["count"]
