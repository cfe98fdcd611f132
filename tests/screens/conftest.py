"""What the screen tests share: a small installation, and reading the screen as text."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from relaytui.services import (
    access,
    accounts,
    sign_in,
    clock,
    installation,
    logs,
    subjects,
    units,
)

CPR = "0707614285"  # a valid Danish CPR number (stdnum.dk.cpr.is_valid)


@pytest.fixture
def world(sqlite_store):
    """An installation with a unit, a caseworker holding one log, an idle colleague, an admin."""
    store = sqlite_store
    installation.write(store, profile="dk", timezone="Europe/Copenhagen")
    system = access.system_administrator()
    unit = units.add_unit(store, system, name="Solsikken", kind="daycare")
    accounts.add_user(store, system, username="anna", full_name="Anna Holm", password="demo",
                      profession="pedagogue", unit=unit.id)
    accounts.add_user(store, system, username="bent", full_name="Bent Berg", password="demo",
                      profession="teacher", unit=unit.id)
    accounts.add_user(store, system, username="root", full_name="Rita Root", password="secret",
                      role="admin")
    anna = sign_in.authenticate(store, "anna", "demo")
    subject = subjects.create_subject(store, anna, national_number=CPR, name="Bo Jensen")
    log = logs.create_log(store, anna, subject_id=subject.id, concern="Comes to daycare hungry.")
    return SimpleNamespace(store=store, system=system, anna=anna, subject=subject, log=log)


# --- the demo municipality, for snapshots --------------------------------------------------

DEMO_NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """The demo municipality, made once per test run on a fixed clock (it takes a while)."""
    from argon2 import PasswordHasher, Type

    from relaytui import demo
    from relaytui.db import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(str(path))
    store.upgrade()
    sign_in.set_password_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1,
                                                type=Type.ID))
    try:
        clock.set_clock(lambda: DEMO_NOW)
        demo.populate(store)
    finally:
        clock.set_clock(None)
        sign_in.set_password_hasher(None)
        store.dispose()
    return path


@pytest.fixture
def demo_store(demo_database, tmp_path):
    from relaytui.db import open_store

    path = tmp_path / "demo.db"
    shutil.copyfile(demo_database, path)
    clock.set_clock(lambda: DEMO_NOW)
    store = open_store(str(path))
    yield store
    store.dispose()
