"""A realistic fictional municipality for trying relaytui: `relaytui demo`, `relaytui --demo`.

Everything is made through the services, with the clock moved back where the story happened,
so the demo has the same audit trail, histories and versions as real use. Every account has
the password ``demo``; ``anna`` is a pedagogue who holds several logs, ``admin`` administers.
All people, numbers and places are invented.

There are two municipalities with one story: Danish Kirkeby (profile ``dk``) and Norwegian
Sunnfjord (profile ``no``). What differs (names, units, texts in the country's language) is data,
in data/demo/dk.toml and data/demo/no.toml, read into a :class:`Country`; :func:`populate` tells
the story (:mod:`relaytui.demo_story`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from relaytui import data_files, i18n
from relaytui.db import Store
from relaytui.demo_story import Cast, Story, Timeline
from relaytui.errors import InvalidInput
from relaytui.i18n import _
from relaytui.profiles import DEFAULT_CODE, codes
from relaytui.services import (
    access,
    accounts,
    clock,
    installation,
    units,
)

PASSWORD = "demo"
#: One demo municipality per profile, in data/demo/<code>.toml.
PROFILES = codes()


@dataclass(frozen=True)
class Country:
    """What the demo of one country is made of: its people, places and texts.

    Usernames in ``holders``, ``efforts`` and the other story fields are those of ``staff``.
    Texts are in the country's written language; ``{name}`` / ``{first}`` is the subject's
    first name.
    """

    profile: str
    timezone: str
    municipality: str
    #: The language the services write in (agenda titles) while the story is told.
    language: str
    email_domain: str
    #: name, unit kind, phone
    units: tuple[tuple[str, str, str], ...]
    #: username, full name, profession, unit kind, role
    staff: tuple[tuple[str, str, str, str, str], ...]
    leaders: dict[str, str]
    staff_phone: str  # .format(number=...)
    guardian_phones: tuple[str, str]  # .format(index=...)
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    mothers: tuple[str, ...]
    fathers: tuple[str, ...]
    #: age ranges in years for children and young people
    child_years: tuple[int, int]
    youth_years: tuple[int, int]
    concerns: tuple[str, ...]
    notes: tuple[tuple[str, str], ...]
    #: what, responsible username (or "holder"), or the home's word ("mother_or_home": mother)
    efforts: tuple[tuple[str, str | None, str | None], ...]
    #: who holds how many logs, in order; the first is the main account (anna)
    holders: tuple[str, ...]
    midwives: tuple[str, ...]  # their even logs are about a pregnant person
    youth_workers: tuple[str, ...]  # their logs are about young people
    psychologist: str
    psychologist_stand_in: str  # attached when the psychologist holds the log
    level_reasons: tuple[str, str, str]
    consent_note: str
    withdraw_reason: str
    mother: str
    father: str
    parent_role: str
    goal: str
    place: str
    upcoming_place: str
    team_place: str
    minutes: tuple[str, str, str]
    agreed_effort: str
    level3_guest: tuple[str, str]
    notification_reason: str
    notification_recipient: str
    close_reason: str
    close_consultation: str
    handover_from: str
    handover_message: str
    #: username, full name, profession of the system administrator
    admin: tuple[str, str, str]
    #: whose log passes into an individual plan, its coordinator, and why (R14); None in ``dk``
    plan: tuple[str, str, str] | None


def _country_from(data: dict) -> Country:
    """A :class:`Country` from a file of data/demo/ (its layout is described in the file)."""
    admin, guest, plan = data["admin"], data["level3_guest"], data.get("plan")
    return Country(
        profile=data["profile"],
        timezone=data["timezone"],
        municipality=data["municipality"],
        language=data["language"],
        email_domain=data["email_domain"],
        units=tuple((unit["name"], unit["kind"], unit["phone"]) for unit in data["units"]),
        staff=tuple(
            (
                person["username"],
                person["name"],
                person["profession"],
                person["unit"],
                person.get("role", "caseworker"),
            )
            for person in data["staff"]
        ),
        leaders=dict(data["leaders"]),
        staff_phone=data["staff_phone"],
        guardian_phones=tuple(data["guardian_phones"]),
        first_names=tuple(data["first_names"]),
        last_names=tuple(data["last_names"]),
        mothers=tuple(data["mothers"]),
        fathers=tuple(data["fathers"]),
        child_years=tuple(data["child_years"]),
        youth_years=tuple(data["youth_years"]),
        concerns=tuple(data["concerns"]),
        notes=tuple((note["kind"], note["text"]) for note in data["notes"]),
        efforts=tuple(
            (effort["what"], effort.get("responsible"), effort.get("home"))
            for effort in data["efforts"]
        ),
        holders=tuple(run["who"] for run in data["holders"] for _n in range(run["logs"])),
        midwives=tuple(data["midwives"]),
        youth_workers=tuple(data["youth_workers"]),
        psychologist=data["psychologist"],
        psychologist_stand_in=data["psychologist_stand_in"],
        level_reasons=tuple(data["level_reasons"]),
        consent_note=data["consent_note"],
        withdraw_reason=data["withdraw_reason"],
        mother=data["mother"],
        father=data["father"],
        parent_role=data["parent_role"],
        goal=data["goal"],
        place=data["place"],
        upcoming_place=data["upcoming_place"],
        team_place=data["team_place"],
        minutes=tuple(data["minutes"]),
        agreed_effort=data["agreed_effort"],
        level3_guest=(guest["name"], guest["role"]),
        notification_reason=data["notification_reason"],
        notification_recipient=data["notification_recipient"],
        close_reason=data["close_reason"],
        close_consultation=data["close_consultation"],
        handover_from=data["handover_from"],
        handover_message=data["handover_message"],
        admin=(admin["username"], admin["name"], admin["profession"]),
        plan=(plan["from"], plan["coordinator"], plan["reason"]) if plan else None,
    )


@cache
def _country(profile: str) -> Country:
    return _country_from(data_files.demo_municipality(profile))


def country(profile: str) -> Country:
    """The demo municipality of ``profile`` ("dk" or "no"), from data/demo/<profile>.toml."""
    if profile in PROFILES:
        return _country(profile)
    raise InvalidInput(
        _("Unknown profile '{profile}'. Choose 'dk' (Denmark) or 'no' (Norway).").format(
            profile=profile
        )
    )


def profile_for_language(language: str | None) -> str:
    """The demo that fits a language: Norwegian (bokmål or nynorsk) gets Sunnfjord, else Kirkeby."""
    return "no" if language in ("nb", "nn") else "dk"


def database_name(profile: str) -> str:
    """The file of ``relaytui --demo`` in the data folder: one per municipality."""
    return "demo.db" if profile == DEFAULT_CODE else f"demo-{profile}.db"


def populate(store: Store, *, seed: int = 7, profile: str = "dk") -> None:
    """Fill an empty, migrated database with the demo municipality of ``profile``."""
    land = country(profile)
    with store.session() as session:
        from sqlmodel import select

        from relaytui.models import Staff

        if session.exec(select(Staff.id)).first() is not None:
            raise InvalidInput(
                _("This database already has accounts; the demo only fills an empty one.")
            )
    rng = random.Random(seed)
    real_now = clock.now()
    timeline = Timeline(real_now, land.timezone)
    # What the services write in (agenda titles) is in the municipality's language.
    language = i18n.current_language()
    i18n.set_language(land.language)
    try:
        timeline.days_ago(400, 8)
        installation.write(
            store, profile=land.profile, timezone=land.timezone, municipality=land.municipality
        )
        cast = _people(store, land)
        Story(store, land, cast, rng, timeline).tell()
    finally:
        timeline.restore()
        i18n.set_language(language)


def _people(store: Store, land: Country) -> Cast:
    cli = access.system_administrator()
    unit_ids: dict[str, int] = {}
    for name, kind, phone in land.units:
        unit_ids[kind] = units.add_unit(store, cli, name=name, kind=kind, phone=phone).id
    admin, admin_name, admin_profession = land.admin
    accounts.add_user(
        store,
        cli,
        username=admin,
        full_name=admin_name,
        password=PASSWORD,
        role="admin",
        profession=admin_profession,
    )
    for number, (username, full, profession, kind, role) in enumerate(land.staff):
        accounts.add_user(
            store,
            cli,
            username=username,
            full_name=full,
            password=PASSWORD,
            role=role,
            profession=profession,
            unit=unit_ids[kind],
            email=f"{username}@{land.email_domain}",
            phone=land.staff_phone.format(number=number),
        )
    for kind, username in land.leaders.items():
        units.set_leader(store, cli, unit_ids[kind], username)
    refs = {}
    with store.session() as session:
        from sqlmodel import select

        from relaytui.models import Staff

        for row in session.exec(select(Staff)).all():
            refs[row.username] = access.to_ref(row)
    return Cast(refs=refs, units=unit_ids)
