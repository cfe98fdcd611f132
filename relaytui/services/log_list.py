"""The log list: one page of the logs a person may see, filtered and sorted in the database.

Keyset paging: a page's statement (:mod:`relaytui.services.log_page_statement`) is built
once per shape of query and cached; every value is a bound parameter, and the page's figures
come in the same statement (issue 6, issue 18).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from relaytui.db import Store
from relaytui.errors import InvalidInput
from relaytui.i18n import _
from relaytui.models import Membership, Staff
from relaytui.models.base import stored_id
from relaytui.models.subject import fold_name
from relaytui.services import access, audit, clock, installation, logs, subjects
from relaytui.services.log_page_statement import PageShape, page_statement


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


#: From this many active memberships on, the list by name walks the name index (a page reads
#: about ``limit / share`` subjects); below it, the visible logs are collected and sorted (a
#: caseworker's few dozen). A leader of a large unit reads thousands of logs (issue 6).
WALK_FROM = 1000


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
    _check_query(query)
    limit = max(1, min(int(limit), 500))
    text_ = query.search.strip()
    digits = _number_searched(text_)
    params = _page_params(query, text_, digits, after, limit)
    with store.session() as session:
        params["today"] = clock.today(installation.timezone_of(session))
        staff = access.require_staff(session, by)
        params["me"] = staff.id
        shape = PageShape(
            walk=_walks(session, stored_id(staff), query, by_number=bool(digits)),
            role=query.role,
            status=query.status,
            level=query.level is not None,
            unit=query.unit_id is not None,
            attention=query.attention,
            search="number" if digits else ("name" if text_ else None),
            number_upper="digits_upper" in params,
            sort=query.sort,
            descending=query.descending,
            after=bool(after),
        )
        found = session.exec(page_statement(shape), params=params).all()
        more = len(found) > limit
        found = found[:limit]
        rows = [_summary(staff, row) for row in found]
        next_cursor = _next_cursor(found, query.sort) if more and found else None
        staff_id, username = staff.id, staff.username
    _record_shown(store, staff_id, username, "search" if text_ else "log list", rows)
    return LogPage(rows=tuple(rows), next_cursor=next_cursor)


def _check_query(query: LogQuery) -> None:
    """A filter or sort order the list knows, and a level that exists."""
    if (
        query.role not in ROLES_FILTER
        or query.status not in STATUS_FILTER
        or query.attention not in ATTENTION_FILTER
        or query.sort not in SORTS
    ):
        raise InvalidInput(_("Unknown filter or sort order."))
    if query.level is not None:
        logs.check_level(query.level)


def _number_searched(text_: str) -> str:
    """The digits of a search that is a national number (digits, dashes, spaces), else ""."""
    digits = "".join(ch for ch in text_ if ch.isdigit())
    by_number = (
        bool(text_) and bool(digits) and len(digits) == len(text_.replace("-", "").replace(" ", ""))
    )
    return digits if by_number else ""


def _page_params(
    query: LogQuery, text_: str, digits: str, after: str | None, limit: int
) -> dict[str, Any]:
    """The values the page's statement is asked with, but the reader's own and today."""
    now = clock.now()
    params: dict[str, Any] = {
        "now": now,
        "soon": now + timedelta(days=14),
        "lasting": now + timedelta(days=EXPIRING_DAYS),
        "limit": limit + 1,
    }
    if digits:
        params.update(_number_range(digits))
    elif text_:
        params["pattern"] = "%" + _escape_like(fold_name(text_)) + "%"
    if query.level is not None:
        params["level"] = query.level
    if query.unit_id is not None:
        params["unit_id"] = query.unit_id
    if after:
        params["after_key"], params["after_id"] = _decode_cursor(after)
    return params


def _walks(session: Session, staff_id: int, query: LogQuery, *, by_number: bool) -> bool:
    """Whether the page walks the name index: a wide reader's open logs by name.

    A rare filter (a pending handover, a meeting soon) drives the query from its own table;
    a search by number from the number's index. Otherwise a wide reader walks."""
    if not (
        query.sort == "name"
        and query.status == "open"
        and query.role != "holder"
        and not by_number
        and query.attention not in ("handover", "meeting_soon")
    ):
        return False
    active = (
        select(Membership.log_id)
        .where(Membership.staff_id == staff_id, col(Membership.removed_at).is_(None))
        .limit(WALK_FROM)
    )
    return session.exec(select(func.count()).select_from(active.subquery())).one() >= WALK_FROM


def _next_cursor(found, sort: str) -> str:
    """Where the next page starts: after the sort key and id of this page's last row."""
    last_key = found[-1].sort_key
    if isinstance(last_key, str) and sort in ("last_entry", "next_meeting"):
        last_key = datetime.fromisoformat(last_key).replace(tzinfo=UTC)
    return _encode_cursor(last_key, found[-1][0].id)


def _record_shown(
    store: Store, staff_id: int | None, username: str, what: str, rows: list[LogSummary]
) -> None:
    """The page shows children's names: the children shown are in the audit trail, in a short
    write of its own, so that reading stays out of the writers' way."""
    with store.session(write=True) as session:
        audit.record_view(
            session,
            staff_id=staff_id,
            username=username,
            what=what,
            subject_ids=[row.subject_id for row in rows],
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
