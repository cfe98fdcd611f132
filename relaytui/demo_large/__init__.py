"""A municipality-sized demo database, for measuring speed: `relaytui demo --size large`.

The small demo goes through the services, row by row, which takes hours at this scale. This
one writes the same tables in bulk (SQLAlchemy Core executemany on SQLite, COPY on
PostgreSQL), with ids chosen here so that no row needs a round trip. The data keeps the
rules a real database keeps: one open holder period per log, level 1 and above with a
consent, actors covered by a consent, closed logs with their consultation, and an audit
trail whose hash chain verifies (``relaytui audit verify``). Every account's password is
``demo``; ``lene`` leads the largest unit and ``anna`` holds the logs with 1,000 entries. The
names and words are data: data/demo/large.toml, and data/demo/dk.toml for what both demos share.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from zoneinfo import ZoneInfo

from relaytui.bulk_rows import BulkWriter, NextIds
from relaytui.db import Store
from relaytui.demo_large.people import people
from relaytui.demo_large.storeby import KIRKEBY, STOREBY, TZ
from relaytui.demo_large.story import Story

PASSWORD = "demo"


@dataclass(frozen=True)
class Size:
    logs: int
    entries: int
    meetings: int
    efforts: int
    staff: int
    units: int
    #: Logs with exactly this many entries (for "open a log with 1,000 entries").
    long_logs: int = 20
    long_entries: int = 1000


SIZES = {
    "large": Size(
        logs=100_000, entries=1_000_000, meetings=200_000, efforts=300_000, staff=5_000, units=200
    ),
    "medium": Size(
        logs=10_000,
        entries=100_000,
        meetings=20_000,
        efforts=30_000,
        staff=500,
        units=20,
        long_logs=5,
    ),
}


def populate(
    store: Store,
    *,
    size: str | Size = "large",
    seed: int = 11,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Fill an empty, migrated database with a municipality of the given ``size``.

    ``progress(phase, done, total)`` is called as the work advances. Returns the rows written
    per table.
    """
    from relaytui.services import clock, sign_in

    spec = SIZES[size] if isinstance(size, str) else size
    rng = random.Random(seed)
    tz = ZoneInfo(TZ)
    now = clock.now().astimezone(UTC)
    today = now.astimezone(tz).date()
    report = progress or (lambda phase, done, total: None)
    writer = BulkWriter(store)
    ids = NextIds()
    events: list[tuple] = []  # (at, staff_id, action, log_id, subject_id, detail)
    password_hash = sign_in.hash_password(PASSWORD)
    try:
        staff_units, leaders, usernames, names = people(writer, ids, spec, rng, now, password_hash)
        writer.flush(("unit", "staff"))
        _settings(writer)
        story = Story(writer, ids, spec, rng, now, today, tz, staff_units, leaders, events, names)
        chunk = 2_000
        for start in range(0, spec.logs, chunk):
            for index in range(start, min(start + chunk, spec.logs)):
                story.log(index)
            writer.flush()
            report("logs", min(start + chunk, spec.logs), spec.logs)
        story.grants()
        writer.flush()
        _audit_trail(writer, events, usernames, report)
        writer.finish()
    except BaseException:
        writer.conn.rollback()
        writer.conn.close()
        raise
    return dict(writer.written)


def _settings(writer: BulkWriter) -> None:
    """The installation's settings: Storeby, in the Danish profile."""
    for key, value in (
        ("profile", KIRKEBY.profile),
        ("timezone", TZ),
        ("municipality", STOREBY["municipality"]),
        ("age_of_own_consent", "16"),
        ("handover_reminder_days", "7"),
        ("idle_lock_minutes", "10"),
        ("language", ""),
    ):
        writer.add("setting", (key, value))


def _audit_trail(
    writer: BulkWriter,
    events: list[tuple],
    usernames: dict[int | None, str],
    report: Callable[[str, int, int], None],
) -> None:
    """The trail in time order, chained as audit.record chains it."""
    from relaytui.services import audit

    events.sort(key=lambda e: e[0])
    previous = ""
    for number, (at, staff_id, action, log_id, subject_id, detail) in enumerate(events, start=1):
        username = usernames[staff_id]
        digest = audit.event_hash(
            at=at,
            staff_id=staff_id,
            username=username,
            action=action,
            log_id=log_id,
            subject_id=subject_id,
            detail=detail,
            prev_hash=previous,
        )
        writer.add(
            "audit_event",
            (
                number,
                at,
                staff_id,
                username,
                action,
                log_id,
                subject_id,
                detail,
                previous,
                digest,
            ),
        )
        previous = digest
        if number % 50_000 == 0:
            writer.flush(("audit_event",))
            report("audit", number, len(events))
    if events:
        writer.add("setting", (audit.HEAD_KEY, f"{len(events)}:{previous}"))
    report("audit", len(events), len(events))


def populate_with_progress(store: Store, *, size: str) -> dict[str, int]:
    """``populate`` with a rich progress bar on the terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from relaytui.i18n import _

    labels = {"logs": _("Relay logs"), "audit": _("Audit trail")}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as bar:
        tasks: dict[str, int] = {}

        def advance(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(labels.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)

        return populate(store, size=size, progress=advance)
