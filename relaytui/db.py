"""Engines, sessions and migrations.

SQLite (the default) runs in WAL mode with foreign keys on and a busy timeout; its file is
created readable by its owner only. Writes on SQLite start with ``BEGIN IMMEDIATE`` so that a
check and the write that depends on it cannot interleave with another writer; on PostgreSQL the
services lock the rows they check (``SELECT ... FOR UPDATE``). How a URL is read, and its
password kept out of messages, is :mod:`relaytui.db_url`.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from relaytui import config
from relaytui.db_url import (
    CONNECT_TIMEOUT,
    hide_secrets,
    is_postgresql,
    make_url,
    normalise_url,
    not_a_url,
    pg_conninfo,
    pg_params,
    safe_url,
    sqlite_file_of,
    with_password,
)
from relaytui.errors import DomainError, InvalidInput, StoreError
from relaytui.i18n import _

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 15000
#: The newest migration. Checked at start without importing Alembic (which alone costs a third
#: of a second); tests/models/test_schema.py keeps it equal to Alembic's head.
HEAD_REVISION = "0013"


def has_column(connection, table: str, column: str) -> bool:
    """Whether the database has this column: a backup is read before it is brought up to date."""
    from sqlalchemy import inspect

    return any(found["name"] == column for found in inspect(connection).get_columns(table))


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    database = parsed.database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _prepare_sqlite_file(path: Path, *, create_folder: bool) -> None:
    """Make sure ``path`` is a database file readable by its owner only, creating it if it is
    not there. Only a regular file gets mode 600: a folder, a device, a FIFO, a socket, or a
    link to one, is refused as it is, and a link to nothing is not followed to create a file."""
    folder = path.parent
    if not folder.exists():
        if create_folder:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        else:
            raise StoreError(
                _(
                    "The folder {folder} does not exist. Create it first or choose another path."
                ).format(folder=folder)
            )
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        fd = _open_database_file(path)
    except OSError as exc:
        raise StoreError(
            _("The database file {path} cannot be created: {error}.").format(
                path=path, error=exc.strerror or exc
            )
        ) from exc
    try:
        os.fchmod(fd, 0o600)  # the file opened, whatever the name points to by now
    except OSError as exc:
        raise _unusable_file(path, exc) from exc
    finally:
        os.close(fd)


def _open_database_file(path: Path) -> int:
    """An existing database file, opened to set its mode; anything but a regular file (or a
    link to one) is refused before it is opened, so a device or a FIFO is never touched."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        raise StoreError(
            _(
                "{path} is a link to a file that does not exist. Give the path of the database "
                "file itself."
            ).format(path=path)
        ) from None
    except OSError as exc:
        raise _unusable_file(path, exc) from exc
    if not stat.S_ISREG(found.st_mode):
        raise _not_a_database_file(path, found.st_mode)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise _unusable_file(path, exc) from exc
    opened = os.fstat(fd)
    if not stat.S_ISREG(opened.st_mode):  # replaced since it was looked at
        os.close(fd)
        raise _not_a_database_file(path, opened.st_mode)
    return fd


def _not_a_database_file(path: Path, mode: int) -> StoreError:
    return StoreError(
        _(
            "{path} is {kind}, not a database file; nothing was changed. Give the path of a "
            "database file."
        ).format(path=path, kind=file_kind(mode))
    )


def _unusable_file(path: Path, exc: OSError) -> StoreError:
    return StoreError(
        _("The database file {path} cannot be used: {error}.").format(
            path=path, error=exc.strerror or type(exc).__name__
        )
    )


# --- files relaytui writes: backups and papers ------------------------------------------------


def file_kind(mode: int) -> str:
    """What a file that is not a regular file is, in words ("a folder", "a device", ...)."""
    if stat.S_ISDIR(mode):
        return _("a folder")
    if stat.S_ISLNK(mode):
        return _("a symbolic link")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISFIFO(mode):
        return _("a named pipe (FIFO)")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    return _("a special file")


def check_output_file(path: Path, *, force: bool) -> bool:
    """Refuse ``path`` as a file to write unless it is new (in a folder that exists) or, with
    ``force``, a regular file that is replaced as a whole. A link (even to a regular file), a
    folder, a device, a FIFO or a socket is refused: nothing is ever written through or into
    one. Returns whether the file exists."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        folder = path.parent
        if folder.exists() and not folder.is_dir():
            raise InvalidInput(
                _("{folder} is not a folder. Give a file name in a folder that exists.").format(
                    folder=folder
                )
            ) from None
        if not folder.is_dir():
            raise InvalidInput(
                _("The folder {folder} does not exist.").format(folder=folder)
            ) from None
        return False
    except NotADirectoryError:
        raise InvalidInput(
            _("{folder} is not a folder. Give a file name in a folder that exists.").format(
                folder=path.parent
            )
        ) from None
    except OSError as exc:
        raise write_failed(path, exc) from exc
    if stat.S_ISLNK(found.st_mode):
        raise InvalidInput(
            _(
                "{path} is a symbolic link. Give the path of the file itself: "
                "relaytui does not write through links."
            ).format(path=path)
        )
    if stat.S_ISDIR(found.st_mode):
        raise InvalidInput(
            _("{path} is a folder. Give the name of the file to write.").format(path=path)
        )
    if not stat.S_ISREG(found.st_mode):
        raise InvalidInput(
            _("{path} is {kind}, not a file. Give the name of a file to write.").format(
                path=path, kind=file_kind(found.st_mode)
            )
        )
    if not force:
        raise InvalidInput(
            _(
                "The file {path} already exists. Choose another name, or add --force to replace it."
            ).format(path=path)
        )
    return True


def write_failed(path: Path, exc: OSError) -> DomainError:
    """Why ``path`` was not written, in one line (the disk is full, no permission, ...)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DomainError(
            _(
                "The disk is full, so {path} was not written. Free some space or "
                "choose another folder, and try again."
            ).format(path=path)
        )
    return DomainError(
        _("{path} could not be written ({error}); nothing was written.").format(
            path=path, error=exc.strerror or type(exc).__name__
        )
    )


def _casefold(value: str | None) -> str | None:
    return value.lower() if value is not None else None


def casefold_function(session: Any):
    """The SQL function that folds case beyond ASCII ("Ø" finds "ø"), for searches."""
    from sqlalchemy import func

    if session.get_bind().dialect.name == "sqlite":
        return func.relaytui_casefold
    return func.lower


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event decide how a transaction starts (see _on_sqlite_begin).
    dbapi_connection.isolation_level = None
    # SQLite's lower() folds ASCII only; searches use this one instead.
    dbapi_connection.create_function("relaytui_casefold", 1, _casefold, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _on_sqlite_close(dbapi_connection: Any, _record: Any) -> None:
    """Keep the planner's statistics fresh as the database grows (SQLite gathers none by
    itself): on closing, ``PRAGMA optimize`` analyses the tables this connection queried whose
    statistics are missing or stale, within a bounded effort, and never waits for a lock."""
    import sqlite3

    try:
        dbapi_connection.execute("PRAGMA busy_timeout=0")
        dbapi_connection.execute("PRAGMA analysis_limit=400")
        dbapi_connection.execute("PRAGMA optimize")
    except sqlite3.Error:
        pass  # read-only, busy or closing: the statistics wait for the next time


def _on_sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get("relaytui_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


class Store:
    """One database: its engine, its kind and the installation settings kept in it.

    The engine (and with it SQLAlchemy) is made on first use: the app's login screen shows
    before it exists, and the first service call makes it, in a worker thread.
    """

    def __init__(
        self,
        url: str,
        engine: Engine | None = None,
        source: str = "option",
        *,
        make_engine: Callable[[], Engine] | None = None,
    ) -> None:
        self.url = url
        self.source = source
        self._engine = engine
        self._make_engine = make_engine
        self._write: Engine | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Store(url={safe_url(self.url)!r}, source={self.source!r})"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    if self._make_engine is None:
                        raise RuntimeError("a Store is made with an engine or with make_engine")
                    self._engine = self._make_engine()
        return self._engine

    @property
    def _write_engine(self) -> Engine:
        if self._write is None:
            self._write = self.engine.execution_options(relaytui_write=True)
        return self._write

    @property
    def kind(self) -> str:
        if self._engine is None:
            return "sqlite" if self.url.startswith("sqlite") else "postgresql"
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A unit of work; committed when the block ends without an error."""
        from sqlalchemy.exc import OperationalError
        from sqlmodel import Session

        bind = self._write_engine if write else self.engine
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise _unreachable(self.url, exc) from exc
            except BaseException:
                session.rollback()
                self._run_after_rollback(session)
                raise

    def _run_after_rollback(self, session: Session) -> None:
        """Writes that must survive a refusal (the audit of a refused read) run on their own."""
        hooks = session.info.pop("after_rollback", [])
        if not hooks:
            return
        from sqlmodel import Session

        with Session(self._write_engine, expire_on_commit=False) as again:
            for hook in hooks:
                hook(again)
            again.commit()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    # --- migrations ------------------------------------------------------------------------

    def _alembic_config(self, connection: Any = None):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = connection
        return cfg

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic_config()).get_current_head()

    def current_revision(self) -> str | None:
        if self._engine is None:
            return self._peek("SELECT version_num FROM alembic_version", "alembic_version")
        from alembic.runtime.migration import MigrationContext
        from sqlalchemy.exc import DBAPIError, OperationalError

        try:
            with self.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        except (OperationalError, DBAPIError) as exc:
            raise _unreachable(self.url, exc) from exc

    def is_current(self) -> bool:
        return self.current_revision() == self.head_revision()

    def setting(self, key: str) -> str | None:
        """One installation setting, read without making the engine when there is none yet
        (the app's start reads the language this way)."""
        if self._engine is None:
            return self._peek("SELECT value FROM setting WHERE key = ?", "setting", key)
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return conn.execute(
                text("SELECT value FROM setting WHERE key = :k"), {"k": key}
            ).scalar()

    def _peek(self, sql: str, table: str, *params: str) -> str | None:
        """One value through the plain driver (sqlite3 for a file, psycopg for PostgreSQL),
        or None when ``table`` is not there; another SQLite URL (in memory, with parameters)
        makes the engine."""
        path = sqlite_file_of(self.url)
        if path is None:
            if not is_postgresql(self.url):
                self.engine  # noqa: B018
                return self.setting(*params) if table == "setting" else self.current_revision()
            return self._peek_postgresql(sql.replace("?", "%s"), table, params)
        import sqlite3

        try:
            conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                exists = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
                ).fetchone()
                row = conn.execute(sql, params).fetchone() if exists else None
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise StoreError(
                _("The database at {url} cannot be used: {detail}").format(
                    url=safe_url(self.url),
                    detail=str(exc).strip().splitlines()[0] if str(exc) else type(exc).__name__,
                )
            ) from exc
        return row[0] if row else None

    def _peek_postgresql(self, sql: str, table: str, params: tuple[str, ...]) -> str | None:
        import psycopg

        try:
            with _pg_connect(self.url) as conn:
                exists = conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0]
                row = conn.execute(sql, params).fetchone() if exists else None
        except psycopg.Error as exc:
            raise _unreachable(self.url, exc) from exc
        return row[0] if row else None

    def upgrade(self) -> tuple[str | None, str | None]:
        """Apply all migrations; returns the revision before and after."""
        from alembic import command
        from sqlalchemy.exc import DBAPIError, OperationalError

        before = self.current_revision()
        try:
            with self.engine.begin() as conn:
                command.upgrade(self._alembic_config(conn), "head")
        except (OperationalError, DBAPIError) as exc:
            raise _unreachable(self.url, exc) from exc
        after = self.current_revision()
        if before is not None and before != after:
            # New indexes are only chosen well once the planner has their statistics (SQLite
            # gathers none by itself; PostgreSQL's autovacuum would, later).
            with self.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        return before, after

    def require_current(self) -> None:
        """Refuse to work on a database whose schema is missing or old."""
        current = self.current_revision()
        head = HEAD_REVISION
        if current is None:
            raise StoreError(
                _(
                    "The database at {url} is not set up. Run 'relaytui init' (or "
                    "'relaytui db upgrade')."
                ).format(url=safe_url(self.url))
            )
        if current != head:
            raise StoreError(
                _(
                    "The database at {url} has an old schema ({current}). Run 'relaytui db "
                    "upgrade' first."
                ).format(url=safe_url(self.url), current=current)
            )


def _unreachable(url: str, exc: Exception) -> StoreError:
    detail = (
        str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
    )
    return StoreError(
        _("The database at {url} cannot be used: {detail}").format(
            url=safe_url(url), detail=hide_secrets(detail, url)
        )
    )


def _pg_connect(url: str):
    """A psycopg connection with the password the engine would use (the URL's, the
    environment's, the keyring's). The keyring (a fifth of a second to load) is asked only
    when the server wants a password the URL and the environment did not give."""
    import psycopg

    password = os.environ.get("RELAYTUI_DATABASE_PASSWORD") or None
    try:
        return psycopg.connect(pg_conninfo(url, password), autocommit=True)
    except psycopg.OperationalError as exc:
        if password or pg_params(url).get("password") or not _wants_password(exc):
            raise
        password = config.load_password(safe_url(url))
        if not password:
            raise
    return psycopg.connect(pg_conninfo(url, password), autocommit=True)


def _wants_password(exc: Exception) -> bool:
    """Whether a refused connection asked for a password (an unreachable server does not);
    when psycopg cannot tell, the keyring is asked as the engine would."""
    try:
        pgconn = exc.pgconn  # type: ignore[attr-defined]
        return pgconn is not None and bool(pgconn.needs_password or pgconn.used_password)
    except Exception:  # noqa: BLE001 - an older psycopg's closed connection
        return True


#: How many connections an engine keeps open to PostgreSQL (the server's sessions: one).
POOL_ENV = "RELAYTUI_DB_POOL"


def _engine_for(url: str) -> Engine:
    from sqlalchemy import event
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError
    from sqlmodel import create_engine

    if not is_postgresql(url):  # normalise_url left SQLite
        engine = create_engine(
            url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        event.listen(engine, "close", _on_sqlite_close)
        return engine
    # A session process of the server keeps one connection (RELAYTUI_DB_POOL=1, set by the
    # server): fifty people at once then hold fifty of PostgreSQL's connections, not all of
    # its default hundred (issue 18). The app on one machine keeps SQLAlchemy's five.
    pool = max(1, int(os.environ.get(POOL_ENV) or 5))
    try:
        return create_engine(
            with_password(url),
            pool_pre_ping=True,
            pool_size=pool,
            max_overflow=10 if pool >= 5 else 4,
            connect_args={"connect_timeout": CONNECT_TIMEOUT},
        )
    except NoSuchModuleError as exc:  # pragma: no cover - psycopg is a dependency
        raise StoreError(_("The PostgreSQL driver psycopg is not installed.")) from exc
    except (ArgumentError, ValueError) as exc:
        # libpq, which checked the URL, reads forms SQLAlchemy does not (hosts in a list).
        raise not_a_url(url) from exc


def open_store(
    url: str, *, source: str = "option", create_folder: bool = False, lazy: bool = False
) -> Store:
    """Open (but do not migrate) the database at ``url``.

    ``lazy``: the engine is made on first use (the app's start); a SQLite file is only checked
    to be there and usable, and PostgreSQL is first reached by the store's first question
    (``require_current``), through psycopg alone.
    """
    url = normalise_url(config.to_url(url))
    path = sqlite_file_of(url)
    if lazy and (path is not None or is_postgresql(url)):
        if path is not None:
            _prepare_sqlite_file(path, create_folder=create_folder)
        return Store(url=url, source=source, make_engine=lambda: _engine_for(url))
    if path is None and not is_postgresql(url):
        path = _sqlite_path(url)
    if path is not None:
        _prepare_sqlite_file(path, create_folder=create_folder)
    engine = _engine_for(url)
    store = Store(url=url, engine=engine, source=source)
    # Touch the database now so that an unreachable one is reported at once, in one line.
    from sqlalchemy.exc import DBAPIError, OperationalError

    try:
        with engine.connect():
            pass
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        raise _unreachable(url, exc) from exc
    return store


def open_location(
    location: config.Location, *, create_folder: bool | None = None, lazy: bool = False
) -> Store:
    if create_folder is None:
        create_folder = location.source in ("default", "demo")
    return open_store(location.url, source=location.source, create_folder=create_folder, lazy=lazy)
