"""The audit trail: who read or changed what, when. Append-only and hash-chained.

Events never hold the content they are about (no entry text, no national number): only ids,
the action and a short neutral detail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Table, event, insert, literal, text, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from relaytui.db import has_column
from relaytui.i18n import N_, _
from relaytui.models import AuditEvent, Setting
from relaytui.services import clock

#: What each action means, in words a guardian reading an access report understands.
ACTION_LABELS = {
    "read": N_("read the relay log"),
    "read_refused": N_("tried to read the relay log and was refused"),
    "subject_lookup": N_("looked the child up by national number"),
    "subject_created": N_("registered the child"),
    "guardian_added": N_("added a guardian"),
    "guardian_changed": N_("changed what is recorded about a guardian"),
    "log_created": N_("started the relay log"),
    "level_changed": N_("changed the level"),
    "log_closed": N_("closed the relay log"),
    "grant_given": N_("gave a time-limited permission to read the closed log"),
    "grant_requested": N_("asked for permission to read the closed log"),
    "grant_request_refused": N_("asked for permission to read the relay log and was refused"),
    "grant_refused": N_("refused a request to read the closed log"),
    "read_under_grant": N_("read the closed relay log with a time-limited permission"),
    "entry_written": N_("wrote an entry"),
    "consent_recorded": N_("recorded a consent"),
    "consent_withdrawn": N_("recorded that a consent was withdrawn"),
    "actor_added": N_("added an actor"),
    "actor_removed": N_("removed an actor"),
    "handover_proposed": N_("proposed a new holder"),
    "handover_accepted": N_("accepted to hold the relay log"),
    "handover_declined": N_("declined to hold the relay log"),
    "handover_withdrawn": N_("withdrew a handover"),
    "handover_answer_seen": N_("read why a handover was declined"),
    "transition_asked": N_(
        "asked the family, in the family view, to let the log pass to a new unit"
    ),
    "transition_withdrawn": N_("withdrew a request to the family about a new unit"),
    "effort_added": N_("added an effort"),
    "effort_changed": N_("changed an effort"),
    "effort_evaluated": N_("evaluated an effort"),
    "goal_added": N_("added a goal"),
    "goal_evaluated": N_("evaluated a goal"),
    "meeting_scheduled": N_("scheduled a meeting"),
    "meeting_moved": N_("moved a meeting"),
    "meeting_cancelled": N_("cancelled a meeting"),
    "agenda_changed": N_("changed a meeting's agenda"),
    "attendance": N_("recorded who attended a meeting"),
    "minutes_draft": N_("wrote in a meeting's minutes"),
    "minutes_finished": N_("finished a meeting's minutes"),
    "invitation_exported": N_("exported a meeting invitation"),
    "passed_to_plan": N_("passed the relay log into an individual plan"),
    "notification": N_("made a notification to the family department"),
    "audit_export": N_("exported this access report"),
    "consent_form_exported": N_("printed a consent form to be signed"),
    "guardian_copy_exported": N_("made a copy of the relay log for the guardians"),
    "minutes_exported": N_("exported a meeting's minutes"),
    "access_report_exported": N_("exported an access report for the guardians"),
    "reader_password_reset": N_(
        "gave a new password to an account that holds or reads the relay log"
    ),
    "family_login": N_("logged in to the family view"),
    "family_read": N_("read the relay log in the family view"),
    "family_read_refused": N_("tried to read a relay log in the family view and was refused"),
    "family_ended_log": N_("ended the relay log in the family view"),
    "transition_accepted": N_("accepted, in the family view, that the log passes to a new unit"),
    "transition_declined": N_("declined, in the family view, that the log passes to a new unit"),
    "list_shown": N_("saw the child's name in a list (relay logs, search, meetings, handovers)"),
}


def action_label(action: str) -> str:
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else action


#: The audit trail is CHAINS hash chains, each with its own lock and head, so that people
#: working at once do not all queue on one lock (issue 18). The events of one transaction go
#: to the chain of the person acting (:func:`chain_of`); one signed checkpoint covers the heads
#: of every chain (relaytui.services.checkpoints). Changing CHAINS later is safe: each event
#: names its chain. 64 clients opening logs flat out on PostgreSQL: p95 360 ms with 16
#: chains, 157 ms with 64 (benchmarks.capacity).
CHAINS = 64
#: The advisory lock of chain ``c`` on PostgreSQL is (CHAIN_LOCK_KEY, c).
CHAIN_LOCK_KEY = 7_351_002


def chain_of(staff_id: int | None) -> int:
    """The chain of a person's actions: their own actions stay in order in one chain, and
    different people spread over the chains. The command line (no staff row) is chain 0."""
    return (staff_id or 0) % CHAINS


def event_hash(
    *,
    at: datetime,
    staff_id: int | None,
    username: str,
    action: str,
    log_id: int | None,
    subject_id: int | None,
    detail: str,
    prev_hash: str,
    chain: int = 0,
    event_id: int | None = None,
) -> str:
    """The hash of an event. In chains other than 0 the chain and the event's id are part of
    it: an event moved to another chain, or two events of different chains swapped in the
    order of ids, no longer fit. Chain 0 hashes as every event did before there were chains
    (one chain, whose links alone fix the order)."""
    fields = [
        at.astimezone(UTC).isoformat(timespec="microseconds"),
        staff_id,
        username,
        action,
        log_id,
        subject_id,
        detail,
        prev_hash,
    ]
    if chain:
        fields += [int(chain), int(event_id) if event_id is not None else None]
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    staff_id: int | None,
    username: str,
    action: str,
    log_id: int | None = None,
    subject_id: int | None = None,
    detail: str = "",
) -> None:
    """Add one event to the chain, in the caller's transaction.

    The event waits in the session and joins the chain when the transaction commits
    (:func:`_append_pending`): the chain's lock is then held for the append and the commit
    only, not for the reads and writes that follow an audit in the same transaction, which
    made every audited action in the municipality queue behind every other (issue 18). A
    transaction that rolls back records nothing, as before.
    """
    at = clock.now().astimezone(UTC)
    session.info.setdefault(PENDING_KEY, []).append(
        dict(
            at=at,
            staff_id=staff_id,
            username=username,
            action=action,
            log_id=log_id,
            subject_id=subject_id,
            detail=detail,
        )
    )


# (SQLModel's classes do not declare __table__: a library typing gap.)
_EVENTS: Table = AuditEvent.__table__  # type: ignore[attr-defined]
_SETTINGS: Table = Setting.__table__  # type: ignore[attr-defined]

#: Where a session keeps its events until it commits.
PENDING_KEY = "relaytui.audit.pending"


def _append(session: Session, pending: list[dict]) -> None:
    """Chain ``pending`` onto the head of its chain, under that chain's lock (held until the
    commit, so that ids follow the order of the chain). Core statements, not ORM objects:
    every audited action passes here, and the head is read fresh, never from the session."""
    chain = chain_of(pending[0]["staff_id"])
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:k, :c)"), {"k": CHAIN_LOCK_KEY, "c": chain}
        )
    # The chain continues from its recorded head, so that events cut off the end stay missing.
    key = head_key(chain)
    head, ids = _head_and_ids(session, key, len(pending))
    if head is not None:
        prev = head.partition(":")[2]
    else:
        prev = (
            session.exec(
                select(AuditEvent.hash)
                .where(AuditEvent.chain == chain)
                .order_by(col(AuditEvent.id).desc())
                .limit(1)
            ).first()
            or ""
        )
    rows = []
    for event_id, fields in zip(ids, pending, strict=True):
        digest = event_hash(**fields, chain=chain, event_id=event_id, prev_hash=prev)
        rows.append({**fields, "id": event_id, "chain": chain, "prev_hash": prev, "hash": digest})
        prev = digest
    # On the tables, not the classes: the ORM's bulk insert and its update, which looks for
    # the rows among the session's objects, cost more than the statements (issue 18).
    session.execute(insert(_EVENTS), rows)
    # The head of the chain, kept apart from it: cutting events off the end shows (verify).
    value = f"{rows[-1]['id']}:{prev}"
    if head is None:
        session.execute(insert(_SETTINGS), [{"key": key, "value": value}])
    else:
        session.execute(update(_SETTINGS).where(_SETTINGS.c.key == key).values(value=value))


def _head_and_ids(session: Session, key: str, count: int) -> tuple[str | None, list[int]]:
    """The chain's head as committed now, and ids for ``count`` new events, known before they
    are written as their hash holds them; one round trip. Read after the chain's lock is
    taken (a statement of its own: a statement sees what was committed when it began)."""
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('audit_event', 'id')), "
                "(SELECT value FROM setting WHERE key = :k) FROM generate_series(1, :n)"
            ),
            {"k": key, "n": count},
        ).all()
        return rows[0][1], sorted(row[0] for row in rows)
    # SQLite: the writer holds the database's one write lock; ids as SQLite would give them.
    start, head = session.execute(
        text(
            "SELECT coalesce(max(id), 0), (SELECT value FROM setting WHERE key = :k) FROM audit_event"
        ),
        {"k": key},
    ).one()
    return head, list(range(start + 1, start + 1 + count))


@event.listens_for(OrmSession, "before_commit")
def _append_pending(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        _append(session, pending)


@event.listens_for(OrmSession, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)


#: The settings row that holds ``id:hash`` of the newest event of chain 0; chain ``c`` has
#: ``audit_head:c`` (:func:`head_key`).
HEAD_KEY = "audit_head"


def head_key(chain: int) -> str:
    return HEAD_KEY if chain == 0 else f"{HEAD_KEY}:{chain}"


def heads(session: Session) -> dict[int, tuple[int, str] | None]:
    """The recorded head ``(id, hash)`` of every chain that has one (None where the row does
    not read as one)."""
    found: dict[int, tuple[int, str] | None] = {}
    rows = session.exec(
        select(Setting).where(
            (col(Setting.key) == HEAD_KEY) | col(Setting.key).like(f"{HEAD_KEY}:%")
        )
    ).all()
    for row in rows:
        suffix = row.key[len(HEAD_KEY) + 1 :]
        if row.key != HEAD_KEY and not (row.key.startswith(HEAD_KEY + ":") and suffix.isdigit()):
            continue
        head_id, _sep, head_hash = row.value.partition(":")
        found[int(suffix or 0)] = (int(head_id), head_hash) if head_id.isdigit() else None
    return found


def record_view(
    session: Session, *, staff_id: int | None, username: str, what: str, subject_ids
) -> None:
    """One event for a list that showed children's names (a page of the log list, a search,
    a planner week, the handover inbox): which children, so that each child's access report
    shows it. A list that showed nobody is no event."""
    shown = sorted({int(sid) for sid in subject_ids if sid is not None})
    if not shown:
        return
    record(
        session,
        staff_id=staff_id,
        username=username,
        action="list_shown",
        detail=f"{what}; subjects=,{','.join(map(str, shown))},",
    )


# --- verifying and exporting the trail ------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the chain and checking it against the signed checkpoints.

    ``broken_at`` is the first event that does not fit the chain (``problem`` says how);
    ``findings`` are what the checkpoints showed (relaytui.services.checkpoints.Finding).
    """

    events: int
    broken_at: int | None
    problem: str  # "" | "changed" | "gap" | "cut" | "unreadable"
    findings: tuple = ()
    checkpoints: int = 0
    last_checkpoint: object | None = None  # the newest checkpoint that was checked
    uncovered: int = 0  # events after the newest checkpoint

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not any(f.failure for f in self.findings)


@dataclass(frozen=True)
class _Walk:
    events: int
    broken_at: int | None
    problem: str
    seen: dict[int, tuple[str, int, int]]
    newest: int | None


def _moment(value) -> datetime:
    """An event's time as the database gave it (a datetime, or SQLite's text)."""
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _trail_statement(session: Session):
    """Every event as stored, in order; its time as text, as the database holds it."""
    from sqlalchemy import String, type_coerce

    return (
        # sqlmodel.select's overloads stop at four columns (a library typing gap).
        select(
            col(AuditEvent.id),
            type_coerce(AuditEvent.at, String),  # type: ignore[call-overload]
            col(AuditEvent.staff_id),
            AuditEvent.username,
            AuditEvent.action,
            col(AuditEvent.log_id),
            col(AuditEvent.subject_id),
            AuditEvent.detail,
            AuditEvent.prev_hash,
            AuditEvent.hash,
            # A backup checked before it is upgraded: before schema 0012 all was chain 0.
            AuditEvent.chain
            if has_column(session.connection(), "audit_event", "chain")
            else literal(0),
        )
        .order_by(col(AuditEvent.id))
        .execution_options(yield_per=2000)
    )


def _walk(session: Session, wanted: frozenset[int] | set[int] = frozenset()) -> _Walk:
    """Every event in order, its hash recomputed and its link to the one before in its chain
    checked, then every chain's last event against its recorded head. The time is read as the
    database holds it, so that one unreadable event is named instead of ending the walk.
    ``wanted``: event ids whose hash, ordinal and chain the checkpoints ask for."""
    previous: dict[int, str] = {}
    last: dict[int, int] = {}
    last_id: int | None = None
    count = 0
    seen: dict[int, tuple[str, int, int]] = {}
    for (
        event_id,
        at,
        staff_id,
        username,
        action,
        log_id,
        subject_id,
        detail,
        prev_hash,
        event_hash_stored,
        chain,
    ) in session.exec(_trail_statement(session)):
        count += 1
        try:
            moment = _moment(at)
        except (ValueError, TypeError):
            return _Walk(count, event_id, "unreadable", seen, last_id)
        expected = event_hash(
            at=moment,
            staff_id=staff_id,
            username=username,
            action=action,
            log_id=log_id,
            subject_id=subject_id,
            detail=detail,
            prev_hash=prev_hash,
            chain=chain,
            event_id=event_id,
        )
        if expected != event_hash_stored:
            return _Walk(count, event_id, "changed", seen, last_id)
        if prev_hash != previous.get(chain, ""):
            # An event before this one in its chain was removed, or this one was put in between.
            return _Walk(count, event_id, "gap", seen, last_id)
        if event_id in wanted:
            seen[event_id] = (event_hash_stored, count, chain)
        previous[chain] = event_hash_stored
        last[chain] = last_id = event_id
    recorded = heads(session)
    for chain in sorted(set(recorded) | set(last)):
        if chain not in recorded:
            if chain == 0:
                continue  # a trail from before the head was kept
            # A chain's head was removed with the newest events of the chain, or alone.
            return _Walk(count, last[chain], "cut", seen, last_id)
        head = recorded[chain]
        if head is None or (last.get(chain), previous.get(chain)) != head:
            # The newest events of the chain were removed (or its head was tampered with).
            return _Walk(
                count, head[0] if head is not None else last.get(chain), "cut", seen, last_id
            )
    return _Walk(count, None, "", seen, last_id)


def verify(
    store, by, *, public_key=None, checkpoint_file=None, from_file: bool = False
) -> ChainReport:
    """Walk the whole chain and check it against every signed checkpoint (administrators).

    ``public_key`` (relaytui.signing.PublicKey) checks the signatures; ``checkpoint_file`` is
    the file outside the database; ``from_file`` trusts that file alone, not the checkpoints
    kept in the database (which whoever rewrote the database could have rewritten too).
    """
    from relaytui.services import access, checkpoints

    with store.session() as session:
        access.require_admin(session, by)
        in_database = [] if from_file else checkpoints.in_database(session)
        in_file, bad_lines = (
            checkpoints.read_file(checkpoint_file) if checkpoint_file is not None else ([], [])
        )
        chosen = in_file if from_file else _unique(in_database + in_file)
        walk = _walk(session, {event_id for c in chosen for _chain, event_id, _hash in c.all_heads})
    findings = [checkpoints.Finding("file_line", None, str(number)) for number in bad_lines]
    if not from_file and in_file:
        findings += checkpoints.compare_sources(in_database, in_file)
    if walk.broken_at is None or walk.problem == "cut":
        findings += checkpoints.check(chosen, walk.seen, public_key, walk.newest)
    checked = [c for c in chosen if public_key is not None and c.key_id == public_key.id]
    newest = max(checked, key=lambda c: c.last_id, default=None)
    uncovered = walk.events - (newest.events if newest is not None else 0)
    return ChainReport(
        events=walk.events,
        broken_at=walk.broken_at,
        problem=walk.problem,
        findings=tuple(findings),
        checkpoints=len(checked),
        last_checkpoint=newest,
        uncovered=max(0, uncovered),
    )


def _unique(found: list) -> list:
    kept: list = []
    for checkpoint in sorted(found, key=lambda c: c.last_id):
        if not any(checkpoint.same(other) for other in kept):
            kept.append(checkpoint)
    return kept


@dataclass(frozen=True)
class AccessLine:
    at: datetime
    username: str
    full_name: str
    profession: str
    unit: str
    action: str
    detail: str


def subject_trail(store, by, national_number: str) -> tuple[str, list[AccessLine]]:
    """Everything the trail holds about one subject, for a guardian's request (GDPR art. 15).

    Administrators (the command line) export it; the export is itself recorded.
    """
    from relaytui.errors import NotFound
    from relaytui.models import Staff, Subject, Unit
    from relaytui.services import access, installation, subjects

    profile = installation.read(store).profile
    digits, _born = subjects.validate_national_number(national_number, profile)
    with store.session(write=True) as session:
        admin = access.require_admin(session, by)
        subject = session.exec(select(Subject).where(Subject.national_number == digits)).first()
        if subject is None:
            raise NotFound(_("No subject with this national number is registered."))
        from sqlalchemy import and_, or_

        rows = session.exec(
            select(AuditEvent, Staff, Unit)
            .join(Staff, col(Staff.id) == AuditEvent.staff_id, isouter=True)
            .join(Unit, col(Unit.id) == Staff.unit_id, isouter=True)
            .where(
                or_(
                    AuditEvent.subject_id == subject.id,
                    and_(
                        col(AuditEvent.action) == "list_shown",
                        col(AuditEvent.detail).like(f"%subjects=%,{subject.id},%"),
                    ),
                )
            )
            .order_by(col(AuditEvent.id))
        ).all()
        lines = [
            AccessLine(
                at=event.at,
                username=event.username,
                full_name=staff.full_name if staff else "",
                profession=staff.profession if staff else "",
                unit=unit.name if unit else "",
                action=event.action,
                detail=event.detail,
            )
            for event, staff, unit in rows
        ]
        record(
            session,
            staff_id=admin.id if admin else None,
            username=admin.username if admin else by.username,
            action="audit_export",
            subject_id=subject.id,
            detail=f"{len(lines)} events",
        )
        return subject.name, lines
