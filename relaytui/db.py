"""Engines, sessions and migrations.

SQLite (the default) runs in WAL mode with foreign keys on and a busy timeout; its file is
created readable by its owner only. Writes on SQLite start with ``BEGIN IMMEDIATE`` so that a
check and the write that depends on it cannot interleave with another writer; on PostgreSQL the
services lock the rows they check (``SELECT ... FOR UPDATE``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlmodel import Session, create_engine

from relaytui import config
from relaytui.errors import StoreError
from relaytui.i18n import _

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 15000


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    database = parsed.database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _prepare_sqlite_file(path: Path, *, create_folder: bool) -> None:
    folder = path.parent
    if not folder.exists():
        if create_folder:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        else:
            raise StoreError(
                _("The folder {folder} does not exist. Create it first or choose another path.").format(
                    folder=folder
                )
            )
    if not path.exists():
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
        except FileExistsError:
            pass
        except OSError as exc:
            raise StoreError(
                _("The database file {path} cannot be created: {error}.").format(
                    path=path, error=exc.strerror or exc
                )
            ) from exc
    os.chmod(path, 0o600)


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


def _on_sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get("relaytui_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def safe_url(url: str) -> str:
    """The URL without its password, for messages and the config file."""
    try:
        return make_url(url).render_as_string(hide_password=True).replace(":***@", "@")
    except ArgumentError:
        return url


def _with_password(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or parsed.password:
        return url
    password = os.environ.get("RELAYTUI_DATABASE_PASSWORD") or config.load_password(safe_url(url))
    if password:
        parsed = parsed.set(password=password)
    return parsed.render_as_string(hide_password=False)


def normalise_url(url: str) -> str:
    """Check the URL's form and pick the psycopg 3 driver for PostgreSQL."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            _("'{url}' is not a database URL. Use a file path for SQLite or "
              "postgresql://user@host/database.").format(url=url)
        ) from exc
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        else:
            raise StoreError(
                _("Only the psycopg driver is supported: use postgresql+psycopg://.")
            )
    elif backend != "sqlite":
        raise StoreError(
            _("relaytui stores its data in SQLite or PostgreSQL, not '{backend}'.").format(
                backend=backend
            )
        )
    return parsed.render_as_string(hide_password=False)


@dataclass
class Store:
    """One database: its engine, its kind and the installation settings kept in it."""

    url: str
    engine: Engine
    source: str = "option"

    @property
    def kind(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A unit of work; committed when the block ends without an error."""
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
        with Session(self._write_engine, expire_on_commit=False) as again:
            for hook in hooks:
                hook(again)
            again.commit()

    def __post_init__(self) -> None:
        self._write_engine = self.engine.execution_options(relaytui_write=True)

    def dispose(self) -> None:
        self.engine.dispose()

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
        from alembic.runtime.migration import MigrationContext

        try:
            with self.engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        except (OperationalError, DBAPIError) as exc:
            raise _unreachable(self.url, exc) from exc

    def is_current(self) -> bool:
        return self.current_revision() == self.head_revision()

    def upgrade(self) -> tuple[str | None, str | None]:
        """Apply all migrations; returns the revision before and after."""
        from alembic import command

        before = self.current_revision()
        try:
            with self.engine.begin() as conn:
                command.upgrade(self._alembic_config(conn), "head")
        except (OperationalError, DBAPIError) as exc:
            raise _unreachable(self.url, exc) from exc
        return before, self.current_revision()

    def require_current(self) -> None:
        """Refuse to work on a database whose schema is missing or old."""
        current = self.current_revision()
        head = self.head_revision()
        if current is None:
            raise StoreError(
                _("The database at {url} is not set up. Run 'relaytui init' (or "
                  "'relaytui db upgrade').").format(url=safe_url(self.url))
            )
        if current != head:
            raise StoreError(
                _("The database at {url} has an old schema ({current}). Run 'relaytui db "
                  "upgrade' first.").format(url=safe_url(self.url), current=current)
            )


def _unreachable(url: str, exc: Exception) -> StoreError:
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
    return StoreError(
        _("The database at {url} cannot be used: {detail}").format(url=safe_url(url), detail=detail)
    )


def open_store(url: str, *, source: str = "option", create_folder: bool = False) -> Store:
    """Open (but do not migrate) the database at ``url``."""
    url = normalise_url(config.to_url(url))
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        if path is not None:
            _prepare_sqlite_file(path, create_folder=create_folder)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    else:
        try:
            engine = create_engine(
                _with_password(url), pool_pre_ping=True, connect_args={"connect_timeout": 5}
            )
        except NoSuchModuleError as exc:  # pragma: no cover - psycopg is a dependency
            raise StoreError(_("The PostgreSQL driver psycopg is not installed.")) from exc
    store = Store(url=url, engine=engine, source=source)
    # Touch the database now so that an unreachable one is reported at once, in one line.
    try:
        with engine.connect():
            pass
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        raise _unreachable(url, exc) from exc
    return store


def open_location(location: config.Location, *, create_folder: bool | None = None) -> Store:
    if create_folder is None:
        create_folder = location.source in ("default", "demo")
    return open_store(location.url, source=location.source, create_folder=create_folder)
