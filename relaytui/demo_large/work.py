"""What is done in a log of the large demo once it stands: its journal, its efforts and goal, its
meetings (with agenda, invitees and notifications). The draws come from the story's one random
generator, in the order the story asks for them.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from relaytui.bulk_rows import BulkWriter, NextIds
from relaytui.demo_large.storeby import AGENDA, EFFORTS, KIRKEBY, NOTES, STOREBY

if TYPE_CHECKING:
    from relaytui.demo_large import Size


def working_hour(day: date, rng: random.Random, tz: ZoneInfo) -> datetime:
    """A drawn working hour on ``day`` (a weekend goes on to its Monday), in UTC."""
    if day.weekday() >= 5:
        day += timedelta(days=7 - day.weekday())
    return datetime.combine(day, time(rng.randint(8, 15), rng.choice((0, 15, 30))), tz).astimezone(
        UTC
    )


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A drawn moment between ``start`` and ``end`` (a span of at least a minute)."""
    span = max((end - start).total_seconds(), 60.0)
    return start + timedelta(seconds=rng.random() * span)


class LogWork:
    """Writes the work of one log after another; the rows go to the story's writer."""

    def __init__(
        self,
        writer: BulkWriter,
        ids: NextIds,
        spec: Size,
        rng: random.Random,
        now: datetime,
        today: date,
        tz: ZoneInfo,
        events: list[tuple],
        names: dict[int, str],
    ) -> None:
        self.names = names
        self.w, self.ids, self.spec, self.rng = writer, ids, spec, rng
        self.now, self.today, self.tz, self.events = now, today, tz, events
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

    def journal(
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
        times = sorted(between(rng, created, end) for _n in range(count))
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

    def efforts(
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
            at = between(rng, created, end)
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

    def meetings(
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
        """Meetings held (some cancelled) and perhaps one planned, with agenda and invitees, and
        after a notification meeting now and then a notification."""
        rng = self.rng
        for starts, status in self._meeting_plans(created, end, active):
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
            self._invitees(meeting_id, readers, guardians, done)
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

    def _meeting_plans(
        self, created: datetime, end: datetime, active: bool
    ) -> list[tuple[datetime, str]]:
        """When the log's meetings start: those held while it ran, and for an active log now and
        then one planned in the coming four weeks."""
        rng = self.rng
        held = int(rng.random() * 2 * self.mean_meetings + 0.5)
        plans = [
            (
                working_hour(between(rng, created, end).astimezone(self.tz).date(), rng, self.tz),
                "held",
            )
            for _n in range(held)
        ]
        if active and rng.random() < 0.3:
            day = self.today + timedelta(days=rng.randint(1, 28))
            plans.append((working_hour(day, rng, self.tz), "planned"))
        return plans

    def _invitees(
        self,
        meeting_id: int,
        readers: list[int],
        guardians: list[tuple[int, str]],
        done: bool,
    ) -> None:
        """Two of the readers and the first guardian; who came is known once the meeting is held."""
        rng = self.rng
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
