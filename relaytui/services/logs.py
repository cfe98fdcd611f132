"""Relay logs: creating (R1-R3), reading (R9), levels (R4), entries (R7), closing (R10)."""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Date, Integer, and_, bindparam, case, func, or_, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Join
from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from relaytui.i18n import _
from relaytui.models import (
    Consent,
    Effort,
    Entry,
    Handover,
    HolderPeriod,
    LevelChange,
    Meeting,
    Membership,
    ReadGrant,
    RelayLog,
    Staff,
    Subject,
    Unit,
)
from relaytui.models.base import UTCDateTime
from relaytui.models.log import LOG_IS_OPEN
from relaytui.models.subject import fold_name
from relaytui.services import access, audit, clock, consent, grants, installation, subjects
from relaytui.services import handover as handover_service

TRIGGERS = ("wellbeing_yellow", "wellbeing_red", "birth_complications", "premature_birth",
            "pregnancy_visit")
ENTRY_KINDS = ("note", "assessment", "agreement", "positive")
LEVELS = (0, 1, 2, 3)
CLOSE_BASES = {
    "dk": ("colleagues", "actors"),
    "no": ("guardians_ended", "efforts_worked"),
}


@dataclass(frozen=True)
class LogSummary:
    """One row of the log list."""

    id: int
    subject_id: int
    subject_name: str
    national_number_masked: str
    level: int
    status: str
    holder_id: int
    holder_name: str
    my_role: str  # holder|actor|grant
    #: The log was passed into an individual plan (R14): its holder is its coordinator.
    coordinator: bool
    next_meeting_at: datetime | None
    overdue_evaluations: int
    consent_state: str
    last_entry_at: datetime | None
    pending_handover: bool
    needs_attention: str | None


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


@dataclass(slots=True)  # not frozen: a journal of 500 is built each time a log opens, and a
class EntryView:         # frozen dataclass costs five times as much to build (issue 18)
    id: int
    log_id: int
    author_name: str
    written_at: datetime
    kind: str
    text: str
    corrects_id: int | None
    corrected_by: tuple[int, ...]
    meeting_id: int | None


@dataclass(frozen=True)
class LevelChangeView:
    at: datetime
    by_name: str
    from_level: int | None
    to_level: int
    reason: str


@dataclass(frozen=True)
class HolderPeriodView:
    staff_name: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class ReadView:
    at: datetime
    username: str
    staff_name: str
    what: str


@dataclass(frozen=True)
class HandoverEventView:
    """One proposed handover and what became of it; a declined one says why (R8)."""

    proposed_at: datetime
    from_name: str
    to_name: str
    status: str  # pending|accepted|declined|withdrawn
    answered_at: datetime | None
    answer_message: str


@dataclass(frozen=True)
class History:
    level_changes: tuple[LevelChangeView, ...]
    holders: tuple[HolderPeriodView, ...]
    reads: tuple[ReadView, ...]  # empty unless the holder asks
    handovers: tuple[HandoverEventView, ...] = ()


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


def detail(session: Session, staff: Staff, log: RelayLog, inst: installation.Installation) -> LogDetail:
    """The header of a log, in one statement (:func:`_header_statement`): the child, the
    holder and how to reach them, the consent, overdue evaluations, a pending handover."""
    row = session.execute(_header_statement(), {
        "log_id": log.id, "now": clock.now(), "today": clock.today(inst.timezone)}).one()
    reason = _read_only_reason(staff, log)
    holder = subjects.HolderContact(
        log_id=log.id, holder_name=row.holder_name or "", unit_name=row.unit_name or "",
        phone=row.holder_phone or row.unit_phone or "", email=row.holder_email or "",
        profession=row.holder_profession or "",
        coordinator=log.plan_coordinator_id is not None and log.plan_coordinator_id == log.holder_id,
    )
    return LogDetail(
        id=log.id, subject_id=row.subject_id, subject_name=row.subject_name, subject_kind=row.subject_kind,
        national_number_masked=subjects.mask(row.national_number), birth_date=row.birth_date,
        level=log.level, status=log.status, concern=log.concern, trigger=log.trigger,
        holder_id=log.holder_id, holder=holder, unit_id=log.unit_id,
        created_at=log.created_at, closed_at=log.closed_at, close_reason=log.close_reason,
        consent_state=row.consent_state, needs_attention=log.needs_attention,
        overdue_evaluations=row.overdue or 0, pending_handover_id=row.pending_id,
        my_role=_role_of(session, staff, log), can_write=reason is None, why_read_only=reason,
        version=log.version,
    )


def _consent_state_of(log, given):
    """As consent.log_consent_state, in SQL: ok if any consent to the log is in force, else
    what the newest one says (the first of the newest on a tie of given_at), or missing."""
    covering = and_(given.log_id == log.id, col(given.covers_log).is_(True))
    in_force = select(given.id).where(
        covering, col(given.withdrawn_at).is_(None),
        or_(col(given.expires_at).is_(None), col(given.expires_at) > _NOW)).exists()
    newest_lapsed = select(case((col(given.withdrawn_at).is_not(None), "withdrawn"), else_="expired")) \
        .where(covering).order_by(col(given.given_at).desc(), col(given.id)).limit(1).scalar_subquery()
    return case((in_force, "ok"), (~select(given.id).where(covering).exists(), "missing"), else_=newest_lapsed)


def _overdue_of(log):
    return select(func.count()).select_from(Effort).where(
        Effort.log_id == log.id, Effort.status == "active", col(Effort.evaluate_on) < _TODAY).scalar_subquery()


@functools.cache
def _header_statement():
    """Built once (building costs more than running it); every value a bound parameter.
    Opening a log sent six small statements for this before (issue 18)."""
    log, holder, given = aliased(RelayLog, name="header_log"), aliased(Staff, name="header_holder"), \
        aliased(Consent, name="header_consent")
    pending = select(Handover.id).where(Handover.log_id == log.id, Handover.status == "pending") \
        .order_by(col(Handover.id)).limit(1).scalar_subquery()
    return (
        select(Subject.id.label("subject_id"), Subject.name.label("subject_name"),
               Subject.kind.label("subject_kind"), Subject.national_number, Subject.birth_date,
               holder.full_name.label("holder_name"), holder.phone.label("holder_phone"),
               holder.email.label("holder_email"), holder.profession.label("holder_profession"),
               Unit.name.label("unit_name"), Unit.phone.label("unit_phone"),
               pending.label("pending_id"), _overdue_of(log).label("overdue"),
               _consent_state_of(log, given).label("consent_state"))
        .select_from(log)
        .join(Subject, Subject.id == log.subject_id)
        .join(holder, holder.id == log.holder_id, isouter=True)
        .join(Unit, Unit.id == holder.unit_id, isouter=True)
        .where(log.id == bindparam("log_id"))
    )


def _check_level(level: int) -> int:
    if level not in LEVELS:
        raise InvalidInput(_("A level is 0, 1, 2 or 3."))
    return level


def _require_consent_for_level(session: Session, log: RelayLog, level: int, profile: str) -> None:
    if level >= 1 and not consent.log_consent_in_force(session, log):
        state = consent.log_consent_state(session, log)
        if state == "expired":
            detail = _("the consent has expired")
        elif state == "withdrawn":
            detail = _("the consent was withdrawn")
        else:
            detail = _("no consent is recorded")
        raise RuleViolation(
            _("Level {level} needs a consent to the log, and {detail}: record it under Actors "
              "and consent.").format(level=level, detail=detail),
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
    concern = (concern or "").strip()
    if not concern:
        raise InvalidInput(_("Write down the concern: what have you seen or heard?"), rule="R2")
    if trigger is not None and trigger not in TRIGGERS:
        raise InvalidInput(_("Unknown trigger category."), rule="R2")
    if trigger is not None and inst.profile != "dk":
        # The categories come from the Danish guide (Kerteminde, "Sådan gør vi").
        raise InvalidInput(_("Trigger categories belong to the Danish guide; a Norwegian log has none."),
                           rule="R2")
    if level is None:
        level = 1 if inst.profile == "no" and first_consent is not None else 0
    _check_level(level)
    if inst.profile == "dk" and level != 0:
        raise RuleViolation(_("In Denmark a relay log starts at level 0."), rule="R2")
    if inst.profile == "no" and level > 1:
        raise RuleViolation(_("A relay log starts at level 0 or 1; raise it later."), rule="R2")
    now = clock.now()
    with store.session(write=True) as session:
        staff = access.require_staff(session, by)
        subject = session.get(Subject, subject_id)
        if subject is None:
            raise NotFound(_("There is no such subject."))
        existing = subjects.active_log_of(session, subject.id)
        if existing is not None:
            raise _second_log(session, existing)
        log = RelayLog(
            subject_id=subject.id, holder_id=staff.id, unit_id=staff.unit_id, created_by=staff.id,
            created_at=now, level=0, status="active", concern=concern, trigger=trigger,
            language=language or inst.language or ("nn" if inst.profile == "no" else "da"),
        )
        session.add(log)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            with store.session() as again:
                other = subjects.active_log_of(again, subject.id)
                raise _second_log(again, other) if other else RuleViolation(
                    _("A relay log for this subject was created at the same moment. Look it up."),
                    rule="R1",
                ) from None
        session.add(HolderPeriod(log_id=log.id, staff_id=staff.id, started_at=now))
        session.add(LevelChange(log_id=log.id, changed_by=staff.id, changed_at=now, from_level=None,
                                to_level=0, reason=concern))
        consent.attach_leader(session, log, staff.unit_id, staff.id)
        access.write_audit(session, staff, by, "log_created", log=log)
        session.flush()
        if first_consent is not None:
            # Recorded in the same transaction: the log never exists at level 1 without it.
            giver_name, guardian = consent.check_giver(session, subject, first_consent, inst)
            from relaytui.models import Consent, ConsentCover

            row = Consent(
                log_id=log.id, giver_kind=first_consent.giver,
                guardian_id=guardian.id if guardian else None, giver_name=giver_name,
                method=first_consent.method, given_at=first_consent.given_at or now,
                covers_log=True, expires_at=first_consent.expires_at, note=first_consent.note,
                recorded_by=staff.id, recorded_at=now,
            )
            if row.method not in consent.METHODS:
                raise InvalidInput(_("Say how the consent was given: signed form, digital or oral."))
            session.add(row)
            session.flush()
            for staff_id in first_consent.staff_ids:
                session.add(ConsentCover(consent_id=row.id, staff_id=staff_id))
            for unit_id in first_consent.unit_ids:
                session.add(ConsentCover(consent_id=row.id, unit_id=unit_id))
            session.flush()
            access.write_audit(session, staff, by, "consent_recorded", log=log, detail=f"consent {row.id}")
        if level > 0:
            _require_consent_for_level(session, log, level, inst.profile)
            session.add(LevelChange(log_id=log.id, changed_by=staff.id, changed_at=now,
                                    from_level=0, to_level=level, reason=concern))
            log.level = level
            session.add(log)
        session.flush()
        return detail(session, staff, log, inst)


def _second_log(session: Session, existing: RelayLog) -> RuleViolation:
    contact = subjects.holder_contact(session, existing)
    reach = ", ".join(part for part in (contact.phone, contact.email) if part) or _("no contact details")
    return RuleViolation(
        _("This subject already has a relay log, held by {holder} ({unit}, {reach}). Contact "
          "the holder instead of starting a new log.").format(
            holder=contact.holder_name, unit=contact.unit_name or "-", reach=reach
        ),
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
    entries: tuple[EntryView, ...] | None
    installation: installation.Installation
    grant: grants.GrantView | None


def open_log(store: Store, by: access.StaffRef, log_id: int, *, with_entries: bool = True,
             limit: int = 500) -> OpenedLog:
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
            entries = tuple(_journal(session, log_id, limit))
        grant = grants.in_force(session, staff.id, log_id, inst.timezone) if log.status == "closed" else None
        return OpenedLog(shown, entries, inst, grant)


@dataclass(frozen=True)
class LogQuery:
    """What the log list asks for: whose logs, which, in what order."""

    role: str = "all"  # all|holder|actor
    level: int | None = None
    status: str = "open"  # open|closed|all
    attention: str | None = None  # None|any|overdue|consent|handover|meeting_soon|consent_expiring
    search: str = ""
    sort: str = "name"  # name|level|last_entry|next_meeting
    descending: bool = False
    unit_id: int | None = None


@dataclass(frozen=True)
class LogPage:
    rows: tuple[LogSummary, ...]
    next_cursor: str | None


ROLES_FILTER = ("all", "holder", "actor")
STATUS_FILTER = ("open", "closed", "all")
ATTENTION_FILTER = (None, "any", "overdue", "consent", "handover", "meeting_soon", "consent_expiring")
#: A consent that ends within this many days is "about to expire" (as on the dashboard).
EXPIRING_DAYS = 30
SORTS = ("name", "level", "last_entry", "next_meeting")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_FAR = datetime(9999, 1, 1, tzinfo=timezone.utc)


# The values a page's statement is asked with: the statement itself is built once per shape
# of query (see :func:`_page_statement`) and cached, as building it costs more than running it.
_ME = bindparam("me")
_NOW = bindparam("now", type_=UTCDateTime())
_TODAY = bindparam("today", type_=Date())
_SOON = bindparam("soon", type_=UTCDateTime())
_LASTING = bindparam("lasting", type_=UTCDateTime())
_HELD_LOG = aliased(RelayLog, name="held_log")


def _consent_in_force_clause():
    return and_(
        Consent.log_id == RelayLog.id, col(Consent.covers_log).is_(True),
        col(Consent.withdrawn_at).is_(None),
        or_(col(Consent.expires_at).is_(None), col(Consent.expires_at) > _NOW),
    )


def _visibility():
    """Which logs the person may list: held or read as actor (open), or granted (closed).

    Each part is a set of log ids found through an index (holder, membership by staff,
    grants by staff), so the list never walks every log of the installation.
    """
    member_ids = (
        select(Membership.log_id)
        .join(Consent, Consent.id == Membership.consent_id, isouter=True)
        .where(
            Membership.staff_id == _ME,
            col(Membership.removed_at).is_(None),
            or_(col(Membership.consent_id).is_(None),
                and_(col(Consent.withdrawn_at).is_(None),
                     or_(col(Consent.expires_at).is_(None), col(Consent.expires_at) > _NOW))),
        )
    )
    grant_ids = select(ReadGrant.log_id).where(ReadGrant.staff_id == _ME, col(ReadGrant.expires_at) > _NOW)
    held_ids = select(_HELD_LOG.id).where(_HELD_LOG.holder_id == _ME)
    return held_ids, member_ids, grant_ids


def _member_clause():
    """The log has me as an active member (with a consent in force, if one is needed): the
    same rule as :func:`_visibility`, asked of one log through the membership index."""
    return (
        select(Membership.log_id)
        .join(Consent, Consent.id == Membership.consent_id, isouter=True)
        .where(
            Membership.staff_id == _ME, col(Membership.removed_at).is_(None), Membership.log_id == RelayLog.id,
            or_(col(Membership.consent_id).is_(None),
                and_(col(Consent.withdrawn_at).is_(None),
                     or_(col(Consent.expires_at).is_(None), col(Consent.expires_at) > _NOW))),
        )
        .exists()
    )


def _sort_key(sort: str):
    if sort == "level":
        return RelayLog.level
    if sort == "last_entry":
        return func.coalesce(
            select(func.max(Entry.written_at)).where(Entry.log_id == RelayLog.id).scalar_subquery(), _EPOCH
        )
    if sort == "next_meeting":
        return func.coalesce(
            select(func.min(Meeting.starts_at)).where(
                Meeting.log_id == RelayLog.id, Meeting.status == "planned", col(Meeting.starts_at) >= _NOW
            ).scalar_subquery(),
            _FAR,
        )
    return col(Subject.name_key)


def _encode_cursor(value, log_id: int) -> str:
    if isinstance(value, datetime):
        payload = ["t", value.astimezone(timezone.utc).isoformat(), log_id]
    else:
        payload = ["v", value, log_id]
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _decode_cursor(cursor: str):
    try:
        kind, value, log_id = json.loads(base64.urlsafe_b64decode(cursor.encode()).decode())
        if kind == "t":
            value = datetime.fromisoformat(value)
        return value, int(log_id)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise InvalidInput(_("The list position is invalid; start from the top again.")) from None


def _number_range(digits: str) -> dict[str, str]:
    """The national numbers that start with ``digits``, as an index range (and the LIKE that
    says the same, so the answer never depends on how a collation orders digits)."""
    values = {"digits": digits, "digits_like": _escape_like(digits) + "%"}
    stripped = digits.rstrip("9")
    if stripped:
        values["digits_upper"] = stripped[:-1] + str(int(stripped[-1]) + 1)
    return values


class _SubjectFirst(Join):
    """A join that SQLite must run with the subject outside (``CROSS JOIN``), so that a page is
    read from the name index in order; other databases get a plain join and plan it themselves."""

    inherit_cache = True


@compiles(_SubjectFirst, "sqlite")
def _subject_first_sqlite(element, compiler, **kw):
    kw.pop("asfrom", None)
    return (element.left._compiler_dispatch(compiler, asfrom=True, **kw) + " CROSS JOIN "
            + element.right._compiler_dispatch(compiler, asfrom=True, **kw) + " ON "
            + element.onclause._compiler_dispatch(compiler, **kw))


#: From this many active memberships on, the list by name walks the name index (a page reads
#: about ``limit / share`` subjects); below it, the visible logs are collected and sorted (a
#: caseworker's few dozen). A leader of a large unit reads thousands of logs (issue 6).
WALK_FROM = 1000


@dataclass(frozen=True)
class _Shape:
    """What decides the form of a page's statement (every other value is a bound parameter)."""

    walk: bool
    role: str
    status: str
    level: bool
    unit: bool
    attention: str | None
    search: str | None  # None, "name" or "number"
    number_upper: bool
    sort: str
    descending: bool
    after: bool


def list_page(store: Store, by: access.StaffRef, query: LogQuery | None = None, *,
              after: str | None = None, limit: int = 50) -> LogPage:
    """One page of the logs I may see, filtered and sorted in the database (keyset paging).

    A fixed number of statements per page, whatever the number of logs: the filters are
    EXISTS clauses on indexed columns and the figures of the page's rows are part of the
    page's statement. In name order (the default) the page is read from the index on the
    folded name when the reader sees many logs, so no page sorts all of them.
    """
    query = query or LogQuery()
    if query.role not in ROLES_FILTER or query.status not in STATUS_FILTER \
            or query.attention not in ATTENTION_FILTER or query.sort not in SORTS:
        raise InvalidInput(_("Unknown filter or sort order."))
    if query.level is not None:
        _check_level(query.level)
    limit = max(1, min(int(limit), 500))
    now = clock.now()
    text_ = query.search.strip()
    digits = "".join(ch for ch in text_ if ch.isdigit())
    by_number = bool(text_) and bool(digits) and len(digits) == len(text_.replace("-", "").replace(" ", ""))
    params: dict = {"now": now, "soon": now + timedelta(days=14),
                    "lasting": now + timedelta(days=EXPIRING_DAYS), "limit": limit + 1}
    if by_number:
        params.update(_number_range(digits))
    elif text_:
        params["pattern"] = "%" + _escape_like(fold_name(text_)) + "%"
    if query.level is not None:
        params["level"] = query.level
    if query.unit_id is not None:
        params["unit_id"] = query.unit_id
    if after:
        params["after_key"], params["after_id"] = _decode_cursor(after)
    with store.session() as session:
        params["today"] = clock.today(installation.timezone_of(session))
        staff = access.require_staff(session, by)
        params["me"] = staff.id
        # A rare filter (a pending handover, a meeting soon) drives the query from its own
        # table; a search by number from the number's index. Otherwise a wide reader walks.
        walk = (query.sort == "name" and query.status == "open" and query.role != "holder" and not by_number
                and query.attention not in ("handover", "meeting_soon"))
        if walk:
            active = select(Membership.log_id).where(
                Membership.staff_id == staff.id, col(Membership.removed_at).is_(None)).limit(WALK_FROM)
            walk = session.exec(select(func.count()).select_from(active.subquery())).one() >= WALK_FROM
        shape = _Shape(
            walk=walk, role=query.role, status=query.status, level=query.level is not None,
            unit=query.unit_id is not None, attention=query.attention,
            search="number" if by_number else ("name" if text_ else None),
            number_upper="digits_upper" in params, sort=query.sort, descending=query.descending,
            after=bool(after))
        found = session.exec(_page_statement(shape), params=params).all()
        more = len(found) > limit
        found = found[:limit]
        rows = [_summary(staff, row) for row in found]
        next_cursor = None
        if more and found:
            last_key = found[-1].sort_key
            if isinstance(last_key, str) and query.sort in ("last_entry", "next_meeting"):
                last_key = datetime.fromisoformat(last_key).replace(tzinfo=timezone.utc)
            next_cursor = _encode_cursor(last_key, found[-1][0].id)
        staff_id, username = staff.id, staff.username
    # The page shows children's names: the children shown are in the audit trail, in a short
    # write of its own, so that reading stays out of the writers' way.
    what = "search" if text_ else "log list"
    with store.session(write=True) as session:
        audit.record_view(session, staff_id=staff_id, username=username, what=what,
                          subject_ids=[row.subject_id for row in rows])
    return LogPage(rows=tuple(rows), next_cursor=next_cursor)


@functools.lru_cache(maxsize=512)
def _page_statement(shape: _Shape):
    """The statement of one page for this shape of query, with the page's figures."""
    held_ids, member_ids, grant_ids = _visibility()
    open_ = LOG_IS_OPEN
    granted = col(RelayLog.id).in_(grant_ids)
    # Where the page is driven by something else than my logs (the name index for a wide
    # reader; the few pending handovers or coming meetings), each candidate log is checked
    # for my membership through the membership index instead of collecting all my logs.
    per_log = shape.walk or (shape.status == "open" and shape.attention in ("handover", "meeting_soon"))
    if per_log:
        member = _member_clause()
        who = (and_(member, RelayLog.holder_id != _ME) if shape.role == "actor"
               else or_(RelayLog.holder_id == _ME, member))
    elif shape.role == "holder":
        who = RelayLog.holder_id == _ME
    elif shape.role == "actor":
        who = and_(col(RelayLog.id).in_(member_ids), RelayLog.holder_id != _ME)
    else:
        who = col(RelayLog.id).in_(union_all(held_ids, member_ids))
    if shape.status == "open":
        visible = and_(open_, who)
    elif shape.status == "closed":
        visible = and_(RelayLog.status == "closed", granted)
    else:
        visible = and_(
            col(RelayLog.id).in_(union_all(held_ids, member_ids, grant_ids)),
            or_(and_(open_, who), and_(RelayLog.status == "closed", granted)),
        )
    key = _sort_key(shape.sort)
    columns = (col(RelayLog.id).label("log_id"), key.label("sort_key"))
    if shape.walk:
        joined = _SubjectFirst(Subject.__table__, RelayLog.__table__, Subject.id == RelayLog.subject_id)
        statement = select(*columns).select_from(joined).where(visible)
    else:
        statement = select(*columns).select_from(RelayLog).join(Subject, Subject.id == RelayLog.subject_id) \
            .where(visible)
    if shape.level:
        statement = statement.where(RelayLog.level == bindparam("level"))
    if shape.unit:
        statement = statement.where(RelayLog.unit_id == bindparam("unit_id"))
    overdue = select(Effort.id).where(
        Effort.log_id == RelayLog.id, Effort.status == "active", col(Effort.evaluate_on) < _TODAY
    ).exists()
    consent_ok = select(Consent.id).where(_consent_in_force_clause()).exists()
    any_consent = select(Consent.id).where(Consent.log_id == RelayLog.id, col(Consent.covers_log).is_(True)).exists()
    pending = select(Handover.id).where(Handover.log_id == RelayLog.id, Handover.status == "pending").exists()
    consent_problem = and_(~consent_ok, or_(RelayLog.level >= 1, any_consent))
    if shape.attention == "overdue":
        statement = statement.where(overdue)
    elif shape.attention == "consent":
        statement = statement.where(~consent_ok)
    elif shape.attention == "handover":
        statement = statement.where(col(RelayLog.id).in_(
            select(Handover.log_id).where(Handover.status == "pending")))
    elif shape.attention == "meeting_soon":
        statement = statement.where(col(RelayLog.id).in_(select(Meeting.log_id).where(
            Meeting.status == "planned", col(Meeting.starts_at) >= _NOW, col(Meeting.starts_at) < _SOON,
        )))
    elif shape.attention == "consent_expiring":
        lasting = select(Consent.id).where(_consent_in_force_clause(), or_(
            col(Consent.expires_at).is_(None), col(Consent.expires_at) > _LASTING)).exists()
        statement = statement.where(consent_ok, ~lasting)
    elif shape.attention == "any":
        statement = statement.where(or_(overdue, consent_problem, pending,
                                        col(RelayLog.needs_attention).is_not(None)))
    if shape.search == "number":
        number = col(Subject.national_number)
        statement = statement.where(number >= bindparam("digits"),
                                    number.like(bindparam("digits_like"), escape="\\"))
        if shape.number_upper:
            statement = statement.where(number < bindparam("digits_upper"))
    elif shape.search == "name":
        statement = statement.where(col(Subject.name_key).like(bindparam("pattern"), escape="\\"))
    if shape.after:
        typed = UTCDateTime() if shape.sort in ("last_entry", "next_meeting") else None
        value, last_id = bindparam("after_key", type_=typed), bindparam("after_id")
        # The bound first, so the index range starts at the cursor.
        if shape.descending:
            statement = statement.where(key <= value, or_(key < value, RelayLog.id < last_id))
        else:
            statement = statement.where(key >= value, or_(key > value, RelayLog.id > last_id))
    if shape.descending:
        statement = statement.order_by(key.desc(), col(RelayLog.id).desc())
    else:
        statement = statement.order_by(key, col(RelayLog.id))
    page = statement.limit(bindparam("limit", type_=Integer())).subquery("page")
    return _with_figures(page, shape.descending)


# Made once: an alias builds its column collections when made, which costs more than the
# rest of the page's statement.
_PAGE_LOG = aliased(RelayLog, name="page_log")
_PAGE_SUBJECT = aliased(Subject, name="page_subject")
_PAGE_HOLDER = aliased(Staff, name="page_holder")
_PAGE_CONSENT = aliased(Consent, name="page_consent")


def _with_figures(page, descending: bool):
    """The page's logs with every figure the list shows, in the page's own statement.

    The page (ids and sort keys, at most ``limit + 1``) is a subquery with its own LIMIT, so
    neither SQLite nor PostgreSQL merges it into the outer query: the figures below are
    computed for those rows only, and a page is one round trip instead of seven.
    """
    log, subject, holder, given = _PAGE_LOG, _PAGE_SUBJECT, _PAGE_HOLDER, _PAGE_CONSENT
    consent_state = _consent_state_of(log, given)
    next_meeting = select(func.min(Meeting.starts_at)).where(
        Meeting.log_id == log.id, Meeting.status == "planned", col(Meeting.starts_at) >= _NOW).scalar_subquery()
    last_entry = select(func.max(Entry.written_at)).where(Entry.log_id == log.id).scalar_subquery()
    overdue = _overdue_of(log)
    pending = select(Handover.id).where(Handover.log_id == log.id, Handover.status == "pending").exists()
    order = (page.c.sort_key.desc(), page.c.log_id.desc()) if descending else (page.c.sort_key, page.c.log_id)
    return (
        select(log, subject, holder.full_name.label("holder_name"), page.c.sort_key,
               next_meeting.label("next_meeting"), last_entry.label("last_entry"), overdue.label("overdue"),
               pending.label("pending"), consent_state.label("consent_state"))
        .select_from(page)
        .join(log, log.id == page.c.log_id)
        .join(subject, subject.id == log.subject_id)
        .join(holder, holder.id == log.holder_id, isouter=True)
        .order_by(*order)
    )


def _summary(staff: Staff, row) -> LogSummary:
    log, subject = row[0], row[1]
    return LogSummary(
        id=log.id, subject_id=subject.id, subject_name=subject.name,
        national_number_masked=subjects.mask(subject.national_number), level=log.level,
        status=log.status, holder_id=log.holder_id, holder_name=row.holder_name or "",
        coordinator=log.plan_coordinator_id is not None and log.plan_coordinator_id == log.holder_id,
        my_role="holder" if log.holder_id == staff.id else ("grant" if log.status == "closed" else "actor"),
        next_meeting_at=_aware(row.next_meeting), overdue_evaluations=row.overdue or 0,
        consent_state=row.consent_state, last_entry_at=_aware(row.last_entry),
        pending_handover=bool(row.pending), needs_attention=log.needs_attention,
    )


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def list_logs(
    store: Store,
    by: access.StaffRef,
    *,
    role: str | None = None,
    include_closed: bool = False,
    search: str = "",
    limit: int = 200,
) -> list[LogSummary]:
    """The first ``limit`` logs I hold or read, by subject name (see :func:`list_page`)."""
    query = LogQuery(role=role or "all", status="all" if include_closed else "open", search=search)
    return list(list_page(store, by, query, limit=limit).rows)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- levels (R4) ---------------------------------------------------------------------------


def change_level(store: Store, by: access.StaffRef, log_id: int, *, to_level: int, reason: str,
                 version: int | None = None) -> LogDetail:
    """Raise or lower the level, recording who, when, from, to and why (R4)."""
    _check_level(to_level)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Write why the level changes."), rule="R4")
    inst = installation.read(store)
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="level")
        if version is not None and version != log.version:
            from relaytui.errors import StaleWrite

            raise StaleWrite(_("Someone else changed this log while you were working on it. "
                               "Nothing was saved: reload and try again."))
        if to_level == log.level:
            raise InvalidInput(_("The log is at level {level} already.").format(level=to_level))
        _require_consent_for_level(session, log, to_level, inst.profile)
        now = clock.now()
        session.add(LevelChange(log_id=log.id, changed_by=staff.id, changed_at=now,
                                from_level=log.level, to_level=to_level, reason=reason))
        log.level = to_level
        log.version += 1
        session.add(log)
        session.flush()
        access.write_audit(session, staff, by, "level_changed", log=log, detail=f"to {to_level}")
        return detail(session, staff, log, inst)


# --- entries (R7) --------------------------------------------------------------------------


def write_entry(store: Store, by: access.StaffRef, log_id: int, *, text: str, kind: str = "note",
                corrects_id: int | None = None) -> EntryView:
    """Only the holder writes; entries are never changed: a correction is a new entry (R7)."""
    if kind not in ENTRY_KINDS:
        raise InvalidInput(_("An entry is a note, an assessment, an agreement or a positive observation."))
    if not (text or "").strip():
        raise InvalidInput(_("An entry cannot be empty. Type what happened."))
    with store.session(write=True) as session:
        staff, log = access.log_for_write(session, by, log_id, what="entry")
        if corrects_id is not None:
            target = session.get(Entry, corrects_id)
            if target is None or target.log_id != log.id:
                raise NotFound(_("The entry to correct is not in this log."))
        entry = Entry(log_id=log.id, author_id=staff.id, written_at=clock.now(), kind=kind,
                      text=text, corrects_id=corrects_id)
        session.add(entry)
        session.flush()
        access.write_audit(session, staff, by, "entry_written", log=log, detail=f"entry {entry.id}")
        return _entry_view(session, entry, {})


def _entry_view(session: Session, entry: Entry, corrections: dict[int, list[int]]) -> EntryView:
    author = session.get(Staff, entry.author_id)
    return EntryView(
        id=entry.id, log_id=entry.log_id, author_name=author.full_name if author else "",
        written_at=entry.written_at, kind=entry.kind, text=entry.text,
        corrects_id=entry.corrects_id, corrected_by=tuple(corrections.get(entry.id, [])),
        meeting_id=entry.meeting_id,
    )


def list_entries(store: Store, by: access.StaffRef, log_id: int, *, limit: int = 500) -> list[EntryView]:
    """The journal, newest first (an audited read)."""
    with store.session(write=True) as session:
        access.log_for_read(session, by, log_id, what="entries")
        return _journal(session, log_id, limit)


def _journal(session: Session, log_id: int, limit: int) -> list[EntryView]:
    # Columns, not entities: a journal of 500 entries as ORM objects costs more in Python
    # than the statement; the authors come with them (a few people write a log).
    rows = session.exec(
        select(Entry.id, Entry.log_id, Entry.written_at, Entry.kind, Entry.text, Entry.corrects_id,
               Entry.meeting_id, Staff.full_name)
        .join(Staff, Staff.id == Entry.author_id, isouter=True)
        .where(Entry.log_id == log_id)
        .order_by(col(Entry.written_at).desc(), col(Entry.id).desc()).limit(limit)
    ).all()
    corrections: dict[int, list[int]] = {}
    for entry_id, *_rest, corrects_id, _meeting_id, _author in rows:
        if corrects_id is not None:
            corrections.setdefault(corrects_id, []).append(entry_id)
    return [
        EntryView(entry_id, log_id_, author or "", written_at, kind, text, corrects_id,
                  tuple(corrections.get(entry_id, ())), meeting_id)
        for entry_id, log_id_, written_at, kind, text, corrects_id, meeting_id, author in rows
    ]


# --- history -------------------------------------------------------------------------------


def history(store: Store, by: access.StaffRef, log_id: int) -> History:
    """Level changes and holders; for the holder also who read the log when (R9)."""
    from relaytui.models import AuditEvent

    with store.session(write=True) as session:
        staff, log = access.log_for_read(session, by, log_id, what="history")
        changes = session.exec(
            select(LevelChange, Staff.full_name).join(Staff, Staff.id == LevelChange.changed_by)
            .where(LevelChange.log_id == log_id).order_by(col(LevelChange.changed_at), col(LevelChange.id))
        ).all()
        periods = session.exec(
            select(HolderPeriod, Staff.full_name).join(Staff, Staff.id == HolderPeriod.staff_id)
            .where(HolderPeriod.log_id == log_id).order_by(col(HolderPeriod.started_at), col(HolderPeriod.id))
        ).all()
        giver, taker = aliased(Staff), aliased(Staff)
        handovers = session.exec(
            select(Handover, giver.full_name, taker.full_name)
            .join(giver, giver.id == Handover.from_staff_id)
            .join(taker, taker.id == Handover.to_staff_id)
            .where(Handover.log_id == log_id).order_by(col(Handover.proposed_at), col(Handover.id))
        ).all()
        reads: list[ReadView] = []
        if log.holder_id == staff.id:
            events = session.exec(
                select(AuditEvent).where(AuditEvent.log_id == log_id,
                                         col(AuditEvent.action).in_(("read", "read_under_grant")))
                .order_by(col(AuditEvent.id).desc()).limit(500)
            ).all()
            # Only the readers' names, in one statement: not every staff row of the municipality.
            readers = {e.staff_id for e in events if e.staff_id is not None}
            names = dict(session.exec(
                select(Staff.id, Staff.full_name).where(col(Staff.id).in_(readers))
            ).all()) if readers else {}
            reads = [ReadView(e.at, e.username, names.get(e.staff_id, ""), e.detail) for e in events]
        return History(
            level_changes=tuple(
                LevelChangeView(c.changed_at, name, c.from_level, c.to_level, c.reason) for c, name in changes
            ),
            holders=tuple(HolderPeriodView(name, p.started_at, p.ended_at) for p, name in periods),
            reads=tuple(reads),
            handovers=tuple(
                HandoverEventView(h.proposed_at, from_name, to_name, h.status, h.answered_at,
                                  h.answer_message)
                for h, from_name, to_name in handovers
            ),
        )


# --- closing (R10) -------------------------------------------------------------------------


def check_closing(profile: str, level: int, *, basis: str, reason: str, consultation: str = "") -> None:
    """What closing needs besides the right to close, checked before anyone is asked "close for
    good?" and again when closing: a reason, and in ``dk`` the consultation the level requires."""
    if not (reason or "").strip():
        raise InvalidInput(_("Write why the log is closed."), rule="R10")
    if profile != "dk":
        return
    needed = "colleagues" if level <= 1 else "actors"
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


def close_log(store: Store, by: access.StaffRef, log_id: int, *, basis: str, reason: str,
              consultation: str = "") -> LogDetail:
    """Close for good. ``dk``: with a recorded consultation (colleagues at 0-1, actors at 2-3).
    ``no``: the guardians ended it, or the efforts have worked (R10)."""
    inst = installation.read(store)
    reason = (reason or "").strip()
    consultation = (consultation or "").strip()
    if basis not in CLOSE_BASES[inst.profile]:
        raise InvalidInput(_("Say why the log is closed."), rule="R10")
    with store.session(write=True) as session:
        # Lock order (see relaytui.services.handover): the log first, then its handovers.
        try:
            staff, log = access.log_for_write(session, by, log_id, what="close")
        except NotAllowed:
            _refuse_if_handed_over(session, by, log_id)
            raise
        check_closing(inst.profile, log.level, basis=basis, reason=reason, consultation=consultation)
        now = clock.now()
        log.status = "closed"
        log.closed_at = now
        log.closed_by = staff.id
        log.close_reason = reason
        log.close_basis = basis
        log.close_consultation = consultation or None
        log.version += 1
        session.add(log)
        for period in session.exec(
            select(HolderPeriod).where(HolderPeriod.log_id == log.id, col(HolderPeriod.ended_at).is_(None))
        ).all():
            period.ended_at = now
            session.add(period)
        # A pending handover is withdrawn with the log (an answer committed a moment ago is
        # kept, never overwritten).
        handover_service.withdraw_pending(session, log, now)
        # A closed log holds no more meetings: the planned ones are cancelled, saying why.
        for meeting in session.exec(
            select(Meeting).where(Meeting.log_id == log.id, Meeting.status == "planned")
        ).all():
            meeting.status = "cancelled"
            meeting.cancel_reason = _("The relay log was closed.")
            meeting.version += 1
            session.add(meeting)
        session.flush()
        access.write_audit(session, staff, by, "log_closed", log=log, detail=basis)
        return detail(session, staff, log, inst)


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
        select(Handover.id).where(Handover.log_id == log.id, Handover.status == "accepted",
                                  Handover.from_staff_id == by.id, Handover.to_staff_id == log.holder_id)
    ).first()
    if accepted is None:
        return
    holder = session.get(Staff, log.holder_id)
    raise NotAllowed(
        _("{name} has accepted your handover of this relay log and holds it now, so only {name} "
          "can close it. Nothing was changed; ask {name} if the log should be closed.").format(
            name=holder.full_name if holder else "-"),
        rule="R8",
    )


def grant_read(store: Store, by: access.StaffRef, log_id: int, *, staff_id: int, days: int,
               reason: str, approval: grants.GuardianApproval | None = None) -> int:
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
            raise NotAllowed(_("Administrators do not read relay logs, not even with a grant."), rule="R9")
        inst = installation.read_in(session)
        checked = grants.check_approval(inst.profile, approval, clock.today(inst.timezone))
        now = clock.now()
        # From the command line there is no staff row to name; the audit trail names the user.
        grant = ReadGrant(log_id=log.id, staff_id=reader.id, granted_by=admin.id if admin else None,
                          granted_at=now, expires_at=now + timedelta(days=days), reason=reason,
                          approved_by=checked.name if checked else None,
                          approval_method=checked.method if checked else None,
                          approved_on=checked.given_on if checked else None)
        session.add(grant)
        session.flush()
        access.write_audit(session, admin, by, "grant_given", log=log,
                           detail=f"grant {grant.id} to staff {reader.id} for {days} days")
        return grant.id


def unit_name(session: Session, unit_id: int | None) -> str:
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit.name if unit else ""
