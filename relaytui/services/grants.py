"""Reading a closed log again: requests, grants and refusals (R10).

A closed log is read-only forever and nobody reads it, until an administrator gives a member
of staff a time-limited grant. Only someone who held the log or read it as an actor while it
was open may ask, with a reason; the administrator gives the grant with a reason and an end
date (at most :data:`MAX_DAYS` ahead), or refuses. In the ``no`` profile the information in a
closed log is made available again only with the guardians' approval, so the grant records
who approved, how and when, and is refused without it. Every step is in the audit trail, under
the child, so the access report shows it; so is every read under a grant
(:func:`relaytui.services.access.log_for_read`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_
from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import (
    InvalidInput,
    NotAllowed,
    NotFound,
    RuleViolation,
    StaleWrite,
)
from relaytui.i18n import N_, _
from relaytui.i18n.formats import date_text
from relaytui.models import (
    HolderPeriod,
    Membership,
    ReadGrant,
    ReadGrantRequest,
    RelayLog,
    Staff,
    Subject,
)
from relaytui.models.base import stored_id
from relaytui.profiles import Profile
from relaytui.services import access, audit, clock, installation, subjects

#: The longest a grant may last, in days from today.
MAX_DAYS = 90
#: How the guardians approved (the ``no`` profile): code and words.
APPROVAL_METHODS = {"oral": N_("orally"), "written": N_("in writing"), "digital": N_("digitally")}
REQUEST_STATUSES = {"pending": N_("waiting"), "granted": N_("granted"), "refused": N_("refused")}
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class GuardianApproval:
    """The guardians' approval of a grant (the ``no`` profile): who, how, on which day."""

    name: str
    method: str
    given_on: date


@dataclass(frozen=True)
class ClosedLogView:
    """A closed log the person held or read while it was open: what they may ask to read."""

    log_id: int
    subject_name: str
    national_number_masked: str
    closed_at: datetime | None
    pending_request_id: int | None
    grant_until: date | None
    #: The newest answered request: "granted" or "refused", with the administrator's reason.
    last_status: str | None = None
    last_answer: str | None = None


@dataclass(frozen=True)
class GrantView:
    """A grant in force, as the reader's banner shows it."""

    id: int
    log_id: int
    staff_id: int
    until: date
    expires_at: datetime
    granted_by_name: str
    reason: str
    approved_by: str | None
    approval_method: str | None
    approved_on: date | None


def status_label(status: str) -> str:
    return _(REQUEST_STATUSES[status]) if status in REQUEST_STATUSES else status


def read_day(value: str | date | None, *, what: str | None = None) -> date:
    """A day typed as 2026-12-20 or 20.12.2026; a clear message otherwise."""
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    try:
        if _ISO.fullmatch(text):
            return date.fromisoformat(text)
        dotted = _DOTTED.fullmatch(text)
        if dotted:
            return date(int(dotted[3]), int(dotted[2]), int(dotted[1]))
    except ValueError:
        pass
    raise InvalidInput(
        (what or _("Write the end date as a day, for example {example}.")).format(
            example=date_text(clock.today() + timedelta(days=30))
        )
    )


def _end_of(day: date, tz: str) -> datetime:
    """The moment a grant "until ``day``" ends: midnight after that day, in the installation's
    time zone (the reader may read all of that day)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz)).astimezone(
        ZoneInfo("UTC")
    )


def _until(expires_at: datetime, tz: str) -> date:
    return (expires_at.astimezone(ZoneInfo(tz)) - timedelta(microseconds=1)).date()


def _was_reader(session: Session, log: RelayLog, staff_id: int) -> bool:
    """Did ``staff_id`` hold the log or read it as an actor while it was open?"""
    if staff_id in (log.holder_id, log.created_by):
        return True
    held = session.exec(
        select(HolderPeriod.id)
        .where(HolderPeriod.log_id == log.id, HolderPeriod.staff_id == staff_id)
        .limit(1)
    ).first()
    if held is not None:
        return True
    member = session.exec(
        select(Membership.id)
        .where(Membership.log_id == log.id, Membership.staff_id == staff_id)
        .limit(1)
    ).first()
    return member is not None


def _pending(session: Session, log_id: int, staff_id: int) -> ReadGrantRequest | None:
    return session.exec(
        select(ReadGrantRequest).where(
            ReadGrantRequest.log_id == log_id,
            ReadGrantRequest.staff_id == staff_id,
            ReadGrantRequest.status == "pending",
        )
    ).first()


def _refuse_request(session: Session, by: access.StaffRef, log_id: int, why: str) -> None:
    """A refused request is recorded too, on its own (the refusal rolls the rest back)."""
    staff_id, username = by.id, by.username

    def record(again: Session) -> None:
        log = again.get(RelayLog, log_id)
        audit.record(
            again,
            staff_id=staff_id,
            username=username,
            action="grant_request_refused",
            log_id=log.id if log is not None else None,
            subject_id=log.subject_id if log is not None else None,
            detail=why,
        )

    session.info.setdefault("after_rollback", []).append(record)


def request_read(store: Store, by: access.StaffRef, log_id: int, *, reason: str) -> int:
    """Ask to read a closed log again, with the reason; the administrators see the request.

    Only someone who held the log or read it as an actor while it was open may ask (R10).
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write why you need to read the closed log again."), rule="R10")
    with store.session(write=True) as session:
        staff = access.staff_for_log(session, by, log_id, "grant request")
        staff_id = stored_id(staff)
        log = access.load_log(session, log_id)
        if log.status != "closed":
            _refuse_request(session, by, log_id, "log open")
            raise RuleViolation(
                _("This relay log is open: its holder and actors read it without a grant."),
                rule="R10",
            )
        if not _was_reader(session, log, staff_id):
            _refuse_request(session, by, log_id, "never held or read it")
            raise NotAllowed(
                _(
                    "Only someone who held this relay log or read it as an actor while it was open "
                    "can ask to read it again."
                ),
                rule="R10",
            )
        tz = installation.timezone_of(session)
        grant = access.valid_grant(session, log_id, staff_id)
        if grant is not None:
            raise InvalidInput(
                _("You may already read this closed log until {date}.").format(
                    date=date_text(_until(grant.expires_at, tz))
                )
            )
        waiting = _pending(session, log_id, staff_id)
        if waiting is not None:
            raise InvalidInput(
                _("You asked on {date} already; the request waits for an administrator.").format(
                    date=date_text(clock.local(waiting.requested_at, tz).date())
                )
            )
        row = ReadGrantRequest(
            log_id=log_id, staff_id=staff_id, requested_at=clock.now(), reason=reason
        )
        session.add(row)
        session.flush()
        access.write_audit(
            session, staff, by, "grant_requested", log=log, detail=f"request {row.id}"
        )
        return stored_id(row)


def _answerable(
    session: Session, request_id: int, version: int | None
) -> tuple[ReadGrantRequest, RelayLog]:
    row = session.exec(
        select(ReadGrantRequest).where(ReadGrantRequest.id == request_id).with_for_update()
    ).first()
    if row is None:
        raise NotFound(
            _(
                "There is no request number {id}. 'relaytui grant list' shows the open requests."
            ).format(id=request_id)
        )
    if version is not None and row.version != version:
        raise StaleWrite(
            _("Another administrator answered this request meanwhile. Look at the list again.")
        )
    if row.status != "pending":
        raise InvalidInput(
            _("This request was already answered ({status}).").format(
                status=status_label(row.status)
            )
        )
    return row, access.load_log(session, row.log_id)


def _answer(
    session: Session,
    row: ReadGrantRequest,
    admin: Staff | None,
    by: access.StaffRef,
    status: str,
    answer: str,
) -> None:
    row.status = status
    row.answered_by = admin.id if admin else None
    row.answered_by_name = admin.full_name if admin else by.username
    row.answered_at = clock.now()
    row.answer = answer
    row.version += 1
    session.add(row)


def check_approval(
    country: Profile, approval: GuardianApproval | None, today: date
) -> GuardianApproval | None:
    """The guardians' approval, checked: required where the country says so (``no``), else
    optional (and then whole)."""
    if approval is None or not (approval.name or "").strip():
        if country.grant_needs_approval:
            raise RuleViolation(
                _(
                    "Information in a closed log is made available again only with the guardians' "
                    "approval. Write who approved, how (orally, in writing, digitally) and when."
                ),
                rule="R10",
            )
        return None
    name = approval.name.strip()
    if approval.method not in APPROVAL_METHODS:
        raise InvalidInput(
            _("Say how the guardians approved: {methods}.").format(
                methods=", ".join(APPROVAL_METHODS)
            )
        )
    if approval.given_on is None or approval.given_on > today:
        raise InvalidInput(
            _("The guardians' approval cannot be dated after today ({today}).").format(
                today=date_text(today)
            )
        )
    return GuardianApproval(name, approval.method, approval.given_on)


def give(
    store: Store,
    by: access.StaffRef,
    request_id: int,
    *,
    reason: str,
    until: date | str,
    approval: GuardianApproval | None = None,
    version: int | None = None,
) -> GrantView:
    """An administrator answers a request with a grant: a reason and the last day it lasts."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write why the closed log may be read again."), rule="R10")
    day = read_day(until)
    with store.session(write=True) as session:
        admin = access.require_admin(session, by)
        inst = installation.read_in(session)
        today = clock.today(inst.timezone)
        if day < today:
            raise InvalidInput(
                _("The end date {date} has passed. Choose a day from today to {last}.").format(
                    date=date_text(day), last=date_text(today + timedelta(days=MAX_DAYS))
                )
            )
        if day > today + timedelta(days=MAX_DAYS):
            raise InvalidInput(
                _("A grant lasts at most {days} days: choose a day until {last}.").format(
                    days=MAX_DAYS, last=date_text(today + timedelta(days=MAX_DAYS))
                )
            )
        checked = check_approval(inst.country, approval, today)
        row, log = _answerable(session, request_id, version)
        reader = session.get(Staff, row.staff_id)
        if reader is None or not reader.active:
            raise NotFound(
                _("The person who asked has no active account any more; refuse the request.")
            )
        if reader.role == "admin":
            raise NotAllowed(
                _("Administrators do not read relay logs, not even with a grant."), rule="R9"
            )
        grant = ReadGrant(
            log_id=stored_id(log),
            staff_id=stored_id(reader),
            granted_by=admin.id if admin else None,
            granted_at=clock.now(),
            expires_at=_end_of(day, inst.timezone),
            reason=reason,
            request_id=row.id,
            approved_by=checked.name if checked else None,
            approval_method=checked.method if checked else None,
            approved_on=checked.given_on if checked else None,
        )
        session.add(grant)
        _answer(session, row, admin, by, "granted", reason)
        session.flush()
        detail = f"grant {grant.id} (request {row.id}) to staff {reader.id} until {day.isoformat()}"
        if checked:
            detail += f"; guardians approved {checked.method} on {checked.given_on.isoformat()}"
        access.write_audit(session, admin, by, "grant_given", log=log, detail=detail)
        return _grant_view(session, grant, inst.timezone)


def refuse(
    store: Store, by: access.StaffRef, request_id: int, *, reason: str, version: int | None = None
) -> None:
    """An administrator refuses a request, with the reason the person who asked will see."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write why the request is refused."), rule="R10")
    with store.session(write=True) as session:
        admin = access.require_admin(session, by)
        row, log = _answerable(session, request_id, version)
        _answer(session, row, admin, by, "refused", reason)
        access.write_audit(
            session,
            admin,
            by,
            "grant_refused",
            log=log,
            detail=f"request {row.id} of staff {row.staff_id}",
        )


def _grant_view(session: Session, grant: ReadGrant, tz: str) -> GrantView:
    giver = session.get(Staff, grant.granted_by) if grant.granted_by else None
    return GrantView(
        id=stored_id(grant),
        log_id=grant.log_id,
        staff_id=grant.staff_id,
        until=_until(grant.expires_at, tz),
        expires_at=grant.expires_at,
        granted_by_name=giver.full_name if giver else _("an administrator at the command line"),
        reason=grant.reason,
        approved_by=grant.approved_by,
        approval_method=grant.approval_method,
        approved_on=grant.approved_on,
    )


def in_force(session: Session, staff_id: int, log_id: int, tz: str) -> GrantView | None:
    """The person's grant to read a closed log, if one is in force (the log view's banner
    names its end and its giver); read by logs.open_log in its own session."""
    grant = session.exec(
        select(ReadGrant)
        .where(
            ReadGrant.log_id == log_id,
            ReadGrant.staff_id == staff_id,
            col(ReadGrant.expires_at) > clock.now(),
        )
        .order_by(col(ReadGrant.expires_at).desc())
    ).first()
    if grant is None:
        return None
    return _grant_view(session, grant, tz)


def my_closed_logs(store: Store, by: access.StaffRef) -> list[ClosedLogView]:
    """The closed logs the person held or read as an actor: the ones they may ask to read.

    Only the child's name, masked number and the day it closed; the list is audited."""
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        held = select(HolderPeriod.log_id).where(HolderPeriod.staff_id == staff.id)
        member = select(Membership.log_id).where(Membership.staff_id == staff.id)
        rows = session.exec(
            select(RelayLog, Subject)
            .join(Subject, col(Subject.id) == col(RelayLog.subject_id))
            .where(
                RelayLog.status == "closed",
                or_(
                    col(RelayLog.id).in_(held),
                    col(RelayLog.id).in_(member),
                    col(RelayLog.holder_id) == staff.id,
                ),
            )
            .order_by(col(RelayLog.closed_at).desc(), col(RelayLog.id))
        ).all()
        tz = installation.timezone_of(session)
        log_ids = [log.id for log, _subject in rows]
        pending = (
            dict(
                session.exec(
                    select(ReadGrantRequest.log_id, ReadGrantRequest.id).where(
                        ReadGrantRequest.staff_id == staff.id,
                        ReadGrantRequest.status == "pending",
                        col(ReadGrantRequest.log_id).in_(log_ids),
                    )
                ).all()
            )
            if log_ids
            else {}
        )
        answered: dict[int, ReadGrantRequest] = {}
        if log_ids:
            for row in session.exec(
                select(ReadGrantRequest)
                .where(
                    ReadGrantRequest.staff_id == staff.id,
                    ReadGrantRequest.status != "pending",
                    col(ReadGrantRequest.log_id).in_(log_ids),
                )
                .order_by(col(ReadGrantRequest.id))
            ):
                answered[row.log_id] = row
        granted: dict[int, datetime] = {}
        if log_ids:
            for log_id, expires in session.exec(
                select(ReadGrant.log_id, ReadGrant.expires_at).where(
                    ReadGrant.staff_id == staff.id,
                    col(ReadGrant.log_id).in_(log_ids),
                    col(ReadGrant.expires_at) > clock.now(),
                )
            ):
                granted[log_id] = max(expires, granted.get(log_id, expires))
        audit.record_view(
            session,
            staff_id=staff.id,
            username=staff.username,
            what="closed logs",
            subject_ids=[log.subject_id for log, _subject in rows],
        )
        return [
            ClosedLogView(
                log_id=stored_id(log),
                subject_name=subject.name,
                national_number_masked=subjects.mask(subject.national_number),
                closed_at=log.closed_at,
                pending_request_id=pending.get(stored_id(log)),
                grant_until=_until(granted[log.id], tz) if log.id in granted else None,
                last_status=answered[log.id].status if log.id in answered else None,
                last_answer=answered[log.id].answer if log.id in answered else None,
            )
            for log, subject in rows
        ]
