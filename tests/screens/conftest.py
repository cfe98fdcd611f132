"""What the screen tests share: a small installation, and reading the screen as text."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from relaytui.services import access, accounts, installation, logs, subjects, units

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
    anna = accounts.authenticate(store, "anna", "demo")
    subject = subjects.create_subject(store, anna, national_number=CPR, name="Bo Jensen")
    log = logs.create_log(store, anna, subject_id=subject.id, concern="Comes to daycare hungry.")
    return SimpleNamespace(store=store, system=system, anna=anna, subject=subject, log=log)
