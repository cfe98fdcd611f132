"""National numbers (R15): a refusal names the part that is wrong and never shows a partial number
as if it were a complete masked one; an adult's birth date is a warning, not a refusal."""

from __future__ import annotations

from datetime import date

import pytest

from relaytui.errors import InvalidInput
from relaytui.services import subjects
from tests.factories import no_number

TODAY = date(2026, 12, 6)


def with_control_digits(nine: str) -> str:
    """Nine digits and the two control digits stdnum computes for them (a serial whose
    control digit would be 10 is skipped over)."""
    from stdnum.no import fodselsnummer

    for serial in range(int(nine[6:9]), 1000):
        base = nine[:6] + f"{serial:03d}"
        first = fodselsnummer.calc_check_digit1(base)
        second = fodselsnummer.calc_check_digit2(base + first)
        if len(first) == 1 and len(second) == 1:
            return base + first + second
    raise AssertionError("no serial with control digits")


def refusal(number: str, profile: str) -> str:
    with pytest.raises(InvalidInput) as refused:
        subjects.validate_national_number(number, profile, TODAY)
    assert refused.value.rule == "R15"
    return refused.value.message


@pytest.mark.rule("R15")
@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("", "is empty"),
        ("01011541", "has 8 digits, not 10"),
        ("0101154123456", "has 13 digits, not 10"),
        ("01O1154123", "letters"),
        ("0101I5-4123", "letters"),
        ("0013154123", "The month (13) is wrong"),
        ("0100154123", "The month (00) is wrong"),
        ("3201154123", "The day (32) is wrong"),
        ("0001154123", "The day (00) is wrong"),
        ("3102154123", "The day (31) does not exist in month 02"),
        ("2902154123", "The day (29) does not exist in month 02"),
        ("0101304123", "The birth date in the number (2030-01-01) is in the future"),
    ],
)
def test_a_danish_refusal_says_which_part_is_wrong(number, says):
    message = refusal(number, "dk")
    assert says in message
    assert "not valid" not in message
    assert message.endswith("Type a Danish CPR number: 10 digits, DDMMYY-NNNN.")


@pytest.mark.rule("R15")
def test_a_partial_number_is_never_shown_as_a_masked_one():
    for typed in ("010115", "0101154", "010115-41", "010115-412"):
        message = refusal(typed, "dk")
        assert "010115-****" not in message and "****" not in message
        assert typed not in message


@pytest.mark.rule("R15")
def test_a_norwegian_refusal_says_which_part_is_wrong():
    good = no_number(date(2015, 4, 12))
    assert subjects.validate_national_number(good, "no", TODAY) == (good, date(2015, 4, 12))
    wrong_control = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert "control digits" in refusal(wrong_control, "no")
    assert "has 10 digits, not 11" in refusal(good[:-1], "no")
    assert "The month (13) is wrong" in refusal("1213" + good[4:], "no")
    assert "The day (35) is wrong" in refusal("35" + good[2:], "no")
    assert "FH number" in refusal("8" + good[1:], "no")
    assert "letters" in refusal(good[:5] + "x" + good[6:], "no")
    d_number = no_number(date(2014, 1, 2), d_number=True)
    assert subjects.validate_national_number(d_number, "no", TODAY)[1] == date(2014, 1, 2)
    future = with_control_digits("241226512")  # valid digits, born after "today"
    assert "(2026-12-24) is in the future" in refusal(future, "no")


@pytest.mark.rule("R15")
def test_a_day_that_the_month_lacks_is_named_in_a_norwegian_number_too():
    # 29 February 2015 did not exist; the control digits are computed for it, so the date is
    # the only thing wrong.
    number = with_control_digits("290215512")
    assert "The day (29) does not exist in month 02" in refusal(number, "no")


def test_an_adult_is_a_warning_and_a_child_none():
    assert subjects.adult_warning(date(2008, 12, 7), TODAY) is None  # 17 until tomorrow
    warning = subjects.adult_warning(date(2008, 12, 6), TODAY)
    assert warning is not None and "18 years old, an adult" in warning
    assert subjects.adult_warning(None, TODAY) is None


def test_an_adult_can_still_be_registered(world):
    from tests.factories import dk_number

    view = subjects.create_subject(
        world.store,
        world.ref("anna"),
        national_number=dk_number(date(2001, 3, 4)),
        name="Line Mørk",
        kind="pregnant",
    )
    assert view.birth_date == date(2001, 3, 4)
