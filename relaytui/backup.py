"""Backups of the whole store: an installation task, like migrations (putting one back is
:mod:`relaytui.restore`).

A backup holds everything, the audit trail included, so a restored database still proves who
read what. SQLite is copied with SQLite's online backup API: one consistent snapshot even while
the app is writing (WAL readers do not wait for writers). PostgreSQL goes through ``pg_dump`` and
``pg_restore``; the password reaches them in their environment, never on the command line.
Nothing here acts as a member of staff.

A backup follows the rules of every file relaytui writes (as papers do): it is made in a new
file beside the target (O_EXCL|O_NOFOLLOW, mode 600), checked, flushed and renamed over the
target; never through a link, never over a folder, a device or a FIFO, over a file only with
``force``.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from relaytui.db import BUSY_TIMEOUT_MS, Store, check_output_file, write_failed
from relaytui.db_url import safe_url
from relaytui.errors import InvalidInput, StoreError
from relaytui.i18n import _

#: The tables without which a file is not a relaytui database (every schema revision has them).
CORE_TABLES = frozenset(
    {"alembic_version", "staff", "subject", "relay_log", "entry", "audit_event", "setting"}
)


@dataclass(frozen=True)
class Counts:
    """What a database holds, in the two numbers an administrator checks after a backup."""

    relay_logs: int
    audit_events: int


@dataclass(frozen=True)
class BackupReport:
    path: Path
    kind: str  # "sqlite" | "postgresql"
    counts: Counts | None  # SQLite: read back from the backup itself
    tables: int  # the tables found in the backup
    recorded: bool = False  # a signed record of the file is in the checkpoint file


# --- backup ------------------------------------------------------------------------------------


def sqlite_path(store: Store) -> Path:
    database = make_url(store.url).database
    if not database or database == ":memory:":
        raise StoreError(_("An in-memory database cannot be backed up or restored."))
    return Path(database)


def _private_file(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only; refuse if it exists (even as a link)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _staging_path(target: Path) -> Path:
    """A fresh name beside ``target`` that nobody can guess: the backup is made there (by
    :func:`_private_file`, which refuses a name someone took) and renamed when complete."""
    return target.with_name(f".{target.name[:100]}.partial-{secrets.token_hex(8)}")


def remove_quietly(path: Path) -> None:
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            leftover.unlink()
        except FileNotFoundError:
            pass


def _check_output_path(target: Path, *, force: bool, live: Path | None = None) -> None:
    """A new file in a folder that exists, or (``force``) a regular file to replace: never a
    link, a folder, a device or a FIFO, and never the live database."""
    exists = check_output_file(target, force=True)
    if live is not None and exists and target.resolve() == live.resolve():
        raise InvalidInput(_("The backup cannot be written over the database itself."))
    if exists and not force:
        check_output_file(target, force=False)  # refuses, saying to add --force


def _put_in_place(staging: Path, target: Path, *, force: bool) -> None:
    """Rename the finished backup over ``target``, checked again just before."""
    _fsync(staging)
    check_output_file(target, force=force)
    os.replace(staging, target)
    _fsync_folder(target.parent)


def count_rows(conn) -> Counts:
    """The counts on a DB-API connection or an SQLAlchemy connection."""

    def one(sql: str) -> int:
        if isinstance(conn, sqlite3.Connection):
            return int(conn.execute(sql).fetchone()[0])
        return int(conn.execute(text(sql)).scalar_one())

    return Counts(
        relay_logs=one("SELECT count(*) FROM relay_log"),
        audit_events=one("SELECT count(*) FROM audit_event"),
    )


def check_target(store: Store, target: Path, *, force: bool = False) -> None:
    """Refuse ``target`` as :func:`backup` would, before anything is done (the command line
    checks it before the administrator logs in)."""
    target = Path(target).expanduser()
    _check_output_path(target, force=force, live=sqlite_path(store) if store.is_sqlite else None)


def backup(store: Store, target: Path, *, force: bool = False) -> BackupReport:
    """Write a backup of ``store`` to ``target`` (mode 600) and check that it reads back.

    Where this account holds the audit signing key, the chain gets a checkpoint first (so the
    backup holds it) and the backup file a signed record of its SHA-256 in the checkpoint
    file: a backup changed afterwards (cut short, rewritten) is then refused on restore.
    """
    from relaytui import signing
    from relaytui.services import checkpoints

    target = Path(target).expanduser()
    signer = signing.load_signer()
    if signer is not None:
        checkpoints.take(store, signer, file=signing.checkpoint_file())
    report = (
        _backup_sqlite(store, target, force=force)
        if store.is_sqlite
        else _backup_postgres(store, target, force=force)
    )
    if signer is not None:
        checkpoints.record_backup(signing.checkpoint_file(), signer, target)
        return dataclasses.replace(report, recorded=True)
    return report


def sqlite_copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy ``source`` into the new file ``target`` in one step: a single consistent snapshot."""
    _private_file(target)
    destination = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        source.backup(destination)  # pages=-1: all at once, under one read snapshot
        # The copy is one self-contained file (no -wal beside it), whatever the live mode.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()


def open_live_sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(
        f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
    )


def integrity_check(conn: sqlite3.Connection) -> str:
    rows = conn.execute("PRAGMA integrity_check").fetchall()
    return "; ".join(str(row[0]) for row in rows[:5])


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - a folder that cannot be opened (not on Linux)
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _backup_sqlite(store: Store, target: Path, *, force: bool) -> BackupReport:
    live = sqlite_path(store)
    _check_output_path(target, force=force, live=live)
    staging = _staging_path(target)
    source = open_live_sqlite(live)
    try:
        sqlite_copy(source, staging)
        check = open_read_only(staging)
        try:
            integrity = integrity_check(check)
            if integrity != "ok":
                raise StoreError(
                    _(
                        "The backup does not pass SQLite's integrity check ({detail}); it was not "
                        "kept. Check the database with 'relaytui db status'."
                    ).format(detail=integrity)
                )
            tables = {
                row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            counts = count_rows(check) if CORE_TABLES <= tables else None
        finally:
            check.close()
        _put_in_place(staging, target, force=force)
    except sqlite3.Error as exc:
        raise StoreError(
            _("The backup of {url} failed: {detail}").format(url=safe_url(store.url), detail=exc)
        ) from exc
    except OSError as exc:
        raise write_failed(target, exc) from exc
    finally:
        source.close()
        remove_quietly(staging)
    return BackupReport(path=target, kind="sqlite", counts=counts, tables=len(tables))


# --- PostgreSQL tools ---------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The full path of ``pg_dump`` / ``pg_restore``, or a clear message when it is missing."""
    found = shutil.which(name)
    if found is None:
        raise StoreError(
            _(
                "{tool} is not installed (or not on PATH), so a PostgreSQL database cannot be "
                "backed up or restored here. Install the PostgreSQL client tools (e.g. the "
                "postgresql-client package) of the server's version."
            ).format(tool=name)
        )
    return found


def pg_connection(store: Store) -> tuple[str, dict[str, str]]:
    """The libpq address of ``store`` without its password, and an environment that carries it.

    The password is the one relaytui itself connects with (the URL, RELAYTUI_DATABASE_PASSWORD
    or the system keyring, as resolved when the store was opened).
    """
    resolved = store.engine.url
    address = resolved.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False
    )
    env = dict(os.environ)
    env.pop("PGPASSWORD", None)
    if resolved.password:
        env["PGPASSWORD"] = str(resolved.password)
    return address, env


def run_tool(command: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise StoreError(
            _("{tool} could not be started: {detail}").format(tool=what, detail=exc)
        ) from exc
    if done.returncode != 0:
        lines = [line for line in (done.stderr or "").splitlines() if line.strip()]
        detail = lines[0] if lines else _("exit code {code}").format(code=done.returncode)
        raise StoreError(_("{tool} failed: {detail}").format(tool=what, detail=detail))
    return done.stdout


def archive_tables(path: Path, env: dict[str, str]) -> set[str]:
    """The tables an archive of pg_dump holds (``pg_restore --list`` reads it, changes nothing)."""
    listing = run_tool([pg_tool("pg_restore"), "--list", str(path)], env, "pg_restore")
    tables = set()
    for line in listing.splitlines():
        if line.startswith(";"):
            continue
        parts = line.split()
        # "12; 1259 16390 TABLE public audit_event postgres"
        if len(parts) >= 6 and parts[3] == "TABLE":
            tables.add(parts[5])
    return tables


def pg_dump_to(store: Store, target: Path, env: dict[str, str], address: str) -> None:
    _private_file(target)
    run_tool(
        [pg_tool("pg_dump"), "--format=custom", "--file", str(target), "--dbname", address],
        env,
        "pg_dump",
    )


def _backup_postgres(store: Store, target: Path, *, force: bool) -> BackupReport:
    pg_tool("pg_dump")
    pg_tool("pg_restore")
    _check_output_path(target, force=force)
    address, env = pg_connection(store)
    staging = _staging_path(target)
    try:
        pg_dump_to(store, staging, env, address)
        tables = archive_tables(staging, env)
        if not CORE_TABLES <= tables:
            raise StoreError(
                _(
                    "The backup of {url} does not hold relaytui's tables; it was not kept. Check "
                    "the database with 'relaytui db status'."
                ).format(url=safe_url(store.url))
            )
        _put_in_place(staging, target, force=force)
    except OSError as exc:
        raise write_failed(target, exc) from exc
    finally:
        remove_quietly(staging)
    return BackupReport(path=target, kind="postgresql", counts=None, tables=len(tables))
