"""The audit trail: who read or changed what, when. Append-only and hash-chained.

Events never hold the content they are about (no entry text, no national number): only ids,
the action and a short neutral detail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from relaytui.models import AuditEvent
from relaytui.services import clock

# One chain for the whole installation; on PostgreSQL writers queue on this advisory lock.
_CHAIN_LOCK_KEY = 7_351_002


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    staff_id: int | None
    username: str
    action: str
    log_id: int | None
    subject_id: int | None
    detail: str


def event_hash(
    *,
    at: datetime,
    staff_id: int | None,
    username: str,
    action: str,
    log_id: int | None,
    subject_id: int | None,
    detail: str,
    prev_hash: str,
) -> str:
    body = json.dumps(
        [at.isoformat(timespec="microseconds"), staff_id, username, action, log_id, subject_id,
         detail, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    staff_id: int | None,
    username: str,
    action: str,
    log_id: int | None = None,
    subject_id: int | None = None,
    detail: str = "",
) -> None:
    """Append one event to the chain, inside the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    last = session.exec(
        select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)
    ).first()
    prev = last or ""
    at = clock.now()
    event = AuditEvent(
        at=at,
        staff_id=staff_id,
        username=username,
        action=action,
        log_id=log_id,
        subject_id=subject_id,
        detail=detail,
        prev_hash=prev,
    )
    event.hash = event_hash(
        at=at, staff_id=staff_id, username=username, action=action, log_id=log_id,
        subject_id=subject_id, detail=detail, prev_hash=prev,
    )
    session.add(event)
    session.flush()


def to_record(event: AuditEvent) -> AuditRecord:
    return AuditRecord(
        id=event.id or 0, at=event.at, staff_id=event.staff_id, username=event.username,
        action=event.action, log_id=event.log_id, subject_id=event.subject_id, detail=event.detail,
    )
