"""The family's side (issue 15): the guardians, and in Norway the young person who consents for
themself and the pregnant person, read their log in the family view.

The family logs in with the national login (MitID, ID-porten); the person is the national
number the login vouches for, matched on every call against the guardians with custody
registered for the subject (and the subject themself where the country lets them read their
own log): custody lost is access lost at once. The number is never written to the audit
trail: an event names the guardian's row (``family:guardian:<id>``) or the subject
(``family:subject:<id>``). What the family reads is what the guardians' copy says on paper
and nothing more: no notification to the family department, no draft minutes, no audit detail
beyond who read the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotAllowed, RuleViolation
from relaytui.i18n import _
from relaytui.models import (
    AuditEvent,
    Consent,
    ConsentCover,
    Guardian,
    Meeting,
    RelayLog,
    Staff,
    Subject,
    TransitionRequest,
    Unit,
)
from relaytui.models.base import stored_id
from relaytui.services import (
    access,
    audit,
    clock,
    consent,
    consent_givers,
    installation,
    log_closing,
    notices,
    papers,
    subjects,
)

#: What an event of the family view is called in the trail.
ACTIONS = ("family_login", "family_read", "family_read_refused", "family_ended_log")


@dataclass(frozen=True)
class FamilyRef:
    """A person of the family, as the national login vouched for them."""

    #: Digits only, validated; kept in the server's memory for the session, never stored.
    national_number: str
    #: The name the login gave.
    name: str


@dataclass(frozen=True)
class Standing:
    """What a person is to one subject: a guardian with custody, or the subject themself."""

    subject_id: int
    guardian_id: int | None
    name: str

    @property
    def username(self) -> str:
        """How the trail names the reader (never the national number)."""
        if self.guardian_id is not None:
            return f"family:guardian:{self.guardian_id}"
        return f"family:subject:{self.subject_id}"


@dataclass(frozen=True)
class LogLine:
    """One log on the family's list."""

    log_id: int
    subject_name: str
    level: int
    level_words: str
    status: str
    holder_name: str
    started_at: datetime
    next_meeting_at: datetime | None


@dataclass(frozen=True)
class ConsentLine:
    """A consent and what it covers, in words the family reads."""

    giver_name: str
    given_at: datetime
    state: str  # in_force|expired|withdrawn
    covers_log: bool
    covers: tuple[str, ...]
    expires_at: datetime | None


@dataclass(frozen=True)
class TransitionAsk:
    """A request to let the log pass to a new unit, for the family to answer."""

    id: int
    unit_name: str
    asked_by: str
    asked_at: datetime
    message: str
    status: str  # pending|accepted|declined|withdrawn
    answered_by_name: str | None


@dataclass(frozen=True)
class FamilyLog:
    """One log as the family view shows it: the guardians' copy, and around it what the
    family may do and who read the log."""

    copy: papers.GuardianCopy
    standing: Standing
    level_words: str
    consents: tuple[ConsentLine, ...]
    transitions: tuple[TransitionAsk, ...]
    readers: tuple[papers.Reader, ...]
    trail: tuple[audit.AccessLine, ...]
    #: The family may end the log here (``no``, the log open).
    may_end: bool


@dataclass(frozen=True)
class FamilyRead:
    """For the staff: a member of the family who read the log in the family view lately."""

    name: str
    relation: str
    reads: int
    last_read_at: datetime


# --- who the person is ----------------------------------------------------------------------


def identify(store: Store, number: str, name: str) -> FamilyRef:
    """The person the national login vouched for, if their number is one the country knows.
    A login without a valid number is refused (and tells the person whom to ask)."""
    inst = installation.read(store)
    digits = "".join(ch for ch in (number or "") if ch.isdigit())
    try:
        digits, _born = subjects.validate_national_number(digits, inst.profile, None)
    except InvalidInput as exc:
        raise NotAllowed(
            _(
                "The login did not give a national number relaytui knows. Try again, or ask "
                "the person who holds your child's relay log."
            )
        ) from exc
    return FamilyRef(national_number=digits, name=(name or "").strip()[:200])


def standings(session: Session, who: FamilyRef, subject_id: int | None = None) -> list[Standing]:
    """Every subject ``who`` may read the logs of, and as what: guardian rows with custody
    and their number; the subject themself where the country says so (R6)."""
    query = select(Guardian).where(
        Guardian.national_number == who.national_number, col(Guardian.has_custody).is_(True)
    )
    if subject_id is not None:
        query = query.where(Guardian.subject_id == subject_id)
    found = [
        Standing(guardian.subject_id, stored_id(guardian), guardian.name)
        for guardian in session.exec(query.order_by(col(Guardian.id))).all()
    ]
    inst = installation.read_in(session)
    if inst.country.subject_reads_own_log:
        own = select(Subject).where(Subject.national_number == who.national_number)
        if subject_id is not None:
            own = own.where(Subject.id == subject_id)
        today = clock.today(inst.timezone)
        for subject in session.exec(own).all():
            if consent_givers.consents_for_self(subject, inst, today):
                found.append(Standing(stored_id(subject), None, subject.name))
    return found


def _record(
    session: Session,
    standing: Standing | None,
    action: str,
    *,
    log: RelayLog | None = None,
    subject_id: int | None = None,
    detail: str = "",
) -> None:
    audit.record(
        session,
        staff_id=None,
        username=standing.username if standing else "family:unknown",
        action=action,
        log_id=stored_id(log) if log is not None else None,
        subject_id=log.subject_id if log is not None else subject_id,
        detail=detail,
    )


def sign_in(store: Store, who: FamilyRef) -> int:
    """Record the login for each child the person may read about; returns how many logs they
    may read (0: the view tells them whom to ask)."""
    with store.session(write=True) as session:
        found = standings(session, who)
        for standing in found:
            _record(session, standing, "family_login", subject_id=standing.subject_id)
        if not found:
            _record(session, None, "family_login", detail="no log")
        subject_ids = {standing.subject_id for standing in found}
        if not subject_ids:
            return 0
        return len(
            session.exec(select(RelayLog.id).where(col(RelayLog.subject_id).in_(subject_ids))).all()
        )


# --- reading ----------------------------------------------------------------------------------


def my_logs(store: Store, who: FamilyRef) -> list[LogLine]:
    """The logs about the person's children (or themself), newest first; the page view is
    recorded in each child's trail."""
    with store.session(write=True) as session:
        inst = installation.read_in(session)
        by_subject = {standing.subject_id: standing for standing in standings(session, who)}
        if not by_subject:
            return []
        rows = session.exec(
            select(RelayLog, Subject, Staff)
            .join(Subject, col(Subject.id) == RelayLog.subject_id)
            .join(Staff, col(Staff.id) == RelayLog.holder_id)
            .where(col(RelayLog.subject_id).in_(set(by_subject)))
            .order_by(col(RelayLog.created_at).desc(), col(RelayLog.id).desc())
        ).all()
        now = clock.now()
        lines = []
        for log, subject, holder in rows:
            upcoming = session.exec(
                select(Meeting.starts_at)
                .where(
                    Meeting.log_id == log.id,
                    Meeting.status == "planned",
                    col(Meeting.starts_at) >= now,
                )
                .order_by(col(Meeting.starts_at))
            ).first()
            lines.append(
                LogLine(
                    log_id=stored_id(log),
                    subject_name=subject.name,
                    level=log.level,
                    level_words=inst.country.level_meaning(log.level),
                    status=log.status,
                    holder_name=holder.full_name,
                    started_at=log.created_at,
                    next_meeting_at=upcoming,
                )
            )
            _record(session, by_subject[log.subject_id], "family_read", log=log, detail="list")
        return lines


def _log_for(session: Session, who: FamilyRef, log_id: int, what: str) -> tuple[Standing, RelayLog]:
    """The log, if ``who`` may read it; otherwise the attempt is recorded in the child's trail
    (when there is such a log) and refused in words that do not say whether it exists."""
    log = session.get(RelayLog, log_id)
    found = standings(session, who, log.subject_id) if log is not None else []
    if log is None or not found:
        if log is not None:
            mine = standings(session, who)
            reader = mine[0] if mine else None
            refused_log_id = stored_id(log)

            def record(again: Session) -> None:
                # The refusal rolls the transaction back; the attempt is recorded on its own.
                refused = again.get(RelayLog, refused_log_id)
                _record(again, reader, "family_read_refused", log=refused, detail=what)

            session.info.setdefault("after_rollback", []).append(record)
        raise NotAllowed(_("There is no relay log with this number that you may read."))
    return found[0], log


def _letterhead(session: Session, who: FamilyRef, log: RelayLog) -> papers.Letterhead:
    inst = installation.read_in(session)
    unit = session.get(Unit, log.unit_id) if log.unit_id else None
    return papers.Letterhead(
        municipality=inst.municipality,
        unit=unit.name if unit else "",
        unit_phone=unit.phone if unit else "",
        made_at=clock.now(),
        made_by=who.name,
        timezone=inst.timezone,
        country=inst.country,
        language=log.language,
    )


def _consent_lines(session: Session, log: RelayLog) -> tuple[ConsentLine, ...]:
    rows = session.exec(
        select(Consent).where(Consent.log_id == log.id).order_by(col(Consent.given_at))
    ).all()
    lines = []
    for row in rows:
        view = consent.consent_view(session, row)
        lines.append(
            ConsentLine(
                giver_name=view.giver_name,
                given_at=view.given_at,
                state=view.state,
                covers_log=view.covers_log,
                covers=tuple(cover.label for cover in view.covers),
                expires_at=view.expires_at,
            )
        )
    return tuple(lines)


def _transitions(session: Session, log: RelayLog) -> tuple[TransitionAsk, ...]:
    rows = session.exec(
        select(TransitionRequest, Unit, Staff)
        .join(Unit, col(Unit.id) == TransitionRequest.unit_id)
        .join(Staff, col(Staff.id) == TransitionRequest.asked_by)
        .where(TransitionRequest.log_id == log.id, TransitionRequest.status != "withdrawn")
        .order_by(col(TransitionRequest.asked_at).desc())
    ).all()
    return tuple(
        TransitionAsk(
            id=stored_id(request),
            unit_name=unit.name,
            asked_by=staff.full_name,
            asked_at=request.asked_at,
            message=request.message,
            status=request.status,
            answered_by_name=request.answered_by_name,
        )
        for request, unit, staff in rows
    )


def read_log(store: Store, who: FamilyRef, log_id: int) -> FamilyLog:
    """One log, as the guardians' copy says it, with its consents, the transitions asked of
    the family and who read it (GDPR art. 15). The view is recorded."""
    with store.session(write=True) as session:
        standing, log = _log_for(session, who, log_id, "log")
        inst = installation.read_in(session)
        copy = papers.guardian_copy_in(
            session, log, _letterhead(session, who, log), family_view=True
        )
        trail = papers.access_lines(session, log.subject_id, stored_id(log))
        _record(session, standing, "family_read", log=log, detail="log")
        return FamilyLog(
            copy=copy,
            standing=standing,
            level_words=inst.country.level_meaning(log.level),
            consents=_consent_lines(session, log),
            transitions=_transitions(session, log),
            readers=papers.readers(trail),
            trail=tuple(line for line in trail if line.action != "list_shown"),
            may_end=inst.country.family_may_end and log.status != "closed",
        )


def copy_of_log(store: Store, who: FamilyRef, log_id: int) -> papers.GuardianCopy:
    """The guardians' copy, to download as PDF; recorded as such."""
    with store.session(write=True) as session:
        standing, log = _log_for(session, who, log_id, "copy")
        paper = papers.guardian_copy_in(
            session, log, _letterhead(session, who, log), family_view=True
        )
        _record(session, standing, "family_read", log=log, detail="copy")
        return paper


# --- what the family decides ------------------------------------------------------------------


def end_log(store: Store, who: FamilyRef, log_id: int, *, reason: str = "") -> None:
    """The guardians end the log (``no``: they may at any time, R10). The log closes at once
    as when the holder records it; the holder sees it closed, with who ended it."""
    inst = installation.read(store)
    if not inst.country.family_may_end:
        raise RuleViolation(
            _("Here the relay log is closed by its holder. Talk to the holder."), rule="R10"
        )
    with store.session(write=True) as session:
        standing, _log = _log_for(session, who, log_id, "end")
        log = access.load_log(session, log_id, lock=True)
        if log.status == "closed":
            raise RuleViolation(_("This relay log is closed already."), rule="R10")
        said = (reason or "").strip()[:2000]
        words = _("Ended by {name} in the family view.").format(name=standing.name)
        log_closing.close_in(
            session,
            log,
            closed_by=None,
            basis="guardians_ended",
            reason=f"{words} {said}".strip(),
        )
        session.flush()
        _record(session, standing, "family_ended_log", log=log, detail="guardians_ended")
        notices.queue(
            session,
            "ended_by_family",
            log_id=stored_id(log),
            staff=session.get(Staff, log.holder_id),
        )


def answer_transition(store: Store, who: FamilyRef, request_id: int, *, accept: bool) -> str:
    """The family answers a request to let the log pass to a new unit (R8). Accepting records
    a digital consent that covers the unit, given by this guardian (or by the subject who
    consents for themself, R6); declining changes nothing else. Returns the new status."""
    with store.session(write=True) as session:
        request = session.get(TransitionRequest, request_id)
        if request is None:
            raise NotAllowed(_("There is no such request to answer."))
        standing, log = _log_for(session, who, request.log_id, "transition")
        request = session.exec(
            select(TransitionRequest)
            .where(TransitionRequest.id == request_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        if request.status != "pending":
            raise RuleViolation(
                _("This request was answered or withdrawn already; the page shows its answer."),
                rule="R8",
            )
        if log.status == "closed":
            raise RuleViolation(_("This relay log is closed already."), rule="R10")
        now = clock.now()
        request.status = "accepted" if accept else "declined"
        request.answered_at = now
        request.guardian_id = standing.guardian_id
        request.answered_by_name = standing.name
        request.version += 1
        if accept:
            given = Consent(
                log_id=stored_id(log),
                giver_kind="guardian" if standing.guardian_id is not None else "subject",
                guardian_id=standing.guardian_id,
                giver_name=standing.name,
                method="digital",
                given_at=now,
                covers_log=False,
                note=_("Given in the family view, answering a request for a transition."),
                recorded_by=request.asked_by,
                recorded_at=now,
            )
            session.add(given)
            session.flush()
            session.add(ConsentCover(consent_id=stored_id(given), unit_id=request.unit_id))
            request.consent_id = given.id
        session.add(request)
        session.flush()
        _record(
            session,
            standing,
            "transition_accepted" if accept else "transition_declined",
            log=log,
            detail=f"request {request_id}",
        )
        notices.queue(
            session,
            "transition_answered",
            log_id=stored_id(log),
            staff=session.get(Staff, request.asked_by),
            detail=request.status,
        )
        return request.status


# --- for the staff ----------------------------------------------------------------------------


def family_reads(store: Store, by: access.StaffRef, log_id: int) -> list[FamilyRead]:
    """Who of the family read the log in the family view, the latest first: the holder and the
    actors see that the family follows along. Part of reading the log (audited as such)."""
    with store.session(write=True) as session:
        _staff, log = access.log_for_read(session, by, log_id, what="family reads")
        rows = session.exec(
            select(AuditEvent.username, AuditEvent.at)
            .where(
                AuditEvent.log_id == log.id,
                col(AuditEvent.action).in_(("family_read", "family_ended_log")),
                col(AuditEvent.username).startswith("family:"),
            )
            .order_by(col(AuditEvent.at))
        ).all()
        seen: dict[str, tuple[int, datetime]] = {}
        for username, at in rows:
            reads, _last = seen.get(username, (0, at))
            seen[username] = (reads + 1, at)
        found = []
        for username, (reads, last) in seen.items():
            name, relation = papers.family_reader(session, username)
            found.append(FamilyRead(name or _("a member of the family"), relation, reads, last))
        return sorted(found, key=lambda read: read.last_read_at, reverse=True)
