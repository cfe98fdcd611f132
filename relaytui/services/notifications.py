"""Notifications to the family department / child welfare (R11)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotFound, RuleViolation
from relaytui.i18n import _
from relaytui.models import Meeting, Notification, Staff
from relaytui.models.base import stored_id
from relaytui.services import access, clock, installation

EXCEPTIONS = ("abuse", "violence", "acute", "conflict")


@dataclass(frozen=True)
class NotificationView:
    id: int
    log_id: int
    made_by: str
    made_at: datetime
    meeting_id: int | None
    exception: str | None
    reason: str
    recipient: str


def notify(
    store: Store,
    by: access.StaffRef,
    log_id: int,
    *,
    reason: str,
    recipient: str = "",
    meeting_id: int | None = None,
    exception: str | None = None,
) -> NotificationView:
    """Record a notification. ``dk``: at level 3 through a notification meeting; without one,
    only for a recorded exception (abuse, violence, acute, conflict). ``no``: its own act at
    any level. The log continues afterwards (R11)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write what the notification is about."), rule="R11")
    if exception is not None and exception not in EXCEPTIONS:
        raise InvalidInput(_("Unknown exception."), rule="R11")
    inst = installation.read(store)
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="notification")
        if meeting_id is not None:
            meeting = session.get(Meeting, meeting_id)
            if meeting is None or meeting.log_id != log.id:
                raise NotFound(_("That meeting is not on this log."))
            if meeting.kind != "notification":
                raise RuleViolation(
                    _(
                        "A notification goes through a notification meeting; this meeting is of another kind."
                    ),
                    rule="R11",
                )
            if meeting.status == "cancelled":
                raise RuleViolation(_("That meeting was cancelled."), rule="R11")
        elif inst.country.notification_meeting_level is not None and exception is None:
            raise RuleViolation(
                _(
                    "Without a notification meeting, name the exception: suspicion of sexual abuse, "
                    "violence, an acute situation, or guardians who will not agree to a meeting."
                ),
                rule="R11",
            )
        needs_level = inst.country.notification_meeting_level
        if needs_level is not None and meeting_id is not None and log.level < needs_level:
            raise RuleViolation(
                _(
                    "A notification meeting belongs to level 3. Raise the level first, or notify "
                    "directly under an exception."
                ),
                rule="R11",
            )
        row = Notification(
            log_id=stored_id(log),
            made_by=stored_id(staff),
            made_at=clock.now(),
            meeting_id=meeting_id,
            exception=exception,
            reason=reason,
            recipient=(recipient or "").strip(),
        )
        session.add(row)
        session.flush()
        access.write_audit(
            session,
            staff,
            by,
            "notification",
            log=log,
            detail=f"notification {row.id}" + (f" exception {exception}" if exception else ""),
        )
        return NotificationView(
            stored_id(row),
            row.log_id,
            staff.full_name,
            row.made_at,
            row.meeting_id,
            row.exception,
            row.reason,
            row.recipient,
        )


def list_notifications(store: Store, by: access.StaffRef, log_id: int) -> list[NotificationView]:
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="notifications")
        rows = session.exec(
            select(Notification, Staff)
            .join(Staff, col(Staff.id) == Notification.made_by)
            .where(Notification.log_id == log_id)
            .order_by(col(Notification.made_at))
        ).all()
        return [
            NotificationView(
                stored_id(n),
                n.log_id,
                s.full_name,
                n.made_at,
                n.meeting_id,
                n.exception,
                n.reason,
                n.recipient,
            )
            for n, s in rows
        ]
