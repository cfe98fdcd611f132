"""Who may consent for a subject (R6): the guardians with custody, or the subject themself.

Apart from recording consents because the country decides it (the profile's age of own consent,
a pregnant person for herself): the new-log form, the consent forms and the service that records
a consent ask the same rule here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlmodel import Session

from relaytui.errors import InvalidInput, RuleViolation
from relaytui.i18n import _
from relaytui.models import Guardian, Subject
from relaytui.services import clock, installation

if TYPE_CHECKING:
    from relaytui.services.consent import ConsentInput


def age_on(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    years = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return years


def consents_for_self(subject: Subject, inst: installation.Installation, today: date) -> bool:
    """Does the subject consent for themself? A pregnant person always; in ``no`` a young
    person from the age of own consent (R6)."""
    return own_consent(subject.kind, subject.birth_date, inst, today)


def own_consent(
    kind: str, birth_date: date | None, inst: installation.Installation, today: date
) -> bool:
    """:func:`consents_for_self` for a subject not stored yet (the new-log form); the rule is
    the country's (:meth:`relaytui.profiles.Profile.consents_for_self`)."""
    return inst.country.consents_for_self(kind, age_on(birth_date, today), inst.age_of_own_consent)


def check_giver(
    session: Session, subject: Subject, data: ConsentInput, inst: installation.Installation
) -> tuple[str, Guardian | None]:
    """The giver's name, if this person may consent for this subject (R6)."""
    today = clock.today(inst.timezone)
    self_consent = consents_for_self(subject, inst, today)
    if data.giver == "subject":
        if not self_consent:
            if subject.kind == "pregnant":  # pragma: no cover - handled above
                return subject.name, None
            if inst.country.young_consent:
                raise RuleViolation(
                    _(
                        "{name} is younger than {age}: the guardians consent on their behalf."
                    ).format(name=subject.name, age=inst.age_of_own_consent),
                    rule="R6",
                )
            raise RuleViolation(
                _(
                    "The guardians with custody consent on the child's behalf; record their consent."
                ),
                rule="R6",
            )
        return subject.name, None
    if data.giver != "guardian":
        raise InvalidInput(_("A consent is given by a guardian or by the subject."))
    if self_consent:
        if subject.kind == "pregnant":
            raise RuleViolation(
                _("A pregnant person consents for herself; record her own consent."), rule="R6"
            )
        raise RuleViolation(
            _(
                "{name} is {age} or older and consents for themselves; record their own consent."
            ).format(name=subject.name, age=inst.age_of_own_consent),
            rule="R6",
        )
    guardian = session.get(Guardian, data.guardian_id) if data.guardian_id else None
    if guardian is None or guardian.subject_id != subject.id:
        raise InvalidInput(_("Choose one of the subject's guardians as the one who consents."))
    if not guardian.has_custody:
        raise RuleViolation(
            _("{name} has no custody and cannot consent. Ask a guardian with custody.").format(
                name=guardian.name
            ),
            rule="R6",
        )
    return guardian.name, guardian


@dataclass(frozen=True)
class Giver:
    """Someone who may give a consent for the log's subject today (R6)."""

    guardian_id: int | None  # None: the subject, for themself
    name: str
    relation: str = ""


def who_may_consent(
    name: str,
    kind: str,
    birth_date: date | None,
    guardians,
    inst: installation.Installation,
    today: date,
) -> list[Giver]:
    """Who may consent for a subject today, as :func:`check_giver` decides (R6): the subject
    alone when they consent for themself (a pregnant person; in ``no`` a young person of the
    age of own consent), else the guardians with custody. The forms offer only these.
    ``guardians``: anything with ``id``, ``name``, ``relation`` and ``has_custody``."""
    if own_consent(kind, birth_date, inst, today):
        return [Giver(None, name)]
    return [Giver(g.id, g.name, g.relation) for g in guardians if g.has_custody]
