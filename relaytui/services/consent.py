"""Consent: the permission that lets actors read a log, recorded, withdrawn and listed (R5, R6).

Nothing is shared without consent: every actor except the subject, its guardians and the
nearest leader reads a log only through a consent in force that covers them. Who may give a
consent is :mod:`relaytui.services.consent_givers`; the actors it lets in are
:mod:`relaytui.services.log_actors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound, RuleViolation
from relaytui.i18n import _, ngettext
from relaytui.models import Consent, ConsentCover, Membership, RelayLog, Staff, Subject, Unit
from relaytui.models.base import stored_id
from relaytui.services import access, clock, consent_givers, installation
from relaytui.services.versions import guarded_update

METHODS = ("signed_form", "digital", "oral")


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


def state_of(consent: Consent) -> str:
    if consent.withdrawn_at is not None:
        return "withdrawn"
    if consent.expires_at is not None and consent.expires_at <= clock.now():
        return "expired"
    return "in_force"


def log_consent_state(session: Session, log: RelayLog) -> str:
    """The log's consent as the list shows it: ok, missing, expired or withdrawn."""
    consents = session.exec(
        select(Consent)
        .where(Consent.log_id == log.id, col(Consent.covers_log).is_(True))
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
        if (
            cover.unit_id is not None
            and staff.unit_id is not None
            and cover.unit_id == staff.unit_id
        ):
            return True
    return False


def covers_unit(
    session: Session, consent: Consent, unit_id: int | None, staff_id: int | None = None
) -> bool:
    if not access.consent_in_force(consent):
        return False
    covers = session.exec(select(ConsentCover).where(ConsentCover.consent_id == consent.id)).all()
    return any(
        (c.unit_id is not None and c.unit_id == unit_id)
        or (staff_id is not None and c.staff_id == staff_id)
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
    return (
        session.exec(
            select(ConsentCover.id).where(
                ConsentCover.consent_id == consent.id, ConsentCover.staff_id == staff_id
            )
        ).first()
        is not None
    )


# --- views -------------------------------------------------------------------------------


def _cover_views(session: Session, consent_ids: set[int]) -> dict[int, tuple[CoverView, ...]]:
    """The covers of many consents, labelled, in one statement however many there are (issue 6)."""
    if not consent_ids:
        return {}
    rows = session.exec(
        select(ConsentCover, Staff.full_name, Unit.name)
        .outerjoin(Staff, col(Staff.id) == ConsentCover.staff_id)
        .outerjoin(Unit, col(Unit.id) == ConsentCover.unit_id)
        .where(col(ConsentCover.consent_id).in_(consent_ids))
        .order_by(col(ConsentCover.id))
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
    covers = _cover_views(session, {stored_id(c) for c in rows})
    return [
        ConsentView(
            id=stored_id(c),
            log_id=c.log_id,
            giver_kind=c.giver_kind,
            giver_name=c.giver_name,
            method=c.method,
            given_at=c.given_at,
            covers_log=c.covers_log,
            covers=covers.get(stored_id(c), ()),
            expires_at=c.expires_at,
            withdrawn_at=c.withdrawn_at,
            withdrawn_reason=c.withdrawn_reason,
            state=state_of(c),
            version=c.version,
        )
        for c in rows
    ]


def consent_view(session: Session, consent: Consent) -> ConsentView:
    return _consent_views(session, [consent])[0]


# --- services ------------------------------------------------------------------------------


def record_consent(
    store: Store, by: access.StaffRef, log_id: int, data: ConsentInput
) -> ConsentView:
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
        subject = session.get_one(Subject, log.subject_id)
        giver_name, guardian = consent_givers.check_giver(session, subject, data, inst)
        for staff_id in data.staff_ids:
            if session.get(Staff, staff_id) is None:
                raise NotFound(_("There is no such member of staff."))
        for unit_id in data.unit_ids:
            if session.get(Unit, unit_id) is None:
                raise NotFound(_("There is no such unit."))
        consent = Consent(
            log_id=stored_id(log),
            giver_kind=data.giver,
            guardian_id=guardian.id if guardian else None,
            giver_name=giver_name,
            method=data.method,
            given_at=given_at,
            covers_log=data.covers_log,
            expires_at=data.expires_at,
            note=data.note,
            recorded_by=stored_id(staff),
            recorded_at=now,
        )
        session.add(consent)
        session.flush()
        consent_id = stored_id(consent)
        for staff_id in dict.fromkeys(data.staff_ids):
            session.add(ConsentCover(consent_id=consent_id, staff_id=staff_id))
        for unit_id in dict.fromkeys(data.unit_ids):
            session.add(ConsentCover(consent_id=consent_id, unit_id=unit_id))
        for person in dict.fromkeys(p.strip() for p in data.persons if p.strip()):
            session.add(ConsentCover(consent_id=consent_id, person_name=person))
        if log.needs_attention and data.covers_log:
            log.needs_attention = None
            session.add(log)
        session.flush()
        access.write_audit(
            session, staff, by, "consent_recorded", log=log, detail=f"consent {consent.id}"
        )
        return consent_view(session, consent)


def record_first_consent(
    session: Session,
    staff: Staff,
    by: access.StaffRef,
    log: RelayLog,
    subject: Subject,
    data: ConsentInput,
    inst: installation.Installation,
    now: datetime,
) -> Consent:
    """The consent given when a log is created (``no``: a log starts at level 1 with it), in the
    log's own transaction: the log never exists at level 1 without it (R4, R6)."""
    giver_name, guardian = consent_givers.check_giver(session, subject, data, inst)
    row = Consent(
        log_id=stored_id(log),
        giver_kind=data.giver,
        guardian_id=guardian.id if guardian else None,
        giver_name=giver_name,
        method=data.method,
        given_at=data.given_at or now,
        covers_log=True,
        expires_at=data.expires_at,
        note=data.note,
        recorded_by=stored_id(staff),
        recorded_at=now,
    )
    if row.method not in METHODS:
        raise InvalidInput(_("Say how the consent was given: signed form, digital or oral."))
    session.add(row)
    session.flush()
    for staff_id in data.staff_ids:
        session.add(ConsentCover(consent_id=stored_id(row), staff_id=staff_id))
    for unit_id in data.unit_ids:
        session.add(ConsentCover(consent_id=stored_id(row), unit_id=unit_id))
    session.flush()
    access.write_audit(session, staff, by, "consent_recorded", log=log, detail=f"consent {row.id}")
    return row


def withdraw_consent(
    store: Store, by: access.StaffRef, consent_id: int, *, version: int, reason: str
) -> ConsentView:
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
        # guarded_update refreshes consent too.
        guarded_update(
            session, Consent, stored_id(consent), version, withdrawn_at=now, withdrawn_reason=reason
        )
        detached = _detach_uncovered(session, log, consent, now)
        log.needs_attention = ngettext(
            "A consent was withdrawn; {n} actor was detached.",
            "A consent was withdrawn; {n} actors were detached.",
            detached,
        ).format(n=detached)
        session.add(log)
        session.flush()
        access.write_audit(
            session,
            staff,
            by,
            "consent_withdrawn",
            log=log,
            detail=f"consent {consent.id}; detached {detached}",
        )
        return consent_view(session, consent)


def _detach_uncovered(session: Session, log: RelayLog, consent: Consent, now: datetime) -> int:
    """Detach every actor that depended on ``consent`` and no other consent in force covers."""
    rows = session.exec(
        select(Membership).where(
            Membership.log_id == log.id,
            Membership.consent_id == consent.id,
            col(Membership.removed_at).is_(None),
        )
    ).all()
    others = [
        c
        for c in session.exec(
            select(Consent).where(Consent.log_id == log.id, Consent.id != consent.id)
        ).all()
        if access.consent_in_force(c)
    ]
    detached = 0
    for row in rows:
        replacement = None
        if row.staff_id is not None:
            member = session.get(Staff, row.staff_id)
            replacement = next(
                (c for c in others if member and covers_staff(session, c, member)), None
            )
        elif row.person_name:
            replacement = next(
                (c for c in others if covers_person(session, c, row.person_name)), None
            )
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
