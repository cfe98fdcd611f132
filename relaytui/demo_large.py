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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from relaytui import data_files
from relaytui.bulk_rows import BulkWriter, NextIds
from relaytui.db import Store
from relaytui.demo import country
from relaytui.models.subject import fold_name

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

# Storeby's own names and words, and those it shares with the small Danish demo (Kirkeby), so
# both demos speak alike.
STOREBY = data_files.demo_municipality("large")
KIRKEBY = country("dk")
TZ = KIRKEBY.timezone
FIRST = tuple(STOREBY["first_names"])
LAST = tuple(STOREBY["last_names"])
MOTHERS = KIRKEBY.mothers
FATHERS = KIRKEBY.fathers
UNIT_KINDS = tuple((unit["kind"], unit["name"]) for unit in STOREBY["units"])
PROFESSIONS: dict[str, str] = STOREBY["professions"]
CONCERNS = KIRKEBY.concerns
NOTES = KIRKEBY.notes
EFFORTS = tuple(what for what, _staff, _text in KIRKEBY.efforts)
LEVEL_REASONS = KIRKEBY.level_reasons
AGENDA = tuple(STOREBY["agenda"])


def _cpr(born: date, serial: int) -> str:
    # The seventh digit gives the century: 4 for 2000-2036, 0 for 1900-1999 (as stdnum checks).
    lead = 4 if born.year >= 2000 else 0
    return f"{born:%d%m%y}{lead}{serial % 1000:03d}"


def _working_hour(day: date, rng: random.Random, tz: ZoneInfo) -> datetime:
    if day.weekday() >= 5:
        day += timedelta(days=7 - day.weekday())
    return datetime.combine(day, time(rng.randint(8, 15), rng.choice((0, 15, 30))), tz).astimezone(
        UTC
    )


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max((end - start).total_seconds(), 60.0)
    return start + timedelta(seconds=rng.random() * span)


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
    from relaytui.services import audit, clock, sign_in

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
        staff_units, leaders, usernames, names = _people(writer, ids, spec, rng, now, password_hash)
        writer.flush(("unit", "staff"))
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
        story = _Story(writer, ids, spec, rng, now, today, tz, staff_units, leaders, events, names)
        chunk = 2_000
        for start in range(0, spec.logs, chunk):
            for index in range(start, min(start + chunk, spec.logs)):
                story.log(index)
            writer.flush()
            report("logs", min(start + chunk, spec.logs), spec.logs)
        story.grants()
        writer.flush()
        # The trail in time order, chained as audit.record chains it.
        events.sort(key=lambda e: e[0])
        previous = ""
        for number, (at, staff_id, action, log_id, subject_id, detail) in enumerate(
            events, start=1
        ):
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
        writer.finish()
    except BaseException:
        writer.conn.rollback()
        writer.conn.close()
        raise
    return dict(writer.written)


def _people(
    writer: BulkWriter,
    ids: NextIds,
    spec: Size,
    rng: random.Random,
    now: datetime,
    password_hash: str,
):
    """Units with their leaders and staff; the first unit is ten times the others."""
    usernames: dict[int | None, str] = {None: "cli:demo"}
    names: dict[int, str] = {}
    staff_units: list[list[int]] = []
    leaders: list[int] = []
    admin = ids.take("staff")
    domain = STOREBY["email_domain"]
    admin_name, admin_full, admin_profession = KIRKEBY.admin
    writer.add(
        "staff",
        (
            admin,
            admin_name,
            admin_full,
            admin_profession,
            None,
            "admin",
            f"{admin_name}@{domain}",
            "",
            password_hash,
            True,
            0,
            False,
            None,
            now,
            1,
        ),
    )
    usernames[admin] = admin_name
    big = max(spec.staff // 10, 3)
    rest = spec.staff - big
    per_unit = [big] + [
        rest // (spec.units - 1) + (1 if n < rest % (spec.units - 1) else 0)
        for n in range(spec.units - 1)
    ]
    for number in range(spec.units):
        unit_id = ids.take("unit")
        first_unit = STOREBY["first_unit"]
        kind, base = (
            (first_unit["kind"], first_unit["name"])
            if number == 0
            else UNIT_KINDS[number % len(UNIT_KINDS)]
        )
        members = []
        for place in range(per_unit[number]):
            staff_id = ids.take("staff")
            first = FIRST[(staff_id * 7) % len(FIRST)]
            last = LAST[(staff_id * 11) % len(LAST)]
            if number == 0 and place in (0, 1):  # the leader and the main account
                named = STOREBY["leader" if place == 0 else "main"]
                username, first, last = named["username"], named["first"], named["last"]
            else:
                username = f"{first.lower()}{staff_id}"
            role = "leader" if place == 0 else "caseworker"
            profession = STOREBY["leader_profession"] if place == 0 else PROFESSIONS[kind]
            writer.add(
                "staff",
                (
                    staff_id,
                    username,
                    f"{first} {last}",
                    profession,
                    unit_id,
                    role,
                    f"{username}@{domain}",
                    f"+45 70{staff_id:06d}",
                    password_hash,
                    True,
                    0,
                    False,
                    None,
                    now - timedelta(days=rng.randint(30, 3000)),
                    1,
                ),
            )
            usernames[staff_id] = username
            names[staff_id] = f"{first} {last}"
            members.append(staff_id)
        leaders.append(members[0])
        staff_units.append(members)
        writer.add(
            "unit",
            (
                unit_id,
                f"{base} {STOREBY['town'] if number == 0 else number}",
                kind,
                f"+45 71{number:06d}",
                members[0],
                1,
            ),
        )
    return staff_units, leaders, usernames, names


@dataclass
class _Log:
    """One log while it is written: who holds it, since when, and what its consent allows."""

    index: int
    id: int
    subject_id: int
    unit: int
    members: list[int]
    holder: int
    #: The holder before the one handover, if any (``handed_at``); else ``holder``.
    first_holder: int
    leader: int
    active: bool
    long: bool
    created: datetime
    end: datetime
    level: int
    first: str
    handed_at: datetime | None = None
    consent_id: int | None = None
    consent_state: str = "missing"
    needs_attention: str | None = None
    covered_actors: list[int] = field(default_factory=list)
    closed_at: datetime | None = None

    def author(self, at: datetime) -> int:
        """Who held the log at ``at``."""
        return self.first_holder if self.handed_at is None or at < self.handed_at else self.holder


class _Story:
    """One log at a time: its subject, holder, consents, actors, journal, efforts, meetings."""

    def __init__(
        self,
        writer: BulkWriter,
        ids: NextIds,
        spec: Size,
        rng: random.Random,
        now: datetime,
        today: date,
        tz: ZoneInfo,
        staff_units: list[list[int]],
        leaders: list[int],
        events: list[tuple],
        names: dict[int, str],
    ) -> None:
        self.names = names
        self.w, self.ids, self.spec, self.rng = writer, ids, spec, rng
        self.now, self.today, self.tz = now, today, tz
        self.staff_units, self.leaders, self.events = staff_units, leaders, events
        self.all_staff = [s for members in staff_units for s in members]
        self.serials: dict[date, int] = {}
        self.closed: list[tuple[int, int]] = []  # (log id, subject id) for read grants
        # Logs with many entries are held by anna (the second member of the first unit).
        step = max(spec.logs // max(spec.long_logs, 1), 1)
        self.long = {n * step for n in range(spec.long_logs)} if spec.long_logs else set()
        spare = spec.entries - spec.long_logs * spec.long_entries
        self.mean_entries = max(spare / spec.logs, 1.0)
        levelled = spec.logs * 5 / 6
        self.mean_efforts = spec.efforts / levelled
        planned = spec.logs / 3 * 5 / 6 * 0.3
        self.mean_meetings = max((spec.meetings - planned) / levelled, 0.0)

    def _event(
        self,
        at: datetime,
        staff_id: int,
        action: str,
        log_id: int,
        subject_id: int,
        detail: str = "",
    ) -> None:
        self.events.append((at, staff_id, action, log_id, subject_id, detail))

    def _subject(self, index: int, kind: str) -> tuple[int, str, list[tuple[int, str]]]:
        rng = self.rng
        subject_id = self.ids.take("subject")
        first = FIRST[rng.randrange(len(FIRST))]
        last = LAST[rng.randrange(len(LAST))]
        if kind == "pregnant":
            born = date(1985, 1, 1) + timedelta(days=rng.randint(0, 365 * 18))
            first = MOTHERS[rng.randrange(len(MOTHERS))]
        else:
            born = self.today - timedelta(
                days=rng.randint(100, 365 * (12 if kind == "child" else 17))
            )
        serial = self.serials.get(born, 0)
        self.serials[born] = serial + 1
        name = f"{first} {last}"
        self.w.add(
            "subject", (subject_id, _cpr(born, serial), name, fold_name(name), born, kind, 1)
        )
        guardians = []
        if kind != "pregnant":
            for relation, names in ((KIRKEBY.mother, MOTHERS), (KIRKEBY.father, FATHERS)):
                guardian_id = self.ids.take("guardian")
                gname = f"{names[rng.randrange(len(names))]} {last}"
                self.w.add(
                    "guardian",
                    (
                        guardian_id,
                        subject_id,
                        gname,
                        relation,
                        f"+45 2{guardian_id:07d}",
                        f"g{guardian_id}@mail.example",
                        relation == KIRKEBY.mother or rng.random() < 0.8,
                    ),
                )
                guardians.append((guardian_id, gname))
        return subject_id, name, guardians

    def log(self, index: int) -> None:
        """One log and everything around it. The random draws keep their order: one seed, one
        municipality."""
        log, name, guardians, concern, trigger = self._start(index)
        self._event(log.created, log.first_holder, "log_created", log.id, log.subject_id)
        level_rows: list[tuple[int | None, int, datetime, str]] = [(None, 0, log.created, concern)]
        if log.level >= 1 or index % 4 == 0:
            self._consent(log, name, guardians, level_rows)
        else:
            log.level = 0
        for from_level, to_level, at, reason in level_rows:
            self.w.add(
                "level_change",
                (
                    self.ids.take("level_change"),
                    log.id,
                    log.author(at),
                    at,
                    from_level,
                    to_level,
                    reason,
                ),
            )
            if from_level is not None:
                self._event(
                    at, log.author(at), "level_changed", log.id, log.subject_id, f"to {to_level}"
                )
        close_basis = self._log_row(log, concern, trigger, len(level_rows))
        self._holders(log)
        self._readers(log)
        readers = [log.holder] + log.covered_actors
        self._journal(
            log.id,
            log.holder,
            log.first_holder,
            log.handed_at,
            log.created,
            log.end,
            log.first,
            log.long,
        )
        if log.level >= 1:
            self._efforts(
                log.id,
                log.subject_id,
                log.holder,
                readers,
                log.created,
                log.end,
                log.first,
                log.active,
            )
            self._meetings(
                log.id,
                log.subject_id,
                log.holder,
                readers,
                guardians,
                log.created,
                log.end,
                log.active,
                log.level,
            )
        if log.closed_at is not None:
            self._event(
                log.closed_at, log.holder, "log_closed", log.id, log.subject_id, close_basis
            )
            if len(self.closed) < 500 and self.rng.random() < 0.05:
                self.closed.append((log.id, log.subject_id))

    def _start(self, index: int) -> tuple[_Log, str, list[tuple[int, str]], str, str | None]:
        """Who holds the log, about whom, since when, at which level; a tenth changed holder once."""
        rng, now, spec = self.rng, self.now, self.spec
        long = index in self.long
        active = long or index % 3 == 0
        unit = 0 if (long or rng.random() < 0.15) else rng.randrange(1, spec.units)
        members = self.staff_units[unit]
        holder = members[1] if long or len(members) < 2 else members[rng.randrange(1, len(members))]
        kind = "pregnant" if rng.random() < 0.05 else ("youth" if rng.random() < 0.12 else "child")
        subject_id, name, guardians = self._subject(index, kind)
        first = name.split()[0]
        if active:
            created = now - timedelta(days=rng.randint(20, 730), hours=rng.randint(0, 8))
            end = now - timedelta(hours=1)
        else:
            created = now - timedelta(days=rng.randint(420, 3000))
            end = created + timedelta(days=rng.randint(60, 380))
        level = 3 if long else rng.choice((0, 1, 1, 2, 2, 3))
        log = _Log(
            index=index,
            id=self.ids.take("relay_log"),
            subject_id=subject_id,
            unit=unit,
            members=members,
            holder=holder,
            first_holder=holder,
            leader=self.leaders[unit],
            active=active,
            long=long,
            created=created,
            end=end,
            level=level,
            first=first,
        )
        concern = CONCERNS[rng.randrange(len(CONCERNS))].format(name=first)
        trigger = (
            "pregnancy_visit"
            if kind == "pregnant"
            else rng.choice((None, None, None, "wellbeing_yellow", "wellbeing_red"))
        )
        if not long and rng.random() < 0.1 and len(members) > 2:
            first_holder = members[rng.randrange(1, len(members))]
            if first_holder != holder:
                log.first_holder = first_holder
                log.handed_at = _between(rng, created + timedelta(days=10), end - timedelta(days=5))
        return log, name, guardians, concern, trigger

    def _consent(
        self,
        log: _Log,
        name: str,
        guardians: list[tuple[int, str]],
        level_rows: list[tuple[int | None, int, datetime, str]],
    ) -> None:
        """The consent (some expired, expiring or withdrawn), the colleagues it covers, and the
        level changes it allows."""
        rng, now, active = self.rng, self.now, log.active
        consent_id = log.consent_id = self.ids.take("consent")
        given = log.created + timedelta(days=2, hours=rng.randint(0, 6))
        roll = rng.random()
        expires = withdrawn = None
        withdrawn_reason = None
        if active and roll < 0.04:
            expires = now - timedelta(days=rng.randint(1, 60))
            log.consent_state = "expired"
        elif active and roll < 0.08:
            expires = now + timedelta(days=rng.randint(1, 29))
            log.consent_state = "expiring"
        elif active and roll < 0.11:
            withdrawn = now - timedelta(days=rng.randint(1, 20))
            withdrawn_reason = KIRKEBY.withdraw_reason
            log.needs_attention = "consent_withdrawn"
            log.consent_state = "withdrawn"
        else:
            log.consent_state = "ok"
        if guardians:
            giver_kind, guardian_id, giver_name = "guardian", guardians[0][0], guardians[0][1]
        else:
            giver_kind, guardian_id, giver_name = "subject", None, name
        self.w.add(
            "consent",
            (
                consent_id,
                log.id,
                giver_kind,
                guardian_id,
                giver_name,
                ("signed_form", "digital", "oral")[log.index % 3],
                given,
                True,
                expires,
                withdrawn,
                withdrawn_reason,
                "",
                log.first_holder,
                given,
                2 if withdrawn else 1,
            ),
        )
        self._event(
            given,
            log.first_holder,
            "consent_recorded",
            log.id,
            log.subject_id,
            f"consent {consent_id}",
        )
        if withdrawn:
            self._event(
                withdrawn,
                log.holder,
                "consent_withdrawn",
                log.id,
                log.subject_id,
                f"consent {consent_id}",
            )
        # Level 2 and up: one or two colleagues from other units read along, covered by name.
        for _n in range(0 if log.level < 2 else rng.randint(1, 2)):
            actor = self.all_staff[rng.randrange(len(self.all_staff))]
            if (
                actor in (log.holder, log.first_holder, log.leader)
                or actor in log.covered_actors
                or actor == 1
            ):
                continue
            log.covered_actors.append(actor)
            self.w.add(
                "consent_cover", (self.ids.take("consent_cover"), consent_id, actor, None, None)
            )
        at = given
        for to in range(1, log.level + 1):
            at = at + timedelta(days=rng.randint(3, 30))
            if at >= log.end:
                at = log.end - timedelta(hours=to)
            level_rows.append((to - 1, to, at, LEVEL_REASONS[to - 1]))

    def _log_row(
        self, log: _Log, concern: str, trigger: str | None, level_changes: int
    ) -> str | None:
        """The log's own row, closed with its consultation when it is no longer active; returns
        the basis it was closed on."""
        closed_by = close_reason = close_basis = consultation = None
        if not log.active:
            log.closed_at, closed_by = log.end, log.holder
            close_basis = "colleagues" if log.level <= 1 else "actors"
            close_reason = KIRKEBY.close_reason
            consultation = STOREBY["close_consultation"]
            log.needs_attention = None
        self.w.add(
            "relay_log",
            (
                log.id,
                log.subject_id,
                log.holder,
                self.w_unit_id(log.unit),
                log.first_holder,
                log.created,
                log.level,
                "active" if log.active else "closed",
                concern,
                trigger,
                "da",
                log.needs_attention,
                log.closed_at,
                closed_by,
                close_reason,
                close_basis,
                consultation,
                1 + level_changes + (1 if log.closed_at else 0),
            ),
        )
        return close_basis

    def _holders(self, log: _Log) -> None:
        """The holder periods and the handover between them; a few handovers still wait."""
        rng, handed_at, closed_at = self.rng, log.handed_at, log.closed_at
        if handed_at is not None:
            handover_id = self.ids.take("handover")
            self.w.add(
                "handover",
                (
                    handover_id,
                    log.id,
                    log.first_holder,
                    log.holder,
                    handed_at - timedelta(days=2),
                    STOREBY["handover_message"],
                    False,
                    "accepted",
                    handed_at,
                    "",
                    2,
                ),
            )
            self.w.add(
                "holder_period",
                (
                    self.ids.take("holder_period"),
                    log.id,
                    log.first_holder,
                    log.created,
                    handed_at,
                    None,
                ),
            )
            self.w.add(
                "holder_period",
                (
                    self.ids.take("holder_period"),
                    log.id,
                    log.holder,
                    handed_at,
                    closed_at,
                    handover_id,
                ),
            )
            self._event(
                handed_at - timedelta(days=2),
                log.first_holder,
                "handover_proposed",
                log.id,
                log.subject_id,
                f"handover {handover_id}",
            )
            self._event(
                handed_at,
                log.holder,
                "handover_accepted",
                log.id,
                log.subject_id,
                f"handover {handover_id}",
            )
        else:
            self.w.add(
                "holder_period",
                (self.ids.take("holder_period"), log.id, log.holder, log.created, closed_at, None),
            )
        members = log.members
        if log.active and not log.long and rng.random() < 0.01 and len(members) > 2:
            to = members[rng.randrange(1, len(members))]
            if to != log.holder:
                proposed = self.now - timedelta(days=rng.randint(0, 10))
                handover_id = self.ids.take("handover")
                self.w.add(
                    "handover",
                    (
                        handover_id,
                        log.id,
                        log.holder,
                        to,
                        proposed,
                        STOREBY["pending_handover_message"],
                        False,
                        "pending",
                        None,
                        "",
                        1,
                    ),
                )
                self._event(
                    proposed,
                    log.holder,
                    "handover_proposed",
                    log.id,
                    log.subject_id,
                    f"handover {handover_id}",
                )

    def _readers(self, log: _Log) -> None:
        """Who reads along: the unit's leader (R3), and the colleagues the consent covers (R5)."""
        holder, first_holder, leader = log.holder, log.first_holder, log.leader
        if leader not in (holder, first_holder):
            self.w.add(
                "membership",
                (
                    self.ids.take("membership"),
                    log.id,
                    leader,
                    "leader",
                    None,
                    first_holder,
                    log.created,
                    None,
                    None,
                ),
            )
        if first_holder != holder and first_holder != leader:
            self.w.add(
                "membership",
                (
                    self.ids.take("membership"),
                    log.id,
                    first_holder,
                    "actor",
                    None,
                    holder,
                    log.handed_at,
                    None,
                    None,
                ),
            )
        for actor in log.covered_actors:
            added = log.created + timedelta(days=3)
            removed = self.now - timedelta(days=1) if log.consent_state == "withdrawn" else None
            self.w.add(
                "membership",
                (
                    self.ids.take("membership"),
                    log.id,
                    actor,
                    "actor",
                    log.consent_id,
                    first_holder,
                    added,
                    removed,
                    "consent withdrawn" if removed else None,
                ),
            )
            self._event(
                added, first_holder, "actor_added", log.id, log.subject_id, f"staff {actor}"
            )

    def w_unit_id(self, unit: int) -> int:
        return unit + 1

    def _journal(
        self,
        log_id: int,
        holder: int,
        first_holder: int,
        handed_at: datetime | None,
        created: datetime,
        end: datetime,
        first: str,
        long: bool,
    ) -> None:
        rng = self.rng
        count = self.spec.long_entries if long else int(rng.random() * 2 * self.mean_entries + 0.5)
        times = sorted(_between(rng, created, end) for _n in range(count))
        previous = None
        for at in times:
            entry_id = self.ids.take("entry")
            kind, text = NOTES[rng.randrange(len(NOTES))]
            corrects = None
            if previous is not None and rng.random() < 0.01:
                corrects, kind, text = previous, "note", STOREBY["correction"]
            author = first_holder if handed_at is not None and at < handed_at else holder
            self.w.add(
                "entry",
                (entry_id, log_id, author, at, kind, text.format(name=first), corrects, None),
            )
            previous = entry_id

    def _efforts(
        self,
        log_id: int,
        subject_id: int,
        holder: int,
        readers: list[int],
        created: datetime,
        end: datetime,
        first: str,
        active: bool,
    ) -> None:
        rng = self.rng
        for _n in range(int(rng.random() * 2 * self.mean_efforts + 0.5)):
            effort_id = self.ids.take("effort")
            at = _between(rng, created, end)
            starts = at.astimezone(self.tz).date()
            if active:
                # Every fifth evaluation is overdue, the rest fall in the coming two months.
                late = rng.random() < 0.2
                evaluate = self.today + timedelta(
                    days=rng.randint(-30, -1) if late else rng.randint(0, 60)
                )
                status, ended = ("ended", end) if rng.random() < 0.15 else ("active", None)
            else:
                evaluate = end.astimezone(self.tz).date()
                status, ended = "ended", end
            staff_id = readers[rng.randrange(len(readers))] if rng.random() < 0.6 else None
            self.w.add(
                "effort",
                (
                    effort_id,
                    log_id,
                    EFFORTS[rng.randrange(len(EFFORTS))].format(name=first),
                    staff_id,
                    "" if staff_id else rng.choice(STOREBY["homes"]),
                    starts,
                    max(evaluate, starts),
                    status,
                    holder,
                    at,
                    ended,
                    1,
                ),
            )
            self._event(at, holder, "effort_added", log_id, subject_id, f"effort {effort_id}")
        goal_id = self.ids.take("goal")
        self.w.add(
            "goal",
            (
                goal_id,
                log_id,
                KIRKEBY.goal.format(first=first),
                self.today + timedelta(days=60) if active else end.date(),
                "active" if active else "reached",
                holder,
                created + timedelta(days=20),
                1,
            ),
        )

    def _meetings(
        self,
        log_id: int,
        subject_id: int,
        holder: int,
        readers: list[int],
        guardians: list[tuple[int, str]],
        created: datetime,
        end: datetime,
        active: bool,
        level: int,
    ) -> None:
        rng = self.rng
        held = int(rng.random() * 2 * self.mean_meetings + 0.5)
        plans = [
            (
                _working_hour(_between(rng, created, end).astimezone(self.tz).date(), rng, self.tz),
                "held",
            )
            for _n in range(held)
        ]
        if active and rng.random() < 0.3:
            day = self.today + timedelta(days=rng.randint(1, 28))
            plans.append((_working_hour(day, rng, self.tz), "planned"))
        for starts, status in plans:
            if status == "held" and starts >= self.now:
                status = "planned"
            if status == "held" and rng.random() < 0.03:
                status = "cancelled"
            meeting_id = self.ids.take("meeting")
            kind = (
                "notification"
                if level == 3 and rng.random() < 0.3
                else rng.choice(("dialogue", "evaluation"))
            )
            self.w.add(
                "meeting",
                (
                    meeting_id,
                    log_id,
                    kind,
                    starts,
                    60,
                    KIRKEBY.place,
                    status,
                    holder,
                    STOREBY["cancel_reason"] if status == "cancelled" else None,
                    starts - timedelta(days=7),
                    starts + timedelta(minutes=55) if status == "held" else None,
                    1,
                ),
            )
            self._event(
                starts - timedelta(days=10),
                holder,
                "meeting_scheduled",
                log_id,
                subject_id,
                f"meeting {meeting_id}",
            )
            for position, title in enumerate(AGENDA, start=1):
                self.w.add(
                    "agenda_item", (self.ids.take("agenda_item"), meeting_id, position, title)
                )
            done = status == "held"
            for staff_id in readers[1:3]:
                self.w.add(
                    "invitee",
                    (
                        self.ids.take("invitee"),
                        meeting_id,
                        staff_id,
                        self.names[staff_id],
                        "",
                        (rng.random() < 0.9) if done else None,
                    ),
                )
            if guardians:
                self.w.add(
                    "invitee",
                    (
                        self.ids.take("invitee"),
                        meeting_id,
                        None,
                        guardians[0][1],
                        KIRKEBY.parent_role,
                        True if done else None,
                    ),
                )
            if kind == "notification" and done and rng.random() < 0.5:
                self.w.add(
                    "notification",
                    (
                        self.ids.take("notification"),
                        log_id,
                        holder,
                        starts + timedelta(hours=2),
                        None,
                        STOREBY["notification_reason"],
                        KIRKEBY.notification_recipient,
                    ),
                )

    def grants(self) -> None:
        """A few closed logs that their former holders may read again for a while (R10)."""
        for log_id, subject_id in self.closed:
            staff_id = self.staff_units[0][1]
            granted = self.now - timedelta(days=1)
            grant_id = self.ids.take("read_grant")
            self.w.add(
                "read_grant",
                (
                    grant_id,
                    log_id,
                    staff_id,
                    None,
                    granted,
                    granted + timedelta(days=30),
                    STOREBY["grant_reason"],
                ),
            )
            self._event(
                granted,
                None,
                "grant_given",
                log_id,
                subject_id,
                f"grant {grant_id} to staff {staff_id} for 30 days",
            )


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
