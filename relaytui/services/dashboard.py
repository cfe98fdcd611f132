"""Figures for the level dashboard: for me, and for a leader also for the unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func
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
    consents = session.exec(
        select(Consent).where(col(Consent.log_id).in_(open_logs), col(Consent.covers_log).is_(True))
    ).all()
    by_log: dict[int, list[Consent]] = {}
    for c in consents:
        by_log.setdefault(c.log_id, []).append(c)
    log_ids = session.exec(open_logs).all()
    missing = expired = withdrawn = expiring = 0
    soon = now + timedelta(days=EXPIRING_DAYS)
    for log_id in log_ids:
        rows = by_log.get(log_id, [])
        in_force = [c for c in rows if access.consent_in_force(c)]
        if in_force:
            if all(c.expires_at is not None and c.expires_at <= soon for c in in_force):
                expiring += 1
        elif not rows:
            missing += 1
        else:
            latest = max(rows, key=lambda c: c.given_at)
            if latest.withdrawn_at is not None:
                withdrawn += 1
            else:
                expired += 1
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
