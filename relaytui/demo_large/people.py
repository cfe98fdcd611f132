"""Storeby's staff: its units, each with a leader, and the administrator."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from relaytui.bulk_rows import BulkWriter, NextIds
from relaytui.demo_large.storeby import FIRST, KIRKEBY, LAST, PROFESSIONS, STOREBY, UNIT_KINDS

if TYPE_CHECKING:
    from relaytui.demo_large import Size


def people(
    writer: BulkWriter,
    ids: NextIds,
    spec: Size,
    rng: random.Random,
    now: datetime,
    password_hash: str,
):
    """Units with their leaders and staff; the first unit is ten times the others."""
    usernames: dict[int | None, str] = {None: "cli:demo"}
    names: dict[int, str] = {}
    staff_units: list[list[int]] = []
    leaders: list[int] = []
    _administrator(writer, ids, now, password_hash, usernames)
    for number, size in enumerate(_unit_sizes(spec)):
        members = _unit(writer, ids, rng, now, password_hash, number, size, usernames, names)
        leaders.append(members[0])
        staff_units.append(members)
    return staff_units, leaders, usernames, names


def _administrator(
    writer: BulkWriter,
    ids: NextIds,
    now: datetime,
    password_hash: str,
    usernames: dict[int | None, str],
) -> None:
    """The system administrator, of no unit."""
    admin = ids.take("staff")
    domain = STOREBY["email_domain"]
    admin_name, admin_full, admin_profession = KIRKEBY.admin
    writer.add(
        "staff",
        (
            admin,
            admin_name,
            admin_full,
            admin_profession,
            None,
            "admin",
            f"{admin_name}@{domain}",
            "",
            password_hash,
            True,
            0,
            False,
            None,
            now,
            1,
        ),
    )
    usernames[admin] = admin_name


def _unit_sizes(spec: Size) -> list[int]:
    """How many staff each unit has: the first a tenth of all, the rest shared evenly."""
    big = max(spec.staff // 10, 3)
    rest = spec.staff - big
    per_unit = [big] + [
        rest // (spec.units - 1) + (1 if n < rest % (spec.units - 1) else 0)
        for n in range(spec.units - 1)
    ]
    return per_unit


def _unit(
    writer: BulkWriter,
    ids: NextIds,
    rng: random.Random,
    now: datetime,
    password_hash: str,
    number: int,
    size: int,
    usernames: dict[int | None, str],
    names: dict[int, str],
) -> list[int]:
    """One unit and its ``size`` staff, the leader first; returns the staff ids."""
    unit_id = ids.take("unit")
    domain = STOREBY["email_domain"]
    first_unit = STOREBY["first_unit"]
    kind, base = (
        (first_unit["kind"], first_unit["name"])
        if number == 0
        else UNIT_KINDS[number % len(UNIT_KINDS)]
    )
    members = []
    for place in range(size):
        staff_id = ids.take("staff")
        first = FIRST[(staff_id * 7) % len(FIRST)]
        last = LAST[(staff_id * 11) % len(LAST)]
        if number == 0 and place in (0, 1):  # the leader and the main account
            named = STOREBY["leader" if place == 0 else "main"]
            username, first, last = named["username"], named["first"], named["last"]
        else:
            username = f"{first.lower()}{staff_id}"
        role = "leader" if place == 0 else "caseworker"
        profession = STOREBY["leader_profession"] if place == 0 else PROFESSIONS[kind]
        writer.add(
            "staff",
            (
                staff_id,
                username,
                f"{first} {last}",
                profession,
                unit_id,
                role,
                f"{username}@{domain}",
                f"+45 70{staff_id:06d}",
                password_hash,
                True,
                0,
                False,
                None,
                now - timedelta(days=rng.randint(30, 3000)),
                1,
            ),
        )
        usernames[staff_id] = username
        names[staff_id] = f"{first} {last}"
        members.append(staff_id)
    writer.add(
        "unit",
        (
            unit_id,
            f"{base} {STOREBY['town'] if number == 0 else number}",
            kind,
            f"+45 71{number:06d}",
            members[0],
            1,
        ),
    )
    return members
