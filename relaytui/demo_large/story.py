"""One log of the large demo at a time: its subject (:mod:`.subjects`), holder, consent, level
changes, holders and readers; its work (:mod:`.work`) in between; and the closed logs read again
under a grant.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from relaytui.bulk_rows import BulkWriter, NextIds
from relaytui.demo_large.storeby import CONCERNS, KIRKEBY, LEVEL_REASONS, STOREBY
from relaytui.demo_large.subjects import Subjects
from relaytui.demo_large.work import LogWork, between

if TYPE_CHECKING:
    from relaytui.demo_large import Size


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


class Story:
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
        self.closed: list[tuple[int, int]] = []  # (log id, subject id) for read grants
        # Logs with many entries are held by anna (the second member of the first unit).
        step = max(spec.logs // max(spec.long_logs, 1), 1)
        self.long = {n * step for n in range(spec.long_logs)} if spec.long_logs else set()
        self.subjects = Subjects(writer, ids, rng, today)
        self.work = LogWork(writer, ids, spec, rng, now, today, tz, events, names)

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
        self.work.journal(
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
            self.work.efforts(
                log.id,
                log.subject_id,
                log.holder,
                readers,
                log.created,
                log.end,
                log.first,
                log.active,
            )
            self.work.meetings(
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
        subject_id, name, guardians = self.subjects.add(kind)
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
                log.handed_at = between(rng, created + timedelta(days=10), end - timedelta(days=5))
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
        consent_id = log.consent_id = self.ids.take("consent")
        given = log.created + timedelta(days=2, hours=self.rng.randint(0, 6))
        expires, withdrawn, withdrawn_reason = self._consent_state(log)
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
        self._covered_actors(log, consent_id)
        self._level_rows(log, given, level_rows)

    def _consent_state(self, log: _Log) -> tuple[datetime | None, datetime | None, str | None]:
        """Whether an active log's consent has expired, expires soon or was withdrawn: when it
        expires, when it was withdrawn and why."""
        rng, now, active = self.rng, self.now, log.active
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
        return expires, withdrawn, withdrawn_reason

    def _covered_actors(self, log: _Log, consent_id: int) -> None:
        """Level 2 and up: one or two colleagues from other units read along, covered by name."""
        rng = self.rng
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

    def _level_rows(
        self,
        log: _Log,
        given: datetime,
        level_rows: list[tuple[int | None, int, datetime, str]],
    ) -> None:
        """The level changes the consent allows, one step at a time after it was given."""
        rng = self.rng
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
        if log.handed_at is not None:
            self._handed_over(log, log.handed_at)
        else:
            self.w.add(
                "holder_period",
                (
                    self.ids.take("holder_period"),
                    log.id,
                    log.holder,
                    log.created,
                    log.closed_at,
                    None,
                ),
            )
        self._pending_handover(log)

    def _handed_over(self, log: _Log, handed_at: datetime) -> None:
        """The accepted handover, and the first and the second holder's periods around it."""
        closed_at = log.closed_at
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

    def _pending_handover(self, log: _Log) -> None:
        """One active log in a hundred has a handover that still waits for an answer."""
        rng = self.rng
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
