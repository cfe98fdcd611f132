"""The statement of one page of the log list (:mod:`relaytui.services.log_list`).

Which logs the reader may see, the filters, the sort key, keyset paging and the figures of
the page's rows, in one statement built once per shape of query (:class:`PageShape`) and
cached: every value is a bound parameter, as building the statement costs more than running
it (issue 6, issue 18).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
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
from relaytui.services import logs

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FAR = datetime(9999, 1, 1, tzinfo=UTC)


# The values a page's statement is asked with: the statement itself is built once per shape
# of query (see :func:`page_statement`) and cached, as building it costs more than running it.
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


@dataclass(frozen=True)
class PageShape:
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


@functools.lru_cache(maxsize=512)
def page_statement(shape: PageShape):
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


def _visible(shape: PageShape):
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
