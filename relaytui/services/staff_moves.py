"""People move: a unit's new leader, a member of staff in another unit (R3, R5).

What a leader or a consent to a unit gave someone follows them: a unit's new leader reads its
open logs and the former one stops; who moves to another unit stops reading what a consent to
the former unit gave them. Called by the account and unit services in their own transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, col, select

from relaytui.i18n import _
from relaytui.models import Consent, Membership, RelayLog, Staff
from relaytui.models.base import stored_id
from relaytui.models.log import LOG_IS_OPEN
from relaytui.services import access, clock
from relaytui.services.consent import names_staff
from relaytui.services.log_actors import nearest_leader_id

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
    return list(
        session.exec(
            query.order_by(col(RelayLog.id))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).all()
    )


def _naming_consent(session: Session, log: RelayLog, staff_id: int) -> Consent | None:
    """The first consent in force on the log that names this member of staff."""
    return next(
        (
            c
            for c in session.exec(
                select(Consent).where(Consent.log_id == log.id).order_by(col(Consent.id))
            ).all()
            if names_staff(session, c, staff_id)
        ),
        None,
    )


def change_unit_leader(
    session: Session,
    unit_id: int,
    old_leader_id: int | None,
    new_leader_id: int | None,
    *,
    actor: Staff | None,
    by: access.StaffRef,
) -> None:
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
        log_id = stored_id(log)
        added_by = stored_id(actor) if actor is not None else log.holder_id
        if old_leader_id is not None:
            _end_former_leader(
                session, log, unit_id, old_leader_id, added_by, now, actor=actor, by=by
            )
        if (
            new_leader is None
            or not new_leader.active
            or new_leader.role == "admin"
            or new_leader.id == log.holder_id
            or access.active_membership(session, log_id, stored_id(new_leader)) is not None
        ):
            continue
        row = Membership(
            log_id=log_id,
            staff_id=stored_id(new_leader),
            role="leader",
            added_by=added_by,
            added_at=now,
        )
        session.add(row)
        session.flush()
        access.write_audit(
            session,
            actor,
            by,
            "actor_added",
            log=log,
            detail=f"membership {row.id} leader; the new leader of unit {unit_id}",
        )


def _end_former_leader(
    session: Session,
    log: RelayLog,
    unit_id: int,
    old_leader_id: int,
    added_by: int,
    now: datetime,
    *,
    actor: Staff | None,
    by: access.StaffRef,
) -> None:
    """On one log, the former leader's leader membership ends; where a consent in force names
    them and they read for no other reason, they read on as an actor through that consent."""
    log_id = stored_id(log)
    ended = session.exec(
        select(Membership)
        .where(
            Membership.log_id == log.id,
            Membership.staff_id == old_leader_id,
            Membership.role == "leader",
            col(Membership.consent_id).is_(None),
            col(Membership.removed_at).is_(None),
        )
        .order_by(col(Membership.id))
    ).all()
    for row in ended:
        row.removed_at = now
        row.removed_reason = NO_LONGER_LEADER
        session.add(row)
        session.flush()
        access.write_audit(
            session,
            actor,
            by,
            "actor_removed",
            log=log,
            detail=f"membership {row.id} leader; unit {unit_id} has a new leader",
        )
    named = _naming_consent(session, log, old_leader_id) if ended else None
    if named is not None and access.active_membership(session, log_id, old_leader_id) is None:
        row = Membership(
            log_id=log_id,
            staff_id=old_leader_id,
            role="actor",
            consent_id=named.id,
            added_by=added_by,
            added_at=now,
        )
        session.add(row)
        session.flush()
        access.write_audit(
            session,
            actor,
            by,
            "actor_added",
            log=log,
            detail=f"membership {row.id} actor; consent {named.id} names the former leader",
        )


def _moving_memberships(session: Session, staff_id: int) -> list[Membership]:
    """The staff member's memberships that a move may end: through a consent, or as a leader."""
    return list(
        session.exec(
            select(Membership)
            .join(RelayLog, col(RelayLog.id) == col(Membership.log_id))
            .where(
                Membership.staff_id == staff_id,
                col(Membership.removed_at).is_(None),
                LOG_IS_OPEN,
                or_(col(Membership.consent_id).is_not(None), col(Membership.role) == "leader"),
            )
            .order_by(col(Membership.log_id), col(Membership.id))
        ).all()
    )


def lock_logs_before_move(session: Session, staff_id: int) -> None:
    """Lock the open logs a move of this member of staff may change: call it before the move,
    so that it takes the locks in the order every writer of a log takes them (log, then staff)."""
    _open_logs(session, {row.log_id for row in _moving_memberships(session, staff_id)})


def end_access_after_move(
    session: Session, staff: Staff, *, actor: Staff | None, by: access.StaffRef
) -> int:
    """``staff`` now works in another unit (R5): what a consent to their former unit gave them
    ends. Call it after the move, in the same transaction; returns how many memberships ended.

    A membership through a consent stays when a consent in force names them (it is moved onto
    that consent when its own consent named only the unit); otherwise it ends, in the log's
    trail, and the log is flagged for its holder as when a consent is withdrawn. A leader
    membership of a unit they do not lead ends too.
    """
    staff_id = stored_id(staff)
    rows = _moving_memberships(session, staff_id)
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
            if row.role != "leader" or nearest_leader_id(session, log.unit_id) == staff_id:
                continue
        else:
            own = session.get(Consent, row.consent_id)
            if not access.consent_in_force(own):
                continue  # it lets no one read as it is
            if names_staff(session, own, staff_id):
                continue
            named = _naming_consent(session, log, staff_id)
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
        access.write_audit(
            session,
            actor,
            by,
            "actor_removed",
            log=log,
            detail=f"membership {row.id} {row.role}; {MOVED_AWAY}",
        )
        ended += 1
    return ended
