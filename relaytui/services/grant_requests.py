"""The requests to read a closed log again, as the administrators' list shows them (R10).

Asking, granting and refusing are in :mod:`relaytui.services.grants`; this is the list the
administrators answer from: who asked to read which child's closed log, why, and the answer.
Showing the children's names is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.models import ReadGrantRequest, RelayLog, Staff, Subject, Unit
from relaytui.models.base import stored_id
from relaytui.services import access, audit, subjects


@dataclass(frozen=True)
class RequestView:
    """One request, as the administrators' list and the CLI show it."""

    id: int
    log_id: int
    subject_name: str
    national_number_masked: str
    closed_at: datetime | None
    staff_id: int
    staff_username: str
    staff_name: str
    unit_name: str
    requested_at: datetime
    reason: str
    status: str
    answered_by_name: str | None
    answered_at: datetime | None
    answer: str | None
    version: int


def _views(session: Session, rows: list[ReadGrantRequest]) -> list[RequestView]:
    logs = (
        {
            log.id: log
            for log in session.exec(
                select(RelayLog).where(col(RelayLog.id).in_({r.log_id for r in rows}))
            )
        }
        if rows
        else {}
    )
    staff = (
        {
            s.id: s
            for s in session.exec(
                select(Staff).where(col(Staff.id).in_({r.staff_id for r in rows}))
            )
        }
        if rows
        else {}
    )
    subject_rows = (
        {
            s.id: s
            for s in session.exec(
                select(Subject).where(
                    col(Subject.id).in_({log.subject_id for log in logs.values()})
                )
            )
        }
        if logs
        else {}
    )
    unit_rows = {u.id: u for u in session.exec(select(Unit))} if rows else {}
    out = []
    for r in rows:
        log = logs[r.log_id]
        subject = subject_rows[log.subject_id]
        person = staff[r.staff_id]
        unit = unit_rows.get(person.unit_id) if person.unit_id else None
        out.append(
            RequestView(
                id=stored_id(r),
                log_id=r.log_id,
                subject_name=subject.name,
                national_number_masked=subjects.mask(subject.national_number),
                closed_at=log.closed_at,
                staff_id=stored_id(person),
                staff_username=person.username,
                staff_name=person.full_name,
                unit_name=unit.name if unit else "",
                requested_at=r.requested_at,
                reason=r.reason,
                status=r.status,
                answered_by_name=r.answered_by_name,
                answered_at=r.answered_at,
                answer=r.answer,
                version=r.version,
            )
        )
    return out


def list_requests(
    store: Store, by: access.StaffRef, *, include_answered: bool = False, limit: int = 200
) -> list[RequestView]:
    """The requests waiting for an administrator (oldest first); with ``include_answered``
    the answered ones too (newest first). Showing the children's names is audited."""
    with store.session(write=True) as session:
        admin = access.require_admin(session, by)
        query = select(ReadGrantRequest)
        if include_answered:
            query = query.order_by(col(ReadGrantRequest.id).desc())
        else:
            query = query.where(ReadGrantRequest.status == "pending").order_by(
                col(ReadGrantRequest.id)
            )
        views = _views(session, list(session.exec(query.limit(limit)).all()))
        with_subjects = (
            session.exec(
                select(RelayLog.subject_id).where(col(RelayLog.id).in_({v.log_id for v in views}))
            ).all()
            if views
            else []
        )
        audit.record_view(
            session,
            staff_id=admin.id if admin else None,
            username=admin.username if admin else by.username,
            what="read grant requests",
            subject_ids=with_subjects,
        )
        return views
