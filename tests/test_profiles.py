"""The country profiles (relaytui.profiles): each rule they decide, tried at its edges, and the
architecture rule that no other module compares a profile's code to "dk" or "no"."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from relaytui import i18n
from relaytui.profiles import DEFAULT_CODE, Profile, codes, default_profile, profile_of
from relaytui.services import installation

DK, NO = profile_of("dk"), profile_of("no")
PACKAGE = Path(__file__).resolve().parent.parent / "relaytui"


# --- which profiles there are -------------------------------------------------------------


def test_the_codes_are_the_stored_ones_and_each_profile_knows_its_own():
    assert codes() == ("dk", "no") == installation.PROFILES
    assert (DK.code, NO.code) == ("dk", "no")
    assert default_profile() is DK and DEFAULT_CODE == "dk"
    assert installation.DEFAULTS["profile"] == DEFAULT_CODE


@pytest.mark.parametrize("code", ["se", "", "DK", " dk", "No", None])
def test_an_unknown_code_is_a_clear_error(code):
    with pytest.raises(ValueError, match="unknown profile .*known profiles are dk, no"):
        profile_of(code)


def test_a_profile_is_frozen_and_hashable():
    with pytest.raises(AttributeError):
        DK.code = "no"  # type: ignore[misc]
    assert len({DK, NO, profile_of("dk")}) == 2


def test_the_installation_hands_out_its_profile():
    inst = installation.Installation(
        profile="no",
        timezone="Europe/Oslo",
        age_of_own_consent=16,
        handover_reminder_days=7,
        idle_lock_minutes=10,
        idle_end_minutes=60,
        audit_checkpoint_every=1000,
        municipality="",
        language="",
    )
    assert inst.country is NO


# --- levels ---------------------------------------------------------------------------------


@pytest.mark.parametrize("country", [DK, NO], ids=["dk", "no"])
def test_four_levels_with_a_name_and_a_meaning_each(country: Profile):
    assert len(country.level_names) == len(country.level_meanings) == 4
    assert all(country.level_name(level) and country.level_meaning(level) for level in range(4))
    assert country.level_name(-1) == country.level_name(4) == ""
    assert country.level_meaning(-1) == country.level_meaning(4) == ""


def test_the_level_words_differ_by_country_and_are_translated():
    assert DK.level_meaning(3) == "strong concern: notification meeting with the family department"
    assert NO.level_meaning(3) == "extensive collaboration across several services"
    with i18n.speaking("da"):
        assert DK.level_name(2) != "great concern"
    with i18n.speaking("nn"):
        assert NO.level_name(0) != "clarify"


# --- start of a log (R2) --------------------------------------------------------------------


def test_a_danish_log_starts_at_0_without_consent_and_may_carry_a_trigger():
    assert DK.start_levels == (0,) and not DK.starts_with_consent and DK.trigger_categories


def test_a_norwegian_log_starts_at_1_with_consent_or_at_0_and_has_no_trigger():
    assert NO.start_levels == (1, 0) and NO.starts_with_consent and not NO.trigger_categories
    assert 2 not in NO.start_levels and 3 not in NO.start_levels


# --- who consents (R6) ----------------------------------------------------------------------


@pytest.mark.parametrize("country", [DK, NO], ids=["dk", "no"])
@pytest.mark.parametrize("age", [None, 0, 15, 16, 17, 40])
def test_a_pregnant_person_always_consents_for_herself(country: Profile, age):
    assert country.consents_for_self("pregnant", age, 16)


@pytest.mark.parametrize("kind", ["child", "youth"])
@pytest.mark.parametrize("age", [None, 14, 15, 16, 17, 18, 99])
def test_in_denmark_the_guardians_consent_for_a_child_or_young_person_at_any_age(kind, age):
    assert not DK.consents_for_self(kind, age, 16)
    assert not DK.consents_for_self(kind, age, 15)


@pytest.mark.parametrize(
    ("age", "limit", "own"),
    [
        (15, 16, False),
        (16, 16, True),
        (17, 16, True),  # at the boundary of 16 (004)
        (14, 15, False),
        (15, 15, True),  # municipalities that set 15
        (-1, 16, False),
        (0, 15, False),
        (None, 16, False),
        (None, 15, False),  # no birth date: never
    ],
)
@pytest.mark.parametrize("kind", ["child", "youth"])
def test_in_norway_a_young_person_consents_from_the_age_of_own_consent(kind, age, limit, own):
    assert NO.consents_for_self(kind, age, limit) is own


# --- closing (R10) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "who"), [(0, "colleagues"), (1, "colleagues"), (2, "actors"), (3, "actors")]
)
def test_in_denmark_the_level_decides_who_is_consulted_before_closing(level, who):
    assert DK.consultation_needed(level) == who
    assert who in DK.close_bases and DK.close_choices == ()
    assert not DK.family_may_end


@pytest.mark.parametrize("level", [-1, 4, 99])
def test_no_consultation_is_asked_for_a_level_that_does_not_exist(level):
    assert DK.consultation_needed(level) is None


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_in_norway_the_family_may_end_a_log_without_a_consultation(level):
    assert NO.consultation_needed(level) is None
    assert NO.family_may_end
    assert (
        [basis for basis, _words in NO.close_choices]
        == list(NO.close_bases)
        == ["guardians_ended", "efforts_worked"]
    )


def test_the_close_bases_of_the_two_countries_do_not_mix():
    assert not set(DK.close_bases) & set(NO.close_bases)


# --- grants, notifications, individual plan (R10, R11, R14) ---------------------------------


def test_reading_a_closed_log_again_needs_the_guardians_approval_only_in_norway():
    assert NO.grant_needs_approval and not DK.grant_needs_approval


def test_a_notification_meeting_belongs_to_level_3_in_denmark_only():
    assert DK.notification_meeting_level == 3
    assert NO.notification_meeting_level is None
    assert (DK.notification_recipient, NO.notification_recipient) == (
        "Family department",
        "Child welfare service",
    )


def test_an_individual_plan_only_in_norway():
    assert NO.individual_plan and not DK.individual_plan


# --- the national number (R15) --------------------------------------------------------------


def test_each_country_checks_its_own_national_number():
    assert (DK.number_digits, NO.number_digits) == (10, 11)
    assert DK.number_scheme().__name__ == "stdnum.dk.cpr"
    assert NO.number_scheme().__name__ == "stdnum.no.fodselsnummer"
    assert NO.number_control_digits and not DK.number_control_digits


@pytest.mark.parametrize(
    ("day", "month", "real"),
    [
        (41, 1, (1, 1)),
        (40, 1, (40, 1)),
        (71, 12, (31, 12)),  # D-numbers: day + 40
        (1, 41, (1, 1)),
        (1, 40, (1, 40)),
        (1, 52, (1, 12)),  # H-numbers: month + 40
    ],
)
def test_a_norwegian_number_unshifts_d_and_h_numbers_and_a_danish_one_never(day, month, real):
    assert NO.unshifted(day, month) == real
    assert DK.unshifted(day, month) == (day, month)


# --- words ----------------------------------------------------------------------------------


def test_the_words_of_each_country():
    assert (DK.country, NO.country) == ("Denmark", "Norway")
    assert (DK.writing_language, NO.writing_language) == ("da", "nn")
    assert (DK.timezone, NO.timezone) == ("Europe/Copenhagen", "Europe/Oslo")
    with i18n.speaking("nn"):
        from relaytui.i18n import _

        assert _(NO.number_hint) != NO.number_hint


# --- architecture: the code is compared only inside relaytui/profiles ------------------------

CODES = {"dk", "no"}


def _is_code(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in CODES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_code(element) for element in node.elts)
    return False


def _about_language(node: ast.AST) -> bool:
    """``language == "no"`` compares a language code (Norwegian), not a profile."""
    return "lang" in ast.unparse(node).lower()


def profile_comparisons(source: str) -> list[tuple[int, str]]:
    """Compare nodes with "dk" or "no" on either side (also ``in ("dk", "no")``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        if any(_is_code(operand) for operand in operands) and not any(
            _about_language(operand) for operand in operands if not _is_code(operand)
        ):
            found.append((node.lineno, ast.unparse(node)))
    return found


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ('inst.profile == "no"', True),
        ('"dk" != profile', True),
        ('land.profile in ("dk", "no")', True),
        ('profile not in ["dk"]', True),
        ('code == "no"', True),
        ('a < b == "dk"', True),
        ('ui_language == "no"', False),
        ('found.language == "no"', False),
        ("profile == DEFAULT", False),
        ('x = "no"', False),
        ("inst.country.individual_plan", False),
    ],
)
def test_the_check_finds_what_it_should(source, caught):
    assert bool(profile_comparisons(source)) is caught


def test_no_module_outside_profiles_compares_a_profile_to_its_code():
    # relaytui/i18n speaks of languages only: "no" there is Norwegian, not the profile.
    exempt = {PACKAGE / "profiles", PACKAGE / "i18n"}
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}: {text}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not exempt & set(path.parents)
        for line, text in profile_comparisons(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "ask relaytui.profiles.Profile instead:\n" + "\n".join(offenders)
