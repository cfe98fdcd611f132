"""Handovers: the holder role passes only when the new holder accepts (R8).

Lock order on PostgreSQL, the same in every path that touches a log and its handovers
(propose, accept, decline, withdraw here; close_log in log_closing; pass_to_plan, which locks the log
only): first the log (``SELECT ... FOR UPDATE``), then its handovers, and last the audit chain
(an advisory lock taken when the event is written). Two of these calls on one log therefore
queue on the log's row instead of waiting for each other in a circle, and whoever comes second
reads what the first one committed: an answer to a handover that is no longer pending is
refused, saying what happened; nothing is overwritten. On SQLite a write transaction starts
with ``BEGIN IMMEDIATE`` and the calls queue as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from relaytui.i18n import _
from relaytui.models import (
    Consent,
    Handover,
    HolderPeriod,
    Membership,
    RelayLog,
    Staff,
    Subject,
    Unit,
)
from relaytui.models.base import stored_id
from relaytui.services import (
    access,
    audit,
    clock,
    consent,
    installation,
    log_actors,
    notices,
    subjects,
    transitions,
)
from relaytui.services.versions import guarded_update


@dataclass(frozen=True)
class HandoverView:
    id: int
    log_id: int
    subject_name: str
    national_number_masked: str
    level: int
    from_name: str
    from_unit: str
    to_id: int
    to_name: str
    to_unit: str
    proposed_at: datetime
    message: str
    transition: bool
    status: str
    answered_at: datetime | None
    answer_message: str
    overdue: bool
    version: int


def _view(session: Session, h: Handover, reminder_days: int) -> HandoverView:
    log = session.get_one(RelayLog, h.log_id)
    subject = session.get_one(Subject, log.subject_id)
    giver = session.get(Staff, h.from_staff_id)
    taker = session.get(Staff, h.to_staff_id)

    def unit_of(staff: Staff | None) -> str:
        unit = session.get(Unit, staff.unit_id) if staff and staff.unit_id else None
        return unit.name if unit else ""

    return HandoverView(
        id=stored_id(h),
        log_id=h.log_id,
        subject_name=subject.name,
        national_number_masked=subjects.mask(subject.national_number),
        level=log.level,
        from_name=giver.full_name if giver else "",
        from_unit=unit_of(giver),
        to_id=h.to_staff_id,
        to_name=taker.full_name if taker else "",
        to_unit=unit_of(taker),
        proposed_at=h.proposed_at,
        message=h.message,
        transition=h.transition,
        status=h.status,
        answered_at=h.answered_at,
        answer_message=h.answer_message,
        overdue=h.status == "pending"
        and h.proposed_at <= clock.now() - timedelta(days=reminder_days),
        version=h.version,
    )


def is_transition(session: Session, log: RelayLog, receiver: Staff) -> bool:
    return receiver.unit_id != log.unit_id


def propose(
    store: Store,
    by: access.StaffRef,
    log_id: int,
    *,
    to_staff_id: int,
    message: str = "",
    consent_id: int | None = None,
) -> HandoverView:
    """The holder proposes a new holder. A transition to another unit needs a consent in force
    that covers the receiver or their unit (R8)."""
    inst = installation.read(store)
    with store.session(write=True) as session:
        # The log is locked first (the module's lock order): two proposals, or a proposal and
        # a close, queue on it, so there is never more than one pending handover.
        staff, log = access.log_for_write(session, by, log_id, what="handover")
        receiver = session.get(Staff, to_staff_id)
        if receiver is None or not receiver.active:
            raise NotFound(_("There is no such active member of staff."))
        if receiver.role == "admin":
            raise RuleViolation(_("An administrator cannot hold a relay log."), rule="R8")
        if receiver.id == staff.id:
            raise InvalidInput(_("You hold this log already. Choose someone else."), rule="R8")
        if session.exec(
            select(Handover).where(Handover.log_id == log.id, Handover.status == "pending")
        ).first():
            raise RuleViolation(
                _("A handover of this log is already waiting for an answer. Withdraw it first."),
                rule="R8",
            )
        transition = is_transition(session, log, receiver)
        chosen = None
        if transition:
            candidates = (
                [session.get(Consent, consent_id)]
                if consent_id
                else session.exec(select(Consent).where(Consent.log_id == log.id)).all()
            )
            chosen = next(
                (
                    c
                    for c in candidates
                    if c is not None
                    and c.log_id == log.id
                    and consent.covers_unit(session, c, receiver.unit_id, receiver.id)
                ),
                None,
            )
            if chosen is None:
                unit = session.get(Unit, receiver.unit_id) if receiver.unit_id else None
                raise transitions.NeedsFamilyConsent(
                    _(
                        "{name} works at {unit}, another unit: this transition needs the guardians' "
                        "consent to share the log with {unit}. Record it under Actors and consent "
                        "first."
                    ).format(name=receiver.full_name, unit=unit.name if unit else "-"),
                    unit_id=receiver.unit_id,
                )
        handover = Handover(
            log_id=stored_id(log),
            from_staff_id=stored_id(staff),
            to_staff_id=stored_id(receiver),
            proposed_at=clock.now(),
            message=(message or "").strip(),
            transition=transition,
            consent_id=chosen.id if chosen else None,
        )
        session.add(handover)
        session.flush()
        access.write_audit(
            session,
            staff,
            by,
            "handover_proposed",
            log=log,
            detail=f"handover {handover.id} to staff {receiver.id}",
        )
        notices.queue_handover(session, "handover_waiting", handover)
        return _view(session, handover, inst.handover_reminder_days)


def _lock(session: Session, handover_id: int) -> tuple[Handover, RelayLog]:
    """The handover and its log, both locked, in the module's lock order: the log first.

    The handover is looked up once without a lock only to learn its log (which never
    changes), then read again under the lock, so that its status is what the last committed
    answer left, not what an earlier read saw.
    """
    log_id = session.exec(select(Handover.log_id).where(Handover.id == handover_id)).first()
    if log_id is None:
        raise NotFound(_("There is no such handover."))
    log = access.load_log(session, log_id, lock=True)
    handover = session.exec(
        select(Handover)
        .where(Handover.id == handover_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return handover, log


def _answered(handover: Handover) -> RuleViolation:
    words = {"accepted": _("accepted"), "declined": _("declined"), "withdrawn": _("withdrawn")}
    return RuleViolation(
        _("This handover was already {state}; nothing changed.").format(
            state=words.get(handover.status, handover.status)
        ),
        rule="R8",
    )


def _too_late(session: Session, handover: Handover, log: RelayLog) -> RuleViolation:
    """Why an answer to a handover that is no longer pending changes nothing: closing the log
    withdrew it (R10), or it was answered or withdrawn before."""
    if handover.status == "withdrawn" and log.status == "closed":
        closer = session.get(Staff, log.closed_by or log.holder_id)
        return RuleViolation(
            _(
                "{name} closed this relay log meanwhile, and closing it withdrew the handover. "
                "Your answer was not saved, and none is needed: a closed log is never handed "
                "over."
            ).format(name=closer.full_name if closer else "-"),
            rule="R10",
        )
    return _answered(handover)


def take_over(
    session: Session, log: RelayLog, staff: Staff, now: datetime, *, handover_id: int | None = None
) -> None:
    """``staff`` holds ``log`` from ``now``: the one open holder period moves to them (R8, R14).

    The new holder needs no membership any more; a new unit's nearest leader is attached (R3).
    """
    for period in session.exec(
        select(HolderPeriod).where(
            HolderPeriod.log_id == log.id, col(HolderPeriod.ended_at).is_(None)
        )
    ).all():
        period.ended_at = now
        session.add(period)
    staff_id = stored_id(staff)
    session.add(
        HolderPeriod(
            log_id=stored_id(log), staff_id=staff_id, started_at=now, handover_id=handover_id
        )
    )
    for row in session.exec(
        select(Membership).where(
            Membership.log_id == log.id,
            Membership.staff_id == staff.id,
            col(Membership.removed_at).is_(None),
        )
    ).all():
        row.removed_at = now
        row.removed_reason = "became holder"
        session.add(row)
    log.holder_id = staff_id
    old_unit = log.unit_id
    log.unit_id = staff.unit_id
    log.version += 1
    session.add(log)
    session.flush()
    if staff.unit_id != old_unit:
        log_actors.attach_leader(session, log, staff.unit_id, staff_id)


def accept(
    store: Store, by: access.StaffRef, handover_id: int, *, message: str = ""
) -> HandoverView:
    """The receiver accepts: from this moment they hold the log, and only they (R8)."""
    inst = installation.read(store)
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        handover, log = _lock(session, handover_id)
        if handover.to_staff_id != staff.id:
            raise NotAllowed(_("Only the proposed new holder can accept this handover."), rule="R8")
        if handover.status != "pending":
            raise _too_late(session, handover, log)
        if log.status == "closed":
            raise RuleViolation(
                _("The log was closed meanwhile; it cannot be handed over."), rule="R10"
            )
        if handover.transition and handover.consent_id:
            if not access.consent_in_force(session.get(Consent, handover.consent_id)):
                raise RuleViolation(
                    _(
                        "The consent this transition relied on is no longer in force. Ask the holder "
                        "to record a new one."
                    ),
                    rule="R8",
                )
        now = clock.now()
        guarded_update(
            session,
            Handover,
            stored_id(handover),
            handover.version,
            status="accepted",
            answered_at=now,
            answer_message=(message or "").strip(),
        )
        take_over(session, log, staff, now, handover_id=handover.id)
        access.write_audit(
            session, staff, by, "handover_accepted", log=log, detail=f"handover {handover.id}"
        )
        notices.queue_handover(session, "handover_accepted", handover)
        session.flush()
        return _view(session, handover, inst.handover_reminder_days)  # refreshed by guarded_update


def decline(store: Store, by: access.StaffRef, handover_id: int, *, message: str) -> HandoverView:
    """The receiver declines, saying why; everything stays as it was (R8)."""
    message = (message or "").strip()
    if not message:
        raise InvalidInput(
            _("Write a short message to the holder about why you decline."), rule="R8"
        )
    inst = installation.read(store)
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        handover, log = _lock(session, handover_id)
        if handover.to_staff_id != staff.id:
            raise NotAllowed(
                _("Only the proposed new holder can decline this handover."), rule="R8"
            )
        if handover.status != "pending":
            raise _too_late(session, handover, log)
        if log.status == "closed":
            raise RuleViolation(
                _("The log was closed meanwhile; it cannot be handed over."), rule="R10"
            )
        guarded_update(
            session,
            Handover,
            stored_id(handover),
            handover.version,
            status="declined",
            answered_at=clock.now(),
            answer_message=message,
        )
        access.write_audit(
            session, staff, by, "handover_declined", log=log, detail=f"handover {handover.id}"
        )
        notices.queue_handover(session, "handover_declined", handover, detail=message)
        return _view(session, handover, inst.handover_reminder_days)  # refreshed by guarded_update


def withdraw(store: Store, by: access.StaffRef, handover_id: int) -> HandoverView:
    """The holder takes a proposal back before it is answered."""
    inst = installation.read(store)
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        handover, log = _lock(session, handover_id)
        if handover.status != "pending" and handover.from_staff_id == staff.id:
            # The proposer is told what became of it, even when the log was closed meanwhile.
            raise _answered(handover)
        staff, log = access.log_for_write(session, by, stored_id(log), what="handover")
        if handover.status != "pending":
            raise _answered(handover)
        guarded_update(
            session,
            Handover,
            stored_id(handover),
            handover.version,
            status="withdrawn",
            answered_at=clock.now(),
        )
        access.write_audit(
            session, staff, by, "handover_withdrawn", log=log, detail=f"handover {handover.id}"
        )
        return _view(session, handover, inst.handover_reminder_days)  # refreshed by guarded_update


def inbox(store: Store, by: access.StaffRef) -> list[HandoverView]:
    """Handovers waiting for my answer, and mine waiting for someone else's. The children
    the inbox names are in the audit trail."""
    inst = installation.read(store)
    with store.session() as session:
        staff = access.require_staff(session, by)
        rows = session.exec(
            select(Handover)
            .where(
                Handover.status == "pending",
                (Handover.to_staff_id == staff.id) | (Handover.from_staff_id == staff.id),
            )
            .order_by(col(Handover.proposed_at))
        ).all()
        views = [_view(session, h, inst.handover_reminder_days) for h in rows]
        shown = _subjects_of(session, {h.log_id for h in rows})
    _record_shown(store, staff, "handover inbox", shown)
    return views


def _declined_mine(staff: Staff):
    """My proposals that were declined and that I have not dismissed yet."""
    return (
        select(Handover)
        .where(
            Handover.from_staff_id == staff.id,
            Handover.status == "declined",
            col(Handover.answer_seen_at).is_(None),
        )
        .order_by(col(Handover.answered_at).desc(), col(Handover.id).desc())
    )


def declined_answers(store: Store, by: access.StaffRef) -> list[HandoverView]:
    """Handovers I proposed that were declined, each with the receiver's reason, newest first,
    until I dismiss them (the inbox's "answered recently"). The children named are audited."""
    inst = installation.read(store)
    with store.session() as session:
        staff = access.require_staff(session, by)
        rows = session.exec(_declined_mine(staff)).all()
        views = [_view(session, h, inst.handover_reminder_days) for h in rows]
        shown = _subjects_of(session, {h.log_id for h in rows})
    _record_shown(store, staff, "handover inbox, declined", shown)
    return views


def tell_declined(store: Store, by: access.StaffRef) -> list[HandoverView]:
    """The declined handovers I have not been told of yet (the notice at login), oldest first;
    each is told once. They stay in the inbox until dismissed. The children named are audited."""
    inst = installation.read(store)
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        rows = list(
            reversed(
                session.exec(
                    _declined_mine(staff).where(col(Handover.answer_told_at).is_(None))
                ).all()
            )
        )
        if not rows:
            return []
        views = [_view(session, h, inst.handover_reminder_days) for h in rows]
        session.execute(
            update(Handover)
            .where(
                col(Handover.id).in_([h.id for h in rows]), col(Handover.answer_told_at).is_(None)
            )
            .values(answer_told_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        audit.record_view(
            session,
            staff_id=staff.id,
            username=staff.username,
            what="declined handovers at login",
            subject_ids=_subjects_of(session, {h.log_id for h in rows}),
        )
        return views


def dismiss_declined(store: Store, by: access.StaffRef, handover_id: int) -> None:
    """The proposer has read why their handover was declined: it leaves the inbox."""
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        row = session.get(Handover, handover_id)
        if row is None or row.from_staff_id != staff.id:
            raise NotFound(_("There is no such handover."))
        if row.status != "declined":
            raise InvalidInput(_("Only a declined handover can be dismissed from the inbox."))
        if row.answer_seen_at is not None:
            return
        now = clock.now()
        session.execute(
            update(Handover)
            .where(col(Handover.id) == row.id, col(Handover.answer_seen_at).is_(None))
            .values(answer_seen_at=now, answer_told_at=row.answer_told_at or now)
            .execution_options(synchronize_session=False)
        )
        log = session.get(RelayLog, row.log_id)
        access.write_audit(
            session, staff, by, "handover_answer_seen", log=log, detail=f"handover {row.id}"
        )


def withdraw_pending(session: Session, log: RelayLog, now: datetime) -> None:
    """Withdraw the log's pending handovers, as its closing or its passing into an individual
    plan does; the log is locked already (the lock order: the log first, then its handovers).
    Each is locked and read again, and written only at the version read: an answer committed
    a moment ago is kept, never overwritten."""
    for pending in session.exec(
        select(Handover)
        .where(Handover.log_id == log.id, Handover.status == "pending")
        .order_by(col(Handover.id))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all():
        guarded_update(
            session,
            Handover,
            stored_id(pending),
            pending.version,
            status="withdrawn",
            answered_at=now,
        )


def waiting_for_me(store: Store, by: access.StaffRef) -> int:
    """How many handovers wait for my answer: a number, no child named (the F4 key)."""
    with store.session() as session:
        staff = access.require_staff(session, by)
        return session.exec(
            select(func.count())
            .select_from(Handover)
            .where(Handover.status == "pending", Handover.to_staff_id == staff.id)
        ).one()


def _subjects_of(session: Session, log_ids: set[int]) -> list[int]:
    if not log_ids:
        return []
    return list(session.exec(select(RelayLog.subject_id).where(col(RelayLog.id).in_(log_ids))))


def _record_shown(store: Store, staff: Staff, what: str, subject_ids: list[int]) -> None:
    if subject_ids:
        with store.session(write=True) as session:
            audit.record_view(
                session,
                staff_id=staff.id,
                username=staff.username,
                what=what,
                subject_ids=subject_ids,
            )


def unanswered_for_leader(store: Store, by: access.StaffRef) -> list[HandoverView]:
    """Handovers left unanswered for the set number of days, shown to the nearest leader (R8)."""
    inst = installation.read(store)
    cutoff = clock.now() - timedelta(days=inst.handover_reminder_days)
    with store.session() as session:
        staff = access.require_staff(session, by)
        units = session.exec(select(Unit.id).where(Unit.leader_id == staff.id)).all()
        if not units:
            return []
        rows = session.exec(
            select(Handover)
            .join(RelayLog, col(RelayLog.id) == Handover.log_id)
            .where(
                Handover.status == "pending",
                col(Handover.proposed_at) <= cutoff,
                col(RelayLog.unit_id).in_(units),
            )
            .order_by(col(Handover.proposed_at))
        ).all()
        views = [_view(session, h, inst.handover_reminder_days) for h in rows]
        shown = _subjects_of(session, {h.log_id for h in rows})
    _record_shown(store, staff, "handovers left unanswered", shown)
    return views
