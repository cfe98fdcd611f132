"""A small fictional municipality for the service tests, built straight into the tables.

Staff are inserted without passwords (login is tested in test_accounts); everything about a
log goes through the services under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from stdnum.dk import cpr
from stdnum.no import fodselsnummer

from relaytui.models import Guardian, Staff, Subject, Unit
from relaytui.services import access, installation, logs, subjects
from relaytui.services.consent import ConsentInput


def dk_number(born: date, serial: int = 4123) -> str:
    """A valid Danish CPR number for someone born on ``born`` (born after 2000: 4xxx)."""
    number = born.strftime("%d%m%y") + f"{serial:04d}"
    return cpr.validate(number)


def no_number(born: date, individual: int = 512, d_number: bool = False) -> str:
    """A valid Norwegian fødselsnummer (or D-number) for someone born on ``born``."""
    day = born.day + (40 if d_number else 0)
    for candidate in range(individual, individual + 240):  # some serials have no check digit
        base = f"{day:02d}{born:%m%y}{candidate % 1000:03d}"
        first = fodselsnummer.calc_check_digit1(base)
        second = fodselsnummer.calc_check_digit2(base + first)
        if fodselsnummer.is_valid(base + first + second):
            return base + first + second
    raise ValueError("no valid number")


def national_number(profile: str, born: date, serial: int) -> str:
    if profile == "no":
        return no_number(born, individual=500 + serial % 240)
    return dk_number(born, serial=4000 + serial % 1000)


@dataclass
class World:
    store: object
    profile: str
    units: dict[str, int] = field(default_factory=dict)
    staff: dict[str, access.StaffRef] = field(default_factory=dict)
    subjects: dict[str, int] = field(default_factory=dict)
    guardians: dict[str, int] = field(default_factory=dict)
    serial: int = 0

    def ref(self, username: str) -> access.StaffRef:
        return self.staff[username]

    def add_subject(
        self,
        name: str,
        born: date,
        kind: str = "child",
        guardians: tuple[tuple[str, bool], ...] = (("Mette Jensen", True),),
    ) -> int:
        self.serial += 1
        number = national_number(self.profile, born, self.serial)
        with self.store.session(write=True) as session:
            subject = Subject(national_number=number, name=name, birth_date=born, kind=kind)
            session.add(subject)
            session.flush()
            for gname, custody in guardians:
                g = Guardian(
                    subject_id=subject.id, name=gname, relation="parent", has_custody=custody
                )
                session.add(g)
                session.flush()
                self.guardians[gname] = g.id
            self.subjects[name] = subject.id
            return subject.id


def build_world(store, profile: str = "dk") -> World:
    installation.write(
        store, profile=profile, timezone="Europe/Oslo" if profile == "no" else "Europe/Copenhagen"
    )
    world = World(store=store, profile=profile)
    now = datetime.now(UTC)
    with store.session(write=True) as session:
        for name, kind in (
            ("Solsikken daycare", "daycare"),
            ("Østre School", "school"),
            ("Family department", "family"),
        ):
            unit = Unit(name=name, kind=kind, phone="+45 1111 2222")
            session.add(unit)
            session.flush()
            world.units[kind] = unit.id
        people = (
            ("anna", "Anna Holm", "pedagogue", "daycare", "caseworker"),
            ("bo", "Bo Berg", "pedagogue", "daycare", "caseworker"),
            ("lene", "Lene Lund", "daycare leader", "daycare", "leader"),
            ("carl", "Carl Dahl", "teacher", "school", "caseworker"),
            ("sofus", "Sofus Sand", "headteacher", "school", "leader"),
            ("fie", "Fie Falk", "social worker", "family", "caseworker"),
            ("admin", "Ada Admin", "", None, "admin"),
        )
        for username, full, prof, unit, role in people:
            row = Staff(
                username=username,
                full_name=full,
                profession=prof,
                unit_id=world.units.get(unit) if unit else None,
                role=role,
                phone="+45 2222 3333",
                email=f"{username}@example.invalid",
                created_at=now,
            )
            session.add(row)
            session.flush()
            world.staff[username] = access.to_ref(row)
        session.get(Unit, world.units["daycare"]).leader_id = world.staff["lene"].id
        session.get(Unit, world.units["school"]).leader_id = world.staff["sofus"].id
    world.add_subject(
        "Ida Jensen", date(2021, 5, 17), guardians=(("Mette Jensen", True), ("Peter Jensen", False))
    )
    return world


def guardian_consent(world: World, **extra) -> ConsentInput:
    """Mette Jensen's signed consent for Ida: the consent most rules ask for first."""
    return ConsentInput(
        giver="guardian", guardian_id=world.guardians["Mette Jensen"], method="signed_form", **extra
    )


def new_log(world: World, holder: str = "anna", subject: str = "Ida Jensen", **kwargs):
    """A log about ``subject`` held by ``holder``, with the concern most tests start from."""
    return logs.create_log(
        world.store,
        world.ref(holder),
        subject_id=world.subjects[subject],
        concern="Ida is often hungry and tired in the morning.",
        **kwargs,
    )


def subject_view(world: World, name: str):
    with world.store.session() as session:
        subject = session.get(Subject, world.subjects[name])
        return subjects.mask(subject.national_number)


def give_password(store, username: str, password: str) -> None:
    """Set a known password for a staff member of a test world (test set-up only: the product
    hands out one-time passwords, :func:`relaytui.services.accounts.reset_password`)."""
    from sqlalchemy import update

    from relaytui.services import sign_in

    with store.session(write=True) as session:
        session.execute(
            update(Staff)
            .where(Staff.username == username)
            .values(password_hash=sign_in.hash_password(password), must_change_password=False)
        )
