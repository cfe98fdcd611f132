"""The schema: made only by migrations, in step with the models; the SQLite store's settings."""

import os
import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import relaytui.models  # noqa: F401
from relaytui.db import open_store
from relaytui.errors import StoreError


def test_migrations_match_the_models(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_sqlite_file_mode_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "x.db"
    store = open_store(str(path))
    store.upgrade()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    store.dispose()


def test_old_or_missing_schema_is_refused_naming_the_command(tmp_path):
    store = open_store(str(tmp_path / "empty.db"))
    with pytest.raises(StoreError) as missing:
        store.require_current()
    assert "relaytui init" in str(missing.value)
    store.upgrade()
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(StoreError) as old:
        store.require_current()
    assert "relaytui db upgrade" in str(old.value)


def test_missing_folder_is_refused_and_nothing_is_created(tmp_path):
    with pytest.raises(StoreError) as refused:
        open_store(str(tmp_path / "no" / "such" / "x.db"))
    assert "does not exist" in str(refused.value)
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize(
    "url", ["foo://x", "mysql://root@localhost/db", "postgresql+asyncpg://x@y/z"]
)
def test_unsupported_urls_are_refused(url):
    with pytest.raises(StoreError):
        open_store(url)


def test_unreachable_postgres_gives_one_clear_line():
    with pytest.raises(StoreError) as refused:
        open_store("postgresql://postgres@127.0.0.1:1/nope")
    assert "127.0.0.1:1" in str(refused.value) and "\n" not in str(refused.value)


def test_head_revision_constant_is_alembic_head(store):
    """The start checks the schema against db.HEAD_REVISION without importing Alembic."""
    from relaytui.db import HEAD_REVISION

    assert store.head_revision() == HEAD_REVISION


def test_sqlite_statistics_are_refreshed_when_the_app_closes(tmp_path):
    """A database that grows from empty is never analysed by SQLite itself: closing the store
    analyses what it queried, so the planner sees the partial and covering indexes' worth."""
    from relaytui.demo_large import Size, populate
    from relaytui.services import dashboard, sign_in

    store = open_store(str(tmp_path / "grown.db"))
    store.upgrade()
    populate(
        store,
        size=Size(
            logs=120,
            entries=120,
            meetings=120,
            efforts=120,
            staff=16,
            units=2,
            long_logs=1,
            long_entries=10,
        ),
    )
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")  # as if it had grown through the app
    store.dispose()
    used = open_store(str(tmp_path / "grown.db"))  # a day's work, on a database never analysed
    dashboard.unit_figures(used, sign_in.authenticate(used, "lene", "demo"))
    used.dispose()
    again = open_store(str(tmp_path / "grown.db"))
    with again.engine.connect() as conn:
        analysed = {row[0] for row in conn.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}
    again.dispose()
    assert {"relay_log", "effort", "consent"} <= analysed
