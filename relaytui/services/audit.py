"""The audit trail: who read or changed what, when. Append-only and hash-chained.

Events never hold the content they are about (no entry text, no national number): only ids,
the action and a short neutral detail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import text
from sqlmodel import Session, col, select

from relaytui.models import AuditEvent, Setting
from relaytui.services import clock

from relaytui.i18n import N_, _

#: What each action means, in words a guardian reading an access report understands.
ACTION_LABELS = {
    "read": N_("read the relay log"),
    "read_refused": N_("tried to read the relay log and was refused"),
    "subject_lookup": N_("looked the child up by national number"),
    "subject_created": N_("registered the child"),
    "guardian_added": N_("added a guardian"),
    "log_created": N_("started the relay log"),
    "level_changed": N_("changed the level"),
    "log_closed": N_("closed the relay log"),
    "grant_given": N_("gave a time-limited permission to read the closed log"),
    "entry_written": N_("wrote an entry"),
    "consent_recorded": N_("recorded a consent"),
    "consent_withdrawn": N_("recorded that a consent was withdrawn"),
    "actor_added": N_("added an actor"),
    "actor_removed": N_("removed an actor"),
    "handover_proposed": N_("proposed a new holder"),
    "handover_accepted": N_("accepted to hold the relay log"),
    "handover_declined": N_("declined to hold the relay log"),
    "handover_withdrawn": N_("withdrew a handover"),
    "effort_added": N_("added an effort"),
    "effort_changed": N_("changed an effort"),
    "effort_evaluated": N_("evaluated an effort"),
    "goal_added": N_("added a goal"),
    "goal_evaluated": N_("evaluated a goal"),
    "meeting_scheduled": N_("scheduled a meeting"),
    "meeting_moved": N_("moved a meeting"),
    "meeting_cancelled": N_("cancelled a meeting"),
    "agenda_changed": N_("changed a meeting's agenda"),
    "attendance": N_("recorded who attended a meeting"),
    "minutes_draft": N_("wrote in a meeting's minutes"),
    "minutes_finished": N_("finished a meeting's minutes"),
    "invitation_exported": N_("exported a meeting invitation"),
    "passed_to_plan": N_("passed the relay log into an individual plan"),
    "notification": N_("made a notification to the family department"),
    "audit_export": N_("exported this access report"),
    "consent_form_exported": N_("printed a consent form to be signed"),
    "guardian_copy_exported": N_("made a copy of the relay log for the guardians"),
    "minutes_exported": N_("exported a meeting's minutes"),
    "access_report_exported": N_("exported an access report for the guardians"),
    "reader_password_reset": N_("gave a new password to an account that holds or reads the relay log"),
}


def action_label(action: str) -> str:
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else action


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
        [at.astimezone(timezone.utc).isoformat(timespec="microseconds"), staff_id, username, action, log_id, subject_id,
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
    # The chain continues from its recorded head, so that events cut off the end stay missing.
    head = session.get(Setting, HEAD_KEY)
    if head is not None:
        prev = head.value.partition(":")[2]
    else:
        prev = session.exec(
            select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1)
        ).first() or ""
    at = clock.now().astimezone(timezone.utc)
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
    # The head of the chain, kept apart from it: cutting events off the end shows (verify).
    if head is None:
        session.add(Setting(key=HEAD_KEY, value=f"{event.id}:{event.hash}"))
    else:
        head.value = f"{event.id}:{event.hash}"
        session.add(head)
    session.flush()


#: The settings row that holds ``id:hash`` of the newest event.
HEAD_KEY = "audit_head"


def to_record(event: AuditEvent) -> AuditRecord:
    return AuditRecord(
        id=event.id or 0, at=event.at, staff_id=event.staff_id, username=event.username,
        action=event.action, log_id=event.log_id, subject_id=event.subject_id, detail=event.detail,
    )


# --- verifying and exporting the trail ------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the chain: ``broken_at`` is the first event that does not fit."""

    events: int
    broken_at: int | None
    problem: str  # "" | "changed" | "gap" | "cut"

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def _walk(session: Session) -> ChainReport:
    previous = ""
    last_id: int | None = None
    count = 0
    statement = select(AuditEvent).order_by(col(AuditEvent.id)).execution_options(yield_per=2000)
    for event in session.exec(statement):
        count += 1
        expected = event_hash(
            at=event.at, staff_id=event.staff_id, username=event.username, action=event.action,
            log_id=event.log_id, subject_id=event.subject_id, detail=event.detail,
            prev_hash=event.prev_hash,
        )
        if expected != event.hash:
            return ChainReport(count, event.id, "changed")
        if event.prev_hash != previous:
            # An event before this one was removed, or this one was put in between.
            return ChainReport(count, event.id, "gap")
        previous = event.hash
        last_id = event.id
    head = session.get(Setting, HEAD_KEY)
    if head is not None:
        head_id, _sep, head_hash = head.value.partition(":")
        if not head_id.isdigit() or (last_id, previous) != (int(head_id), head_hash):
            # The newest events were removed (or the head was tampered with).
            return ChainReport(count, int(head_id) if head_id.isdigit() else last_id, "cut")
    return ChainReport(count, None, "")


def verify(store, by) -> ChainReport:
    """Walk the whole chain (administrators: the command line); reports the first break."""
    from relaytui.services import access

    with store.session() as session:
        access.require_admin(session, by)
        return _walk(session)


@dataclass(frozen=True)
class AccessLine:
    at: datetime
    username: str
    full_name: str
    profession: str
    unit: str
    action: str
    detail: str


def subject_trail(store, by, national_number: str) -> tuple[str, list[AccessLine]]:
    """Everything the trail holds about one subject, for a guardian's request (GDPR art. 15).

    Administrators (the command line) export it; the export is itself recorded.
    """
    from relaytui.errors import NotFound
    from relaytui.models import Staff, Subject, Unit
    from relaytui.services import access, installation, subjects

    profile = installation.read(store).profile
    digits, _born = subjects.validate_national_number(national_number, profile)
    with store.session(write=True) as session:
        admin = access.require_admin(session, by)
        subject = session.exec(select(Subject).where(Subject.national_number == digits)).first()
        if subject is None:
            raise NotFound(_("No subject with this national number is registered."))
        rows = session.exec(
            select(AuditEvent, Staff, Unit)
            .join(Staff, Staff.id == AuditEvent.staff_id, isouter=True)
            .join(Unit, Unit.id == Staff.unit_id, isouter=True)
            .where(AuditEvent.subject_id == subject.id)
            .order_by(col(AuditEvent.id))
        ).all()
        lines = [
            AccessLine(
                at=event.at, username=event.username, full_name=staff.full_name if staff else "",
                profession=staff.profession if staff else "", unit=unit.name if unit else "",
                action=event.action, detail=event.detail,
            )
            for event, staff, unit in rows
        ]
        record(session, staff_id=admin.id if admin else None,
               username=admin.username if admin else by.username, action="audit_export",
               subject_id=subject.id, detail=f"{len(lines)} events")
        return subject.name, lines
