"""The query-backed figures: our services against the same question in hand-written SQL."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from relaytui.db import Store


@dataclass
class Figure:
    name: str
    ours_ms: float
    raw_ms: float | None = None
    target_ms: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.ours_ms / self.raw_ms if self.raw_ms else None


def paired_ms(
    ours: Callable[[], object], theirs: Callable[[], object], repeat: int, warmup: int = 2
) -> tuple[float, float]:
    """Medians of the two, run in turns: a machine that slows down or speeds up during the
    run then moves both alike, and the ratio holds (run one after the other, it did not)."""
    for _n in range(warmup):
        ours()
        theirs()
    times: tuple[list[float], list[float]] = ([], [])
    for _n in range(repeat):
        for run, into in ((ours, times[0]), (theirs, times[1])):
            start = time.perf_counter()
            run()
            into.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def median_ms(run: Callable[[], object], repeat: int, warmup: int = 2) -> float:
    for _n in range(warmup):
        run()
    times = []
    for _n in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class Raw:
    """Hand-written SQL on the store's own engine (so the same driver, pool and settings)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sqlite = store.is_sqlite
        self.fold = "relaytui_casefold" if self.sqlite else "lower"

    def ts(self, moment: datetime):
        moment = moment.astimezone(UTC)
        if self.sqlite:
            return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return moment

    def day(self, value: date):
        return value.isoformat() if self.sqlite else value

    def rows(self, sql: str, **params) -> list:
        with self.store.engine.connect() as conn:
            return conn.execute(text(sql), params).all()

    # --- the log list -------------------------------------------------------------------

    def consent_ok(self, alias: str = "l") -> str:
        return (
            f"EXISTS (SELECT 1 FROM consent c WHERE c.log_id = {alias}.id AND c.covers_log = :yes "
            "AND c.withdrawn_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > :now))"
        )

    def visible(self) -> str:
        return (
            "l.status <> 'closed' AND (l.holder_id = :me OR l.id IN ("
            "SELECT ms.log_id FROM membership ms LEFT JOIN consent c ON c.id = ms.consent_id "
            "WHERE ms.staff_id = :me AND ms.removed_at IS NULL AND (ms.consent_id IS NULL OR "
            "(c.withdrawn_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > :now)))))"
        )

    ATTENTION = {
        "overdue": "EXISTS (SELECT 1 FROM effort f WHERE f.log_id = l.id AND f.status = 'active' "
        "AND f.evaluate_on < :today)",
        "handover": "EXISTS (SELECT 1 FROM handover h WHERE h.log_id = l.id AND h.status = 'pending')",
        "meeting_soon": "EXISTS (SELECT 1 FROM meeting m WHERE m.log_id = l.id AND m.status = 'planned' "
        "AND m.starts_at >= :now AND m.starts_at < :soon)",
    }

    def list_page(
        self, me: int, *, where: str = "", params: dict | None = None, after=None, limit: int = 50
    ) -> list:
        """The page's rows with every figure the list shows, in one statement."""
        now = datetime.now(UTC)
        keyset = ""
        values = {
            "me": me,
            "now": self.ts(now),
            "today": self.day(date.today()),
            "yes": True,
            "soon": self.ts(now + timedelta(days=14)),
            "limit": limit + 1,
            **(params or {}),
        }
        if after is not None:
            keyset = " AND (s.name_key > :key OR (s.name_key = :key AND l.id > :last))"
            values["key"], values["last"] = after
        sql = f"""
            SELECT l.id, l.subject_id, s.name, s.national_number, l.level, l.status, l.holder_id,
                   st.full_name, l.needs_attention, s.name_key AS sort_key,
                   (SELECT min(m.starts_at) FROM meeting m WHERE m.log_id = l.id AND m.status = 'planned'
                      AND m.starts_at >= :now) AS next_meeting,
                   (SELECT max(e.written_at) FROM entry e WHERE e.log_id = l.id) AS last_entry,
                   (SELECT count(*) FROM effort f WHERE f.log_id = l.id AND f.status = 'active'
                      AND f.evaluate_on < :today) AS overdue,
                   EXISTS (SELECT 1 FROM handover h WHERE h.log_id = l.id AND h.status = 'pending') AS pending,
                   CASE WHEN {self.consent_ok()} THEN 'ok'
                        WHEN NOT EXISTS (SELECT 1 FROM consent c WHERE c.log_id = l.id AND c.covers_log = :yes)
                          THEN 'missing'
                        ELSE (SELECT CASE WHEN c.withdrawn_at IS NOT NULL THEN 'withdrawn' ELSE 'expired' END
                              FROM consent c WHERE c.log_id = l.id AND c.covers_log = :yes
                              ORDER BY c.given_at DESC LIMIT 1) END AS consent_state
            FROM relay_log l JOIN subject s ON s.id = l.subject_id JOIN staff st ON st.id = l.holder_id
            WHERE {self.visible()} {where} {keyset}
            ORDER BY s.name_key, l.id
            LIMIT :limit
        """
        return self.rows(sql, **values)

    # --- the dashboard ------------------------------------------------------------------

    def figures(self, scope: str, value: int) -> list:
        """The dashboard's figures for the open logs held by ``value`` or of unit ``value``."""
        now = datetime.now(UTC)
        params = {
            "v": value,
            "now": self.ts(now),
            "soon": self.ts(now + timedelta(days=14)),
            "expiring": self.ts(now + timedelta(days=30)),
            "today": self.day(date.today()),
            "yes": True,
        }
        open_logs = f"l.status <> 'closed' AND l.{scope} = :v"
        sql = f"""
            SELECT
              (SELECT count(*) FROM effort f JOIN relay_log l ON l.id = f.log_id
                WHERE {open_logs} AND f.status = 'active' AND f.evaluate_on < :today),
              (SELECT count(*) FROM meeting m JOIN relay_log l ON l.id = m.log_id
                WHERE {open_logs} AND m.status = 'planned' AND m.starts_at >= :now AND m.starts_at < :soon),
              (SELECT count(*) FROM handover h JOIN relay_log l ON l.id = h.log_id
                WHERE {open_logs} AND h.status = 'pending')
        """
        per_level = f"SELECT l.level, count(*) FROM relay_log l WHERE {open_logs} GROUP BY l.level"
        consents = f"""
            SELECT
              sum(CASE WHEN s.in_force > 0 AND s.lasting = 0 THEN 1 ELSE 0 END),
              sum(CASE WHEN s.total = 0 THEN 1 ELSE 0 END),
              sum(CASE WHEN s.in_force = 0 AND s.total > 0 AND s.latest_withdrawn = 1 THEN 1 ELSE 0 END),
              sum(CASE WHEN s.in_force = 0 AND s.total > 0 AND s.latest_withdrawn = 0 THEN 1 ELSE 0 END)
            FROM (
              SELECT l.id,
                (SELECT count(*) FROM consent c WHERE c.log_id = l.id AND c.covers_log = :yes) AS total,
                (SELECT count(*) FROM consent c WHERE c.log_id = l.id AND c.covers_log = :yes
                   AND c.withdrawn_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > :now)) AS in_force,
                (SELECT count(*) FROM consent c WHERE c.log_id = l.id AND c.covers_log = :yes
                   AND c.withdrawn_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > :expiring)) AS lasting,
                (SELECT CASE WHEN c.withdrawn_at IS NULL THEN 0 ELSE 1 END FROM consent c
                   WHERE c.log_id = l.id AND c.covers_log = :yes ORDER BY c.given_at DESC LIMIT 1)
                   AS latest_withdrawn
              FROM relay_log l WHERE {open_logs}
            ) s
        """
        with self.store.engine.connect() as conn:
            return [
                conn.execute(text(sql), params).all(),
                conn.execute(text(per_level), params).all(),
                conn.execute(text(consents), params).all(),
            ]

    # --- opening a log ------------------------------------------------------------------

    def open_log(self, me: int, log_id: int, username: str) -> list:
        """The log's header and its newest 500 entries, with the reads written to the audit trail."""
        from relaytui.services.audit import CHAIN_LOCK_KEY, chain_of, event_hash, head_key

        now = datetime.now(UTC)
        params = {
            "me": me,
            "log": log_id,
            "now": self.ts(now),
            "today": self.day(date.today()),
            "yes": True,
        }
        # A writing connection, as the services' audited reads use (BEGIN IMMEDIATE on SQLite).
        with self.store.engine.execution_options(relaytui_write=True).connect() as conn:
            header = conn.execute(
                text(f"""
                SELECT l.*, s.name, s.national_number, s.kind, s.birth_date, st.full_name, st.phone, st.email,
                       u.name AS unit_name,
                       (SELECT count(*) FROM effort f WHERE f.log_id = l.id AND f.status = 'active'
                          AND f.evaluate_on < :today) AS overdue,
                       (SELECT h.id FROM handover h WHERE h.log_id = l.id AND h.status = 'pending' LIMIT 1),
                       {self.consent_ok()} AS consent_ok,
                       EXISTS (SELECT 1 FROM membership ms WHERE ms.log_id = l.id AND ms.staff_id = :me
                               AND ms.removed_at IS NULL) AS member
                FROM relay_log l JOIN subject s ON s.id = l.subject_id JOIN staff st ON st.id = l.holder_id
                LEFT JOIN unit u ON u.id = st.unit_id
                WHERE l.id = :log
            """),
                params,
            ).all()
            entries = conn.execute(
                text("""
                SELECT e.id, e.written_at, e.kind, e.text, e.corrects_id, e.meeting_id, st.full_name
                FROM entry e JOIN staff st ON st.id = e.author_id
                WHERE e.log_id = :log ORDER BY e.written_at DESC, e.id DESC LIMIT 500
            """),
                params,
            ).all()
            # The two reads, chained into the audit trail as the services chain them: in one
            # transaction (as the log view opens a log), in the reader's chain, under its lock,
            # the ids known before the hashes.
            chain = chain_of(me)
            if self.sqlite:
                first = conn.execute(
                    text("SELECT coalesce(max(id), 0) + 1 FROM audit_event")
                ).scalar()
                ids = [first, first + 1]
            else:
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:k, :c)"), {"k": CHAIN_LOCK_KEY, "c": chain}
                )
                ids = sorted(
                    conn.execute(
                        text("SELECT nextval('audit_event_id_seq') FROM generate_series(1, 2)")
                    ).scalars()
                )
            head = conn.execute(
                text("SELECT value FROM setting WHERE key = :k"), {"k": head_key(chain)}
            ).scalar()
            prev = head.partition(":")[2] if head else ""
            subject_id = header[0].subject_id
            for new_id, what in zip(ids, ("log", "entries"), strict=True):
                digest = event_hash(
                    at=now,
                    staff_id=me,
                    username=username,
                    action="read",
                    log_id=log_id,
                    subject_id=subject_id,
                    detail=what,
                    prev_hash=prev,
                    chain=chain,
                    event_id=new_id,
                )
                conn.execute(
                    text(
                        "INSERT INTO audit_event (id, at, staff_id, username, action, log_id, subject_id, detail, "
                        "prev_hash, hash, chain) VALUES (:id, :at, :me, :u, 'read', :log, :s, :d, :p, :h, :c)"
                    ),
                    {
                        "id": new_id,
                        "at": self.ts(now),
                        "me": me,
                        "u": username,
                        "log": log_id,
                        "s": subject_id,
                        "d": what,
                        "p": prev,
                        "h": digest,
                        "c": chain,
                    },
                )
                prev = digest
            if head is None:
                conn.execute(
                    text("INSERT INTO setting (key, value) VALUES (:k, :v)"),
                    {"v": f"{ids[-1]}:{prev}", "k": head_key(chain)},
                )
            else:
                conn.execute(
                    text("UPDATE setting SET value = :v WHERE key = :k"),
                    {"v": f"{ids[-1]}:{prev}", "k": head_key(chain)},
                )
            conn.commit()
            return [header, entries]
