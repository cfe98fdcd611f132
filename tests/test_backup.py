"""`relaytui db backup` and `relaytui db restore`: round trips on SQLite and PostgreSQL.

A restored database holds exactly what was backed up, its audit chain still verifies, and a
wrong file or a target that holds data is refused with one clear line, changing nothing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relaytui import backup
from relaytui.cli import app
from relaytui.db import open_store
from relaytui.models import Entry
from relaytui.services import access, audit, journal, logs
from tests.factories import build_world, give_password
from tests.postgres import REQUIRE_PG

runner = CliRunner()
ADMIN_PASSWORD = "admin-pw"


def _path(store) -> Path:
    return Path(store.url.replace("sqlite:///", ""))


def _cli(db: str, *args: str):
    """``relaytui --db DB db ARGS``, run by the administrator (who logs in where the database
    has accounts)."""
    return runner.invoke(
        app,
        ["--db", db, "db", *args, "--user", "admin", "--password-stdin"],
        input=ADMIN_PASSWORD + "\n",
    )


#: Events a command that logs in adds to the trail before it runs: the login, the command.
SIGN_IN_EVENTS = 2


def _world_with_entries(store, texts=("first", "second", "third")):
    world = build_world(store, "dk")
    give_password(store, "admin", ADMIN_PASSWORD)
    anna = world.ref("anna")
    log = logs.create_log(store, anna, subject_id=world.subjects["Ida Jensen"], concern="worried")
    for text in texts:
        journal.write_entry(store, anna, log.id, text=text)
    return anna, log


def _texts(store, log_id: int) -> set[str]:
    from sqlmodel import select

    with store.session() as session:
        return set(session.exec(select(Entry.text).where(Entry.log_id == log_id)).all())


def _audit_count(store) -> int:
    return audit.verify(store, access.system_administrator()).events


def _private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


def _fingerprint(path: Path, *, trail: bool = True) -> str:
    """The content of an SQLite database, whatever its pages look like; without ``trail``, not
    the audit trail and the time of the last login (a refused command that logged in adds to
    them)."""
    conn = sqlite3.connect(path)
    try:
        lines = list(conn.iterdump())
        if not trail:
            lines = [
                line
                for line in lines
                if not line.startswith('INSERT INTO "audit_event"')
                and "'audit_head" not in line
                and not line.startswith('INSERT INTO "staff"')
            ]
            lines += [
                repr(row)
                for row in conn.execute(
                    "SELECT id, username, password_hash, active, locked, failed_logins, role FROM staff ORDER BY id"
                )
            ]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()
    finally:
        conn.close()


# --- SQLite ------------------------------------------------------------------------------------


def test_sqlite_round_trip_puts_back_what_was_saved(sqlite_store, tmp_path):
    anna, log = _world_with_entries(sqlite_store)
    db = str(_path(sqlite_store))
    events = _audit_count(sqlite_store)
    saved = tmp_path / "saved" / "relaytui-backup.db"
    saved.parent.mkdir()

    made = _cli(db, "backup", str(saved))
    assert made.exit_code == 0, made.output
    assert _private(saved)
    events += SIGN_IN_EVENTS  # the backup holds the administrator's login and command too
    assert f"holds 1 relay logs and {events} audit events" in made.output
    with sqlite3.connect(saved) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not Path(f"{saved}-wal").exists()  # one self-contained file

    journal.write_entry(sqlite_store, anna, log.id, text="written after the backup")
    refused = _cli(db, "restore", str(saved))
    assert refused.exit_code == 1 and "already holds data" in refused.output
    assert "written after the backup" in _texts(sqlite_store, log.id)

    restored = _cli(db, "restore", str(saved), "--force")
    assert restored.exit_code == 0, restored.output
    kept = [p for p in _path(sqlite_store).parent.iterdir() if "before-restore" in p.name]
    assert len(kept) == 1 and str(kept[0]) in restored.output and _private(kept[0])
    assert "written after the backup" in _texts(open_store(str(kept[0])), log.id)

    sqlite_store.engine.dispose()
    assert _texts(sqlite_store, log.id) == {"first", "second", "third"}
    chain = audit.verify(sqlite_store, access.system_administrator())
    assert chain.intact and chain.events == events
    assert _private(_path(sqlite_store))
    # The restored store takes new writes, chained to the restored trail.
    journal.write_entry(sqlite_store, anna, log.id, text="after the restore")
    assert audit.verify(sqlite_store, access.system_administrator()).intact

    # A backup restores onto a new machine, where no database exists yet: no --force needed.
    fresh = tmp_path / "fresh.db"
    onto_new = _cli(str(fresh), "restore", str(saved))
    assert onto_new.exit_code == 0, onto_new.output
    assert _private(fresh)
    fresh_store = open_store(str(fresh))
    assert _texts(fresh_store, log.id) == {"first", "second", "third"}
    assert audit.verify(fresh_store, access.system_administrator()).intact
    fresh_store.dispose()


def test_backup_while_another_thread_writes_is_one_consistent_snapshot(sqlite_store, tmp_path):
    anna, log = _world_with_entries(sqlite_store, texts=())
    written: list[int] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def keep_writing() -> None:
        n = 0
        try:
            while not stop.is_set():
                written.append(journal.write_entry(sqlite_store, anna, log.id, text=f"busy {n}").id)
                n += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        while len(written) < 30 and writer.is_alive():
            threading.Event().wait(0.01)
        committed_before = list(written)
        saved = tmp_path / "busy.db"
        made = backup.backup(sqlite_store, saved)
        during = len(written)
        while len(written) < during + 10 and writer.is_alive():
            threading.Event().wait(0.01)
    finally:
        stop.set()
        writer.join(timeout=30)
    assert not failures, failures
    assert len(committed_before) >= 30 and len(written) > len(committed_before)

    with sqlite3.connect(saved) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        in_backup = {
            row[0] for row in conn.execute("SELECT id FROM entry WHERE log_id = ?", (log.id,))
        }
    assert set(committed_before) <= in_backup
    # A snapshot: exactly the entries written up to some moment, no later one without an earlier.
    assert in_backup == {i for i in written if i <= max(in_backup)}
    assert made.counts is not None and made.counts.relay_logs == 1
    copy = open_store(str(saved))
    chain = audit.verify(copy, access.system_administrator())
    copy.dispose()
    assert chain.intact and chain.events == made.counts.audit_events


def test_an_older_backup_is_restored_and_upgraded(tmp_path):
    from alembic import command

    old = tmp_path / "old.db"
    store = open_store(str(old), create_folder=True)
    with store.engine.begin() as conn:
        command.upgrade(store._alembic_config(conn), "0001")
    store.dispose()
    # An old schema is backed up as it is: what an administrator does before upgrading.
    saved = tmp_path / "before-upgrade.db"
    made = _cli(str(old), "backup", str(saved))
    assert made.exit_code == 0 and "holds 0 relay logs" in made.output, made.output
    target = tmp_path / "now.db"
    result = _cli(str(target), "restore", str(saved))
    assert result.exit_code == 0, result.output
    assert "older schema 0001" in result.output
    restored = open_store(str(target))
    assert restored.is_current()
    restored.dispose()


def _not_relaytui(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.execute("INSERT INTO recipes VALUES ('æbleskiver')")
    return path


def test_wrong_inputs_are_refused_and_change_nothing(sqlite_store, tmp_path):
    _world_with_entries(sqlite_store)
    db = str(_path(sqlite_store))
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"an older backup, kept")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(os.urandom(4096))
    foreign = _not_relaytui(tmp_path / "recipes.db")
    pg_archive = tmp_path / "shared.dump"
    pg_archive.write_bytes(b"PGDMP\x01\x0e\x00" + b"\x00" * 100)
    good = tmp_path / "good.db"
    assert _cli(db, "backup", str(good)).exit_code == 0
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    tampered = tmp_path / "tampered.db"
    shutil.copyfile(good, tampered)
    with sqlite3.connect(tampered) as conn:
        conn.execute("DROP TRIGGER audit_event_no_update")
        conn.execute("UPDATE audit_event SET username = 'someone else' WHERE id = 2")

    cases = [
        (["restore", str(tmp_path / "missing.db")], "There is no file"),
        (["restore", str(tmp_path)], "is a folder"),
        (["restore", str(garbage)], "not an SQLite database"),
        (["restore", str(foreign)], "not a relaytui database"),
        (["restore", str(pg_archive)], "backup of a PostgreSQL database"),
        (["restore", str(truncated)], "SQLite cannot read it"),
        (["restore", str(tampered), "--force"], "broken at event 2"),
        (["restore", str(good)], "already holds data"),
        (["restore", db, "--force"], "the database itself"),
        (["backup", str(existing)], "already exists"),
        (["backup", str(tmp_path / "no" / "such" / "folder.db")], "does not exist"),
        (["backup", db, "--force"], "over the database itself"),
    ]
    before = _fingerprint(_path(sqlite_store), trail=False)
    files_before = sorted(p.name for p in tmp_path.rglob("*"))
    for args, message in cases:
        result = _cli(db, *args)
        assert result.exit_code == 1, (args, result.output)
        assert message in result.output, (args, result.output)
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert _fingerprint(_path(sqlite_store), trail=False) == before
    assert sorted(p.name for p in tmp_path.rglob("*")) == files_before
    assert existing.read_bytes() == b"an older backup, kept"
    assert foreign.exists() and _fingerprint(foreign) == _fingerprint(
        _not_relaytui(tmp_path / "again.db")
    )

    # Restoring into a database whose folder does not exist creates nothing.
    nowhere = tmp_path / "nowhere" / "relaytui.db"
    result = _cli(str(nowhere), "restore", str(good))
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not nowhere.parent.exists()
    # And a refused file leaves a new target uncreated too.
    new_target = tmp_path / "new.db"
    assert _cli(str(new_target), "restore", str(foreign)).exit_code == 1
    assert not new_target.exists()


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def pg_tools():
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if missing:
        if REQUIRE_PG:
            pytest.fail(f"RELAYTUI_REQUIRE_POSTGRES=1 but {', '.join(missing)} is not on PATH")
        pytest.skip(f"{', '.join(missing)} is not on PATH")


def _pg_url(store) -> str:
    return store.url


def test_postgres_round_trip(pg_store, pg_tools, tmp_path):
    anna, log = _world_with_entries(pg_store)
    url = _pg_url(pg_store)
    events = _audit_count(pg_store)
    saved = tmp_path / "relaytui.dump"

    made = _cli(url, "backup", str(saved))
    assert made.exit_code == 0, made.output
    assert _private(saved) and saved.read_bytes().startswith(b"PGDMP")
    events += SIGN_IN_EVENTS

    journal.write_entry(pg_store, anna, log.id, text="written after the backup")
    refused = _cli(url, "restore", str(saved))
    assert refused.exit_code == 1 and "already holds data" in refused.output
    assert "written after the backup" in _texts(pg_store, log.id)

    pg_store.engine.dispose()
    restored = _cli(url, "restore", str(saved), "--force")
    assert restored.exit_code == 0, restored.output
    kept = list((Path(os.environ["RELAYTUI_DATA_DIR"]) / "backups").glob("*before-restore*.dump"))
    assert len(kept) == 1 and str(kept[0]) in restored.output and _private(kept[0])

    pg_store.engine.dispose()
    assert _texts(pg_store, log.id) == {"first", "second", "third"}
    chain = audit.verify(pg_store, access.system_administrator())
    assert chain.intact and chain.events == events
    journal.write_entry(pg_store, anna, log.id, text="after the restore")  # sequences came back too
    assert audit.verify(pg_store, access.system_administrator()).intact
    verify = runner.invoke(
        app,
        ["--db", url, "audit", "verify", "--user", "admin", "--password-stdin"],
        input=ADMIN_PASSWORD + "\n",
    )
    assert verify.exit_code == 0 and "whole" in verify.output

    sqlite_file = tmp_path / "sqlite.db"
    sqlite_file.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    wrong = _cli(url, "restore", str(sqlite_file), "--force")
    assert wrong.exit_code == 1 and "backup of an SQLite database" in wrong.output


@pytest.mark.parametrize("source", ["environment", "keyring"])
def test_the_password_reaches_pg_dump_in_its_environment_only(
    pg_store, pg_tools, tmp_path, monkeypatch, source
):
    password = "pw-Æ-only-in-env"
    if source == "environment":
        monkeypatch.setenv("RELAYTUI_DATABASE_PASSWORD", password)
    else:
        monkeypatch.delenv("RELAYTUI_DATABASE_PASSWORD", raising=False)
        monkeypatch.setattr("relaytui.config.load_password", lambda url: password)
    store = open_store(pg_store.url)  # trust authentication: the password is sent and ignored
    calls = []
    real_run = backup.subprocess.run

    def spy(command, **kwargs):
        calls.append((command, kwargs.get("env") or {}))
        return real_run(command, **kwargs)

    monkeypatch.setattr(backup.subprocess, "run", spy)
    try:
        backup.backup(store, tmp_path / "pw.dump")
    finally:
        store.dispose()
    dump = [(cmd, env) for cmd, env in calls if cmd[0].endswith("pg_dump")]
    assert dump, calls
    for command, env in dump:
        assert not any(password in part for part in command)
        assert env.get("PGPASSWORD") == password


def test_missing_pg_tools_give_a_clear_message(pg_store, tmp_path, monkeypatch):
    url = _pg_url(pg_store)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    target = tmp_path / "never.dump"
    result = _cli(url, "backup", str(target))
    assert result.exit_code == 1 and "pg_dump is not installed" in result.output
    assert "Traceback" not in result.output and not target.exists()
    archive = tmp_path / "some.dump"
    archive.write_bytes(b"PGDMP" + b"\x00" * 100)
    result = _cli(url, "restore", str(archive), "--force")
    assert result.exit_code == 1 and "pg_restore is not installed" in result.output
