"""Closing a relay log for good (R10): the reason, the consultation the level needs where the
country asks for one, and what ends with the log (its holder period, a pending handover, the
planned meetings). A closed log never reopens; reading it again needs a grant
(:mod:`relaytui.services.grants`).
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotAllowed, RuleViolation
from relaytui.i18n import _
from relaytui.models import Handover, HolderPeriod, Meeting, RelayLog, Staff, TransitionRequest
from relaytui.profiles import Profile
from relaytui.services import access, clock, installation
from relaytui.services import handover as handover_service
from relaytui.services.logs import LogDetail, detail


def check_closing(
    country: Profile, level: int, *, basis: str, reason: str, consultation: str = ""
) -> None:
    """What closing needs besides the right to close, checked before anyone is asked "close for
    good?" and again when closing: a reason, and the consultation the level requires where the
    country asks for one (``dk``)."""
    if not (reason or "").strip():
        raise InvalidInput(_("Write why the log is closed."), rule="R10")
    needed = country.consultation_needed(level)
    if needed is None:
        return
    if basis != needed:
        raise RuleViolation(
            _("At level {level} closing needs a consultation with {who}. Record it first.").format(
                level=level,
                who=_("your colleagues") if needed == "colleagues" else _("the actors"),
            ),
            rule="R10",
        )
    if not (consultation or "").strip():
        raise RuleViolation(
            _("Write down the consultation: who was consulted, when, and what they said."),
            rule="R10",
        )


def close_log(
    store: Store,
    by: access.StaffRef,
    log_id: int,
    *,
    basis: str,
    reason: str,
    consultation: str = "",
) -> LogDetail:
    """Close for good. ``dk``: with a recorded consultation (colleagues at 0-1, actors at 2-3).
    ``no``: the guardians ended it, or the efforts have worked (R10)."""
    inst = installation.read(store)
    reason = (reason or "").strip()
    consultation = (consultation or "").strip()
    if basis not in inst.country.close_bases:
        raise InvalidInput(_("Say why the log is closed."), rule="R10")
    with store.session(write=True) as session:
        # Lock order (see relaytui.services.handover): the log first, then its handovers.
        try:
            staff, log = access.log_for_write(session, by, log_id, what="close")
        except NotAllowed:
            _refuse_if_handed_over(session, by, log_id)
            raise
        check_closing(
            inst.country, log.level, basis=basis, reason=reason, consultation=consultation
        )
        close_in(
            session,
            log,
            closed_by=staff.id,
            basis=basis,
            reason=reason,
            consultation=consultation,
        )
        session.flush()
        access.write_audit(session, staff, by, "log_closed", log=log, detail=basis)
        return detail(session, staff, log, inst)


def close_in(
    session: Session,
    log: RelayLog,
    *,
    closed_by: int | None,
    basis: str,
    reason: str,
    consultation: str = "",
) -> None:
    """Close ``log`` (locked by the caller, its closing checked): the holder's period ends,
    a pending handover is withdrawn, the planned meetings are cancelled. ``closed_by`` is None
    when the guardians ended the log themselves in the family view (R10, ``no``)."""
    now = clock.now()
    log.status = "closed"
    log.closed_at = now
    log.closed_by = closed_by
    log.close_reason = reason
    log.close_basis = basis
    log.close_consultation = consultation or None
    log.version += 1
    session.add(log)
    for period in session.exec(
        select(HolderPeriod).where(
            HolderPeriod.log_id == log.id, col(HolderPeriod.ended_at).is_(None)
        )
    ).all():
        period.ended_at = now
        session.add(period)
    # A pending handover is withdrawn with the log (an answer committed a moment ago is
    # kept, never overwritten).
    handover_service.withdraw_pending(session, log, now)
    # Nor does the family answer a transition for it any more.
    for request in session.exec(
        select(TransitionRequest).where(
            TransitionRequest.log_id == log.id, TransitionRequest.status == "pending"
        )
    ).all():
        request.status = "withdrawn"
        request.version += 1
        session.add(request)
    # A closed log holds no more meetings: the planned ones are cancelled, saying why.
    for meeting in session.exec(
        select(Meeting).where(Meeting.log_id == log.id, Meeting.status == "planned")
    ).all():
        meeting.status = "cancelled"
        meeting.cancel_reason = _("The relay log was closed.")
        meeting.version += 1
        session.add(meeting)


def _refuse_if_handed_over(session: Session, by: access.StaffRef, log_id: int) -> None:
    """Closing was refused because ``by`` no longer holds the log: if that is because the one
    they handed it over to accepted (perhaps a moment ago), say so and who holds it now (R8)."""
    try:
        access.require_staff(session, by)  # a disabled or locked account is told that instead
    except NotAllowed:
        return
    log = session.get(RelayLog, log_id)
    if log is None or log.status == "closed" or log.holder_id == by.id:
        return
    accepted = session.exec(
        select(Handover.id).where(
            Handover.log_id == log.id,
            Handover.status == "accepted",
            Handover.from_staff_id == by.id,
            Handover.to_staff_id == log.holder_id,
        )
    ).first()
    if accepted is None:
        return
    holder = session.get(Staff, log.holder_id)
    raise NotAllowed(
        _(
            "{name} has accepted your handover of this relay log and holds it now, so only {name} "
            "can close it. Nothing was changed; ask {name} if the log should be closed."
        ).format(name=holder.full_name if holder else "-"),
        rule="R8",
    )
