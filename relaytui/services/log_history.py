"""A log's history (R4, R8, R9): its level changes, its holders and handovers, and for the
holder who read it when. Apart from the log's rules because only the history tab reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import aliased
from sqlmodel import col, select

from relaytui.db import Store
from relaytui.models import AuditEvent, Handover, HolderPeriod, LevelChange, Staff
from relaytui.services import access


@dataclass(frozen=True)
class LevelChangeView:
    at: datetime
    by_name: str
    from_level: int | None
    to_level: int
    reason: str


@dataclass(frozen=True)
class HolderPeriodView:
    staff_name: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class ReadView:
    at: datetime
    username: str
    staff_name: str
    what: str


@dataclass(frozen=True)
class HandoverEventView:
    """One proposed handover and what became of it; a declined one says why (R8)."""

    proposed_at: datetime
    from_name: str
    to_name: str
    status: str  # pending|accepted|declined|withdrawn
    answered_at: datetime | None
    answer_message: str


@dataclass(frozen=True)
class History:
    level_changes: tuple[LevelChangeView, ...]
    holders: tuple[HolderPeriodView, ...]
    reads: tuple[ReadView, ...]  # empty unless the holder asks
    handovers: tuple[HandoverEventView, ...] = ()


def history(store: Store, by: access.StaffRef, log_id: int) -> History:
    """Level changes and holders; for the holder also who read the log when (R9)."""
    with store.session(write=True) as session:
        staff, log = access.log_for_read(session, by, log_id, what="history")
        changes = session.exec(
            select(LevelChange, Staff.full_name)
            .join(Staff, col(Staff.id) == LevelChange.changed_by)
            .where(LevelChange.log_id == log_id)
            .order_by(col(LevelChange.changed_at), col(LevelChange.id))
        ).all()
        periods = session.exec(
            select(HolderPeriod, Staff.full_name)
            .join(Staff, col(Staff.id) == HolderPeriod.staff_id)
            .where(HolderPeriod.log_id == log_id)
            .order_by(col(HolderPeriod.started_at), col(HolderPeriod.id))
        ).all()
        giver, taker = aliased(Staff), aliased(Staff)
        handovers = session.exec(
            select(Handover, giver.full_name, taker.full_name)
            .join(giver, col(giver.id) == Handover.from_staff_id)
            .join(taker, col(taker.id) == Handover.to_staff_id)
            .where(Handover.log_id == log_id)
            .order_by(col(Handover.proposed_at), col(Handover.id))
        ).all()
        reads: list[ReadView] = []
        if log.holder_id == staff.id:
            events = session.exec(
                select(AuditEvent)
                .where(
                    AuditEvent.log_id == log_id,
                    col(AuditEvent.action).in_(("read", "read_under_grant")),
                )
                .order_by(col(AuditEvent.id).desc())
                .limit(500)
            ).all()
            # Only the readers' names, in one statement: not every staff row of the municipality.
            readers = {e.staff_id for e in events if e.staff_id is not None}
            names = (
                dict(
                    session.exec(
                        select(Staff.id, Staff.full_name).where(col(Staff.id).in_(readers))
                    ).all()
                )
                if readers
                else {}
            )
            reads = [
                ReadView(e.at, e.username, names.get(e.staff_id, ""), e.detail) for e in events
            ]
        return History(
            level_changes=tuple(
                LevelChangeView(c.changed_at, name, c.from_level, c.to_level, c.reason)
                for c, name in changes
            ),
            holders=tuple(HolderPeriodView(name, p.started_at, p.ended_at) for p, name in periods),
            reads=tuple(reads),
            handovers=tuple(
                HandoverEventView(
                    h.proposed_at, from_name, to_name, h.status, h.answered_at, h.answer_message
                )
                for h, from_name, to_name in handovers
            ),
        )
