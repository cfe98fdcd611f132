"""Signed checkpoints of the audit chain: the key (never in the database), taking them, the
file outside the database, and ``relaytui audit keygen | checkpoint | verify``."""

from __future__ import annotations

import json
import os
import stat

import pytest
from typer.testing import CliRunner

from relaytui import config, signing
from relaytui.cli import app
from relaytui.errors import InvalidInput, StoreError
from relaytui.services import access, audit, checkpoints, logs
from tests.factories import give_password

runner = CliRunner()


def _events(world, n: int) -> None:
    log = logs.create_log(world.store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c")
    for number in range(n):
        logs.write_entry(world.store, world.ref("anna"), log.id, text=f"e{number}")


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
    [log] = logs.list_logs(world.store, world.ref("anna"))
    logs.write_entry(world.store, world.ref("anna"), log.id, text="one more")
    assert checkpoints.maybe_take(world.store, signer, 1000, file=file) is None  # not due yet
    second = checkpoints.maybe_take(world.store, signer, 1, file=file)
    assert second is not None and second.last_id > first.last_id
    lines = [json.loads(line) for line in file.read_text().splitlines()]
    assert [line["last_id"] for line in lines] == [first.last_id, second.last_id]
    report = audit.verify(world.store, access.system_administrator(), public_key=signer.public,
                          checkpoint_file=file)
    assert report.intact and report.checkpoints == 2 and report.uncovered == 0


def test_another_key_does_not_vouch_for_the_trail(world, tmp_path):
    signer, _where = signing.generate()
    file = tmp_path / "audit.checkpoints"
    _events(world, 2)
    checkpoints.take(world.store, signer, file=file)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = signing.Signer(Ed25519PrivateKey.generate())
    report = audit.verify(world.store, access.system_administrator(), public_key=other.public,
                          checkpoint_file=file)
    assert not report.intact and {f.kind for f in report.findings} == {"bad_signature"}


def test_a_changed_line_in_the_file_is_named(world, tmp_path):
    signer, _where = signing.generate()
    file = tmp_path / "audit.checkpoints"
    _events(world, 2)
    checkpoints.take(world.store, signer, file=file)
    with file.open("a") as fh:
        fh.write("not a checkpoint\n")
    report = audit.verify(world.store, access.system_administrator(), public_key=signer.public,
                          checkpoint_file=file)
    assert not report.intact and ("file_line", "2") in {(f.kind, f.detail) for f in report.findings}


def test_the_command_line_makes_the_key_takes_checkpoints_and_verifies(sqlite_store):
    from tests.factories import build_world

    world = build_world(sqlite_store, "dk")
    give_password(sqlite_store, "admin", "admin-pw")
    _events(world, 3)
    db = sqlite_store.url.replace("sqlite:///", "")

    def admin(*args):
        return runner.invoke(app, ["--db", db, "audit", *args, "--user", "admin", "--password-stdin"],
                             input="admin-pw\n", env={"COLUMNS": "200"})

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
        return runner.invoke(app, ["--db", db, "db", *args, "--user", "admin", "--password-stdin"],
                             input="admin-pw\n", env={"COLUMNS": "200"})

    saved = tmp_path / "saved.db"
    made = admin("backup", str(saved))
    assert made.exit_code == 0 and "Recorded in the checkpoint file" in made.output, made.output
    changed = tmp_path / "changed.db"
    changed.write_bytes(saved.read_bytes())
    import sqlite3

    with sqlite3.connect(changed) as conn:  # an event removed from the end, the head moved back
        conn.execute("DROP TRIGGER audit_event_no_delete")
        last = conn.execute("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 2").fetchall()
        conn.execute("DELETE FROM audit_event WHERE id = ?", (last[0][0],))
        conn.execute("UPDATE setting SET value = ? WHERE key = 'audit_head'", (f"{last[1][0]}:{last[1][1]}",))
    refused = admin("restore", str(changed), "--force")
    assert refused.exit_code == 1 and "not a backup recorded in the checkpoint file" in refused.output
    assert admin("restore", str(saved), "--force").exit_code == 0
    forced = admin("restore", str(changed), "--force", "--unverified")
    assert forced.exit_code == 0, forced.output


def test_the_app_on_one_machine_signs_while_it_runs_once_enough_is_new(world, tmp_path, monkeypatch):
    """relaytui.app._sign_while_open: what the app run without a server does every minute."""
    import threading
    import time

    from relaytui.app import _sign_while_open
    from relaytui.services import installation

    signer, _where = signing.generate()
    file = tmp_path / "audit.checkpoints"
    monkeypatch.setattr(signing, "checkpoint_file", lambda: file)
    installation.change(world.store, access.system_administrator(), "audit_checkpoint_every", "5")
    stop = threading.Event()
    worker = threading.Thread(target=_sign_while_open, args=(world.store, signer, stop), kwargs={"look": 0.05})
    worker.start()
    try:
        time.sleep(0.3)
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
