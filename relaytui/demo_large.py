"""A municipality-sized demo database, for measuring speed: `relaytui demo --size large`.

The small demo goes through the services, row by row, which takes hours at this scale. This
one writes the same tables in bulk (SQLAlchemy Core executemany on SQLite, COPY on
PostgreSQL), with ids chosen here so that no row needs a round trip. The data keeps the
rules a real database keeps: one open holder period per log, level 1 and above with a
consent, actors covered by a consent, closed logs with their consultation, and an audit
trail whose hash chain verifies (``relaytui audit verify``). Every account's password is
``demo``; ``lene`` leads the largest unit and ``anna`` holds the logs with 1,000 entries.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from relaytui.db import Store
from relaytui.demo import DENMARK
from relaytui.models.subject import fold_name

TZ = "Europe/Copenhagen"
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
    "large": Size(logs=100_000, entries=1_000_000, meetings=200_000, efforts=300_000, staff=5_000, units=200),
    "medium": Size(logs=10_000, entries=100_000, meetings=20_000, efforts=30_000, staff=500, units=20,
                   long_logs=5),
}

FIRST = ("Ida", "Noah", "Emma", "Oscar", "Freja", "William", "Alma", "Karl", "Ella", "Malthe",
         "Clara", "Alfred", "Agnes", "Viggo", "Sofia", "Arthur", "Ellen", "Lucas", "Olivia", "Aksel",
         "Lea", "Valdemar", "Karla", "Felix", "Josefine", "Storm", "Liva", "August", "Nora", "Elias",
         "Asta", "Otto", "Vera", "Carl", "Luna", "Hugo", "Mille", "Theo", "Anna", "Bertram",
         "Æsa", "Øjvind", "Åge", "Sigrid", "Bjørn", "Tove", "Søs", "Mikkel", "Laura", "Johan")
LAST = ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
        "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen",
        "Johansen", "Møller", "Mortensen", "Knudsen", "Østergaard", "Dahl", "Bech", "Lund", "Holm",
        "Krogh", "Vad", "Friis", "Skov", "Lykke")
MOTHERS = ("Mette", "Louise", "Camilla", "Maria", "Sara", "Line", "Julie", "Anne", "Pernille", "Tina")
FATHERS = ("Jesper", "Martin", "Thomas", "Morten", "Rasmus", "Søren", "Michael", "Kasper", "Jonas", "Anders")
UNIT_KINDS = (("daycare", "Børnehuset"), ("school", "Skole"), ("daycare", "Vuggestuen"),
              ("school", "Skole"), ("health", "Sundhedsplejen"), ("ppr", "PPR"), ("family", "Familieafdelingen"))
PROFESSIONS = {"daycare": "pædagog", "school": "lærer", "health": "sundhedsplejerske", "ppr": "psykolog",
               "family": "socialrådgiver"}
# The words of the small Danish demo (relaytui.demo), so both demos speak alike.
CONCERNS = DENMARK.concerns
NOTES = DENMARK.notes
EFFORTS = tuple(what for what, _staff, _text in DENMARK.efforts)
LEVEL_REASONS = ("Bekymringen er vokset; vi holder dialogmøde med forældrene.",
                 "Der er brug for en tværfaglig indsats med PPR.",
                 "Stærk bekymring; vi holder underretningsmøde med Familieafdelingen.")
AGENDA = ("Siden sidst", "Barnets eget perspektiv", "Evaluering af indsatser og mål", "Nye aftaler",
          "Næste møde")

# The columns each table is written with, in order (every NOT NULL column is named).
COLUMNS: dict[str, tuple[str, ...]] = {
    "unit": ("id", "name", "kind", "phone", "leader_id", "version"),
    "staff": ("id", "username", "full_name", "profession", "unit_id", "role", "email", "phone",
              "password_hash", "active", "failed_logins", "locked", "language", "created_at", "version"),
    "subject": ("id", "national_number", "name", "name_key", "birth_date", "kind", "version"),
    "guardian": ("id", "subject_id", "name", "relation", "phone", "email", "has_custody"),
    "relay_log": ("id", "subject_id", "holder_id", "unit_id", "created_by", "created_at", "level", "status",
                  "concern", "trigger", "language", "needs_attention", "closed_at", "closed_by",
                  "close_reason", "close_basis", "close_consultation", "version"),
    "handover": ("id", "log_id", "from_staff_id", "to_staff_id", "proposed_at", "message", "transition",
                 "status", "answered_at", "answer_message", "version"),
    "holder_period": ("id", "log_id", "staff_id", "started_at", "ended_at", "handover_id"),
    "level_change": ("id", "log_id", "changed_by", "changed_at", "from_level", "to_level", "reason"),
    "consent": ("id", "log_id", "giver_kind", "guardian_id", "giver_name", "method", "given_at", "covers_log",
                "expires_at", "withdrawn_at", "withdrawn_reason", "note", "recorded_by", "recorded_at",
                "version"),
    "consent_cover": ("id", "consent_id", "staff_id", "unit_id", "person_name"),
    "membership": ("id", "log_id", "staff_id", "role", "consent_id", "added_by", "added_at", "removed_at",
                   "removed_reason"),
    "meeting": ("id", "log_id", "kind", "starts_at", "duration_minutes", "place", "status", "convened_by",
                "cancel_reason", "agenda_sent_at", "minutes_finished_at", "version"),
    "agenda_item": ("id", "meeting_id", "position", "title"),
    "invitee": ("id", "meeting_id", "staff_id", "name", "role", "attended"),
    "entry": ("id", "log_id", "author_id", "written_at", "kind", "text", "corrects_id", "meeting_id"),
    "effort": ("id", "log_id", "what", "responsible_staff_id", "responsible_text", "starts_on", "evaluate_on",
               "status", "created_by", "created_at", "ended_at", "version"),
    "goal": ("id", "log_id", "text", "evaluate_on", "status", "created_by", "created_at", "version"),
    "notification": ("id", "log_id", "made_by", "made_at", "exception", "reason", "recipient"),
    "read_grant": ("id", "log_id", "staff_id", "granted_by", "granted_at", "expires_at", "reason"),
    "audit_event": ("id", "at", "staff_id", "username", "action", "log_id", "subject_id", "detail",
                    "prev_hash", "hash"),
    "setting": ("key", "value"),
}
#: The order that keeps every foreign key pointing at a row already written.
ORDER = ("unit", "staff", "subject", "guardian", "relay_log", "handover", "holder_period", "level_change",
         "consent", "consent_cover", "membership", "meeting", "agenda_item", "invitee", "entry", "effort",
         "goal", "notification", "read_grant")


class _Writer:
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
                    self.conn.execute(table.insert(), [dict(zip(columns, row)) for row in rows[start:start + 20_000]])
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
class _Ids:
    """The next id of each table (the database is empty: ids start at 1)."""

    next: dict[str, int] = field(default_factory=lambda: {name: 1 for name in COLUMNS})

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def _cpr(born: date, serial: int) -> str:
    # The seventh digit gives the century: 4 for 2000-2036, 0 for 1900-1999 (as stdnum checks).
    lead = 4 if born.year >= 2000 else 0
    return f"{born:%d%m%y}{lead}{serial % 1000:03d}"


def _working_hour(day: date, rng: random.Random, tz: ZoneInfo) -> datetime:
    if day.weekday() >= 5:
        day += timedelta(days=7 - day.weekday())
    return datetime.combine(day, time(rng.randint(8, 15), rng.choice((0, 15, 30))), tz).astimezone(timezone.utc)


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max((end - start).total_seconds(), 60.0)
    return start + timedelta(seconds=rng.random() * span)


def populate(store: Store, *, size: str | Size = "large", seed: int = 11,
             progress: Callable[[str, int, int], None] | None = None) -> dict[str, int]:
    """Fill an empty, migrated database with a municipality of the given ``size``.

    ``progress(phase, done, total)`` is called as the work advances. Returns the rows written
    per table.
    """
    from relaytui.services import sign_in, audit, clock

    spec = SIZES[size] if isinstance(size, str) else size
    rng = random.Random(seed)
    tz = ZoneInfo(TZ)
    now = clock.now().astimezone(timezone.utc)
    today = now.astimezone(tz).date()
    report = progress or (lambda phase, done, total: None)
    writer = _Writer(store)
    ids = _Ids()
    events: list[tuple] = []  # (at, staff_id, action, log_id, subject_id, detail)
    password_hash = sign_in.hash_password(PASSWORD)
    try:
        staff_units, leaders, usernames, names = _people(writer, ids, spec, rng, now, password_hash)
        writer.flush(("unit", "staff"))
        for key, value in (("profile", "dk"), ("timezone", TZ), ("municipality", "Storeby Kommune"),
                           ("age_of_own_consent", "16"), ("handover_reminder_days", "7"),
                           ("idle_lock_minutes", "10"), ("language", "")):
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
        for number, (at, staff_id, action, log_id, subject_id, detail) in enumerate(events, start=1):
            username = usernames[staff_id]
            digest = audit.event_hash(at=at, staff_id=staff_id, username=username, action=action, log_id=log_id,
                                      subject_id=subject_id, detail=detail, prev_hash=previous)
            writer.add("audit_event", (number, at, staff_id, username, action, log_id, subject_id, detail,
                                       previous, digest))
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


def _people(writer: _Writer, ids: _Ids, spec: Size, rng: random.Random, now: datetime, password_hash: str):
    """Units with their leaders and staff; the first unit is ten times the others."""
    usernames: dict[int | None, str] = {None: "cli:demo"}
    names: dict[int, str] = {}
    staff_units: list[list[int]] = []
    leaders: list[int] = []
    admin = ids.take("staff")
    writer.add("staff", (admin, "admin", "Ada Admin", "systemadministrator", None, "admin", "admin@storeby.example",
                         "", password_hash, True, 0, False, None, now, 1))
    usernames[admin] = "admin"
    big = max(spec.staff // 10, 3)
    rest = spec.staff - big
    per_unit = [big] + [rest // (spec.units - 1) + (1 if n < rest % (spec.units - 1) else 0)
                        for n in range(spec.units - 1)]
    for number in range(spec.units):
        unit_id = ids.take("unit")
        kind, base = ("health", "Sundhedsplejen") if number == 0 else UNIT_KINDS[number % len(UNIT_KINDS)]
        members = []
        for place in range(per_unit[number]):
            staff_id = ids.take("staff")
            first = FIRST[(staff_id * 7) % len(FIRST)]
            last = LAST[(staff_id * 11) % len(LAST)]
            if number == 0 and place == 0:
                username, first, last = "lene", "Lene", "Lund"
            elif number == 0 and place == 1:
                username, first, last = "anna", "Anna", "Holm"
            else:
                username = f"{first.lower()}{staff_id}"
            role = "leader" if place == 0 else "caseworker"
            profession = ("leder" if place == 0 else PROFESSIONS[kind])
            writer.add("staff", (staff_id, username, f"{first} {last}", profession, unit_id, role,
                                 f"{username}@storeby.example", f"+45 70{staff_id:06d}", password_hash, True, 0, False,
                                 None, now - timedelta(days=rng.randint(30, 3000)), 1))
            usernames[staff_id] = username
            names[staff_id] = f"{first} {last}"
            members.append(staff_id)
        leaders.append(members[0])
        staff_units.append(members)
        writer.add("unit", (unit_id, f"{base} {'Storeby' if number == 0 else number}", kind,
                            f"+45 71{number:06d}", members[0], 1))
    return staff_units, leaders, usernames, names


class _Story:
    """One log at a time: its subject, holder, consents, actors, journal, efforts, meetings."""

    def __init__(self, writer: _Writer, ids: _Ids, spec: Size, rng: random.Random, now: datetime, today: date,
                 tz: ZoneInfo, staff_units: list[list[int]], leaders: list[int], events: list[tuple],
                 names: dict[int, str]) -> None:
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

    def _event(self, at: datetime, staff_id: int, action: str, log_id: int, subject_id: int, detail: str = "") -> None:
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
            born = self.today - timedelta(days=rng.randint(100, 365 * (12 if kind == "child" else 17)))
        serial = self.serials.get(born, 0)
        self.serials[born] = serial + 1
        name = f"{first} {last}"
        self.w.add("subject", (subject_id, _cpr(born, serial), name, fold_name(name), born, kind, 1))
        guardians = []
        if kind != "pregnant":
            for relation, names in (("mor", MOTHERS), ("far", FATHERS)):
                guardian_id = self.ids.take("guardian")
                gname = f"{names[rng.randrange(len(names))]} {last}"
                self.w.add("guardian", (guardian_id, subject_id, gname, relation, f"+45 2{guardian_id:07d}",
                                        f"g{guardian_id}@mail.example", relation == "mor" or rng.random() < 0.8))
                guardians.append((guardian_id, gname))
        return subject_id, name, guardians

    def log(self, index: int) -> None:
        rng, now, spec = self.rng, self.now, self.spec
        long = index in self.long
        active = long or index % 3 == 0
        unit = 0 if (long or rng.random() < 0.15) else rng.randrange(1, spec.units)
        members = self.staff_units[unit]
        holder = members[1] if long or len(members) < 2 else members[rng.randrange(1, len(members))]
        leader = self.leaders[unit]
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
        log_id = self.ids.take("relay_log")
        concern = CONCERNS[rng.randrange(len(CONCERNS))].format(name=first)
        trigger = "pregnancy_visit" if kind == "pregnant" else rng.choice(
            (None, None, None, "wellbeing_yellow", "wellbeing_red"))
        # A tenth of the logs changed holder once: the first holder, a handover, the current one.
        first_holder = holder
        handed_at = None
        if not long and rng.random() < 0.1 and len(members) > 2:
            first_holder = members[rng.randrange(1, len(members))]
            if first_holder != holder:
                handed_at = _between(rng, created + timedelta(days=10), end - timedelta(days=5))
            else:
                first_holder = holder
        events = self._event
        events(created, first_holder, "log_created", log_id, subject_id)
        level_rows = [(None, 0, created, concern)]
        consent_id = None
        consent_state = "missing"
        needs_attention = None
        covered_actors: list[int] = []
        if level >= 1 or index % 4 == 0:
            consent_id = self.ids.take("consent")
            given = created + timedelta(days=2, hours=rng.randint(0, 6))
            roll = rng.random()
            expires = withdrawn = None
            withdrawn_reason = None
            if active and roll < 0.04:
                expires = now - timedelta(days=rng.randint(1, 60))
                consent_state = "expired"
            elif active and roll < 0.08:
                expires = now + timedelta(days=rng.randint(1, 29))
                consent_state = "expiring"
            elif active and roll < 0.11:
                withdrawn = now - timedelta(days=rng.randint(1, 20))
                withdrawn_reason = "Mor ringede og trak samtykket tilbage."
                needs_attention = "consent_withdrawn"
                consent_state = "withdrawn"
            else:
                consent_state = "ok"
            if guardians:
                giver_kind, guardian_id, giver_name = "guardian", guardians[0][0], guardians[0][1]
            else:
                giver_kind, guardian_id, giver_name = "subject", None, name
            self.w.add("consent", (consent_id, log_id, giver_kind, guardian_id, giver_name,
                                   ("signed_form", "digital", "oral")[index % 3], given, True, expires, withdrawn,
                                   withdrawn_reason, "", first_holder, given, 2 if withdrawn else 1))
            events(given, first_holder, "consent_recorded", log_id, subject_id, f"consent {consent_id}")
            if withdrawn:
                events(withdrawn, holder, "consent_withdrawn", log_id, subject_id, f"consent {consent_id}")
            # Level 2 and up: one or two colleagues from other units read along, covered by name.
            for _n in range(0 if level < 2 else rng.randint(1, 2)):
                actor = self.all_staff[rng.randrange(len(self.all_staff))]
                if actor in (holder, first_holder, leader) or actor in covered_actors or actor == 1:
                    continue
                covered_actors.append(actor)
                self.w.add("consent_cover", (self.ids.take("consent_cover"), consent_id, actor, None, None))
            at = given
            for to in range(1, level + 1):
                at = at + timedelta(days=rng.randint(3, 30))
                if at >= end:
                    at = end - timedelta(hours=to)
                level_rows.append((to - 1, to, at, LEVEL_REASONS[to - 1]))
        else:
            level = 0
        for from_level, to_level, at, reason in level_rows:
            self.w.add("level_change", (self.ids.take("level_change"), log_id,
                                        first_holder if handed_at is None or at < handed_at else holder,
                                        at, from_level, to_level, reason))
            if from_level is not None:
                events(at, first_holder if handed_at is None or at < handed_at else holder, "level_changed",
                       log_id, subject_id, f"to {to_level}")
        closed_at = closed_by = close_reason = close_basis = consultation = None
        if not active:
            closed_at, closed_by = end, holder
            close_basis = "colleagues" if level <= 1 else "actors"
            close_reason = "Bekymringen er væk; barnet trives."
            consultation = "Drøftet på personalemødet med kolleger og aktører."
            needs_attention = None
        self.w.add("relay_log", (log_id, subject_id, holder, self.w_unit_id(unit), first_holder, created, level,
                                 "active" if active else "closed", concern, trigger, "da", needs_attention,
                                 closed_at, closed_by, close_reason, close_basis, consultation,
                                 1 + len(level_rows) + (1 if closed_at else 0)))
        # Holders, and the handover between them.
        if handed_at is not None:
            handover_id = self.ids.take("handover")
            self.w.add("handover", (handover_id, log_id, first_holder, holder, handed_at - timedelta(days=2),
                                    "Vil du overtage stafetten?", False, "accepted", handed_at, "", 2))
            self.w.add("holder_period", (self.ids.take("holder_period"), log_id, first_holder, created, handed_at,
                                         None))
            self.w.add("holder_period", (self.ids.take("holder_period"), log_id, holder, handed_at, closed_at,
                                         handover_id))
            events(handed_at - timedelta(days=2), first_holder, "handover_proposed", log_id, subject_id,
                   f"handover {handover_id}")
            events(handed_at, holder, "handover_accepted", log_id, subject_id, f"handover {handover_id}")
        else:
            self.w.add("holder_period", (self.ids.take("holder_period"), log_id, holder, created, closed_at, None))
        if active and not long and rng.random() < 0.01 and len(members) > 2:
            to = members[rng.randrange(1, len(members))]
            if to != holder:
                proposed = now - timedelta(days=rng.randint(0, 10))
                handover_id = self.ids.take("handover")
                self.w.add("handover", (handover_id, log_id, holder, to, proposed, "Jeg skifter afdeling.", False,
                                        "pending", None, "", 1))
                events(proposed, holder, "handover_proposed", log_id, subject_id, f"handover {handover_id}")
        # Who reads along: the unit's leader (R3), and the colleagues the consent covers (R5).
        if leader not in (holder, first_holder):
            self.w.add("membership", (self.ids.take("membership"), log_id, leader, "leader", None, first_holder,
                                      created, None, None))
        if first_holder != holder and first_holder != leader:
            self.w.add("membership", (self.ids.take("membership"), log_id, first_holder, "actor", None, holder,
                                      handed_at, None, None))
        for actor in covered_actors:
            added = created + timedelta(days=3)
            removed = now - timedelta(days=1) if consent_state == "withdrawn" else None
            self.w.add("membership", (self.ids.take("membership"), log_id, actor, "actor", consent_id, first_holder,
                                      added, removed, "consent withdrawn" if removed else None))
            events(added, first_holder, "actor_added", log_id, subject_id, f"staff {actor}")
        readers = [holder] + covered_actors
        self._journal(log_id, holder, first_holder, handed_at, created, end, first, long)
        if level >= 1:
            self._efforts(log_id, subject_id, holder, readers, created, end, first, active)
            self._meetings(log_id, subject_id, holder, readers, guardians, created, end, active, level)
        if not active:
            events(closed_at, holder, "log_closed", log_id, subject_id, close_basis)
            if len(self.closed) < 500 and rng.random() < 0.05:
                self.closed.append((log_id, subject_id))

    def w_unit_id(self, unit: int) -> int:
        return unit + 1

    def _journal(self, log_id: int, holder: int, first_holder: int, handed_at: datetime | None,
                 created: datetime, end: datetime, first: str, long: bool) -> None:
        rng = self.rng
        count = self.spec.long_entries if long else int(rng.random() * 2 * self.mean_entries + 0.5)
        times = sorted(_between(rng, created, end) for _n in range(count))
        previous = None
        for at in times:
            entry_id = self.ids.take("entry")
            kind, text = NOTES[rng.randrange(len(NOTES))]
            corrects = None
            if previous is not None and rng.random() < 0.01:
                corrects, kind, text = previous, "note", "Rettelse: det var om tirsdagen, ikke mandagen."
            author = first_holder if handed_at is not None and at < handed_at else holder
            self.w.add("entry", (entry_id, log_id, author, at, kind, text.format(name=first), corrects, None))
            previous = entry_id

    def _efforts(self, log_id: int, subject_id: int, holder: int, readers: list[int], created: datetime,
                 end: datetime, first: str, active: bool) -> None:
        rng = self.rng
        for _n in range(int(rng.random() * 2 * self.mean_efforts + 0.5)):
            effort_id = self.ids.take("effort")
            at = _between(rng, created, end)
            starts = at.astimezone(self.tz).date()
            if active:
                # Every fifth evaluation is overdue, the rest fall in the coming two months.
                late = rng.random() < 0.2
                evaluate = self.today + timedelta(days=rng.randint(-30, -1) if late else rng.randint(0, 60))
                status, ended = ("ended", end) if rng.random() < 0.15 else ("active", None)
            else:
                evaluate = end.astimezone(self.tz).date()
                status, ended = "ended", end
            staff_id = readers[rng.randrange(len(readers))] if rng.random() < 0.6 else None
            self.w.add("effort", (effort_id, log_id, EFFORTS[rng.randrange(len(EFFORTS))].format(name=first),
                                  staff_id, "" if staff_id else rng.choice(("mor", "far", "hjemmet")), starts,
                                  max(evaluate, starts), status, holder, at, ended, 1))
            self._event(at, holder, "effort_added", log_id, subject_id, f"effort {effort_id}")
        goal_id = self.ids.take("goal")
        self.w.add("goal", (goal_id, log_id, f"{first} trives og deltager i fællesskabet.",
                            self.today + timedelta(days=60) if active else end.date(),
                            "active" if active else "reached", holder, created + timedelta(days=20), 1))

    def _meetings(self, log_id: int, subject_id: int, holder: int, readers: list[int],
                  guardians: list[tuple[int, str]], created: datetime, end: datetime, active: bool,
                  level: int) -> None:
        rng = self.rng
        held = int(rng.random() * 2 * self.mean_meetings + 0.5)
        plans = [(_working_hour(_between(rng, created, end).astimezone(self.tz).date(), rng, self.tz), "held")
                 for _n in range(held)]
        if active and rng.random() < 0.3:
            day = self.today + timedelta(days=rng.randint(1, 28))
            plans.append((_working_hour(day, rng, self.tz), "planned"))
        for starts, status in plans:
            if status == "held" and starts >= self.now:
                status = "planned"
            if status == "held" and rng.random() < 0.03:
                status = "cancelled"
            meeting_id = self.ids.take("meeting")
            kind = "notification" if level == 3 and rng.random() < 0.3 else rng.choice(("dialogue", "evaluation"))
            self.w.add("meeting", (meeting_id, log_id, kind, starts, 60, "Mødelokale 2", status, holder,
                                   "Forælder syg" if status == "cancelled" else None,
                                   starts - timedelta(days=7),
                                   starts + timedelta(minutes=55) if status == "held" else None, 1))
            self._event(starts - timedelta(days=10), holder, "meeting_scheduled", log_id, subject_id,
                        f"meeting {meeting_id}")
            for position, title in enumerate(AGENDA, start=1):
                self.w.add("agenda_item", (self.ids.take("agenda_item"), meeting_id, position, title))
            done = status == "held"
            for staff_id in readers[1:3]:
                self.w.add("invitee", (self.ids.take("invitee"), meeting_id, staff_id, self.names[staff_id], "",
                                       (rng.random() < 0.9) if done else None))
            if guardians:
                self.w.add("invitee", (self.ids.take("invitee"), meeting_id, None, guardians[0][1], "forælder",
                                       True if done else None))
            if kind == "notification" and done and rng.random() < 0.5:
                self.w.add("notification", (self.ids.take("notification"), log_id, holder, starts + timedelta(hours=2),
                                            None, "Underretning efter mødet.", "Familieafdelingen"))

    def grants(self) -> None:
        """A few closed logs that their former holders may read again for a while (R10)."""
        for log_id, subject_id in self.closed:
            staff_id = self.staff_units[0][1]
            granted = self.now - timedelta(days=1)
            grant_id = self.ids.take("read_grant")
            self.w.add("read_grant", (grant_id, log_id, staff_id, None, granted, granted + timedelta(days=30),
                                      "Aktindsigt fra forældrene."))
            self._event(granted, None, "grant_given", log_id, subject_id,
                        f"grant {grant_id} to staff {staff_id} for 30 days")


def populate_with_progress(store: Store, *, size: str) -> dict[str, int]:
    """``populate`` with a rich progress bar on the terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from relaytui.i18n import _

    labels = {"logs": _("Relay logs"), "audit": _("Audit trail")}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()) as bar:
        tasks: dict[str, int] = {}

        def advance(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(labels.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)

        return populate(store, size=size, progress=advance)
