"""What the screen tests share: a small installation, and reading the screen as text."""

from __future__ import annotations

import shutil
from datetime import timedelta
from types import SimpleNamespace

import pytest

from relaytui.services import (
    access,
    accounts,
    clock,
    consent,
    installation,
    journal,
    logs,
    meetings,
    sign_in,
    subjects,
    units,
)
from relaytui.services.consent import ConsentInput
from tests.factories import build_world
from tests.screens.demo import DEMO_NOW

CPR = "0707614285"  # a valid Danish CPR number (stdnum.dk.cpr.is_valid)


@pytest.fixture
def world(sqlite_store):
    """An installation with a unit, a caseworker holding one log, an idle colleague, an admin."""
    store = sqlite_store
    installation.write(store, profile="dk", timezone="Europe/Copenhagen")
    system = access.system_administrator()
    unit = units.add_unit(store, system, name="Solsikken", kind="daycare")
    accounts.add_user(
        store,
        system,
        username="anna",
        full_name="Anna Holm",
        password="demo",
        profession="pedagogue",
        unit=unit.id,
    )
    accounts.add_user(
        store,
        system,
        username="bent",
        full_name="Bent Berg",
        password="demo",
        profession="teacher",
        unit=unit.id,
    )
    accounts.add_user(
        store, system, username="root", full_name="Rita Root", password="secret", role="admin"
    )
    anna = sign_in.authenticate(store, "anna", "demo")
    subject = subjects.create_subject(store, anna, national_number=CPR, name="Bo Jensen")
    log = logs.create_log(store, anna, subject_id=subject.id, concern="Comes to daycare hungry.")
    return SimpleNamespace(store=store, system=system, anna=anna, subject=subject, log=log)


@pytest.fixture
def level_2_town(sqlite_store):
    """Ida's log, held by Anna at level 2 with the mother's consent, with an entry and a meeting.

    Lene (the daycare leader) reads it as an actor (R3); Carl (school) is not attached.
    """
    world = build_world(sqlite_store, "dk")
    store, anna = sqlite_store, world.ref("anna")
    log = logs.create_log(
        store, anna, subject_id=world.subjects["Ida Jensen"], concern="Ida comes to daycare hungry."
    )
    consent.record_consent(
        store,
        anna,
        log.id,
        ConsentInput(
            giver="guardian", guardian_id=world.guardians["Mette Jensen"], method="signed_form"
        ),
    )
    logs.change_level(store, anna, log.id, to_level=1, reason="Dialogue meeting with the mother.")
    logs.change_level(store, anna, log.id, to_level=2, reason="School and health visitor join in.")
    first = journal.write_entry(
        store, anna, log.id, text="Ida came without a lunch box.\nThird time."
    )
    meetings.schedule(
        store,
        anna,
        log.id,
        kind="dialogue",
        starts_at=clock.now() + timedelta(days=7),
        place="Solsikken, room 2",
    )
    with store.session() as session:
        from relaytui.models import Subject  # the full number, to prove it is never shown

        number = session.get(Subject, world.subjects["Ida Jensen"]).national_number
    return SimpleNamespace(world=world, store=store, log=log, first=first, number=number)


@pytest.fixture
def level_0_town(sqlite_store):
    """A Danish municipality (tests/factories.py) with one new log (level 0) held by anna; lene,
    anna's leader, reads it (R3)."""
    world = build_world(sqlite_store, "dk")
    anna = world.ref("anna")
    log = logs.create_log(
        sqlite_store,
        anna,
        subject_id=world.subjects["Ida Jensen"],
        concern="Ida comes to daycare hungry.",
    )
    return SimpleNamespace(
        world=world,
        store=sqlite_store,
        anna=anna,
        lene=world.ref("lene"),
        log=log,
        today=clock.today("Europe/Copenhagen"),
    )


# --- the demo municipality, for snapshots --------------------------------------------------


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """The demo municipality, made once per test run on a fixed clock (it takes a while)."""
    from argon2 import PasswordHasher, Type

    from relaytui import demo
    from relaytui.db import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(str(path))
    store.upgrade()
    sign_in.set_password_hasher(
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    )
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


@pytest.fixture
def fixed_clock():
    """The clock stands at DEMO_NOW (Monday 23 November 2026, 09:00 in Copenhagen)."""
    clock.set_clock(lambda: DEMO_NOW)
    yield DEMO_NOW
    clock.set_clock(None)
