"""Putting a backup back: check that a file is a whole relaytui backup (and, where the
checkpoint file records backups, one of them unchanged), then put it in place of the database.

A database that holds data is replaced only when asked, and a copy of it is kept first. The
restored database is brought up to date and its audit chain checked, so a restore never leaves
a trail that no longer proves who read what; the chain check runs as the command line's
administrator (nothing here acts as a member of staff). The files are read and copied with the
tools of :mod:`relaytui.backup`.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from relaytui import config
from relaytui.backup import (
    CORE_TABLES,
    Counts,
    archive_tables,
    count_rows,
    integrity_check,
    open_live_sqlite,
    open_read_only,
    pg_connection,
    pg_dump_to,
    pg_tool,
    remove_quietly,
    run_tool,
    sqlite_copy,
    sqlite_path,
)
from relaytui.db import Store, file_kind
from relaytui.db_url import safe_url
from relaytui.errors import InvalidInput, StoreError
from relaytui.i18n import _

SQLITE_MAGIC = b"SQLite format 3\x00"

PG_ARCHIVE_MAGIC = b"PGDMP"


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


def _kind(store: Store) -> str:
    return "sqlite" if store.is_sqlite else "postgresql"


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
        _(
            "The audit trail in {path} is broken at event {id}: it was changed after it was "
            "written. Nothing was restored."
        ).format(path=path, id=report.broken_at)
    )


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


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(16)
    except OSError as exc:
        raise InvalidInput(
            _("The file {path} cannot be read: {error}.").format(
                path=path, error=exc.strerror or exc
            )
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
            _(
                "{path} is not a backup recorded in the checkpoint file {file}: it was changed "
                "after relaytui wrote it (cut short or rewritten), or it was made elsewhere. Nothing "
                "was restored. If you know where it comes from, restore it with --unverified."
            ).format(path=path, file=file)
        )


def _check_file(path: Path, kind: str) -> Candidate:
    if not path.exists():
        raise InvalidInput(_("There is no file {path}.").format(path=path))
    if path.is_dir():
        raise InvalidInput(_("{path} is a folder, not a backup file.").format(path=path))
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):  # a FIFO would be waited on for ever, a device read without end
        raise InvalidInput(
            _("{path} is {kind}, not a backup file.").format(path=path, kind=file_kind(mode))
        )
    head = _read_head(path)
    if kind == "sqlite":
        if head.startswith(PG_ARCHIVE_MAGIC):
            raise InvalidInput(
                _(
                    "{path} is a backup of a PostgreSQL database; the database here is SQLite. "
                    "Restore it with --db pointing to a PostgreSQL database."
                ).format(path=path)
            )
        if head != SQLITE_MAGIC:
            raise InvalidInput(
                _("{path} is not a relaytui backup: it is not an SQLite database.").format(
                    path=path
                )
            )
        return _check_sqlite_file(path)
    if head.startswith(SQLITE_MAGIC):
        raise InvalidInput(
            _(
                "{path} is a backup of an SQLite database; the database here is PostgreSQL. "
                "Restore it with --db pointing to an SQLite file."
            ).format(path=path)
        )
    if not head.startswith(PG_ARCHIVE_MAGIC):
        raise InvalidInput(
            _(
                "{path} is not a relaytui backup: it is not an archive made by pg_dump "
                "(custom format)."
            ).format(path=path)
        )
    pg_tool("pg_restore")
    try:
        tables = archive_tables(path, dict(os.environ))
    except StoreError as exc:
        raise InvalidInput(
            _("{path} cannot be read as a pg_dump archive: {detail}").format(
                path=path, detail=exc.message
            )
        ) from exc
    if not CORE_TABLES <= tables:
        raise InvalidInput(
            _("{path} is a PostgreSQL backup, but not of a relaytui database.").format(path=path)
        )
    return Candidate(path=path, kind="postgresql", revision=None, counts=None)


def _read_only_store(path: Path) -> Store:
    engine = create_engine(
        "sqlite://",
        creator=lambda: open_read_only(path),
    )
    return Store(url=f"sqlite:///{path.absolute()}", engine=engine, source="backup")


def _check_sqlite_file(path: Path) -> Candidate:
    try:
        conn = open_read_only(path)
    except sqlite3.Error as exc:
        raise InvalidInput(
            _("{path} cannot be opened: {detail}").format(path=path, detail=exc)
        ) from exc
    try:
        try:
            integrity = integrity_check(conn)
            tables = {
                row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.DatabaseError as exc:
            raise InvalidInput(
                _("{path} is not a relaytui backup: SQLite cannot read it ({detail}).").format(
                    path=path, detail=exc
                )
            ) from exc
        if integrity != "ok":
            raise InvalidInput(
                _(
                    "{path} is damaged: SQLite's integrity check says '{detail}'. Nothing was "
                    "restored."
                ).format(path=path, detail=integrity)
            )
        if not CORE_TABLES <= tables:
            raise InvalidInput(
                _(
                    "{path} is an SQLite database, but not a relaytui database (its tables are "
                    "missing)."
                ).format(path=path)
            )
        revision_row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = revision_row[0] if revision_row else None
        counts = count_rows(conn)
    finally:
        conn.close()
    if revision not in _known_revisions():
        raise InvalidInput(
            _(
                "{path} has the schema {revision}, which this version of relaytui does not know. "
                "Restore it with the relaytui that made it, or upgrade relaytui first."
            ).format(path=path, revision=revision or _("none"))
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
            _(
                "The restored database has the schema {revision}, which this version of relaytui "
                "does not know. Upgrade relaytui."
            ).format(revision=before)
        )
    if before != store.head_revision():
        store.upgrade()
        upgraded_from = before
    store.require_current()
    report = _chain(store)
    if not report.intact:
        raise StoreError(
            _(
                "The restored audit trail is broken at event {id}. 'relaytui audit verify' reports "
                "it; keep the backup file for an investigation."
            ).format(id=report.broken_at)
        )
    with store.engine.connect() as conn:
        counts = count_rows(conn)
    return RestoreReport(
        path=candidate.path,
        kind=_kind(store),
        previous_copy=previous,
        upgraded_from=upgraded_from,
        revision=store.current_revision(),
        counts=counts,
        audit_events=report.events,
    )


def _refuse_overwrite(store: Store) -> InvalidInput:
    return InvalidInput(
        _(
            "The database at {url} already holds data. Add --force to replace it; a copy of what "
            "is there now is kept first."
        ).format(url=safe_url(store.url))
    )


def _restore_sqlite(store: Store, candidate: Candidate, *, force: bool) -> Path | None:
    target = sqlite_path(store)
    if target.exists() and target.resolve() == candidate.path.resolve():
        raise InvalidInput(_("The backup file is the database itself; nothing to restore."))
    previous = None
    if _has_data(store):
        if not force:
            raise _refuse_overwrite(store)
        previous = _timestamped(target.parent, target.stem, target.suffix or ".db")
        live = open_live_sqlite(target)
        try:
            sqlite_copy(live, previous)
        except BaseException:
            remove_quietly(previous)
            raise
        finally:
            live.close()
    source = open_read_only(candidate.path)
    destination = open_live_sqlite(target)
    try:
        source.backup(destination)
    except sqlite3.Error as exc:
        raise StoreError(
            _("The restore into {url} failed: {detail}. The database is as it was.").format(
                url=safe_url(store.url), detail=exc
            )
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
            pg_dump_to(store, previous, env, address)
        except BaseException:
            remove_quietly(previous)
            raise
    store.engine.dispose()  # idle connections would hold no locks, but free them anyway
    # One transaction: a failure part-way leaves the database as it was.
    run_tool(
        [
            restore_tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            address,
            str(candidate.path),
        ],
        env,
        "pg_restore",
    )
    return previous
