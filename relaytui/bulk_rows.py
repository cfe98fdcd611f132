"""Rows written in bulk, in foreign-key order, with ids chosen ahead: how the large demo fills a
database in minutes where the services, row by row, would take hours.

SQLAlchemy Core executemany on SQLite, COPY on PostgreSQL. The caller keeps the rules a real
database keeps (relaytui.demo_large); this module only knows the tables' columns and order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from relaytui.db import Store

# The columns each table is written with, in order (every NOT NULL column is named).
COLUMNS: dict[str, tuple[str, ...]] = {
    "unit": ("id", "name", "kind", "phone", "leader_id", "version"),
    "staff": (
        "id",
        "username",
        "full_name",
        "profession",
        "unit_id",
        "role",
        "email",
        "phone",
        "password_hash",
        "active",
        "failed_logins",
        "locked",
        "language",
        "created_at",
        "version",
    ),
    "subject": ("id", "national_number", "name", "name_key", "birth_date", "kind", "version"),
    "guardian": ("id", "subject_id", "name", "relation", "phone", "email", "has_custody"),
    "relay_log": (
        "id",
        "subject_id",
        "holder_id",
        "unit_id",
        "created_by",
        "created_at",
        "level",
        "status",
        "concern",
        "trigger",
        "language",
        "needs_attention",
        "closed_at",
        "closed_by",
        "close_reason",
        "close_basis",
        "close_consultation",
        "version",
    ),
    "handover": (
        "id",
        "log_id",
        "from_staff_id",
        "to_staff_id",
        "proposed_at",
        "message",
        "transition",
        "status",
        "answered_at",
        "answer_message",
        "version",
    ),
    "holder_period": ("id", "log_id", "staff_id", "started_at", "ended_at", "handover_id"),
    "level_change": (
        "id",
        "log_id",
        "changed_by",
        "changed_at",
        "from_level",
        "to_level",
        "reason",
    ),
    "consent": (
        "id",
        "log_id",
        "giver_kind",
        "guardian_id",
        "giver_name",
        "method",
        "given_at",
        "covers_log",
        "expires_at",
        "withdrawn_at",
        "withdrawn_reason",
        "note",
        "recorded_by",
        "recorded_at",
        "version",
    ),
    "consent_cover": ("id", "consent_id", "staff_id", "unit_id", "person_name"),
    "membership": (
        "id",
        "log_id",
        "staff_id",
        "role",
        "consent_id",
        "added_by",
        "added_at",
        "removed_at",
        "removed_reason",
    ),
    "meeting": (
        "id",
        "log_id",
        "kind",
        "starts_at",
        "duration_minutes",
        "place",
        "status",
        "convened_by",
        "cancel_reason",
        "agenda_sent_at",
        "minutes_finished_at",
        "version",
    ),
    "agenda_item": ("id", "meeting_id", "position", "title"),
    "invitee": ("id", "meeting_id", "staff_id", "name", "role", "attended"),
    "entry": (
        "id",
        "log_id",
        "author_id",
        "written_at",
        "kind",
        "text",
        "corrects_id",
        "meeting_id",
    ),
    "effort": (
        "id",
        "log_id",
        "what",
        "responsible_staff_id",
        "responsible_text",
        "starts_on",
        "evaluate_on",
        "status",
        "created_by",
        "created_at",
        "ended_at",
        "version",
    ),
    "goal": (
        "id",
        "log_id",
        "text",
        "evaluate_on",
        "status",
        "created_by",
        "created_at",
        "version",
    ),
    "notification": ("id", "log_id", "made_by", "made_at", "exception", "reason", "recipient"),
    "read_grant": ("id", "log_id", "staff_id", "granted_by", "granted_at", "expires_at", "reason"),
    "audit_event": (
        "id",
        "at",
        "staff_id",
        "username",
        "action",
        "log_id",
        "subject_id",
        "detail",
        "prev_hash",
        "hash",
    ),
    "setting": ("key", "value"),
}
#: The order that keeps every foreign key pointing at a row already written.
ORDER = (
    "unit",
    "staff",
    "subject",
    "guardian",
    "relay_log",
    "handover",
    "holder_period",
    "level_change",
    "consent",
    "consent_cover",
    "membership",
    "meeting",
    "agenda_item",
    "invitee",
    "entry",
    "effort",
    "goal",
    "notification",
    "read_grant",
)


class BulkWriter:
    """Buffers rows per table and writes them in bulk, in foreign-key order."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.postgres = store.kind == "postgresql"
        self.rows: dict[str, list[tuple]] = {name: [] for name in COLUMNS}
        self.written: dict[str, int] = {name: 0 for name in COLUMNS}
        from sqlmodel import SQLModel

        import relaytui.models  # noqa: F401  (registers the tables)

        self.tables = SQLModel.metadata.tables
        self.conn = store.engine.connect()
        if not self.postgres:
            # A bulk load into a fresh file: the whole file is thrown away if it fails.
            self.conn.connection.driver_connection.execute("PRAGMA synchronous=OFF")
        self.conn.begin()

    def add(self, table: str, row: tuple) -> None:
        self.rows[table].append(row)

    def flush(self, tables: Iterable[str] = ORDER) -> None:
        for name in tables:
            rows = self.rows[name]
            if not rows:
                continue
            columns = COLUMNS[name]
            if self.postgres:
                raw = self.conn.connection.driver_connection
                with raw.cursor() as cursor:
                    with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
            else:
                table = self.tables[name]
                for start in range(0, len(rows), 20_000):
                    self.conn.execute(
                        table.insert(),
                        [
                            dict(zip(columns, row, strict=True))
                            for row in rows[start : start + 20_000]
                        ],
                    )
            self.written[name] += len(rows)
            rows.clear()
        self.conn.commit()
        self.conn.begin()

    def finish(self) -> None:
        self.flush(list(ORDER) + ["audit_event", "setting"])
        if self.postgres:
            for name in ORDER + ("audit_event",):
                self.conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {name}), false)"
                )
            self.conn.commit()
            # After a bulk load: the statistics, and the visibility map without which no
            # index-only scan skips the table (autovacuum would get there, hours later).
            raw = self.conn.connection.driver_connection
            raw.autocommit = True
            raw.execute("VACUUM ANALYZE")
            raw.autocommit = False
        else:
            self.conn.commit()
            raw = self.conn.connection.driver_connection
            raw.execute("PRAGMA synchronous=FULL")
            raw.execute("ANALYZE")
        self.conn.commit()
        self.conn.close()


@dataclass
class NextIds:
    """The next id of each table (the database is empty: ids start at 1)."""

    next: dict[str, int] = field(default_factory=lambda: {name: 1 for name in COLUMNS})

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value
