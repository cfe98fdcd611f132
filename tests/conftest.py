"""Shared fixtures: a fresh, migrated store on SQLite and on PostgreSQL.

PostgreSQL cases run against a throwaway database on 127.0.0.1:5432; they skip with a reason
when no server answers, except under RELAYTUI_REQUIRE_POSTGRES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from relaytui.i18n import set_language
from tests.factories import build_world
from tests.postgres import PG_ADMIN_URL, REQUIRE_PG, pg_available, truncate_all


@pytest.fixture(autouse=True)
def _english_and_real_clock(monkeypatch, tmp_path):
    """Each test starts in English, on the real clock, with its own config and data folders."""
    from relaytui.services import clock

    monkeypatch.setenv("RELAYTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("RELAYTUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RELAYTUI_DATABASE_URL", raising=False)
    monkeypatch.delenv("RELAYTUI_LANG", raising=False)
    set_language("en")
    clock.set_clock(None)
    yield
    clock.set_clock(None)
    set_language("en")


@pytest.fixture(scope="session")
def pg_database():
    """A throwaway PostgreSQL database, migrated once; dropped at the end of the run."""
    reason = pg_available()
    if reason is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (RELAYTUI_REQUIRE_POSTGRES=1) but: {reason}")
        pytest.skip(f"no PostgreSQL server on 127.0.0.1:5432: {reason}")
    import psycopg

    name = f"relaytui_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    from relaytui.db import open_store

    store = open_store(url)
    store.upgrade()
    store.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    from relaytui.db import open_store

    path = tmp_path_factory.mktemp("template") / "template.db"
    store = open_store(str(path))
    store.upgrade()
    store.dispose()
    return path


@pytest.fixture
def sqlite_store(tmp_path, sqlite_template):
    from relaytui.db import open_store

    path = tmp_path / "relaytui.db"
    shutil.copyfile(sqlite_template, path)
    os.chmod(path, 0o600)
    store = open_store(str(path))
    yield store
    store.dispose()


@pytest.fixture
def pg_store(pg_database):
    from relaytui.db import open_store

    truncate_all(pg_database)
    store = open_store(pg_database)
    yield store
    store.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request):
    """The same test on SQLite and on PostgreSQL."""
    name = "sqlite_store" if request.param == "sqlite" else "pg_store"
    return request.getfixturevalue(name)


@pytest.fixture(autouse=True)
def _quick_password_hashing():
    """argon2id with test-sized costs: the same algorithm, a fraction of the time."""
    from argon2 import PasswordHasher, Type

    from relaytui.services import sign_in

    sign_in.set_password_hasher(
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    )
    yield
    sign_in.set_password_hasher(None)


@pytest.fixture
def world(store):
    """A Danish municipality on each store."""
    return build_world(store, "dk")


@pytest.fixture
def no_world(store):
    """A Norwegian municipality on each store."""
    return build_world(store, "no")
