"""The demo's guardians can log in to the family view (issue 15): each guardian of a child has
a valid national number of an adult, their own, the same each time the demo is built."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from relaytui import demo, i18n
from relaytui.db import open_store
from relaytui.models import Guardian, Subject
from relaytui.services import clock, sign_in

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


@pytest.fixture
def fast_hashes():
    from argon2 import PasswordHasher, Type

    sign_in.set_password_hasher(
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)
    )
    yield
    sign_in.set_password_hasher(None)


def guardian_numbers(path, profile: str) -> list[tuple[str, str, str]]:
    """(child's number, guardian's name, guardian's number) of the demo built at NOW."""
    store = open_store(str(path))
    store.upgrade()
    clock.set_clock(lambda: NOW)
    language = i18n.current_language()
    try:
        demo.populate(store, profile=profile)
        with store.session() as session:
            rows = session.exec(
                select(Subject.national_number, Guardian.name, Guardian.national_number)
                .join(Guardian, Guardian.subject_id == Subject.id)
                .order_by(Guardian.id)
            ).all()
    finally:
        clock.set_clock(None)
        i18n.set_language(language)
        store.dispose()
    return [tuple(row) for row in rows]


def birth_date(profile: str, number: str) -> date:
    if profile == "no":
        from stdnum.no import fodselsnummer

        assert fodselsnummer.is_valid(number), number
        return fodselsnummer.get_birth_date(number)
    from stdnum.dk import cpr

    assert cpr.is_valid(number), number
    return cpr.get_birth_date(number)


@pytest.mark.parametrize("profile", ["dk", "no"])
def test_every_demo_guardian_has_a_valid_number_of_an_adult_of_their_own(
    tmp_path, fast_hashes, profile
):
    rows = guardian_numbers(tmp_path / "demo.db", profile)
    assert rows
    numbers = [number for _child, _name, number in rows]
    assert all(numbers) and len(set(numbers)) == len(numbers)
    children = {child for child, _name, _number in rows}
    assert not children & set(numbers)
    for _child, name, number in rows:
        born = birth_date(profile, number)
        assert date(1960, 1, 1) < born <= date(NOW.year - 18, 12, 31), (name, born)
    if profile == "dk":  # the same demo, built again, gives the same numbers
        assert guardian_numbers(tmp_path / "again.db", profile) == rows
