"""One profile per country: the rules and words that differ between Denmark and Norway.

The installation stores the profile's code ("dk" or "no"); everything that depends on the
country asks the :class:`Profile` instead of comparing that code, so a rule lives in one place
and a third country is one more module beside ``dk.py`` and ``no.py``. Plain Python: no
Textual, no database. Words are in the source language, marked with ``N_``; whoever shows them
translates them with ``_()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from relaytui.i18n import _


@dataclass(frozen=True)
class Profile:
    """What a country's guide decides (DESIGN.md §1 and §2)."""

    #: The code the installation stores.
    code: str
    #: The country's name, as the log list's footer shows it.
    country: str
    #: The short name of each level 0-3.
    level_names: tuple[str, ...]
    #: What each level 0-3 asks of the holder.
    level_meanings: tuple[str, ...]
    #: The levels a log may start at, the normal start first (R2).
    start_levels: tuple[int, ...]
    #: Why another start level is refused (R2).
    start_level_refusal: str
    #: The log normally starts at level 1 with the consent given at the same time (R2, ``no``).
    starts_with_consent: bool
    #: The mandatory-trigger categories of the Danish guide are offered (R2).
    trigger_categories: bool
    #: A young person consents for themself from the installation's age of own consent (R6).
    young_consent: bool
    #: The bases a log may be closed on, with their words, in the order of the choice (R10).
    #: Empty where the level decides the basis (:meth:`consultation_needed`).
    close_choices: tuple[tuple[str, str], ...]
    #: Every basis a log may be closed on (R10).
    close_bases: tuple[str, ...]
    #: The guardians may end the log at any time; the holder records it (R10).
    family_may_end: bool
    #: Reading a closed log again needs the guardians' approval (R10).
    grant_needs_approval: bool
    #: The level whose normal path to a notification is a notification meeting (other paths
    #: name an exception); None where a notification is its own act at any level (R11).
    notification_meeting_level: int | None
    #: Who receives a notification, as the form proposes it.
    notification_recipient: str
    #: A log can pass into an individual plan (R14).
    individual_plan: bool
    #: The language a log is written in when nothing else is said.
    writing_language: str
    #: The installation's time zone proposed at set-up.
    timezone: str
    #: The national number (R15): its digits, python-stdnum's module, and the words around it.
    number_digits: int
    number_module: str
    number_expected: str
    number_hint: str
    number_placeholder: str
    #: The number's control digits are checked (the last two).
    number_control_digits: bool
    #: D-numbers (day + 40), H-numbers (month + 40) and FH-numbers (first digit 8 or 9).
    number_date_offsets: bool
    #: Who must be consulted before closing at each level 0-3 ("colleagues", "actors"), or
    #: None where no consultation is required (R10).
    consultations: tuple[str | None, ...]
    #: The subject reads their own log in the family view when they consent for themself
    #: (the young person from the age of own consent, the pregnant person); else the guardians
    #: with custody only.
    subject_reads_own_log: bool = False
    #: The national login the family view offers (its name on the button).
    national_login: str = "MitID"
    #: The claim of that login's ID token that carries the person's national number.
    number_claim: str = "https://data.gov.dk/model/core/eid/cprNumber"

    def level_name(self, level: int) -> str:
        """ "great concern" in the user's language; "" for a level that does not exist."""
        return _(self.level_names[level]) if 0 <= level < len(self.level_names) else ""

    def level_meaning(self, level: int) -> str:
        """ "great concern: cross-disciplinary effort" in the user's language; "" for no such
        level. Screens and papers both read the words here."""
        return _(self.level_meanings[level]) if 0 <= level < len(self.level_meanings) else ""

    def consents_for_self(self, kind: str, age: int | None, age_of_own_consent: int) -> bool:
        """Does the subject consent for themself (R6)? A pregnant person always; a young
        person from the age of own consent where the country says so; an unknown age never."""
        if kind == "pregnant":
            return True
        return self.young_consent and age is not None and age >= age_of_own_consent

    def consultation_needed(self, level: int) -> str | None:
        """Who must be consulted before the log closes at ``level`` (R10), or None."""
        return self.consultations[level] if 0 <= level < len(self.consultations) else None

    def number_scheme(self) -> ModuleType:
        """python-stdnum's module for the national number, imported when first needed."""
        import importlib

        return importlib.import_module(self.number_module)

    def unshifted(self, day: int, month: int) -> tuple[int, int]:
        """The real day and month of a D-number (day + 40) or an H-number (month + 40)."""
        if not self.number_date_offsets:
            return day, month
        return day - 40 * (day > 40), month - 40 * (month > 40)


#: The profile of an installation that has stored none (and of a screen before it has read it).
DEFAULT_CODE = "dk"


def _profiles() -> dict[str, Profile]:
    from relaytui.profiles import dk, no

    return {dk.PROFILE.code: dk.PROFILE, no.PROFILE.code: no.PROFILE}


def codes() -> tuple[str, ...]:
    """The codes an installation may store, in the order they are offered."""
    return tuple(_profiles())


def default_profile() -> Profile:
    """The profile of :data:`DEFAULT_CODE`."""
    return profile_of(DEFAULT_CODE)


def profile_of(code: str) -> Profile:
    """The profile stored as ``code``; an unknown code is a ValueError that names the known ones
    (the installation validates the code before it is stored, so this is a programming error)."""
    found = _profiles().get(code)
    if found is None:
        raise ValueError(f"unknown profile {code!r}: known profiles are {', '.join(codes())}")
    return found
