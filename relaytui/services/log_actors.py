"""Actors: who reads a log besides its holder, and how they are attached and removed (R3, R5).

Anyone but the subject, its guardians and the nearest leader is attached through a consent in
force that covers them (:mod:`relaytui.services.consent` records those consents).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound, RuleViolation
from relaytui.i18n import _
from relaytui.models import Consent, Guardian, Membership, RelayLog, Staff, Subject, Unit
from relaytui.models.base import stored_id
from relaytui.services import access, clock, notices
from relaytui.services.consent import covers_person, covers_staff, name_key, state_of


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


def nearest_leader_id(session: Session, unit_id: int | None) -> int | None:
    if unit_id is None:
        return None
    unit = session.get(Unit, unit_id)
    return unit.leader_id if unit else None


# --- views -------------------------------------------------------------------------------


def actor_views(session: Session, rows: list[Membership]) -> list[ActorView]:
    """Many actors in a fixed number of statements, however many there are (issue 6)."""
    staff_ids = {r.staff_id for r in rows if r.staff_id}
    guardian_ids = {r.guardian_id for r in rows if r.guardian_id}
    consent_ids = {r.consent_id for r in rows if r.consent_id is not None}
    # Rows of six named columns (sqlmodel.select's overloads stop at four: a library typing gap).
    staff_rows: Sequence[Any] = (
        session.exec(
            select(
                Staff.id,
                Staff.full_name,
                Staff.profession,
                Staff.phone,  # type: ignore[call-overload]
                Staff.email,
                col(Unit.name).label("unit_name"),
            )
            .outerjoin(Unit, Unit.id == Staff.unit_id)
            .where(col(Staff.id).in_(staff_ids))
        ).all()
        if staff_ids
        else ()
    )
    people = {row.id: row for row in staff_rows}
    guardians = (
        dict(
            session.exec(
                select(Guardian.id, Guardian.name).where(col(Guardian.id).in_(guardian_ids))
            ).all()
        )
        if guardian_ids
        else {}
    )
    consents = (
        {
            c.id: c
            for c in session.exec(select(Consent).where(col(Consent.id).in_(consent_ids))).all()
        }
        if consent_ids
        else {}
    )
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
        views.append(
            ActorView(
                id=stored_id(row),
                log_id=row.log_id,
                staff_id=row.staff_id,
                name=name,
                profession=person.profession if person else "",
                unit_name=(person.unit_name or "") if person else "",
                role=row.role,
                consent_id=row.consent_id,
                consent_state=state,
                added_at=row.added_at,
                removed_at=row.removed_at,
                removed_reason=row.removed_reason,
                phone=person.phone if person else "",
                email=person.email if person else "",
            )
        )
    return views


def actor_view(session: Session, row: Membership) -> ActorView:
    return actor_views(session, [row])[0]


# --- services ------------------------------------------------------------------------------


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


def _same_person(
    session: Session,
    log: RelayLog,
    *,
    staff_id: int | None = None,
    guardian_id: int | None = None,
    name: str | None = None,
) -> list[Membership]:
    """The log's memberships (not removed) of this member of staff, this guardian, or a person
    of this name (a guardian, the subject or a named person: compared as a person would)."""
    rows = session.exec(
        select(Membership)
        .where(Membership.log_id == log.id, col(Membership.removed_at).is_(None))
        .order_by(col(Membership.id))
    ).all()
    if staff_id is not None:
        return [row for row in rows if row.staff_id == staff_id]
    wanted = name_key(name)
    return [
        row
        for row in rows
        if row.staff_id is None
        and (
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
        raise InvalidInput(
            _("Choose one person to add: a member of staff, a guardian, or a named person.")
        )
    now = clock.now()
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="actors")
        consent = session.get(Consent, consent_id) if consent_id else None
        if consent_id and (consent is None or consent.log_id != log.id):
            raise NotFound(_("There is no such consent on this log."))
        if as_subject:
            attachment = _as_subject(session, log)
        elif guardian_id:
            attachment = _as_guardian(session, log, guardian_id)
        elif staff_id:
            attachment = _as_staff(session, log, staff_id, consent)
        else:
            attachment = _as_named_person(session, log, (person_name or "").strip(), consent)
        return _attach(
            session, staff, by, log, attachment, now, staff_id=staff_id, guardian_id=guardian_id
        )


@dataclass(frozen=True)
class _Attachment:
    """How a person is attached to a log: in which role, through which consent (None: they
    need none), under which name (the subject or a named person), and their earlier
    memberships whose consent ran out (these end when the person is attached again)."""

    role: str
    consent: Consent | None
    stale: list[Membership]
    person_name: str | None = None


def _as_subject(session: Session, log: RelayLog) -> _Attachment:
    """The subject reads their own log without a consent."""
    name = session.get_one(Subject, log.subject_id).name
    stale = _refuse_second(session, _same_person(session, log, name=name), name)
    return _Attachment("subject", None, stale, person_name=name)


def _as_guardian(session: Session, log: RelayLog, guardian_id: int) -> _Attachment:
    """One of the subject's guardians reads without a consent."""
    guardian = session.get(Guardian, guardian_id)
    if guardian is None or guardian.subject_id != log.subject_id:
        raise NotFound(_("That guardian does not belong to this subject."))
    stale = _refuse_second(
        session,
        _same_person(session, log, guardian_id=guardian.id, name=guardian.name),
        guardian.name,
    )
    return _Attachment("guardian", None, stale)


def _as_staff(
    session: Session, log: RelayLog, staff_id: int, consent: Consent | None
) -> _Attachment:
    """A member of staff: the nearest leader without a consent (R3), anyone else through a
    consent in force that covers them or their unit (R5); never an administrator (R9)."""
    # Read under a share lock: a move to another unit (accounts.set_unit) waits for
    # this attachment, or this waits for the move and sees the new unit.
    member = session.exec(
        select(Staff)
        .where(Staff.id == staff_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    ).first()
    if member is None or not member.active:
        raise NotFound(_("There is no such active member of staff."))
    if member.role == "admin":
        raise RuleViolation(_("Administrators do not read relay logs."), rule="R9")
    if member.id == log.holder_id:
        raise InvalidInput(_("{name} holds this log already.").format(name=member.full_name))
    stale = _refuse_second(
        session, _same_person(session, log, staff_id=member.id), member.full_name
    )
    if member.id == nearest_leader_id(session, log.unit_id):
        return _Attachment("leader", None, stale)
    covering = _covering_consent(
        session, log, consent, lambda c: covers_staff(session, c, member), member.full_name
    )
    return _Attachment("actor", covering, stale)


def _as_named_person(
    session: Session, log: RelayLog, name: str, consent: Consent | None
) -> _Attachment:
    """A person outside the staff (a grandparent, a coach) reads through a consent that names them."""
    stale = _refuse_second(session, _same_person(session, log, name=name), name)
    covering = _covering_consent(
        session, log, consent, lambda c: covers_person(session, c, name), name
    )
    return _Attachment("other", covering, stale, person_name=name)


def _covering_consent(
    session: Session,
    log: RelayLog,
    chosen: Consent | None,
    covers: Callable[[Consent], bool],
    name: str,
) -> Consent:
    """The consent the person reads through: the one chosen, else the log's first that covers
    them; refused when it does not cover them or is not in force (R5)."""
    consent = chosen
    if consent is None:
        consent = next(
            (
                c
                for c in session.exec(
                    select(Consent).where(Consent.log_id == log.id).order_by(col(Consent.id))
                ).all()
                if covers(c)
            ),
            None,
        )
    if consent is None or not covers(consent):
        raise RuleViolation(
            _(
                "No consent in force covers {name}. Record a consent that covers "
                "{name} under Actors and consent first."
            ).format(name=name),
            rule="R5",
        )
    return consent


def _attach(
    session: Session,
    staff: Staff,
    by: access.StaffRef,
    log: RelayLog,
    attachment: _Attachment,
    now: datetime,
    *,
    staff_id: int | None,
    guardian_id: int | None,
) -> ActorView:
    """Write the membership, end the stale ones, and say both in the log's trail."""
    # A membership whose consent ran out lets no one read; it ends now, so that the
    # person is listed once.
    for old in attachment.stale:
        old.removed_at = now
        old.removed_reason = "consent no longer in force; attached again"
        session.add(old)
    row = Membership(
        log_id=stored_id(log),
        staff_id=staff_id,
        guardian_id=guardian_id,
        person_name=attachment.person_name,
        role=attachment.role,
        consent_id=attachment.consent.id if attachment.consent else None,
        added_by=stored_id(staff),
        added_at=now,
    )
    session.add(row)
    session.flush()
    detail = f"membership {row.id} {attachment.role}"
    if attachment.stale:
        detail += "; ended " + ", ".join(f"membership {old.id}" for old in attachment.stale)
    access.write_audit(session, staff, by, "actor_added", log=log, detail=detail)
    if staff_id is not None:
        notices.queue(session, "actor_added", log_id=log.id, staff=session.get_one(Staff, staff_id))
    return actor_view(session, row)


def remove_actor(
    store: Store, by: access.StaffRef, membership_id: int, *, reason: str
) -> ActorView:
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
        access.write_audit(
            session, staff, by, "actor_removed", log=log, detail=f"membership {row.id}"
        )
        return actor_view(session, row)


def list_actors(
    store: Store, by: access.StaffRef, log_id: int, *, include_removed: bool = False
) -> list[ActorView]:
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="actors")
        query = select(Membership).where(Membership.log_id == log_id)
        if not include_removed:
            query = query.where(col(Membership.removed_at).is_(None))
        rows = session.exec(query.order_by(col(Membership.id))).all()
        return actor_views(session, list(rows))


def attach_leader(session: Session, log: RelayLog, unit_id: int | None, added_by: int) -> None:
    """R3: the nearest leader of the unit reads along, so knowledge stays when staff move.

    The unit is read under a share lock: a leader change (:func:`relaytui.services.staff_moves.change_unit_leader`) in
    progress finishes first, or waits for this log and then finds it.
    """
    if unit_id is None:
        return
    unit = session.exec(
        select(Unit)
        .where(Unit.id == unit_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    ).first()
    leader_id = unit.leader_id if unit is not None else None
    if leader_id is None or leader_id == log.holder_id:
        return
    if access.active_membership(session, stored_id(log), leader_id) is not None:
        return
    leader = session.get(Staff, leader_id)
    if leader is None or not leader.active:
        return
    session.add(
        Membership(
            log_id=stored_id(log),
            staff_id=leader_id,
            role="leader",
            added_by=added_by,
            added_at=clock.now(),
        )
    )
    notices.queue(session, "actor_added", log_id=log.id, staff=leader)
