"""A member of staff's calendar, which the planner shows: the meetings they convene or are
invited to, across the logs they read, and whose time a new meeting would take (R13).

Apart from the meetings of one log (:mod:`relaytui.services.meetings`) because it reads across
logs: each log is shown only to who may read it (R9), and a clash names the person and the time,
never the other meeting's log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.models import Invitee, Meeting, RelayLog, Staff
from relaytui.models.base import stored_id
from relaytui.services import access, audit, clock
from relaytui.services.meetings import MeetingView, check_time, meeting_views


@dataclass(frozen=True)
class Conflict:
    """Someone already booked at that time; the other meeting's log is not named (R9)."""

    staff_id: int
    staff_name: str
    meeting_id: int
    starts_at: datetime
    duration_minutes: int


def _readable_logs(session: Session, staff: Staff, log_ids: set[int]) -> set[int]:
    """Which of these logs ``staff`` may read, as :func:`access.can_read` decides, in three statements."""
    if not log_ids:
        return set()
    from relaytui.models import Consent, Membership, ReadGrant

    now = clock.now()
    logs = session.exec(
        select(RelayLog.id, RelayLog.status, RelayLog.holder_id).where(
            col(RelayLog.id).in_(log_ids)
        )
    ).all()
    granted = set(
        session.exec(
            select(ReadGrant.log_id).where(
                col(ReadGrant.log_id).in_(log_ids),
                ReadGrant.staff_id == staff.id,
                col(ReadGrant.expires_at) > now,
            )
        ).all()
    )
    member: set[int] = set()
    # (sqlmodel.select's overloads stop at four columns: a library typing gap.)
    for log_id, consent_id, found, withdrawn_at, expires_at in session.exec(
        select(
            Membership.log_id,
            Membership.consent_id,  # type: ignore[call-overload]
            Consent.id,
            Consent.withdrawn_at,
            Consent.expires_at,
        )
        .join(Consent, Consent.id == Membership.consent_id, isouter=True)
        .where(
            col(Membership.log_id).in_(log_ids),
            Membership.staff_id == staff.id,
            col(Membership.removed_at).is_(None),
        )
    ).all():
        if consent_id is None or (
            found is not None and withdrawn_at is None and (expires_at is None or expires_at > now)
        ):
            member.add(log_id)
    readable = set()
    for log_id, status, holder_id in logs:
        assert log_id is not None, "a log's id read from the store"
        if status == "closed":
            if log_id in granted:
                readable.add(log_id)
        elif holder_id == staff.id or log_id in member:
            readable.add(log_id)
    return readable


def conflicts(
    store: Store,
    by: access.StaffRef,
    *,
    starts_at: datetime,
    duration_minutes: int,
    staff_ids: tuple[int, ...],
    exclude_meeting_id: int | None = None,
) -> list[Conflict]:
    """Planned meetings that overlap the given time for any of these staff (convened or invited).

    Only the time and the person are told, never whose log the other meeting is about.
    """
    check_time(starts_at, duration_minutes)
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    ids = tuple(dict.fromkeys(staff_ids))
    if not ids:
        return []
    with store.session() as session:
        access.require_staff(session, by)
        # Meetings last at most 8 hours: only those starting in that window can overlap.
        window = select(Meeting).where(
            Meeting.status == "planned",
            col(Meeting.starts_at) < ends_at,
            col(Meeting.starts_at) > starts_at - timedelta(hours=8),
        )
        if exclude_meeting_id is not None:
            window = window.where(Meeting.id != exclude_meeting_id)
        found: list[Conflict] = []
        for meeting in session.exec(window.order_by(col(Meeting.starts_at), col(Meeting.id))).all():
            if meeting.starts_at + timedelta(minutes=meeting.duration_minutes) <= starts_at:
                continue
            people = set(
                session.exec(
                    select(Invitee.staff_id).where(
                        Invitee.meeting_id == meeting.id, col(Invitee.staff_id).in_(ids)
                    )
                ).all()
            )
            if meeting.convened_by in ids:
                people.add(meeting.convened_by)
            for staff_id in sorted(p for p in people if p is not None):
                person = session.get(Staff, staff_id)
                found.append(
                    Conflict(
                        staff_id,
                        person.full_name if person else "",
                        stored_id(meeting),
                        meeting.starts_at,
                        meeting.duration_minutes,
                    )
                )
        return found


def my_meetings(
    store: Store, by: access.StaffRef, *, start: datetime, days: int = 7
) -> list[MeetingView]:
    """Meetings I convene or am invited to, in a window (the planner)."""
    end = start + timedelta(days=days)
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        invited = select(Invitee.meeting_id).where(Invitee.staff_id == staff.id)
        rows = session.exec(
            select(Meeting)
            .where(
                col(Meeting.starts_at) >= start,
                col(Meeting.starts_at) < end,
                (col(Meeting.convened_by) == staff.id) | col(Meeting.id).in_(invited),
            )
            .order_by(col(Meeting.starts_at))
        ).all()
        readable = _readable_logs(session, staff, {m.log_id for m in rows})
        views = meeting_views(session, [m for m in rows if m.log_id in readable], with_notes=False)
        shown = {v.log_id for v in views}
        audit.record_view(
            session,
            staff_id=staff.id,
            username=staff.username,
            what=f"planner {start.date().isoformat()}+{days}",
            subject_ids=session.exec(select(RelayLog.subject_id).where(col(RelayLog.id).in_(shown)))
            if shown
            else (),
        )
        return views
