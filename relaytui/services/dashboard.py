"""Figures for the level dashboard: for me, and for a leader also for the unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.models import Consent, Effort, Handover, Meeting, RelayLog, Staff, Unit
from relaytui.services import access, clock, installation

EXPIRING_DAYS = 30


@dataclass(frozen=True)
class Figures:
    scope: str  # "mine" or a unit's name
    unit_id: int | None = None
    logs_per_level: dict[int, int] = field(default_factory=dict)
    overdue_evaluations: int = 0
    meetings_next_14_days: int = 0
    pending_handovers: int = 0
    consent_missing: int = 0
    consent_expired: int = 0
    consent_withdrawn: int = 0
    consent_expiring: int = 0


def _figures(session: Session, scope: str, log_filter, inst: installation.Installation,
             unit_id: int | None = None) -> Figures:
    now = clock.now()
    today = clock.today(inst.timezone)
    open_logs = select(RelayLog.id).where(RelayLog.status != "closed", log_filter)
    per_level = dict(
        session.exec(
            select(RelayLog.level, func.count()).where(RelayLog.status != "closed", log_filter)
            .group_by(RelayLog.level)
        ).all()
    )
    overdue = session.exec(
        select(func.count()).select_from(Effort).where(
            col(Effort.log_id).in_(open_logs), Effort.status == "active", col(Effort.evaluate_on) < today
        )
    ).one()
    meetings = session.exec(
        select(func.count()).select_from(Meeting).where(
            col(Meeting.log_id).in_(open_logs), Meeting.status == "planned",
            col(Meeting.starts_at) >= now, col(Meeting.starts_at) < now + timedelta(days=14),
        )
    ).one()
    handovers = session.exec(
        select(func.count()).select_from(Handover).where(
            col(Handover.log_id).in_(open_logs), Handover.status == "pending"
        )
    ).one()
    # Consents are counted in the database, a row per log that has any (never a row per consent
    # object): how many are in force, and how many of those last beyond the coming month.
    soon = now + timedelta(days=EXPIRING_DAYS)
    def in_force_of(c):
        return and_(c.withdrawn_at.is_(None), or_(c.expires_at.is_(None), c.expires_at > now))

    in_force = in_force_of(Consent)
    lasting = and_(in_force, or_(col(Consent.expires_at).is_(None), col(Consent.expires_at) > soon))
    per_log = session.exec(
        select(Consent.log_id, func.sum(case((in_force, 1), else_=0)), func.sum(case((lasting, 1), else_=0)))
        .where(col(Consent.log_id).in_(open_logs), col(Consent.covers_log).is_(True))
        .group_by(Consent.log_id)
    ).all()
    expiring = sum(1 for _log_id, force, last in per_log if force and not last)
    missing = sum(per_level.values()) - len(per_log)
    # Logs with consents but none in force: the newest one says withdrawn or expired.
    other = aliased(Consent)
    force_anywhere = select(other.id).where(
        other.log_id == Consent.log_id, other.covers_log.is_(True), in_force_of(other)).exists()
    lapsed = session.exec(
        select(Consent.log_id, Consent.given_at, Consent.withdrawn_at, Consent.id)
        .join(RelayLog, RelayLog.id == Consent.log_id)
        .where(RelayLog.status != "closed", log_filter, col(Consent.covers_log).is_(True), ~force_anywhere)
        .order_by(col(Consent.log_id), col(Consent.id))
    ).all()
    latest: dict[int, tuple] = {}
    for log_id, given_at, withdrawn_at, _id in lapsed:
        # As max() over the rows in id order: the first of the newest wins a tie.
        if log_id not in latest or given_at > latest[log_id][0]:
            latest[log_id] = (given_at, withdrawn_at)
    withdrawn = sum(1 for _given, gone in latest.values() if gone is not None)
    expired = len(latest) - withdrawn
    return Figures(
        scope=scope, unit_id=unit_id, logs_per_level={lvl: per_level.get(lvl, 0) for lvl in (0, 1, 2, 3)},
        overdue_evaluations=overdue, meetings_next_14_days=meetings, pending_handovers=handovers,
        consent_missing=missing, consent_expired=expired, consent_withdrawn=withdrawn,
        consent_expiring=expiring,
    )


def my_figures(store: Store, by: access.StaffRef) -> Figures:
    """The figures of the logs I hold."""
    inst = installation.read(store)
    with store.session() as session:
        staff = access.require_staff(session, by)
        return _figures(session, "mine", RelayLog.holder_id == staff.id, inst)


def unit_figures(store: Store, by: access.StaffRef) -> list[Figures]:
    """For a leader: the figures of each unit they lead (counts only, no log content)."""
    inst = installation.read(store)
    with store.session() as session:
        staff = access.require_staff(session, by)
        units = session.exec(select(Unit).where(Unit.leader_id == staff.id).order_by(col(Unit.name))).all()
        if not units:
            return []
        return [_figures(session, u.name, RelayLog.unit_id == u.id, inst, unit_id=u.id) for u in units]


def staff_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Staff)).one()
