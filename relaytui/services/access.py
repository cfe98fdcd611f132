"""Who is acting, and what they may read and write (R7, R9, R10).

Every service resolves the acting staff member here, from the database, on every call: a
disabled or locked account loses its access at once, whatever a screen still holds.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import TypeGuard

from sqlmodel import Session, col, select

from relaytui.errors import NotAllowed, NotFound, RuleViolation
from relaytui.i18n import _
from relaytui.models import Consent, Membership, ReadGrant, RelayLog, Staff
from relaytui.models.base import stored_id
from relaytui.services import audit, clock

ROLES = ("caseworker", "leader", "admin")


@dataclass(frozen=True)
class StaffRef:
    """The acting staff member, as a screen or the CLI hands it to a service."""

    id: int | None
    username: str
    full_name: str = ""
    role: str = "caseworker"
    unit_id: int | None = None
    profession: str = ""
    language: str | None = None
    #: Logged in with a one-time password: the app asks for a new one before anything else.
    must_change_password: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_system(self) -> bool:
        return self.id is None


def system_administrator() -> StaffRef:
    """The person at the command line of the server: manages accounts, reads no log."""
    try:
        who = getpass.getuser()
    except Exception:  # pragma: no cover - no user name in the environment
        who = "unknown"
    return StaffRef(id=None, username=f"cli:{who}", full_name=_("Command line"), role="admin")


def to_ref(staff: Staff) -> StaffRef:
    return StaffRef(
        id=staff.id,
        username=staff.username,
        full_name=staff.full_name,
        role=staff.role,
        unit_id=staff.unit_id,
        profession=staff.profession,
        language=staff.language,
        must_change_password=bool(staff.must_change_password),
    )


def acting(session: Session, by: StaffRef) -> Staff | None:
    """The acting person's current row (``None`` for the command line), checked for access."""
    if by.is_system:
        if by.role != "admin":
            raise NotAllowed(_("Only an administrator can do this from the command line."))
        return None
    staff = session.get(Staff, by.id)
    if staff is None or not staff.active:
        raise NotAllowed(_("Your account is disabled. Ask an administrator."))
    if staff.locked:
        raise NotAllowed(_("Your account is locked. Ask an administrator to unlock it."))
    return staff


def require_admin(session: Session, by: StaffRef) -> Staff | None:
    staff = acting(session, by)
    role = by.role if staff is None else staff.role
    if role != "admin":
        raise NotAllowed(_("Only an administrator can manage accounts and units."))
    return staff


def require_staff(session: Session, by: StaffRef) -> Staff:
    """A logged-in member of staff who works with logs (not an administrator)."""
    staff = acting(session, by)
    if staff is None or staff.role == "admin":
        raise NotAllowed(_("Administrators manage accounts; they do not read or write relay logs."))
    return staff


def consent_in_force(consent: Consent | None) -> TypeGuard[Consent]:
    """An expired or withdrawn consent counts as none (R6). (A consent in force is there: the
    type checker knows it is not None afterwards.)"""
    if consent is None:
        return False
    if consent.withdrawn_at is not None:
        return False
    if consent.expires_at is not None and consent.expires_at <= clock.now():
        return False
    return True


def active_membership(session: Session, log_id: int, staff_id: int) -> Membership | None:
    """The staff member's membership of the log that still gives access, if any."""
    rows = session.exec(
        select(Membership).where(
            Membership.log_id == log_id,
            Membership.staff_id == staff_id,
            col(Membership.removed_at).is_(None),
        )
    ).all()
    for row in rows:
        if row.consent_id is None:
            return row
        if consent_in_force(session.get(Consent, row.consent_id)):
            return row
    return None


def valid_grant(session: Session, log_id: int, staff_id: int) -> ReadGrant | None:
    return session.exec(
        select(ReadGrant).where(
            ReadGrant.log_id == log_id,
            ReadGrant.staff_id == staff_id,
            col(ReadGrant.expires_at) > clock.now(),
        )
    ).first()


def load_log(session: Session, log_id: int, *, lock: bool = False) -> RelayLog:
    query = select(RelayLog).where(RelayLog.id == log_id)
    if lock:
        query = query.with_for_update()
    log = session.exec(query).first()
    if log is None:
        raise NotFound(_("There is no relay log number {id}.").format(id=log_id))
    return log


def can_read(session: Session, staff: Staff, log: RelayLog) -> bool:
    if staff.role == "admin" or not staff.active or staff.locked:
        return False
    if log.status == "closed":
        return valid_grant(session, stored_id(log), stored_id(staff)) is not None
    if log.holder_id == staff.id:
        return True
    return active_membership(session, stored_id(log), stored_id(staff)) is not None


def _record_refusal(session: Session, by: StaffRef, log_id: int, what: str, why: str) -> None:
    """The refusal rolls the transaction back; the attempt is still recorded, on its own,
    whoever made it: a member of staff, an administrator, a disabled or a locked account."""
    staff_id, username = by.id, by.username

    def record(again: Session) -> None:
        log = again.get(RelayLog, log_id)
        audit.record(
            again,
            staff_id=staff_id,
            username=username,
            action="read_refused",
            log_id=log.id if log is not None else None,
            subject_id=log.subject_id if log is not None else None,
            detail=f"{what}; {why}",
        )

    session.info.setdefault("after_rollback", []).append(record)


def staff_for_log(session: Session, by: StaffRef, log_id: int, what: str) -> Staff:
    """:func:`require_staff`, about one log: a refusal (an administrator, a disabled or a
    locked account) is recorded as a refused read of that log."""
    try:
        return require_staff(session, by)
    except NotAllowed:
        row = session.get(Staff, by.id) if by.id is not None else None
        why = (
            "administrator"
            if (row is None and by.is_admin) or (row is not None and row.role == "admin")
            else "account disabled"
            if row is None or not row.active
            else "account locked"
            if row.locked
            else "not allowed"
        )
        _record_refusal(session, by, log_id, what, why)
        raise


def log_for_read(
    session: Session, by: StaffRef, log_id: int, *, what: str = "read"
) -> tuple[Staff, RelayLog]:
    """The log, if ``by`` may read it (R9); the read is written to the audit trail, and so is
    every refused attempt."""
    staff = staff_for_log(session, by, log_id, what)
    log = load_log(session, log_id)
    if not can_read(session, staff, log):
        _record_refusal(
            session, by, log_id, what, "closed" if log.status == "closed" else "not a reader"
        )
        if log.status == "closed":
            raise NotAllowed(
                _(
                    "This relay log is closed. Reading it needs a time-limited grant from an "
                    "administrator."
                ),
                rule="R10",
            )
        raise NotAllowed(
            _("You are neither the holder nor an actor of this relay log, so you cannot read it."),
            rule="R9",
        )
    record_read(session, staff, log, what=what)
    return staff, log


def record_read(session: Session, staff: Staff, log: RelayLog, *, what: str) -> None:
    """Write a read of ``log`` (already allowed by :func:`log_for_read`) to the audit trail:
    one more part of it read in the same transaction (the journal after the header)."""
    action, detail = "read", what
    if log.status == "closed":
        # A closed log is read only under a grant (R10): the trail names the grant.
        grant = valid_grant(session, stored_id(log), stored_id(staff))
        action, detail = "read_under_grant", f"{what}; grant {grant.id if grant else '-'}"
    audit.record(
        session,
        staff_id=staff.id,
        username=staff.username,
        action=action,
        log_id=log.id,
        subject_id=log.subject_id,
        detail=detail,
    )


def log_for_write(
    session: Session, by: StaffRef, log_id: int, *, what: str
) -> tuple[Staff, RelayLog]:
    """The log, locked, if ``by`` is its holder and it is open (R7, R10)."""
    staff = require_staff(session, by)
    log = load_log(session, log_id, lock=True)
    if log.status == "closed":
        raise RuleViolation(
            _(
                "This relay log is closed and can never be changed. Create a new log if the "
                "concern returns."
            ),
            rule="R10",
        )
    if log.holder_id != staff.id:
        if can_read(session, staff, log):
            raise NotAllowed(
                _(
                    "Only the holder writes in a relay log; you read it as an actor. Ask the "
                    "holder to add it."
                ),
                rule="R7",
            )
        raise NotAllowed(_("You are neither the holder nor an actor of this relay log."), rule="R9")
    return staff, log


def write_audit(
    session: Session,
    staff: Staff | None,
    by: StaffRef,
    action: str,
    *,
    log: RelayLog | None = None,
    log_id: int | None = None,
    subject_id: int | None = None,
    detail: str = "",
) -> None:
    """Record a write in the audit trail, by the acting person."""
    if log is not None:
        log_id = log.id
        subject_id = log.subject_id
    audit.record(
        session,
        staff_id=staff.id if staff is not None else None,
        username=staff.username if staff is not None else by.username,
        action=action,
        log_id=log_id,
        subject_id=subject_id,
        detail=detail,
    )
