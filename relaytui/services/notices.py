"""E-mail notices: queued in the outbox (:class:`relaytui.models.Notice`) in the same
transaction as the change they tell of, so that a change that rolls back queues nothing and a
change that commits cannot lose its notice, whatever the mail server does.

A notice holds the kind, the ids it is about, the recipient's address and language: never a
text about the child. The mail is written when it is sent (:mod:`relaytui.mail`), from the kind,
the log's number and a link. Each kind can be switched off for the whole installation (an
administrator, ``relaytui notices off KIND``) and by each member of staff for themself.

The hooks (``queue_*``) are called by the services that make the changes, inside their
transaction; :func:`queue_evaluations_due` is run by the server once an hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput
from relaytui.i18n import N_, _
from relaytui.models import (
    Effort,
    Goal,
    Guardian,
    Handover,
    Invitee,
    Meeting,
    Notice,
    RelayLog,
    Setting,
    Staff,
)
from relaytui.models.base import stored_id
from relaytui.models.log import LOG_IS_OPEN
from relaytui.services import access, clock, installation

#: Every kind of notice, with what it is called where a person reads it.
KINDS = {
    "actor_added": N_("Added as an actor"),
    "handover_waiting": N_("A handover waits for an answer"),
    "handover_accepted": N_("A handover was accepted"),
    "handover_declined": N_("A handover was declined"),
    "evaluation_due": N_("An evaluation is due"),
    "meeting_invitation": N_("Invitation to a meeting"),
    "minutes_finished": N_("The minutes are finished"),
    "ended_by_family": N_("The guardians ended a log you hold"),
    "transition_answered": N_("The family answered about a new unit"),
    "family_log_created": N_("A relay log was started (to the family)"),
    "family_meeting_planned": N_("A meeting was planned (to the family)"),
}
STAFF_KINDS = (
    "actor_added",
    "handover_waiting",
    "handover_accepted",
    "handover_declined",
    "evaluation_due",
    "meeting_invitation",
    "minutes_finished",
    "ended_by_family",
    "transition_answered",
)
FAMILY_KINDS = ("family_log_created", "family_meeting_planned")

#: The settings: the kinds switched off for the installation (",kind,kind,"), and how many
#: days before an evaluation date its holder is told.
SETTING_OFF = "notices_off"
SETTING_DAYS = "notices_evaluation_days"
DEFAULT_EVALUATION_DAYS = 7
#: Shown for a notice's state.
STATES = {"queued": N_("queued"), "sent": N_("sent"), "failed": N_("failed")}


def kind_label(kind: str) -> str:
    return _(KINDS[kind]) if kind in KINDS else kind


def check_kind(kind: str) -> str:
    value = (kind or "").strip().lower().replace("-", "_")
    if value not in KINDS:
        raise InvalidInput(
            _("Unknown kind of notice '{kind}'. Choose one of: {kinds}.").format(
                kind=kind, kinds=", ".join(KINDS)
            )
        )
    return value


def kinds_of(text: str | None) -> frozenset[str]:
    """The kinds in a stored ",kind,kind," list."""
    return frozenset(part for part in (text or "").split(",") if part in KINDS)


def _as_text(kinds: Iterable[str]) -> str:
    chosen = sorted(set(kinds))
    return f",{','.join(chosen)}," if chosen else ""


def off_for_installation(session: Session) -> frozenset[str]:
    """The kinds switched off for the whole installation, read in a service's session."""
    row = session.get(Setting, SETTING_OFF)
    return kinds_of(row.value if row is not None else "")


def _default_language(session: Session) -> str:
    inst = installation.read_in(session)
    return inst.language or inst.country.writing_language


# --- queueing, in the caller's transaction --------------------------------------------------


def queue(
    session: Session,
    kind: str,
    *,
    log_id: int | None,
    staff: Staff | None = None,
    guardian: Guardian | None = None,
    meeting_id: int | None = None,
    handover_id: int | None = None,
    effort_id: int | None = None,
    detail: str = "",
    once_key: str | None = None,
) -> Notice | None:
    """Add a notice to ``session`` (the transaction of the change it tells of), if the
    recipient has an address and the kind is switched on for the installation and by the
    recipient; ``None`` when nothing is queued. A ``once_key`` already queued queues nothing."""
    if kind not in KINDS or (staff is None) == (guardian is None):
        raise ValueError(f"a notice of a known kind to one recipient, not {kind!r}")
    if kind in off_for_installation(session):
        return None
    if staff is not None:
        address = (staff.email or "").strip()
        if not staff.active or kind in kinds_of(staff.notices_off):
            return None
        language = staff.language or _default_language(session)
    else:
        assert guardian is not None
        address = (guardian.email or "").strip()
        log = session.get(RelayLog, log_id) if log_id is not None else None
        language = log.language if log is not None else _default_language(session)
    if not address:
        return None
    if (
        once_key is not None
        and session.exec(select(Notice.id).where(Notice.once_key == once_key)).first()
    ):
        return None
    now = clock.now()
    notice = Notice(
        kind=kind,
        log_id=log_id,
        staff_id=staff.id if staff is not None else None,
        guardian_id=guardian.id if guardian is not None else None,
        address=address,
        language=language,
        meeting_id=meeting_id,
        handover_id=handover_id,
        effort_id=effort_id,
        detail=detail,
        created_at=now,
        next_attempt_at=now,
        once_key=once_key,
    )
    session.add(notice)
    return notice


def queue_handover(session: Session, kind: str, handover: Handover, *, detail: str = "") -> None:
    """A proposal to its receiver; an answer (accepted, declined) to its proposer."""
    to = handover.to_staff_id if kind == "handover_waiting" else handover.from_staff_id
    queue(
        session,
        kind,
        log_id=handover.log_id,
        staff=session.get_one(Staff, to),
        handover_id=handover.id,
        detail=detail,
    )


def queue_log_created(session: Session, log: RelayLog) -> None:
    """The subject's guardians with custody and an address are told a log was started."""
    for guardian in session.exec(
        select(Guardian)
        .where(Guardian.subject_id == log.subject_id, col(Guardian.has_custody).is_(True))
        .order_by(col(Guardian.id))
    ).all():
        queue(session, "family_log_created", log_id=log.id, guardian=guardian)


def queue_meeting_planned(session: Session, log: RelayLog, meeting: Meeting, by: Staff) -> None:
    """The staff invited get an invitation (with the .ics); the guardians invited, and the
    subject's guardians with custody, are told a meeting was planned. Not the convener."""
    session.flush()
    invitees = session.exec(
        select(Invitee).where(Invitee.meeting_id == meeting.id).order_by(col(Invitee.id))
    ).all()
    for member in _staff_rows(session, {i.staff_id for i in invitees} - {by.id}):
        queue(session, "meeting_invitation", log_id=log.id, staff=member, meeting_id=meeting.id)
    invited = {i.guardian_id for i in invitees if i.guardian_id is not None}
    for guardian in session.exec(
        select(Guardian)
        .where(
            Guardian.subject_id == log.subject_id,
            col(Guardian.has_custody).is_(True) | col(Guardian.id).in_(invited),
        )
        .order_by(col(Guardian.id))
    ).all():
        queue(
            session,
            "family_meeting_planned",
            log_id=log.id,
            guardian=guardian,
            meeting_id=meeting.id,
        )


def queue_minutes_finished(session: Session, log: RelayLog, meeting: Meeting, by: Staff) -> None:
    """The staff invited to the meeting who still read the log are told its minutes are in."""
    invited = set(
        session.exec(
            select(Invitee.staff_id).where(
                Invitee.meeting_id == meeting.id, col(Invitee.staff_id).is_not(None)
            )
        ).all()
    )
    for member in _staff_rows(session, invited - {by.id}):
        if member.id == log.holder_id or access.active_membership(
            session, stored_id(log), stored_id(member)
        ):
            queue(session, "minutes_finished", log_id=log.id, staff=member, meeting_id=meeting.id)


def _staff_rows(session: Session, ids: set[int | None]) -> list[Staff]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return []
    return list(
        session.exec(select(Staff).where(col(Staff.id).in_(wanted)).order_by(col(Staff.id))).all()
    )


# --- the switches ---------------------------------------------------------------------------


def installation_off(store: Store, by: access.StaffRef) -> frozenset[str]:
    """The kinds switched off for the installation (an administrator asks)."""
    with store.session() as session:
        access.require_admin(session, by)
        return off_for_installation(session)


def switch_for_installation(
    store: Store, by: access.StaffRef, kind: str, *, on: bool
) -> frozenset[str]:
    """An administrator switches a kind of notice on or off for everyone; audited. Returns
    the kinds off afterwards. Notices already queued are still sent."""
    kind = check_kind(kind)
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        before = off_for_installation(session)
        after = before - {kind} if on else before | {kind}
        row = session.get(Setting, SETTING_OFF)
        if row is None:
            session.add(Setting(key=SETTING_OFF, value=_as_text(after)))
        else:
            row.value = _as_text(after)
            session.add(row)
        access.write_audit(
            session,
            actor,
            by,
            "setting_changed",
            detail=f"{SETTING_OFF}: {_as_text(before) or '-'} -> {_as_text(after) or '-'}",
        )
        return after


def my_notices_off(store: Store, by: access.StaffRef) -> frozenset[str]:
    """The kinds the acting member of staff switched off for themself."""
    with store.session() as session:
        return kinds_of(access.require_staff(session, by).notices_off)


def switch_for_me(store: Store, by: access.StaffRef, kind: str, *, on: bool) -> frozenset[str]:
    """A member of staff switches a kind of notice to themself on or off; audited. Returns the
    kinds they have off afterwards."""
    kind = check_kind(kind)
    if kind in FAMILY_KINDS:
        raise InvalidInput(_("That notice goes to the family, not to staff."))
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        before = kinds_of(staff.notices_off)
        after = before - {kind} if on else before | {kind}
        staff.notices_off = _as_text(after)
        session.add(staff)
        access.write_audit(
            session,
            staff,
            by,
            "notices_switched",
            detail=f"{kind} {'on' if on else 'off'}",
        )
        return after


def evaluation_days_in(session: Session) -> int:
    row = session.get(Setting, SETTING_DAYS)
    return int(row.value) if row is not None and row.value.isdigit() else DEFAULT_EVALUATION_DAYS


def set_evaluation_days(store: Store, by: access.StaffRef, days: int) -> int:
    """An administrator sets how many days before an evaluation its holder is told."""
    if not 1 <= days <= 90:
        raise InvalidInput(_("Give a whole number of days from 1 to 90."))
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        before = evaluation_days_in(session)
        row = session.get(Setting, SETTING_DAYS)
        if row is None:
            session.add(Setting(key=SETTING_DAYS, value=str(days)))
        else:
            row.value = str(days)
            session.add(row)
        access.write_audit(
            session, actor, by, "setting_changed", detail=f"{SETTING_DAYS}: {before} -> {days}"
        )
    return days


# --- what was sent --------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeView:
    """One notice of a log, as the log's readers see it (the History tab)."""

    kind: str
    kind_label: str
    recipient_name: str
    recipient_role: str  # staff|guardian
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    attempts: int
    #: When the server tries (again) to send a notice still waiting.
    next_attempt_at: datetime | None = None

    @property
    def state(self) -> str:
        return "sent" if self.sent_at else "failed" if self.failed_at else "queued"


def _state_of(notice: Notice) -> str:
    return "sent" if notice.sent_at else "failed" if notice.failed_at else "queued"


def notices_for_log(store: Store, by: access.StaffRef, log_id: int) -> list[NoticeView]:
    """What was sent, is waiting or failed for a log, oldest first, for whoever may read the
    log (R9); the reading is in the audit trail like any other part of the log."""
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="notices")
        rows = session.exec(
            select(Notice)
            .where(Notice.log_id == log_id)
            .order_by(col(Notice.created_at), col(Notice.id))
        ).all()
        staff_names = dict(
            session.exec(
                select(Staff.id, Staff.full_name).where(
                    col(Staff.id).in_({r.staff_id for r in rows if r.staff_id is not None})
                )
            ).all()
        )
        guardian_names = dict(
            session.exec(
                select(Guardian.id, Guardian.name).where(
                    col(Guardian.id).in_({r.guardian_id for r in rows if r.guardian_id})
                )
            ).all()
        )
        return [
            NoticeView(
                r.kind,
                kind_label(r.kind),
                staff_names.get(r.staff_id, "")
                if r.staff_id is not None
                else guardian_names.get(r.guardian_id, ""),
                "staff" if r.staff_id is not None else "guardian",
                r.created_at,
                r.sent_at,
                r.failed_at,
                r.attempts,
                r.next_attempt_at,
            )
            for r in rows
        ]


@dataclass(frozen=True)
class NoticeLine:
    """One notice as the administrator sees it: nothing of the child, not even the
    guardian's name; the log only by its number."""

    id: int
    kind: str
    log_id: int | None
    recipient: str  # a staff member's username, or "guardian"
    state: str  # queued|sent|failed
    created_at: datetime
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str


def list_notices(
    store: Store, by: access.StaffRef, *, state: str = "all", limit: int = 200
) -> list[NoticeLine]:
    """The outbox, newest first, for an administrator (``relaytui notices list``); audited."""
    if state not in ("all", *STATES):
        raise InvalidInput(_("Choose queued, sent, failed or all."))
    with store.session(write=True) as session:
        actor = access.require_admin(session, by)
        query = select(Notice, Staff.username).outerjoin(Staff, col(Staff.id) == Notice.staff_id)
        if state == "sent":
            query = query.where(col(Notice.sent_at).is_not(None))
        elif state == "failed":
            query = query.where(col(Notice.failed_at).is_not(None))
        elif state == "queued":
            query = query.where(col(Notice.sent_at).is_(None), col(Notice.failed_at).is_(None))
        rows = session.exec(
            query.order_by(col(Notice.created_at).desc(), col(Notice.id).desc()).limit(limit)
        ).all()
        access.write_audit(session, actor, by, "notices_listed", detail=f"{state}: {len(rows)}")
        return [
            NoticeLine(
                stored_id(n),
                n.kind,
                n.log_id,
                username if n.staff_id is not None else "guardian",
                _state_of(n),
                n.created_at,
                n.attempts,
                n.next_attempt_at,
                n.sent_at,
                n.last_error,
            )
            for n, username in rows
        ]


# --- evaluations due ------------------------------------------------------------------------


def queue_evaluations_due(store: Store, days: int | None = None) -> int:
    """Tell each holder once of an effort or goal of an open log whose evaluation date is
    within ``days`` (the setting, else 7) and that is not evaluated yet (evaluating moves the
    date on, so the next date is told of again). Run by the server; returns how many were
    queued. Two servers at once queue each notice once: the ``once_key`` is unique, and an
    insert that meets another's is undone by its savepoint alone."""
    with store.session(write=True) as session:
        tz = installation.timezone_of(session)
        today = clock.today(tz)
        until = today + timedelta(days=days if days is not None else evaluation_days_in(session))
        due: list[tuple[str, int, int, int | None]] = []  # once key, log, holder, effort
        for effort_id, log_id, holder_id, on in session.exec(
            select(col(Effort.id), Effort.log_id, RelayLog.holder_id, col(Effort.evaluate_on))
            .join(RelayLog, col(RelayLog.id) == Effort.log_id)
            .where(Effort.status == "active", LOG_IS_OPEN)
            .where(col(Effort.evaluate_on) >= today, col(Effort.evaluate_on) <= until)
        ).all():
            due.append((_once(f"{effort_id}", on), log_id, holder_id, effort_id))
        for goal_id, log_id, holder_id, goal_on in session.exec(
            select(col(Goal.id), Goal.log_id, RelayLog.holder_id, col(Goal.evaluate_on))
            .join(RelayLog, col(RelayLog.id) == Goal.log_id)
            .where(Goal.status == "active", LOG_IS_OPEN, col(Goal.evaluate_on).is_not(None))
            .where(col(Goal.evaluate_on) >= today, col(Goal.evaluate_on) <= until)
        ).all():
            due.append((_once(f"goal{goal_id}", goal_on), log_id, holder_id, None))
        if not due:
            return 0
        told = set(
            session.exec(
                select(Notice.once_key).where(col(Notice.once_key).in_([d[0] for d in due]))
            ).all()
        )
        holders = {s.id: s for s in _staff_rows(session, {d[2] for d in due})}
        queued = 0
        for key, log_id, holder_id, effort_id in due:
            if key in told:
                continue
            try:
                with session.begin_nested():
                    made = queue(
                        session,
                        "evaluation_due",
                        log_id=log_id,
                        staff=holders[holder_id],
                        effort_id=effort_id,
                        detail="goal" if effort_id is None else "",
                        once_key=key,
                    )
                    session.flush()
            except IntegrityError:
                continue  # another server queued it meanwhile
            queued += made is not None
        return queued


def _once(what: str, on: date | None) -> str:
    return f"evaluation_due:{what}:{on.isoformat() if on else '-'}"
