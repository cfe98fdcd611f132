"""The log list: one page of the logs a person may see, filtered and sorted in the database.

Keyset paging: a page's statement is built once per shape of query and cached; every value
is a bound parameter, and the page's figures come in the same statement (issue 6, issue 18).
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    Integer,
    SQLColumnExpression,
    and_,
    bindparam,
    func,
    or_,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import Join
from sqlmodel import col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput
from relaytui.i18n import _
from relaytui.models import (
    Consent,
    Effort,
    Entry,
    Handover,
    Meeting,
    Membership,
    ReadGrant,
    RelayLog,
    Staff,
    Subject,
)
from relaytui.models.base import UTCDateTime
from relaytui.models.log import LOG_IS_OPEN
from relaytui.models.subject import fold_name
from relaytui.services import access, audit, clock, installation, logs, subjects


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
ATTENTION_FILTER = (
    None,
    "any",
    "overdue",
    "consent",
    "handover",
    "meeting_soon",
    "consent_expiring",
)
#: A consent that ends within this many days is "about to expire" (as on the dashboard).
EXPIRING_DAYS = 30
SORTS = ("name", "level", "last_entry", "next_meeting")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FAR = datetime(9999, 1, 1, tzinfo=UTC)


# The values a page's statement is asked with: the statement itself is built once per shape
# of query (see :func:`_page_statement`) and cached, as building it costs more than running it.
_ME: BindParameter[int] = bindparam("me")
_SOON = bindparam("soon", type_=UTCDateTime())
_LASTING = bindparam("lasting", type_=UTCDateTime())
_HELD_LOG = aliased(RelayLog, name="held_log")


def _consent_in_force_clause():
    return and_(
        col(Consent.log_id) == RelayLog.id,
        col(Consent.covers_log).is_(True),
        col(Consent.withdrawn_at).is_(None),
        or_(col(Consent.expires_at).is_(None), col(Consent.expires_at) > logs.NOW),
    )


def _visibility():
    """Which logs the person may list: held or read as actor (open), or granted (closed).

    Each part is a set of log ids found through an index (holder, membership by staff,
    grants by staff), so the list never walks every log of the installation.
    """
    member_ids = (
        select(Membership.log_id)
        .join(Consent, col(Consent.id) == Membership.consent_id, isouter=True)
        .where(
            Membership.staff_id == _ME,
            col(Membership.removed_at).is_(None),
            or_(
                col(Membership.consent_id).is_(None),
                and_(
                    col(Consent.withdrawn_at).is_(None),
                    or_(col(Consent.expires_at).is_(None), col(Consent.expires_at) > logs.NOW),
                ),
            ),
        )
    )
    grant_ids = select(ReadGrant.log_id).where(
        ReadGrant.staff_id == _ME, col(ReadGrant.expires_at) > logs.NOW
    )
    held_ids = select(_HELD_LOG.id).where(_HELD_LOG.holder_id == _ME)
    return held_ids, member_ids, grant_ids


def _member_clause():
    """The log has me as an active member (with a consent in force, if one is needed): the
    same rule as :func:`_visibility`, asked of one log through the membership index."""
    return (
        select(Membership.log_id)
        .join(Consent, col(Consent.id) == Membership.consent_id, isouter=True)
        .where(
            Membership.staff_id == _ME,
            col(Membership.removed_at).is_(None),
            Membership.log_id == RelayLog.id,
            or_(
                col(Membership.consent_id).is_(None),
                and_(
                    col(Consent.withdrawn_at).is_(None),
                    or_(col(Consent.expires_at).is_(None), col(Consent.expires_at) > logs.NOW),
                ),
            ),
        )
        .exists()
    )


def _sort_key(sort: str) -> SQLColumnExpression[Any]:
    if sort == "level":
        return col(RelayLog.level)
    if sort == "last_entry":
        return func.coalesce(
            select(func.max(Entry.written_at)).where(Entry.log_id == RelayLog.id).scalar_subquery(),
            _EPOCH,
        )
    if sort == "next_meeting":
        return func.coalesce(
            select(func.min(Meeting.starts_at))
            .where(
                Meeting.log_id == RelayLog.id,
                Meeting.status == "planned",
                col(Meeting.starts_at) >= logs.NOW,
            )
            .scalar_subquery(),
            _FAR,
        )
    return col(Subject.name_key)


def _encode_cursor(value, log_id: int) -> str:
    if isinstance(value, datetime):
        payload = ["t", value.astimezone(UTC).isoformat(), log_id]
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
    return (
        element.left._compiler_dispatch(compiler, asfrom=True, **kw)
        + " CROSS JOIN "
        + element.right._compiler_dispatch(compiler, asfrom=True, **kw)
        + " ON "
        + element.onclause._compiler_dispatch(compiler, **kw)
    )


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


def list_page(
    store: Store,
    by: access.StaffRef,
    query: LogQuery | None = None,
    *,
    after: str | None = None,
    limit: int = 50,
) -> LogPage:
    """One page of the logs I may see, filtered and sorted in the database (keyset paging).

    A fixed number of statements per page, whatever the number of logs: the filters are
    EXISTS clauses on indexed columns and the figures of the page's rows are part of the
    page's statement. In name order (the default) the page is read from the index on the
    folded name when the reader sees many logs, so no page sorts all of them.
    """
    query = query or LogQuery()
    if (
        query.role not in ROLES_FILTER
        or query.status not in STATUS_FILTER
        or query.attention not in ATTENTION_FILTER
        or query.sort not in SORTS
    ):
        raise InvalidInput(_("Unknown filter or sort order."))
    if query.level is not None:
        logs.check_level(query.level)
    limit = max(1, min(int(limit), 500))
    now = clock.now()
    text_ = query.search.strip()
    digits = "".join(ch for ch in text_ if ch.isdigit())
    by_number = (
        bool(text_) and bool(digits) and len(digits) == len(text_.replace("-", "").replace(" ", ""))
    )
    params: dict = {
        "now": now,
        "soon": now + timedelta(days=14),
        "lasting": now + timedelta(days=EXPIRING_DAYS),
        "limit": limit + 1,
    }
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
        walk = (
            query.sort == "name"
            and query.status == "open"
            and query.role != "holder"
            and not by_number
            and query.attention not in ("handover", "meeting_soon")
        )
        if walk:
            active = (
                select(Membership.log_id)
                .where(Membership.staff_id == staff.id, col(Membership.removed_at).is_(None))
                .limit(WALK_FROM)
            )
            walk = (
                session.exec(select(func.count()).select_from(active.subquery())).one() >= WALK_FROM
            )
        shape = _Shape(
            walk=walk,
            role=query.role,
            status=query.status,
            level=query.level is not None,
            unit=query.unit_id is not None,
            attention=query.attention,
            search="number" if by_number else ("name" if text_ else None),
            number_upper="digits_upper" in params,
            sort=query.sort,
            descending=query.descending,
            after=bool(after),
        )
        found = session.exec(_page_statement(shape), params=params).all()
        more = len(found) > limit
        found = found[:limit]
        rows = [_summary(staff, row) for row in found]
        next_cursor = None
        if more and found:
            last_key = found[-1].sort_key
            if isinstance(last_key, str) and query.sort in ("last_entry", "next_meeting"):
                last_key = datetime.fromisoformat(last_key).replace(tzinfo=UTC)
            next_cursor = _encode_cursor(last_key, found[-1][0].id)
        staff_id, username = staff.id, staff.username
    # The page shows children's names: the children shown are in the audit trail, in a short
    # write of its own, so that reading stays out of the writers' way.
    what = "search" if text_ else "log list"
    with store.session(write=True) as session:
        audit.record_view(
            session,
            staff_id=staff_id,
            username=username,
            what=what,
            subject_ids=[row.subject_id for row in rows],
        )
    return LogPage(rows=tuple(rows), next_cursor=next_cursor)


@functools.lru_cache(maxsize=512)
def _page_statement(shape: _Shape):
    """The statement of one page for this shape of query, with the page's figures."""
    visible = _visible(shape)
    key = _sort_key(shape.sort)
    columns: tuple[SQLColumnExpression[Any], ...] = (
        col(RelayLog.id).label("log_id"),
        key.label("sort_key"),
    )
    if shape.walk:
        # (SQLModel's classes do not declare __table__: a library typing gap.)
        joined = _SubjectFirst(
            Subject.__table__,  # type: ignore[attr-defined]
            RelayLog.__table__,  # type: ignore[attr-defined]
            col(Subject.id) == RelayLog.subject_id,
        )
        statement = select(*columns).select_from(joined).where(visible)
    else:
        statement = (
            select(*columns)
            .select_from(RelayLog)
            .join(Subject, col(Subject.id) == RelayLog.subject_id)
            .where(visible)
        )
    if shape.level:
        statement = statement.where(RelayLog.level == bindparam("level"))
    if shape.unit:
        statement = statement.where(RelayLog.unit_id == bindparam("unit_id"))
    statement = _needing_attention(statement, shape.attention)
    if shape.search == "number":
        number = col(Subject.national_number)
        statement = statement.where(
            number >= bindparam("digits"), number.like(bindparam("digits_like"), escape="\\")
        )
        if shape.number_upper:
            statement = statement.where(number < bindparam("digits_upper"))
    elif shape.search == "name":
        statement = statement.where(col(Subject.name_key).like(bindparam("pattern"), escape="\\"))
    if shape.after:
        typed = UTCDateTime() if shape.sort in ("last_entry", "next_meeting") else None
        value = bindparam("after_key", type_=typed)
        last_id: BindParameter[int] = bindparam("after_id")
        # The bound first, so the index range starts at the cursor.
        if shape.descending:
            statement = statement.where(key <= value, or_(key < value, col(RelayLog.id) < last_id))
        else:
            statement = statement.where(key >= value, or_(key > value, col(RelayLog.id) > last_id))
    if shape.descending:
        statement = statement.order_by(key.desc(), col(RelayLog.id).desc())
    else:
        statement = statement.order_by(key, col(RelayLog.id))
    page = statement.limit(bindparam("limit", type_=Integer())).subquery("page")
    return _with_figures(page, shape.descending)


def _visible(shape: _Shape):
    """Which logs the page may show: mine (held or read as actor) when open, granted when closed."""
    held_ids, member_ids, grant_ids = _visibility()
    open_ = LOG_IS_OPEN
    granted = col(RelayLog.id).in_(grant_ids)
    # Where the page is driven by something else than my logs (the name index for a wide
    # reader; the few pending handovers or coming meetings), each candidate log is checked
    # for my membership through the membership index instead of collecting all my logs.
    per_log = shape.walk or (
        shape.status == "open" and shape.attention in ("handover", "meeting_soon")
    )
    if per_log:
        member = _member_clause()
        who = (
            and_(member, col(RelayLog.holder_id) != _ME)
            if shape.role == "actor"
            else or_(col(RelayLog.holder_id) == _ME, member)
        )
    elif shape.role == "holder":
        who = col(RelayLog.holder_id) == _ME
    elif shape.role == "actor":
        who = and_(col(RelayLog.id).in_(member_ids), col(RelayLog.holder_id) != _ME)
    else:
        who = col(RelayLog.id).in_(union_all(held_ids, member_ids))
    if shape.status == "open":
        visible = and_(open_, who)
    elif shape.status == "closed":
        visible = and_(col(RelayLog.status) == "closed", granted)
    else:
        visible = and_(
            col(RelayLog.id).in_(union_all(held_ids, member_ids, grant_ids)),
            or_(and_(open_, who), and_(col(RelayLog.status) == "closed", granted)),
        )
    return visible


def _needing_attention(statement, attention: str | None):
    """The attention filter of the list: overdue evaluations, a consent missing or about to
    expire, a pending handover, a meeting soon, or any of them."""
    overdue = (
        select(Effort.id)
        .where(
            Effort.log_id == RelayLog.id,
            Effort.status == "active",
            col(Effort.evaluate_on) < logs.TODAY,
        )
        .exists()
    )
    consent_ok = select(Consent.id).where(_consent_in_force_clause()).exists()
    any_consent = (
        select(Consent.id)
        .where(Consent.log_id == RelayLog.id, col(Consent.covers_log).is_(True))
        .exists()
    )
    pending = (
        select(Handover.id)
        .where(Handover.log_id == RelayLog.id, Handover.status == "pending")
        .exists()
    )
    consent_problem = and_(~consent_ok, or_(col(RelayLog.level) >= 1, any_consent))
    if attention == "overdue":
        statement = statement.where(overdue)
    elif attention == "consent":
        statement = statement.where(~consent_ok)
    elif attention == "handover":
        statement = statement.where(
            col(RelayLog.id).in_(select(Handover.log_id).where(Handover.status == "pending"))
        )
    elif attention == "meeting_soon":
        statement = statement.where(
            col(RelayLog.id).in_(
                select(Meeting.log_id).where(
                    Meeting.status == "planned",
                    col(Meeting.starts_at) >= logs.NOW,
                    col(Meeting.starts_at) < _SOON,
                )
            )
        )
    elif attention == "consent_expiring":
        lasting = (
            select(Consent.id)
            .where(
                _consent_in_force_clause(),
                or_(col(Consent.expires_at).is_(None), col(Consent.expires_at) > _LASTING),
            )
            .exists()
        )
        statement = statement.where(consent_ok, ~lasting)
    elif attention == "any":
        statement = statement.where(
            or_(overdue, consent_problem, pending, col(RelayLog.needs_attention).is_not(None))
        )
    return statement


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
    consent_state = logs.consent_state_of(log, given)
    next_meeting = (
        select(func.min(Meeting.starts_at))
        .where(
            Meeting.log_id == log.id,
            Meeting.status == "planned",
            col(Meeting.starts_at) >= logs.NOW,
        )
        .scalar_subquery()
    )
    last_entry = select(func.max(Entry.written_at)).where(Entry.log_id == log.id).scalar_subquery()
    overdue = logs.overdue_of(log)
    pending = (
        select(Handover.id).where(Handover.log_id == log.id, Handover.status == "pending").exists()
    )
    order = (
        (page.c.sort_key.desc(), page.c.log_id.desc())
        if descending
        else (page.c.sort_key, page.c.log_id)
    )
    return (
        # (sqlmodel.select's overloads stop at four columns: a library typing gap.)
        select(
            log,
            subject,
            col(holder.full_name).label("holder_name"),  # type: ignore[call-overload]
            page.c.sort_key,
            next_meeting.label("next_meeting"),
            last_entry.label("last_entry"),
            overdue.label("overdue"),
            pending.label("pending"),
            consent_state.label("consent_state"),
        )
        .select_from(page)
        .join(log, log.id == page.c.log_id)
        .join(subject, subject.id == log.subject_id)
        .join(holder, holder.id == log.holder_id, isouter=True)
        .order_by(*order)
    )


def _summary(staff: Staff, row) -> LogSummary:
    log, subject = row[0], row[1]
    return LogSummary(
        id=log.id,
        subject_id=subject.id,
        subject_name=subject.name,
        national_number_masked=subjects.mask(subject.national_number),
        level=log.level,
        status=log.status,
        holder_id=log.holder_id,
        holder_name=row.holder_name or "",
        coordinator=log.plan_coordinator_id is not None
        and log.plan_coordinator_id == log.holder_id,
        my_role="holder"
        if log.holder_id == staff.id
        else ("grant" if log.status == "closed" else "actor"),
        next_meeting_at=_aware(row.next_meeting),
        overdue_evaluations=row.overdue or 0,
        consent_state=row.consent_state,
        last_entry_at=_aware(row.last_entry),
        pending_handover=bool(row.pending),
        needs_attention=log.needs_attention,
    )


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
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
