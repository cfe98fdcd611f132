"""Backups of the whole store, and putting one back: an installation task, like migrations.

A backup holds everything, the audit trail included, so a restored database still proves who
read what. SQLite is copied with SQLite's online backup API: one consistent snapshot even while
the app is writing (WAL readers do not wait for writers). PostgreSQL goes through ``pg_dump`` and
``pg_restore``; the password reaches them in their environment, never on the command line.
Nothing here acts as a member of staff; the chain check runs as the command line's administrator.

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
import stat
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from relaytui import config
from relaytui.db import BUSY_TIMEOUT_MS, Store, check_output_file, file_kind, safe_url, write_failed
from relaytui.errors import InvalidInput, StoreError
from relaytui.i18n import _

#: The tables without which a file is not a relaytui database (every schema revision has them).
CORE_TABLES = frozenset({"alembic_version", "staff", "subject", "relay_log", "entry", "audit_event", "setting"})
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_ARCHIVE_MAGIC = b"PGDMP"


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


@dataclass(frozen=True)
class Candidate:
    """A backup file that was checked and may be restored into a database of ``kind``."""

    path: Path
    kind: str
    revision: str | None  # SQLite: the schema revision inside the file
    counts: Counts | None


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    kind: str
    previous_copy: Path | None  # where the data that was there first was kept
    upgraded_from: str | None  # the backup's schema when it had to be brought up to date
    revision: str | None
    counts: Counts
    audit_events: int


# --- shared -----------------------------------------------------------------------------------


def _kind(store: Store) -> str:
    return "sqlite" if store.is_sqlite else "postgresql"


def _sqlite_path(store: Store) -> Path:
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


def _remove_quietly(path: Path) -> None:
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


def _timestamped(folder: Path, stem: str, suffix: str) -> Path:
    moment = datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(100):
        extra = f"-{n}" if n else ""
        path = folder / f"{stem}-before-restore-{moment}{extra}{suffix}"
        if not path.exists():
            return path
    raise StoreError(_("No free name for a copy in {folder}.").format(folder=folder))


def _chain(store: Store):
    from relaytui.services import access, audit

    return audit.verify(store, access.system_administrator())


def _broken_chain(report, path: Path | str) -> StoreError:
    return StoreError(
        _("The audit trail in {path} is broken at event {id}: it was changed after it was "
          "written. Nothing was restored.").format(path=path, id=report.broken_at)
    )


def _counts_sql(conn) -> Counts:
    """The counts on a DB-API connection or an SQLAlchemy connection."""
    def one(sql: str) -> int:
        if isinstance(conn, sqlite3.Connection):
            return int(conn.execute(sql).fetchone()[0])
        return int(conn.execute(text(sql)).scalar_one())

    return Counts(relay_logs=one("SELECT count(*) FROM relay_log"),
                  audit_events=one("SELECT count(*) FROM audit_event"))


def _known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from relaytui.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return {script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions()}


def _has_data(store: Store) -> bool:
    """Whether any table of the database (other than the schema version) has a row."""
    with store.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if table == "alembic_version":
                continue
            quoted = conn.dialect.identifier_preparer.quote(table)
            if conn.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1")).first() is not None:
                return True
    return False


# --- backup ------------------------------------------------------------------------------------


def check_target(store: Store, target: Path, *, force: bool = False) -> None:
    """Refuse ``target`` as :func:`backup` would, before anything is done (the command line
    checks it before the administrator logs in)."""
    target = Path(target).expanduser()
    _check_output_path(target, force=force, live=_sqlite_path(store) if store.is_sqlite else None)


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
    report = _backup_sqlite(store, target, force=force) if store.is_sqlite else \
        _backup_postgres(store, target, force=force)
    if signer is not None:
        checkpoints.record_backup(signing.checkpoint_file(), signer, target)
        return dataclasses.replace(report, recorded=True)
    return report


def _sqlite_copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy ``source`` into the new file ``target`` in one step: a single consistent snapshot."""
    _private_file(target)
    destination = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        source.backup(destination)  # pages=-1: all at once, under one read snapshot
        # The copy is one self-contained file (no -wal beside it), whatever the live mode.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()


def _open_live_sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)


def _integrity(conn: sqlite3.Connection) -> str:
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
    live = _sqlite_path(store)
    _check_output_path(target, force=force, live=live)
    staging = _staging_path(target)
    source = _open_live_sqlite(live)
    try:
        _sqlite_copy(source, staging)
        check = _open_read_only(staging)
        try:
            integrity = _integrity(check)
            if integrity != "ok":
                raise StoreError(
                    _("The backup does not pass SQLite's integrity check ({detail}); it was not "
                      "kept. Check the database with 'relaytui db status'.").format(detail=integrity)
                )
            tables = {row[0] for row in check.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            counts = _counts_sql(check) if CORE_TABLES <= tables else None
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
        _remove_quietly(staging)
    return BackupReport(path=target, kind="sqlite", counts=counts, tables=len(tables))


# --- PostgreSQL tools -----------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The full path of ``pg_dump`` / ``pg_restore``, or a clear message when it is missing."""
    found = shutil.which(name)
    if found is None:
        raise StoreError(
            _("{tool} is not installed (or not on PATH), so a PostgreSQL database cannot be "
              "backed up or restored here. Install the PostgreSQL client tools (e.g. the "
              "postgresql-client package) of the server's version.").format(tool=name)
        )
    return found


def pg_connection(store: Store) -> tuple[str, dict[str, str]]:
    """The libpq address of ``store`` without its password, and an environment that carries it.

    The password is the one relaytui itself connects with (the URL, RELAYTUI_DATABASE_PASSWORD
    or the system keyring, as resolved when the store was opened).
    """
    resolved = store.engine.url
    address = resolved.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = dict(os.environ)
    env.pop("PGPASSWORD", None)
    if resolved.password:
        env["PGPASSWORD"] = str(resolved.password)
    return address, env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise StoreError(_("{tool} could not be started: {detail}").format(tool=what, detail=exc)) from exc
    if done.returncode != 0:
        lines = [line for line in (done.stderr or "").splitlines() if line.strip()]
        detail = lines[0] if lines else _("exit code {code}").format(code=done.returncode)
        raise StoreError(_("{tool} failed: {detail}").format(tool=what, detail=detail))
    return done.stdout


def _archive_tables(path: Path, env: dict[str, str]) -> set[str]:
    """The tables an archive of pg_dump holds (``pg_restore --list`` reads it, changes nothing)."""
    listing = _run([pg_tool("pg_restore"), "--list", str(path)], env, "pg_restore")
    tables = set()
    for line in listing.splitlines():
        if line.startswith(";"):
            continue
        parts = line.split()
        # "12; 1259 16390 TABLE public audit_event postgres"
        if len(parts) >= 6 and parts[3] == "TABLE":
            tables.add(parts[5])
    return tables


def _pg_dump_to(store: Store, target: Path, env: dict[str, str], address: str) -> None:
    _private_file(target)
    _run([pg_tool("pg_dump"), "--format=custom", "--file", str(target), "--dbname", address], env, "pg_dump")


def _backup_postgres(store: Store, target: Path, *, force: bool) -> BackupReport:
    pg_tool("pg_dump")
    pg_tool("pg_restore")
    _check_output_path(target, force=force)
    address, env = pg_connection(store)
    staging = _staging_path(target)
    try:
        _pg_dump_to(store, staging, env, address)
        tables = _archive_tables(staging, env)
        if not CORE_TABLES <= tables:
            raise StoreError(
                _("The backup of {url} does not hold relaytui's tables; it was not kept. Check "
                  "the database with 'relaytui db status'.").format(url=safe_url(store.url))
            )
        _put_in_place(staging, target, force=force)
    except OSError as exc:
        raise write_failed(target, exc) from exc
    finally:
        _remove_quietly(staging)
    return BackupReport(path=target, kind="postgresql", counts=None, tables=len(tables))


# --- restore -------------------------------------------------------------------------------------


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(16)
    except OSError as exc:
        raise InvalidInput(
            _("The file {path} cannot be read: {error}.").format(path=path, error=exc.strerror or exc)
        ) from exc


def check_file(path: Path, kind: str, *, unverified: bool = False) -> Candidate:
    """Check that ``path`` is a whole relaytui backup for a database of ``kind``, and, where
    the checkpoint file records backups, that it is one of them unchanged (``unverified``:
    restore it all the same); changes nothing."""
    path = Path(path).expanduser()
    candidate = _check_file(path, kind)
    if not unverified:
        _check_recorded(path)
    return candidate


def _check_recorded(path: Path) -> None:
    """A backup that the checkpoint file does not record as it was written is refused."""
    from relaytui import signing
    from relaytui.services import checkpoints

    key = signing.configured_public_key()
    file = signing.checkpoint_file()
    if key is None or not file.exists():
        return
    if checkpoints.backup_recorded(file, key, path) is False:
        raise InvalidInput(
            _("{path} is not a backup recorded in the checkpoint file {file}: it was changed "
              "after relaytui wrote it (cut short or rewritten), or it was made elsewhere. Nothing "
              "was restored. If you know where it comes from, restore it with --unverified.").format(
                path=path, file=file))


def _check_file(path: Path, kind: str) -> Candidate:
    if not path.exists():
        raise InvalidInput(_("There is no file {path}.").format(path=path))
    if path.is_dir():
        raise InvalidInput(_("{path} is a folder, not a backup file.").format(path=path))
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):  # a FIFO would be waited on for ever, a device read without end
        raise InvalidInput(_("{path} is {kind}, not a backup file.").format(path=path, kind=file_kind(mode)))
    head = _read_head(path)
    if kind == "sqlite":
        if head.startswith(PG_ARCHIVE_MAGIC):
            raise InvalidInput(
                _("{path} is a backup of a PostgreSQL database; the database here is SQLite. "
                  "Restore it with --db pointing to a PostgreSQL database.").format(path=path)
            )
        if head != SQLITE_MAGIC:
            raise InvalidInput(_("{path} is not a relaytui backup: it is not an SQLite database.").format(path=path))
        return _check_sqlite_file(path)
    if head.startswith(SQLITE_MAGIC):
        raise InvalidInput(
            _("{path} is a backup of an SQLite database; the database here is PostgreSQL. "
              "Restore it with --db pointing to an SQLite file.").format(path=path)
        )
    if not head.startswith(PG_ARCHIVE_MAGIC):
        raise InvalidInput(
            _("{path} is not a relaytui backup: it is not an archive made by pg_dump "
              "(custom format).").format(path=path)
        )
    pg_tool("pg_restore")
    try:
        tables = _archive_tables(path, dict(os.environ))
    except StoreError as exc:
        raise InvalidInput(
            _("{path} cannot be read as a pg_dump archive: {detail}").format(path=path, detail=exc.message)
        ) from exc
    if not CORE_TABLES <= tables:
        raise InvalidInput(_("{path} is a PostgreSQL backup, but not of a relaytui database.").format(path=path))
    return Candidate(path=path, kind="postgresql", revision=None, counts=None)


def _read_only_store(path: Path) -> Store:
    engine = create_engine(
        "sqlite://", creator=lambda: _open_read_only(path),
    )
    return Store(url=f"sqlite:///{path.absolute()}", engine=engine, source="backup")


def _check_sqlite_file(path: Path) -> Candidate:
    try:
        conn = _open_read_only(path)
    except sqlite3.Error as exc:
        raise InvalidInput(_("{path} cannot be opened: {detail}").format(path=path, detail=exc)) from exc
    try:
        try:
            integrity = _integrity(conn)
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            raise InvalidInput(
                _("{path} is not a relaytui backup: SQLite cannot read it ({detail}).").format(path=path, detail=exc)
            ) from exc
        if integrity != "ok":
            raise InvalidInput(
                _("{path} is damaged: SQLite's integrity check says '{detail}'. Nothing was "
                  "restored.").format(path=path, detail=integrity)
            )
        if not CORE_TABLES <= tables:
            raise InvalidInput(
                _("{path} is an SQLite database, but not a relaytui database (its tables are "
                  "missing).").format(path=path)
            )
        revision_row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = revision_row[0] if revision_row else None
        counts = _counts_sql(conn)
    finally:
        conn.close()
    if revision not in _known_revisions():
        raise InvalidInput(
            _("{path} has the schema {revision}, which this version of relaytui does not know. "
              "Restore it with the relaytui that made it, or upgrade relaytui first.").format(
                  path=path, revision=revision or _("none"))
        )
    store = _read_only_store(path)
    try:
        report = _chain(store)
    finally:
        store.dispose()
    if not report.intact:
        raise _broken_chain(report, path)
    return Candidate(path=path, kind="sqlite", revision=revision, counts=counts)


def restore(store: Store, candidate: Candidate, *, force: bool = False) -> RestoreReport:
    """Put the checked backup ``candidate`` in place of what ``store`` holds.

    A database that holds data is replaced only with ``force``, and then a copy of it is kept
    first. Afterwards the schema is brought up to date and the audit chain checked.
    """
    if candidate.kind != _kind(store):
        raise InvalidInput(_("This backup is for another kind of database."))
    if store.is_sqlite:
        previous = _restore_sqlite(store, candidate, force=force)
    else:
        previous = _restore_postgres(store, candidate, force=force)
    store.engine.dispose()  # pooled connections must see the restored file
    before = store.current_revision()
    upgraded_from = None
    if before is None:
        raise StoreError(_("The restored database has no schema version."))
    if before not in _known_revisions():
        raise StoreError(
            _("The restored database has the schema {revision}, which this version of relaytui "
              "does not know. Upgrade relaytui.").format(revision=before)
        )
    if before != store.head_revision():
        store.upgrade()
        upgraded_from = before
    store.require_current()
    report = _chain(store)
    if not report.intact:
        raise StoreError(
            _("The restored audit trail is broken at event {id}. 'relaytui audit verify' reports "
              "it; keep the backup file for an investigation.").format(id=report.broken_at)
        )
    with store.engine.connect() as conn:
        counts = _counts_sql(conn)
    return RestoreReport(path=candidate.path, kind=_kind(store), previous_copy=previous,
                         upgraded_from=upgraded_from, revision=store.current_revision(),
                         counts=counts, audit_events=report.events)


def _refuse_overwrite(store: Store) -> InvalidInput:
    return InvalidInput(
        _("The database at {url} already holds data. Add --force to replace it; a copy of what "
          "is there now is kept first.").format(url=safe_url(store.url))
    )


def _restore_sqlite(store: Store, candidate: Candidate, *, force: bool) -> Path | None:
    target = _sqlite_path(store)
    if target.exists() and target.resolve() == candidate.path.resolve():
        raise InvalidInput(_("The backup file is the database itself; nothing to restore."))
    previous = None
    if _has_data(store):
        if not force:
            raise _refuse_overwrite(store)
        previous = _timestamped(target.parent, target.stem, target.suffix or ".db")
        live = _open_live_sqlite(target)
        try:
            _sqlite_copy(live, previous)
        except BaseException:
            _remove_quietly(previous)
            raise
        finally:
            live.close()
    source = _open_read_only(candidate.path)
    destination = _open_live_sqlite(target)
    try:
        source.backup(destination)
    except sqlite3.Error as exc:
        raise StoreError(
            _("The restore into {url} failed: {detail}. The database is as it was.").format(
                url=safe_url(store.url), detail=exc)
        ) from exc
    finally:
        destination.close()
        source.close()
    os.chmod(target, 0o600)
    return previous


def _restore_postgres(store: Store, candidate: Candidate, *, force: bool) -> Path | None:
    restore_tool = pg_tool("pg_restore")
    address, env = pg_connection(store)
    previous = None
    if _has_data(store):
        if not force:
            raise _refuse_overwrite(store)
        pg_tool("pg_dump")
        folder = config.data_dir() / "backups"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        database = make_url(store.url).database or "relaytui"
        previous = _timestamped(folder, database, ".dump")
        try:
            _pg_dump_to(store, previous, env, address)
        except BaseException:
            _remove_quietly(previous)
            raise
    store.engine.dispose()  # idle connections would hold no locks, but free them anyway
    # One transaction: a failure part-way leaves the database as it was.
    _run([restore_tool, "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--dbname", address, str(candidate.path)], env, "pg_restore")
    return previous
