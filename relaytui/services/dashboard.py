"""Figures for the level dashboard: for me, and for a leader also for the unit."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Date, and_, bindparam, case, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.models import Consent, Effort, Handover, Meeting, RelayLog, Staff, Unit
from relaytui.models.base import UTCDateTime, stored_id
from relaytui.models.log import LOG_IS_OPEN
from relaytui.services import access, clock, installation

EXPIRING_DAYS = 30
LEVELS = (0, 1, 2, 3)


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


def _figures(
    session: Session, scope: str, by_unit: bool, who: int, timezone: str, unit_id: int | None = None
) -> Figures:
    """One statement whatever the number of logs, one row of counts."""
    now = clock.now()
    params = {
        "who": who,
        "now": now,
        "today": clock.today(timezone),
        "soon": now + timedelta(days=14),
        "lasting": now + timedelta(days=EXPIRING_DAYS),
    }
    row = session.exec(_statement(by_unit), params=params).one()
    per_level = dict(zip(LEVELS, row[:4], strict=True))
    (
        overdue_count,
        meeting_count,
        handover_count,
        with_consent,
        expiring,
        lapsed_count,
        withdrawn,
    ) = row[4:]
    return Figures(
        scope=scope,
        unit_id=unit_id,
        logs_per_level=per_level,
        overdue_evaluations=overdue_count,
        meetings_next_14_days=meeting_count,
        pending_handovers=handover_count,
        consent_missing=sum(per_level.values()) - with_consent,
        consent_expired=lapsed_count - withdrawn,
        consent_withdrawn=withdrawn,
        consent_expiring=expiring,
    )


@functools.cache
def _statement(by_unit: bool):
    """The dashboard's statement for a holder's or a unit's open logs, built once (building it
    costs more than running it for a caseworker's few logs); the values are parameters."""
    now, soon, lasting_from = (
        bindparam(name, type_=UTCDateTime()) for name in ("now", "soon", "lasting")
    )
    today = bindparam("today", type_=Date())
    mine = (RelayLog.unit_id if by_unit else RelayLog.holder_id) == bindparam("who")
    overdue, meetings, handovers = _open_log_counts(mine, now, soon, today)
    consents = _consent_counts(mine, now, lasting_from)
    # (sqlmodel.select's overloads stop at four columns: a library typing gap.)
    return select(
        *_level_counts(mine),
        overdue,
        meetings,
        handovers,  # type: ignore[call-overload]
        consents.c.with_consent,
        consents.c.expiring,
        consents.c.lapsed,
        consents.c.withdrawn,
    ).select_from(consents)


def _level_counts(mine):
    """The number of open logs at each level."""
    return [
        select(func.count())
        .select_from(RelayLog)
        .where(LOG_IS_OPEN, mine, RelayLog.level == level)
        .scalar_subquery()
        for level in LEVELS
    ]


def _open_log_counts(mine, now, soon, today):
    """Overdue evaluations, meetings in the coming two weeks and pending handovers."""
    open_logs = select(RelayLog.id).where(LOG_IS_OPEN, mine)
    overdue = (
        select(func.count())
        .select_from(Effort)
        .where(
            col(Effort.log_id).in_(open_logs),
            Effort.status == "active",
            col(Effort.evaluate_on) < today,
        )
        .scalar_subquery()
    )
    meetings = (
        select(func.count())
        .select_from(Meeting)
        .where(
            col(Meeting.log_id).in_(open_logs),
            Meeting.status == "planned",
            col(Meeting.starts_at) >= now,
            col(Meeting.starts_at) < soon,
        )
        .scalar_subquery()
    )
    handovers = (
        select(func.count())
        .select_from(Handover)
        .where(col(Handover.log_id).in_(open_logs), Handover.status == "pending")
        .scalar_subquery()
    )
    return overdue, meetings, handovers


def _consent_counts(mine, now, lasting_from):
    """Logs with a consent, and how many lapse soon, have lapsed or were withdrawn."""
    # Consents are classified in the database, a row per log that has any: whether one is in
    # force, whether one lasts beyond the coming month, and for a log with none in force what
    # its newest one says (as consent.log_consent_state: the first of the newest on a tie).
    in_force = and_(
        col(Consent.withdrawn_at).is_(None),
        or_(col(Consent.expires_at).is_(None), col(Consent.expires_at) > now),
    )
    lasting = and_(
        in_force, or_(col(Consent.expires_at).is_(None), col(Consent.expires_at) > lasting_from)
    )
    per_log = (
        select(
            col(Consent.log_id).label("log_id"),
            func.max(case((in_force, 1), else_=0)).label("force"),
            func.max(case((lasting, 1), else_=0)).label("lasting"),
        )
        .join(RelayLog, col(RelayLog.id) == Consent.log_id)
        .where(LOG_IS_OPEN, mine, col(Consent.covers_log).is_(True))
        .group_by(col(Consent.log_id))
        .subquery()
    )
    newest = aliased(Consent)
    newest_withdrawn = (
        select(case((col(newest.withdrawn_at).is_not(None), 1), else_=0))
        .where(newest.log_id == per_log.c.log_id, col(newest.covers_log).is_(True))
        .order_by(col(newest.given_at).desc(), col(newest.id))
        .limit(1)
        .scalar_subquery()
    )
    lapsed = per_log.c.force == 0
    consents = (
        select(
            func.count().label("with_consent"),
            func.coalesce(
                func.sum(case((and_(per_log.c.force == 1, per_log.c.lasting == 0), 1), else_=0)), 0
            ).label("expiring"),
            func.coalesce(func.sum(case((lapsed, 1), else_=0)), 0).label("lapsed"),
            func.coalesce(func.sum(case((lapsed, newest_withdrawn), else_=0)), 0).label(
                "withdrawn"
            ),
        )
        .select_from(per_log)
        .subquery("consents")
    )
    return consents


def my_figures(store: Store, by: access.StaffRef) -> Figures:
    """The figures of the logs I hold."""
    with store.session() as session:
        staff = access.require_staff(session, by)
        return _figures(session, "mine", False, stored_id(staff), installation.timezone_of(session))


def unit_figures(store: Store, by: access.StaffRef) -> list[Figures]:
    """For a leader: the figures of each unit they lead (counts only, no log content)."""
    with store.session() as session:
        staff = access.require_staff(session, by)
        units = session.exec(
            select(Unit).where(Unit.leader_id == staff.id).order_by(col(Unit.name))
        ).all()
        if not units:
            return []
        timezone = installation.timezone_of(session)
        return [
            _figures(session, u.name, True, stored_id(u), timezone, unit_id=u.id) for u in units
        ]


def staff_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Staff)).one()
