"""Relay logs: creating (R1-R3), reading (R9), levels (R4); closing (R10) is in
:mod:`relaytui.services.log_closing`, entries (R7) in :mod:`relaytui.services.journal`."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, and_, bindparam, case, func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from relaytui.i18n import _
from relaytui.models import (
    Consent,
    Effort,
    Handover,
    HolderPeriod,
    LevelChange,
    ReadGrant,
    RelayLog,
    Staff,
    Subject,
    Unit,
)
from relaytui.models.base import UTCDateTime, stored_id
from relaytui.services import (
    access,
    clock,
    consent,
    grants,
    installation,
    journal,
    log_actors,
    notices,
    subjects,
)

TRIGGERS = (
    "wellbeing_yellow",
    "wellbeing_red",
    "birth_complications",
    "premature_birth",
    "pregnancy_visit",
)
LEVELS = (0, 1, 2, 3)


@dataclass(frozen=True)
class LogDetail:
    id: int
    subject_id: int
    subject_name: str
    subject_kind: str
    national_number_masked: str
    birth_date: date | None
    level: int
    status: str
    concern: str
    trigger: str | None
    holder_id: int
    holder: subjects.HolderContact
    unit_id: int | None
    created_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    consent_state: str
    needs_attention: str | None
    overdue_evaluations: int
    pending_handover_id: int | None
    my_role: str
    can_write: bool
    why_read_only: str | None
    version: int


#: The bound parameters the figures of a log are asked with, in its header and in the
#: log list's page (:mod:`relaytui.services.log_list`).
NOW = bindparam("now", type_=UTCDateTime())
TODAY = bindparam("today", type_=Date())


# --- helpers -------------------------------------------------------------------------------


def _role_of(session: Session, staff: Staff, log: RelayLog) -> str:
    if log.status == "closed":
        return "grant"
    if log.holder_id == staff.id:
        return "holder"
    return "actor"


def _read_only_reason(staff: Staff, log: RelayLog) -> str | None:
    if log.status == "closed":
        return _("This relay log is closed: it can be read with a grant, never changed.")
    if log.holder_id != staff.id:
        return _("You read this log as an actor. Only the holder writes in it.")
    return None


def detail(
    session: Session, staff: Staff, log: RelayLog, inst: installation.Installation
) -> LogDetail:
    """The header of a log, in one statement (:func:`_header_statement`): the child, the
    holder and how to reach them, the consent, overdue evaluations, a pending handover."""
    row = session.execute(
        _header_statement(),
        {"log_id": log.id, "now": clock.now(), "today": clock.today(inst.timezone)},
    ).one()
    reason = _read_only_reason(staff, log)
    holder = subjects.HolderContact(
        log_id=stored_id(log),
        holder_name=row.holder_name or "",
        unit_name=row.unit_name or "",
        phone=row.holder_phone or row.unit_phone or "",
        email=row.holder_email or "",
        profession=row.holder_profession or "",
        coordinator=log.plan_coordinator_id is not None
        and log.plan_coordinator_id == log.holder_id,
    )
    return LogDetail(
        id=stored_id(log),
        subject_id=row.subject_id,
        subject_name=row.subject_name,
        subject_kind=row.subject_kind,
        national_number_masked=subjects.mask(row.national_number),
        birth_date=row.birth_date,
        level=log.level,
        status=log.status,
        concern=log.concern,
        trigger=log.trigger,
        holder_id=log.holder_id,
        holder=holder,
        unit_id=log.unit_id,
        created_at=log.created_at,
        closed_at=log.closed_at,
        close_reason=log.close_reason,
        consent_state=row.consent_state,
        needs_attention=log.needs_attention,
        overdue_evaluations=row.overdue or 0,
        pending_handover_id=row.pending_id,
        my_role=_role_of(session, staff, log),
        can_write=reason is None,
        why_read_only=reason,
        version=log.version,
    )


def consent_state_of(log, given):
    """As consent.log_consent_state, in SQL: ok if any consent to the log is in force, else
    what the newest one says (the first of the newest on a tie of given_at), or missing."""
    covering = and_(given.log_id == log.id, col(given.covers_log).is_(True))
    in_force = (
        select(given.id)
        .where(
            covering,
            col(given.withdrawn_at).is_(None),
            or_(col(given.expires_at).is_(None), col(given.expires_at) > NOW),
        )
        .exists()
    )
    newest_lapsed = (
        select(case((col(given.withdrawn_at).is_not(None), "withdrawn"), else_="expired"))
        .where(covering)
        .order_by(col(given.given_at).desc(), col(given.id))
        .limit(1)
        .scalar_subquery()
    )
    return case(
        (in_force, "ok"),
        (~select(given.id).where(covering).exists(), "missing"),
        else_=newest_lapsed,
    )


def overdue_of(log):
    return (
        select(func.count())
        .select_from(Effort)
        .where(Effort.log_id == log.id, Effort.status == "active", col(Effort.evaluate_on) < TODAY)
        .scalar_subquery()
    )


@functools.cache
def _header_statement():
    """Built once (building costs more than running it); every value a bound parameter.
    Opening a log sent six small statements for this before (issue 18)."""
    log, holder, given = (
        aliased(RelayLog, name="header_log"),
        aliased(Staff, name="header_holder"),
        aliased(Consent, name="header_consent"),
    )
    pending = (
        select(Handover.id)
        .where(Handover.log_id == log.id, Handover.status == "pending")
        .order_by(col(Handover.id))
        .limit(1)
        .scalar_subquery()
    )
    return (
        # (sqlmodel.select's overloads stop at four columns: a library typing gap.)
        select(
            col(Subject.id).label("subject_id"),  # type: ignore[call-overload]
            col(Subject.name).label("subject_name"),
            col(Subject.kind).label("subject_kind"),
            Subject.national_number,
            Subject.birth_date,
            col(holder.full_name).label("holder_name"),
            col(holder.phone).label("holder_phone"),
            col(holder.email).label("holder_email"),
            col(holder.profession).label("holder_profession"),
            col(Unit.name).label("unit_name"),
            col(Unit.phone).label("unit_phone"),
            pending.label("pending_id"),
            overdue_of(log).label("overdue"),
            consent_state_of(log, given).label("consent_state"),
        )
        .select_from(log)
        .join(Subject, Subject.id == log.subject_id)
        .join(holder, holder.id == log.holder_id, isouter=True)
        .join(Unit, Unit.id == holder.unit_id, isouter=True)
        .where(log.id == bindparam("log_id"))
    )


def check_level(level: int) -> int:
    if level not in LEVELS:
        raise InvalidInput(_("A level is 0, 1, 2 or 3."))
    return level


def _require_consent_for_level(session: Session, log: RelayLog, level: int) -> None:
    if level >= 1 and not consent.log_consent_in_force(session, log):
        state = consent.log_consent_state(session, log)
        if state == "expired":
            detail = _("the consent has expired")
        elif state == "withdrawn":
            detail = _("the consent was withdrawn")
        else:
            detail = _("no consent is recorded")
        raise RuleViolation(
            _(
                "Level {level} needs a consent to the log, and {detail}: record it under Actors "
                "and consent."
            ).format(level=level, detail=detail),
            rule="R4",
        )


# --- creating ------------------------------------------------------------------------------


def create_log(
    store: Store,
    by: access.StaffRef,
    *,
    subject_id: int,
    concern: str,
    trigger: str | None = None,
    level: int | None = None,
    first_consent: consent.ConsentInput | None = None,
    language: str | None = None,
) -> LogDetail:
    """Start a log: the creator holds it, the leader reads along, the concern is written (R1-R4).

    In ``dk`` a log starts at level 0. In ``no`` the normal start is level 1 with the consent
    given at the same time (``first_consent``); level 0 is allowed to clarify a concern.
    """
    inst = installation.read(store)
    concern = _checked_concern(inst, concern, trigger)
    level = _start_level(inst, level, first_consent)
    now = clock.now()
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        subject = session.get(Subject, subject_id)
        if subject is None:
            raise NotFound(_("There is no such subject."))
        log = _insert_log(
            store,
            session,
            staff,
            subject,
            inst,
            now,
            concern=concern,
            trigger=trigger,
            language=language,
        )
        log_id, staff_id = stored_id(log), stored_id(staff)
        session.add(HolderPeriod(log_id=log_id, staff_id=staff_id, started_at=now))
        session.add(
            LevelChange(
                log_id=log_id,
                changed_by=staff_id,
                changed_at=now,
                from_level=None,
                to_level=0,
                reason=concern,
            )
        )
        log_actors.attach_leader(session, log, staff.unit_id, staff_id)
        access.write_audit(session, staff, by, "log_created", log=log)
        session.flush()
        if first_consent is not None:
            # Recorded in the same transaction: the log never exists at level 1 without it.
            consent.record_first_consent(session, staff, by, log, subject, first_consent, inst, now)
        if level > 0:
            _require_consent_for_level(session, log, level)
            session.add(
                LevelChange(
                    log_id=log_id,
                    changed_by=staff_id,
                    changed_at=now,
                    from_level=0,
                    to_level=level,
                    reason=concern,
                )
            )
            log.level = level
            session.add(log)
        notices.queue_log_created(session, log)
        session.flush()
        return detail(session, staff, log, inst)


def _checked_concern(inst: installation.Installation, concern: str, trigger: str | None) -> str:
    """The concern written down, and a trigger category the country knows (R2)."""
    concern = (concern or "").strip()
    if not concern:
        raise InvalidInput(_("Write down the concern: what have you seen or heard?"), rule="R2")
    if trigger is not None and trigger not in TRIGGERS:
        raise InvalidInput(_("Unknown trigger category."), rule="R2")
    if trigger is not None and not inst.country.trigger_categories:
        # The categories come from the Danish guide (Kerteminde, "Sådan gør vi").
        raise InvalidInput(
            _("Trigger categories belong to the Danish guide; a Norwegian log has none."), rule="R2"
        )
    return concern


def _start_level(
    inst: installation.Installation, level: int | None, first_consent: consent.ConsentInput | None
) -> int:
    """The level a new log starts at: asked for, or the country's usual start (R2)."""
    if level is None:
        level = 1 if inst.country.starts_with_consent and first_consent is not None else 0
    check_level(level)
    if level not in inst.country.start_levels:
        raise RuleViolation(_(inst.country.start_level_refusal), rule="R2")
    return level


def _insert_log(
    store: Store,
    session: Session,
    staff: Staff,
    subject: Subject,
    inst: installation.Installation,
    now: datetime,
    *,
    concern: str,
    trigger: str | None,
    language: str | None,
) -> RelayLog:
    """The new log's row, held by its creator; refused when the subject has an active log (R1),
    also when another one was created at the same moment (the database's unique index)."""
    subject_id, staff_id = stored_id(subject), stored_id(staff)
    existing = subjects.active_log_of(session, subject_id)
    if existing is not None:
        raise _second_log(session, existing)
    log = RelayLog(
        subject_id=subject_id,
        holder_id=staff_id,
        unit_id=staff.unit_id,
        created_by=staff_id,
        created_at=now,
        level=0,
        status="active",
        concern=concern,
        trigger=trigger,
        language=language or inst.language or inst.country.writing_language,
    )
    session.add(log)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        with store.session() as again:
            other = subjects.active_log_of(again, subject_id)
            raise (
                _second_log(again, other)
                if other
                else RuleViolation(
                    _("A relay log for this subject was created at the same moment. Look it up."),
                    rule="R1",
                )
            ) from None
    return log


def _second_log(session: Session, existing: RelayLog) -> RuleViolation:
    contact = subjects.holder_contact(session, existing)
    reach = ", ".join(part for part in (contact.phone, contact.email) if part) or _(
        "no contact details"
    )
    return RuleViolation(
        _(
            "This subject already has a relay log, held by {holder} ({unit}, {reach}). Contact "
            "the holder instead of starting a new log."
        ).format(holder=contact.holder_name, unit=contact.unit_name or "-", reach=reach),
        rule="R1",
    )


# --- reading -------------------------------------------------------------------------------


def get_log(store: Store, by: access.StaffRef, log_id: int) -> LogDetail:
    """Open a log: only its holder and actors may (R9); the read is audited."""
    with store.session(write=True) as session:
        staff, log = access.log_for_read(session, by, log_id, what="log")
        return detail(session, staff, log, installation.read_in(session))


@dataclass(frozen=True)
class OpenedLog:
    """What the log view shows when it opens: the header, the journal when it is the tab
    shown, the installation's settings, and the grant a closed log is read under."""

    detail: LogDetail
    entries: tuple[journal.EntryView, ...] | None
    installation: installation.Installation
    grant: grants.GrantView | None


def open_log(
    store: Store, by: access.StaffRef, log_id: int, *, with_entries: bool = True, limit: int = 500
) -> OpenedLog:
    """Open a log as the log view does (R9): one transaction, one check of the reader's
    right, each part read audited ("log", and "entries" when the journal is shown). Before,
    the view asked four times, each with its own session, check and commit (issue 18)."""
    with store.session(write=True) as session:
        staff, log = access.log_for_read(session, by, log_id, what="log")
        inst = installation.read_in(session)
        shown = detail(session, staff, log, inst)
        entries = None
        if with_entries:
            access.record_read(session, staff, log, what="entries")
            entries = tuple(journal.read_journal(session, log_id, limit))
        grant = (
            grants.in_force(session, stored_id(staff), log_id, inst.timezone)
            if log.status == "closed"
            else None
        )
        return OpenedLog(shown, entries, inst, grant)


# --- levels (R4) ---------------------------------------------------------------------------


def change_level(
    store: Store,
    by: access.StaffRef,
    log_id: int,
    *,
    to_level: int,
    reason: str,
    version: int | None = None,
) -> LogDetail:
    """Raise or lower the level, recording who, when, from, to and why (R4)."""
    check_level(to_level)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write why the level changes."), rule="R4")
    inst = installation.read(store)
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="level")
        if version is not None and version != log.version:
            from relaytui.errors import StaleWrite

            raise StaleWrite(
                _(
                    "Someone else changed this log while you were working on it. "
                    "Nothing was saved: reload and try again."
                )
            )
        if to_level == log.level:
            raise InvalidInput(_("The log is at level {level} already.").format(level=to_level))
        _require_consent_for_level(session, log, to_level)
        now = clock.now()
        session.add(
            LevelChange(
                log_id=stored_id(log),
                changed_by=stored_id(staff),
                changed_at=now,
                from_level=log.level,
                to_level=to_level,
                reason=reason,
            )
        )
        log.level = to_level
        log.version += 1
        session.add(log)
        session.flush()
        access.write_audit(session, staff, by, "level_changed", log=log, detail=f"to {to_level}")
        return detail(session, staff, log, inst)


def grant_read(
    store: Store,
    by: access.StaffRef,
    log_id: int,
    *,
    staff_id: int,
    days: int,
    reason: str,
    approval: grants.GuardianApproval | None = None,
) -> int:
    """An administrator lets a member of staff read a closed log for some days (R10); in the
    ``no`` profile only with the guardians' approval. Usually the answer to a request:
    :func:`relaytui.services.grants.give`."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write why the closed log must be read."), rule="R10")
    if not 1 <= days <= 90:
        raise InvalidInput(_("A grant lasts from 1 to 90 days."), rule="R10")
    with store.session(write=True) as session:
        admin = access.require_admin(session, by)
        log = access.load_log(session, log_id)
        if log.status != "closed":
            raise RuleViolation(_("Only a closed log needs a grant; this one is open."), rule="R10")
        reader = session.get(Staff, staff_id)
        if reader is None or not reader.active:
            raise NotFound(_("There is no such active member of staff."))
        if reader.role == "admin":
            raise NotAllowed(
                _("Administrators do not read relay logs, not even with a grant."), rule="R9"
            )
        inst = installation.read_in(session)
        checked = grants.check_approval(inst.country, approval, clock.today(inst.timezone))
        now = clock.now()
        # From the command line there is no staff row to name; the audit trail names the user.
        grant = ReadGrant(
            log_id=stored_id(log),
            staff_id=stored_id(reader),
            granted_by=admin.id if admin else None,
            granted_at=now,
            expires_at=now + timedelta(days=days),
            reason=reason,
            approved_by=checked.name if checked else None,
            approval_method=checked.method if checked else None,
            approved_on=checked.given_on if checked else None,
        )
        session.add(grant)
        session.flush()
        access.write_audit(
            session,
            admin,
            by,
            "grant_given",
            log=log,
            detail=f"grant {grant.id} to staff {reader.id} for {days} days",
        )
        return stored_id(grant)


def unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit.name if unit else ""
