"""Actors and consent: who reads a log, and the permission that lets them (R5, R6).

Nothing is shared without consent: every actor except the subject, its guardians and the
nearest leader reads a log only through a consent in force that covers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound, RuleViolation
from relaytui.i18n import _, ngettext
from relaytui.models import Consent, ConsentCover, Guardian, Membership, RelayLog, Staff, Subject, Unit
from relaytui.models.log import LOG_IS_OPEN
from relaytui.services import access, clock, installation
from relaytui.services.versions import guarded_update

METHODS = ("signed_form", "digital", "oral")
ROLES = ("leader", "actor", "guardian", "subject", "other")


@dataclass(frozen=True)
class ConsentInput:
    """A consent as the holder records it. ``giver`` is ``"guardian"`` or ``"subject"``."""

    giver: str
    method: str
    guardian_id: int | None = None
    given_at: datetime | None = None
    covers_log: bool = True
    staff_ids: tuple[int, ...] = ()
    unit_ids: tuple[int, ...] = ()
    persons: tuple[str, ...] = ()
    expires_at: datetime | None = None
    note: str = ""


@dataclass(frozen=True)
class CoverView:
    staff_id: int | None
    unit_id: int | None
    person_name: str | None
    label: str


@dataclass(frozen=True)
class ConsentView:
    id: int
    log_id: int
    giver_kind: str
    giver_name: str
    method: str
    given_at: datetime
    covers_log: bool
    covers: tuple[CoverView, ...]
    expires_at: datetime | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    state: str  # in_force|expired|withdrawn
    version: int


@dataclass(frozen=True)
class ActorView:
    id: int
    log_id: int
    staff_id: int | None
    name: str
    profession: str
    unit_name: str
    role: str
    consent_id: int | None
    consent_state: str  # in_force|expired|withdrawn|not_needed
    added_at: datetime
    removed_at: datetime | None = None
    removed_reason: str | None = None
    phone: str = ""
    email: str = ""
    extra: dict = field(default_factory=dict, compare=False)


# --- who may consent (R6) ------------------------------------------------------------------


def age_on(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    years = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    return years


def consents_for_self(subject: Subject, inst: installation.Installation, today: date) -> bool:
    """Does the subject consent for themself? A pregnant person always; in ``no`` a young
    person from the age of own consent (R6)."""
    return own_consent(subject.kind, subject.birth_date, inst, today)


def own_consent(kind: str, birth_date: date | None, inst: installation.Installation, today: date) -> bool:
    """:func:`consents_for_self` for a subject not stored yet (the new-log form); the rule is
    the country's (:meth:`relaytui.profiles.Profile.consents_for_self`)."""
    return inst.country.consents_for_self(kind, age_on(birth_date, today), inst.age_of_own_consent)


def check_giver(session: Session, subject: Subject, data: ConsentInput,
                inst: installation.Installation) -> tuple[str, Guardian | None]:
    """The giver's name, if this person may consent for this subject (R6)."""
    today = clock.today(inst.timezone)
    self_consent = consents_for_self(subject, inst, today)
    if data.giver == "subject":
        if not self_consent:
            if subject.kind == "pregnant":  # pragma: no cover - handled above
                return subject.name, None
            if inst.country.young_consent:
                raise RuleViolation(
                    _("{name} is younger than {age}: the guardians consent on their behalf.").format(
                        name=subject.name, age=inst.age_of_own_consent
                    ),
                    rule="R6",
                )
            raise RuleViolation(
                _("The guardians with custody consent on the child's behalf; record their consent."),
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
            _("{name} is {age} or older and consents for themselves; record their own consent.").format(
                name=subject.name, age=inst.age_of_own_consent
            ),
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


def who_may_consent(name: str, kind: str, birth_date: date | None, guardians, inst: installation.Installation,
                    today: date) -> list[Giver]:
    """Who may consent for a subject today, as :func:`check_giver` decides (R6): the subject
    alone when they consent for themself (a pregnant person; in ``no`` a young person of the
    age of own consent), else the guardians with custody. The forms offer only these.
    ``guardians``: anything with ``id``, ``name``, ``relation`` and ``has_custody``."""
    if own_consent(kind, birth_date, inst, today):
        return [Giver(None, name)]
    return [Giver(g.id, g.name, g.relation) for g in guardians if g.has_custody]


def state_of(consent: Consent) -> str:
    if consent.withdrawn_at is not None:
        return "withdrawn"
    if consent.expires_at is not None and consent.expires_at <= clock.now():
        return "expired"
    return "in_force"


def log_consent_state(session: Session, log: RelayLog) -> str:
    """The log's consent as the list shows it: ok, missing, expired or withdrawn."""
    consents = session.exec(
        select(Consent).where(Consent.log_id == log.id, col(Consent.covers_log).is_(True))
        .order_by(col(Consent.given_at).desc())
    ).all()
    if not consents:
        return "missing"
    states = [state_of(c) for c in consents]
    if "in_force" in states:
        return "ok"
    return states[0]


def log_consent_in_force(session: Session, log: RelayLog) -> bool:
    return log_consent_state(session, log) == "ok"


def covers_staff(session: Session, consent: Consent, staff: Staff) -> bool:
    if not access.consent_in_force(consent):
        return False
    covers = session.exec(select(ConsentCover).where(ConsentCover.consent_id == consent.id)).all()
    for cover in covers:
        if cover.staff_id is not None and cover.staff_id == staff.id:
            return True
        if cover.unit_id is not None and staff.unit_id is not None and cover.unit_id == staff.unit_id:
            return True
    return False


def covers_unit(session: Session, consent: Consent, unit_id: int | None, staff_id: int | None = None) -> bool:
    if not access.consent_in_force(consent):
        return False
    covers = session.exec(select(ConsentCover).where(ConsentCover.consent_id == consent.id)).all()
    return any(
        (c.unit_id is not None and c.unit_id == unit_id) or (staff_id is not None and c.staff_id == staff_id)
        for c in covers
    )


def name_key(name: str | None) -> str:
    """A name as a person compares it: trimmed, spaces collapsed, case folded."""
    return " ".join((name or "").split()).casefold()


def covers_person(session: Session, consent: Consent, name: str) -> bool:
    if not access.consent_in_force(consent):
        return False
    wanted = name_key(name)
    covers = session.exec(select(ConsentCover).where(ConsentCover.consent_id == consent.id)).all()
    return any(c.person_name and name_key(c.person_name) == wanted for c in covers)


def names_staff(session: Session, consent: Consent, staff_id: int) -> bool:
    """The consent is in force and names this member of staff (not only their unit)."""
    if not access.consent_in_force(consent):
        return False
    return session.exec(
        select(ConsentCover.id).where(ConsentCover.consent_id == consent.id, ConsentCover.staff_id == staff_id)
    ).first() is not None


def nearest_leader_id(session: Session, unit_id: int | None) -> int | None:
    if unit_id is None:
        return None
    unit = session.get(Unit, unit_id)
    return unit.leader_id if unit else None


# --- views -------------------------------------------------------------------------------


def _cover_views(session: Session, consent_ids: set[int]) -> dict[int, tuple[CoverView, ...]]:
    """The covers of many consents, labelled, in one statement however many there are (issue 6)."""
    if not consent_ids:
        return {}
    rows = session.exec(
        select(ConsentCover, Staff.full_name, Unit.name)
        .outerjoin(Staff, Staff.id == ConsentCover.staff_id)
        .outerjoin(Unit, Unit.id == ConsentCover.unit_id)
        .where(col(ConsentCover.consent_id).in_(consent_ids)).order_by(col(ConsentCover.id))
    ).all()
    found: dict[int, list[CoverView]] = {}
    for cover, staff_name, unit_name in rows:
        if cover.staff_id is not None:
            label = staff_name if staff_name is not None else "?"
        elif cover.unit_id is not None:
            label = _("all of {unit}").format(unit=unit_name if unit_name is not None else "?")
        else:
            label = cover.person_name or ""
        found.setdefault(cover.consent_id, []).append(
            CoverView(cover.staff_id, cover.unit_id, cover.person_name, label)
        )
    return {key: tuple(views) for key, views in found.items()}


def _consent_views(session: Session, rows: list[Consent]) -> list[ConsentView]:
    """Many consents in a fixed number of statements, however many there are (issue 6)."""
    covers = _cover_views(session, {c.id for c in rows})
    return [
        ConsentView(
            id=c.id, log_id=c.log_id, giver_kind=c.giver_kind, giver_name=c.giver_name, method=c.method,
            given_at=c.given_at, covers_log=c.covers_log, covers=covers.get(c.id, ()),
            expires_at=c.expires_at, withdrawn_at=c.withdrawn_at, withdrawn_reason=c.withdrawn_reason,
            state=state_of(c), version=c.version,
        )
        for c in rows
    ]


def consent_view(session: Session, consent: Consent) -> ConsentView:
    return _consent_views(session, [consent])[0]


def actor_views(session: Session, rows: list[Membership]) -> list[ActorView]:
    """Many actors in a fixed number of statements, however many there are (issue 6)."""
    staff_ids = {r.staff_id for r in rows if r.staff_id}
    guardian_ids = {r.guardian_id for r in rows if r.guardian_id}
    consent_ids = {r.consent_id for r in rows if r.consent_id is not None}
    people = {
        row.id: row for row in session.exec(
            select(Staff.id, Staff.full_name, Staff.profession, Staff.phone, Staff.email,
                   Unit.name.label("unit_name"))
            .outerjoin(Unit, Unit.id == Staff.unit_id).where(col(Staff.id).in_(staff_ids))
        ).all()
    } if staff_ids else {}
    guardians = dict(session.exec(
        select(Guardian.id, Guardian.name).where(col(Guardian.id).in_(guardian_ids))
    ).all()) if guardian_ids else {}
    consents = {
        c.id: c for c in session.exec(select(Consent).where(col(Consent.id).in_(consent_ids))).all()
    } if consent_ids else {}
    views = []
    for row in rows:
        person = people.get(row.staff_id) if row.staff_id else None
        if person is not None:
            name = person.full_name
        elif row.guardian_id:
            name = guardians.get(row.guardian_id, row.person_name or "")
        else:
            name = row.person_name or ""
        if row.consent_id is None:
            state = "not_needed"
        else:
            consent = consents.get(row.consent_id)
            state = state_of(consent) if consent else "withdrawn"
        views.append(ActorView(
            id=row.id, log_id=row.log_id, staff_id=row.staff_id, name=name,
            profession=person.profession if person else "", unit_name=(person.unit_name or "") if person else "",
            role=row.role, consent_id=row.consent_id, consent_state=state, added_at=row.added_at,
            removed_at=row.removed_at, removed_reason=row.removed_reason,
            phone=person.phone if person else "", email=person.email if person else "",
        ))
    return views


def actor_view(session: Session, row: Membership) -> ActorView:
    return actor_views(session, [row])[0]


# --- services ------------------------------------------------------------------------------


def record_consent(store: Store, by: access.StaffRef, log_id: int, data: ConsentInput) -> ConsentView:
    """The holder records a consent: who gave it, how, when, what it covers, until when (R6)."""
    if data.method not in METHODS:
        raise InvalidInput(_("Say how the consent was given: signed form, digital or oral."))
    if not data.covers_log and not (data.staff_ids or data.unit_ids or data.persons):
        raise InvalidInput(_("Say what the consent covers: the log, actors, or both."))
    inst = installation.read(store)
    now = clock.now()
    given_at = data.given_at or now
    if given_at > now:
        raise InvalidInput(_("A consent cannot be given in the future. Check the date."))
    if data.expires_at is not None and data.expires_at <= given_at:
        raise InvalidInput(_("The consent must expire after it was given. Check the expiry date."))
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="consent")
        subject = session.get(Subject, log.subject_id)
        giver_name, guardian = check_giver(session, subject, data, inst)
        for staff_id in data.staff_ids:
            if session.get(Staff, staff_id) is None:
                raise NotFound(_("There is no such member of staff."))
        for unit_id in data.unit_ids:
            if session.get(Unit, unit_id) is None:
                raise NotFound(_("There is no such unit."))
        consent = Consent(
            log_id=log.id, giver_kind=data.giver, guardian_id=guardian.id if guardian else None,
            giver_name=giver_name, method=data.method, given_at=given_at,
            covers_log=data.covers_log, expires_at=data.expires_at, note=data.note,
            recorded_by=staff.id, recorded_at=now,
        )
        session.add(consent)
        session.flush()
        for staff_id in dict.fromkeys(data.staff_ids):
            session.add(ConsentCover(consent_id=consent.id, staff_id=staff_id))
        for unit_id in dict.fromkeys(data.unit_ids):
            session.add(ConsentCover(consent_id=consent.id, unit_id=unit_id))
        for person in dict.fromkeys(p.strip() for p in data.persons if p.strip()):
            session.add(ConsentCover(consent_id=consent.id, person_name=person))
        if log.needs_attention and data.covers_log:
            log.needs_attention = None
            session.add(log)
        session.flush()
        access.write_audit(session, staff, by, "consent_recorded", log=log, detail=f"consent {consent.id}")
        return consent_view(session, consent)


def withdraw_consent(store: Store, by: access.StaffRef, consent_id: int, *, version: int,
                     reason: str) -> ConsentView:
    """A guardian withdraws: the actors it covered are detached and the log is flagged (R5)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write down how and when the consent was withdrawn."))
    with store.session(write=True) as session:
        consent = session.get(Consent, consent_id)
        if consent is None:
            raise NotFound(_("There is no such consent."))
        staff, log = access.log_for_write(session, by, consent.log_id, what="consent")
        if consent.withdrawn_at is not None:
            raise RuleViolation(_("This consent was already withdrawn."), rule="R6")
        now = clock.now()
        guarded_update(session, Consent, consent.id, version, withdrawn_at=now, withdrawn_reason=reason)
        detached = _detach_uncovered(session, log, consent, now)
        log.needs_attention = ngettext(
            "A consent was withdrawn; {n} actor was detached.",
            "A consent was withdrawn; {n} actors were detached.", detached,
        ).format(n=detached)
        session.add(log)
        session.flush()
        access.write_audit(
            session, staff, by, "consent_withdrawn", log=log,
            detail=f"consent {consent.id}; detached {detached}",
        )
        return consent_view(session, session.get(Consent, consent.id))


def _detach_uncovered(session: Session, log: RelayLog, consent: Consent, now: datetime) -> int:
    """Detach every actor that depended on ``consent`` and no other consent in force covers."""
    rows = session.exec(
        select(Membership).where(
            Membership.log_id == log.id, Membership.consent_id == consent.id,
            col(Membership.removed_at).is_(None),
        )
    ).all()
    others = [
        c for c in session.exec(select(Consent).where(Consent.log_id == log.id, Consent.id != consent.id)).all()
        if access.consent_in_force(c)
    ]
    detached = 0
    for row in rows:
        replacement = None
        if row.staff_id is not None:
            member = session.get(Staff, row.staff_id)
            replacement = next((c for c in others if member and covers_staff(session, c, member)), None)
        elif row.person_name:
            replacement = next((c for c in others if covers_person(session, c, row.person_name)), None)
        if replacement is not None:
            row.consent_id = replacement.id
        else:
            row.removed_at = now
            row.removed_reason = "consent withdrawn"
            detached += 1
        session.add(row)
    return detached


def list_consents(store: Store, by: access.StaffRef, log_id: int) -> list[ConsentView]:
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="consents")
        rows = session.exec(
            select(Consent).where(Consent.log_id == log_id).order_by(col(Consent.given_at).desc())
        ).all()
        return _consent_views(session, list(rows))


def _gives_access(session: Session, row: Membership) -> bool:
    """A membership that is not removed lets its person read while its consent (if it needs
    one) is in force."""
    return row.removed_at is None and (
        row.consent_id is None or access.consent_in_force(session.get(Consent, row.consent_id))
    )


def _attached_name(session: Session, row: Membership) -> str:
    if row.guardian_id is not None:
        guardian = session.get(Guardian, row.guardian_id)
        if guardian is not None:
            return guardian.name
    return row.person_name or ""


def _same_person(session: Session, log: RelayLog, *, staff_id: int | None = None,
                 guardian_id: int | None = None, name: str | None = None) -> list[Membership]:
    """The log's memberships (not removed) of this member of staff, this guardian, or a person
    of this name (a guardian, the subject or a named person: compared as a person would)."""
    rows = session.exec(
        select(Membership).where(Membership.log_id == log.id, col(Membership.removed_at).is_(None))
        .order_by(col(Membership.id))
    ).all()
    if staff_id is not None:
        return [row for row in rows if row.staff_id == staff_id]
    wanted = name_key(name)
    return [
        row for row in rows
        if row.staff_id is None and (
            (guardian_id is not None and row.guardian_id == guardian_id)
            or (wanted and name_key(_attached_name(session, row)) == wanted)
        )
    ]


def _refuse_second(session: Session, rows: list[Membership], fallback: str) -> list[Membership]:
    """Refuse when one of ``rows`` still gives access, naming who is attached; returns the
    others, whose consent ran out: they end when the person is attached again."""
    for row in rows:
        if _gives_access(session, row):
            if row.staff_id is not None:
                member = session.get(Staff, row.staff_id)
                name = member.full_name if member is not None else fallback
            else:
                name = _attached_name(session, row) or fallback
            raise InvalidInput(_("{name} is already an actor of this log.").format(name=name))
    return rows


def add_actor(
    store: Store,
    by: access.StaffRef,
    log_id: int,
    *,
    staff_id: int | None = None,
    person_name: str | None = None,
    guardian_id: int | None = None,
    as_subject: bool = False,
    consent_id: int | None = None,
) -> ActorView:
    """Attach a reader. Anyone but the subject, its guardians and the nearest leader needs a
    consent in force that covers them (R5). A person is attached once: the same member of
    staff, the same guardian, or the same name (trimmed, case folded) again is refused."""
    chosen = sum(bool(x) for x in (staff_id, (person_name or "").strip(), guardian_id, as_subject))
    if chosen != 1:
        raise InvalidInput(_("Choose one person to add: a member of staff, a guardian, or a named person."))
    now = clock.now()
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="actors")
        consent = session.get(Consent, consent_id) if consent_id else None
        if consent_id and (consent is None or consent.log_id != log.id):
            raise NotFound(_("There is no such consent on this log."))
        role = "actor"
        if as_subject:
            role, needs_consent = "subject", False
            person_name = session.get(Subject, log.subject_id).name
            stale = _refuse_second(session, _same_person(session, log, name=person_name), person_name)
        elif guardian_id:
            guardian = session.get(Guardian, guardian_id)
            if guardian is None or guardian.subject_id != log.subject_id:
                raise NotFound(_("That guardian does not belong to this subject."))
            role, needs_consent = "guardian", False
            stale = _refuse_second(
                session, _same_person(session, log, guardian_id=guardian.id, name=guardian.name), guardian.name
            )
        elif staff_id:
            # Read under a share lock: a move to another unit (accounts.set_unit) waits for
            # this attachment, or this waits for the move and sees the new unit.
            member = session.exec(
                select(Staff).where(Staff.id == staff_id).with_for_update(read=True)
                .execution_options(populate_existing=True)
            ).first()
            if member is None or not member.active:
                raise NotFound(_("There is no such active member of staff."))
            if member.role == "admin":
                raise RuleViolation(_("Administrators do not read relay logs."), rule="R9")
            if member.id == log.holder_id:
                raise InvalidInput(_("{name} holds this log already.").format(name=member.full_name))
            stale = _refuse_second(session, _same_person(session, log, staff_id=member.id), member.full_name)
            if member.id == nearest_leader_id(session, log.unit_id):
                role, needs_consent = "leader", False
            else:
                needs_consent = True
                if consent is None:
                    consent = next(
                        (c for c in session.exec(select(Consent).where(Consent.log_id == log.id)
                                                 .order_by(col(Consent.id))).all()
                         if covers_staff(session, c, member)),
                        None,
                    )
                if consent is None or not covers_staff(session, consent, member):
                    raise RuleViolation(
                        _("No consent in force covers {name}. Record a consent that covers "
                          "{name} under Actors and consent first.").format(name=member.full_name),
                        rule="R5",
                    )
        else:
            person_name = person_name.strip()
            stale = _refuse_second(session, _same_person(session, log, name=person_name), person_name)
            role, needs_consent = "other", True
            if consent is None:
                consent = next(
                    (c for c in session.exec(select(Consent).where(Consent.log_id == log.id)
                                             .order_by(col(Consent.id))).all()
                     if covers_person(session, c, person_name)),
                    None,
                )
            if consent is None or not covers_person(session, consent, person_name):
                raise RuleViolation(
                    _("No consent in force covers {name}. Record a consent that covers "
                      "{name} under Actors and consent first.").format(name=person_name),
                    rule="R5",
                )
        # A membership whose consent ran out lets no one read; it ends now, so that the
        # person is listed once.
        for old in stale:
            old.removed_at = now
            old.removed_reason = "consent no longer in force; attached again"
            session.add(old)
        row = Membership(
            log_id=log.id, staff_id=staff_id, guardian_id=guardian_id,
            person_name=person_name if not staff_id and not guardian_id else None,
            role=role, consent_id=consent.id if needs_consent and consent else None,
            added_by=staff.id, added_at=now,
        )
        session.add(row)
        session.flush()
        detail = f"membership {row.id} {role}"
        if stale:
            detail += "; ended " + ", ".join(f"membership {old.id}" for old in stale)
        access.write_audit(session, staff, by, "actor_added", log=log, detail=detail)
        return actor_view(session, row)


def remove_actor(store: Store, by: access.StaffRef, membership_id: int, *, reason: str) -> ActorView:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write why the actor is removed."))
    with store.session(write=True) as session:
        row = session.get(Membership, membership_id)
        if row is None:
            raise NotFound(_("There is no such actor."))
        staff, log = access.log_for_write(session, by, row.log_id, what="actors")
        if row.removed_at is not None:
            raise InvalidInput(_("This actor was already removed."))
        row.removed_at = clock.now()
        row.removed_reason = reason
        session.add(row)
        session.flush()
        access.write_audit(session, staff, by, "actor_removed", log=log, detail=f"membership {row.id}")
        return actor_view(session, row)


def list_actors(store: Store, by: access.StaffRef, log_id: int, *, include_removed: bool = False) -> list[ActorView]:
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="actors")
        query = select(Membership).where(Membership.log_id == log_id)
        if not include_removed:
            query = query.where(col(Membership.removed_at).is_(None))
        rows = session.exec(query.order_by(col(Membership.id))).all()
        return actor_views(session, list(rows))


def attach_leader(session: Session, log: RelayLog, unit_id: int | None, added_by: int) -> None:
    """R3: the nearest leader of the unit reads along, so knowledge stays when staff move.

    The unit is read under a share lock: a leader change (:func:`change_unit_leader`) in
    progress finishes first, or waits for this log and then finds it.
    """
    if unit_id is None:
        return
    unit = session.exec(
        select(Unit).where(Unit.id == unit_id).with_for_update(read=True)
        .execution_options(populate_existing=True)
    ).first()
    leader_id = unit.leader_id if unit is not None else None
    if leader_id is None or leader_id == log.holder_id:
        return
    if access.active_membership(session, log.id, leader_id) is not None:
        return
    leader = session.get(Staff, leader_id)
    if leader is None or not leader.active:
        return
    session.add(Membership(log_id=log.id, staff_id=leader_id, role="leader", added_by=added_by,
                           added_at=clock.now()))


# --- people move: a unit's new leader, a member of staff in another unit (R3, R5) -----------

#: Why a membership ended (kept with it, in English, like "consent withdrawn").
NO_LONGER_LEADER = "no longer the unit's leader"
MOVED_AWAY = "moved to another unit"


def _open_logs(session: Session, log_ids=None, *, unit_id: int | None = None) -> list[RelayLog]:
    """Open logs, locked in id order (the order every writer of a log locks it in)."""
    query = select(RelayLog).where(LOG_IS_OPEN)
    if unit_id is not None:
        query = query.where(RelayLog.unit_id == unit_id)
    if log_ids is not None:
        if not log_ids:
            return []
        query = query.where(col(RelayLog.id).in_(sorted(log_ids)))
    return list(session.exec(
        query.order_by(col(RelayLog.id)).with_for_update().execution_options(populate_existing=True)
    ).all())


def _naming_consent(session: Session, log: RelayLog, staff_id: int) -> Consent | None:
    """The first consent in force on the log that names this member of staff."""
    return next(
        (c for c in session.exec(select(Consent).where(Consent.log_id == log.id).order_by(col(Consent.id))).all()
         if names_staff(session, c, staff_id)),
        None,
    )


def change_unit_leader(session: Session, unit_id: int, old_leader_id: int | None, new_leader_id: int | None,
                       *, actor: Staff | None, by: access.StaffRef) -> None:
    """A unit has a new nearest leader (R3): on each of the unit's open logs the former leader's
    leader membership ends and the new leader is attached; each change is in the log's trail.

    Call it after the unit's leader was changed, in the same transaction. The former leader
    reads on where they hold the log or are an actor for another reason: a membership through
    a consent, or a consent in force that names them (their leader membership then becomes an
    actor membership through that consent). A new leader who already reads is not attached again.
    """
    if old_leader_id == new_leader_id:
        return
    now = clock.now()
    new_leader = session.get(Staff, new_leader_id) if new_leader_id is not None else None
    for log in _open_logs(session, unit_id=unit_id):
        added_by = actor.id if actor is not None else log.holder_id
        if old_leader_id is not None:
            ended = session.exec(
                select(Membership).where(
                    Membership.log_id == log.id, Membership.staff_id == old_leader_id,
                    Membership.role == "leader", col(Membership.consent_id).is_(None),
                    col(Membership.removed_at).is_(None),
                ).order_by(col(Membership.id))
            ).all()
            for row in ended:
                row.removed_at = now
                row.removed_reason = NO_LONGER_LEADER
                session.add(row)
                session.flush()
                access.write_audit(session, actor, by, "actor_removed", log=log,
                                   detail=f"membership {row.id} leader; unit {unit_id} has a new leader")
            named = _naming_consent(session, log, old_leader_id) if ended else None
            if named is not None and access.active_membership(session, log.id, old_leader_id) is None:
                row = Membership(log_id=log.id, staff_id=old_leader_id, role="actor", consent_id=named.id,
                                 added_by=added_by, added_at=now)
                session.add(row)
                session.flush()
                access.write_audit(session, actor, by, "actor_added", log=log,
                                   detail=f"membership {row.id} actor; consent {named.id} names the former leader")
        if (new_leader is None or not new_leader.active or new_leader.role == "admin"
                or new_leader.id == log.holder_id
                or access.active_membership(session, log.id, new_leader.id) is not None):
            continue
        row = Membership(log_id=log.id, staff_id=new_leader.id, role="leader", added_by=added_by, added_at=now)
        session.add(row)
        session.flush()
        access.write_audit(session, actor, by, "actor_added", log=log,
                           detail=f"membership {row.id} leader; the new leader of unit {unit_id}")


def _moving_memberships(session: Session, staff_id: int) -> list[Membership]:
    """The staff member's memberships that a move may end: through a consent, or as a leader."""
    return list(session.exec(
        select(Membership)
        .join(RelayLog, col(RelayLog.id) == col(Membership.log_id))
        .where(Membership.staff_id == staff_id, col(Membership.removed_at).is_(None), LOG_IS_OPEN,
               or_(col(Membership.consent_id).is_not(None), Membership.role == "leader"))
        .order_by(col(Membership.log_id), col(Membership.id))
    ).all())


def lock_logs_before_move(session: Session, staff_id: int) -> None:
    """Lock the open logs a move of this member of staff may change: call it before the move,
    so that it takes the locks in the order every writer of a log takes them (log, then staff)."""
    _open_logs(session, {row.log_id for row in _moving_memberships(session, staff_id)})


def end_access_after_move(session: Session, staff: Staff, *, actor: Staff | None, by: access.StaffRef) -> int:
    """``staff`` now works in another unit (R5): what a consent to their former unit gave them
    ends. Call it after the move, in the same transaction; returns how many memberships ended.

    A membership through a consent stays when a consent in force names them (it is moved onto
    that consent when its own consent named only the unit); otherwise it ends, in the log's
    trail, and the log is flagged for its holder as when a consent is withdrawn. A leader
    membership of a unit they do not lead ends too.
    """
    rows = _moving_memberships(session, staff.id)
    if not rows:
        return 0
    # Locked again: the same rows are no more work; a membership added while the move waited
    # for its locks has its log locked now.
    logs = {log.id: log for log in _open_logs(session, {row.log_id for row in rows})}
    now = clock.now()
    ended = 0
    for row in rows:
        log = logs.get(row.log_id)
        if log is None or row.removed_at is not None:
            continue
        if row.consent_id is None:
            if row.role != "leader" or nearest_leader_id(session, log.unit_id) == staff.id:
                continue
        else:
            own = session.get(Consent, row.consent_id)
            if not access.consent_in_force(own):
                continue  # it lets no one read as it is
            if names_staff(session, own, staff.id):
                continue
            named = _naming_consent(session, log, staff.id)
            if named is not None:
                row.consent_id = named.id
                session.add(row)
                continue
        row.removed_at = now
        row.removed_reason = MOVED_AWAY
        session.add(row)
        log.needs_attention = _(
            "{name} moved to another unit and no longer reads this log. Record a consent that "
            "names them if they should read on."
        ).format(name=staff.full_name)[:200]
        session.add(log)
        session.flush()
        access.write_audit(session, actor, by, "actor_removed", log=log,
                           detail=f"membership {row.id} {row.role}; {MOVED_AWAY}")
        ended += 1
    return ended
