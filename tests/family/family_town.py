"""The municipality the family view's browser tests serve, and a real ``relaytui serve`` with
the family view on the port the OIDC provider sends the browser back to.

Bo Jensen's log (anna holds it) has Anne Jensen as guardian with custody, a planned meeting,
an effort, an entry and a notification to the family department whose text must never reach
the family; Peter Hansen is the guardian of another child, Liv Hansen, with a log of her own.
A plain module: the test modules import it.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from relaytui.db import open_store
from relaytui.models import Guardian, RelayLog, TransitionRequest
from relaytui.services import (
    access,
    clock,
    efforts,
    installation,
    journal,
    logs,
    meetings,
    minutes,
    notifications,
    sign_in,
    subjects,
    units,
)
from tests.family.identity import Provider
from tests.server.serving import PASSWORD, build_town, server_environment

NOTIFICATION_TEXT = "SECRET-NOTIFICATION: never on the family's page"
ENTRY_TEXT = "Bo ate breakfast at daycare every day this week."
MINUTES_TEXT = "Mother brings a packed breakfast on Mondays."
EFFORT_TEXT = "Breakfast at daycare on arrival."


@dataclass
class FamilyTown:
    db: str
    folder: Path
    bo_log: int
    liv_log: int
    transition: int


def build_family_town(folder: Path, provider: Provider, numbers: dict[str, str]) -> FamilyTown:
    """``numbers``: the national numbers of ``anne`` and ``peter`` as the provider vouches."""
    town = build_town(folder)
    store = open_store(town.db)
    try:
        system = access.system_administrator()
        installation.write(
            store,
            family_login_issuer=provider.issuer,
            family_login_client=provider.client_id,
        )
        school = units.add_unit(store, system, name="Østre Skole", kind="school")
        anna = sign_in.authenticate(store, "anna", PASSWORD)
        with store.session(write=True) as session:
            log = session.get_one(RelayLog, town.log_id)
            session.add(
                Guardian(
                    subject_id=log.subject_id,
                    name="Anne Jensen",
                    relation="mother",
                    has_custody=True,
                    national_number=numbers["anne"],
                )
            )
        meetings.schedule(
            store,
            anna,
            town.log_id,
            kind="dialogue",
            starts_at=clock.now() + timedelta(days=5),
            place="Solsikken, the blue room",
        )
        held = meetings.schedule(
            store,
            anna,
            town.log_id,
            kind="dialogue",
            starts_at=clock.now() + timedelta(minutes=30),
            place="Solsikken",
        )
        minutes.save_note(store, anna, held.id, text=MINUTES_TEXT)
        minutes.finish_minutes(store, anna, held.id, version=held.version)
        efforts.add_effort(
            store,
            anna,
            town.log_id,
            what=EFFORT_TEXT,
            starts_on=clock.today("Europe/Copenhagen"),
            evaluate_on=clock.today("Europe/Copenhagen") + timedelta(days=30),
            responsible_text="Anna",
        )
        journal.write_entry(store, anna, town.log_id, text=ENTRY_TEXT)
        notifications.notify(store, anna, town.log_id, reason=NOTIFICATION_TEXT, exception="acute")
        liv = subjects.create_subject(
            store,
            anna,
            national_number="2508204127",
            name="Liv Hansen",
        )
        with store.session(write=True) as session:
            session.add(
                Guardian(
                    subject_id=liv.id,
                    name="Peter Hansen",
                    relation="father",
                    has_custody=True,
                    national_number=numbers["peter"],
                )
            )
        liv_log = logs.create_log(store, anna, subject_id=liv.id, concern="Liv's own concern.")
        with store.session(write=True) as session:
            ask = TransitionRequest(
                log_id=town.log_id,
                unit_id=school.id,
                asked_by=anna.id,
                asked_at=clock.now(),
                message="Bo starts school in August.",
            )
            session.add(ask)
            session.flush()
            transition = ask.id
        return FamilyTown(town.db, folder, town.log_id, liv_log.id, transition)
    finally:
        store.dispose()


@dataclass
class FamilyServer:
    process: subprocess.Popen
    url: str
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def serve_family(town: FamilyTown, port: int, secret: str) -> FamilyServer:
    """``relaytui serve`` with the family view only, on ``port``."""
    log_path = town.folder / f"family-{time.monotonic_ns()}.log"
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "relaytui",
            "--db",
            town.db,
            "serve",
            "--no-ssh",
            "--no-web",
            "--family-port",
            str(port),
            "--family-url",
            url,
            "--state-dir",
            str(town.folder / "state"),
        ],
        stdout=subprocess.PIPE,
        stderr=log_path.open("w"),
        text=True,
        env={**server_environment(town.folder), "RELAYTUI_FAMILY_LOGIN_SECRET": secret},
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    lines = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if re.search(r"families open http://", line):
            return FamilyServer(process, url, log_path)
    process.kill()
    raise AssertionError("the family view did not start:\n" + "".join(lines) + log_path.read_text())


def trail(town: FamilyTown, log_id: int) -> list[tuple[str, str, str]]:
    """(username, action, detail) of every event about the log."""
    from relaytui.models import AuditEvent

    store = open_store(town.db)
    try:
        with store.session() as session:
            return [
                (event.username, event.action, event.detail)
                for event in session.exec(
                    select(AuditEvent).where(AuditEvent.log_id == log_id).order_by(AuditEvent.id)
                ).all()
            ]
    finally:
        store.dispose()


def build_norwegian_town(folder: Path, provider: Provider, number: str) -> FamilyTown:
    """Sunnfjord: anna holds Siri Berg's log at level 1, with the consent of her mother Kari
    Berg (``number``, custody), who may end it herself (R10, ``no``)."""
    from relaytui.services import accounts
    from relaytui.services.consent import ConsentInput
    from relaytui.services.subjects import GuardianInput
    from tests.factories import no_number

    db = str(folder / "relaytui.db")
    store = open_store(db)
    try:
        store.upgrade()
        installation.write(
            store,
            profile="no",
            timezone="Europe/Oslo",
            municipality="Sunnfjord kommune",
            family_login_issuer=provider.issuer,
            family_login_client=provider.client_id,
        )
        system = access.system_administrator()
        unit = units.add_unit(store, system, name="Solbakken barnehage", kind="daycare")
        accounts.add_user(
            store,
            system,
            username="anna",
            full_name="Anna Vik",
            password=PASSWORD,
            profession="pedagog",
            unit=unit.id,
        )
        anna = sign_in.authenticate(store, "anna", PASSWORD)
        siri = subjects.create_subject(
            store,
            anna,
            national_number=no_number(clock.today("Europe/Oslo").replace(year=2021, day=3)),
            name="Siri Berg",
            guardians=(GuardianInput("Kari Berg", "mother", "", "", True),),
        )
        with store.session(write=True) as session:
            guardian = session.exec(select(Guardian).where(Guardian.subject_id == siri.id)).one()
            guardian.national_number = number
            guardian_id = guardian.id
        log = logs.create_log(
            store,
            anna,
            subject_id=siri.id,
            concern="Siri is often sad when she is picked up.",
            level=1,
            first_consent=ConsentInput(giver="guardian", guardian_id=guardian_id, method="digital"),
        )
        meetings.schedule(
            store,
            anna,
            log.id,
            kind="dialogue",
            starts_at=clock.now() + timedelta(days=4),
            place="Solbakken",
        )
        return FamilyTown(db, folder, log.id, 0, 0)
    finally:
        store.dispose()
