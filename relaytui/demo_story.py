"""The story the small demo tells (:mod:`relaytui.demo`), through the services, on a moved clock.

Each log is created, consented to, raised, written in, met about and perhaps closed or handed
over, with the clock set back to where that happened, so that the demo has the audit trail,
histories and versions of real use. The turns where the rules of ``dk`` and ``no`` differ are
asked of the profile.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from relaytui.db import Store
from relaytui.errors import DomainError
from relaytui.profiles import profile_of
from relaytui.services import (
    access,
    clock,
    consent,
    consent_givers,
    efforts,
    handover,
    journal,
    log_actors,
    log_closing,
    log_list,
    logs,
    meetings,
    minutes,
    notifications,
    plan,
    subjects,
)
from relaytui.services.consent import ConsentInput
from relaytui.services.meetings import GuestInput
from relaytui.services.minutes import AgreedEffort
from relaytui.services.subjects import GuardianInput

if TYPE_CHECKING:
    from relaytui.demo import Country


@dataclass
class Cast:
    """Who plays in the story: the staff by username, the units by kind."""

    refs: dict[str, access.StaffRef]
    units: dict[str, int]


def _cpr(born: date, serial: int) -> str:
    from stdnum.dk import cpr

    for tries in range(400):
        # The seventh digit picks the century: 4-9 for born 2000-2036, 0-3 for the 1900s.
        lead = 4 if born.year >= 2000 else 0
        number = f"{born:%d%m%y}{lead}{(serial + tries) % 1000:03d}"
        if cpr.is_valid(number):
            return number
    raise RuntimeError("no valid demo CPR number")  # pragma: no cover


def _fodselsnummer(born: date, serial: int) -> str:
    """A valid Norwegian fødselsnummer: individual numbers 500-999 for born 2000-2039."""
    from stdnum.no import fodselsnummer

    first = 500 if born.year >= 2000 else 0
    for tries in range(500):
        individual = first + (serial + tries) % 500
        base = f"{born:%d%m%y}{individual:03d}"
        number = base + fodselsnummer.calc_check_digit1(base)
        number += fodselsnummer.calc_check_digit2(number)
        if fodselsnummer.is_valid(number) and fodselsnummer.get_birth_date(number) == born:
            return number
    raise RuntimeError("no valid demo fødselsnummer")  # pragma: no cover


def _national_number(land: Country, born: date, serial: int) -> str:
    numbers = {"dk": _cpr, "no": _fodselsnummer}  # the numbers of each profile (R15)
    return numbers[land.profile](born, serial)


def _parent_born(child_born: date, index: int, older: int) -> date:
    """A guardian's birth date, 24 to 35 years before the child's: worked out, not drawn, so
    the story's random numbers (and all the demo built from them) stay as they were."""
    years = 24 + (index * 7 + older) % 12
    return date(
        child_born.year - years, 1 + (index * 5 + older) % 12, 1 + (index * 11 + older) % 28
    )


def _guardian_numbers(land: Country, child_born: date, index: int) -> tuple[str, str]:
    """The mother's and the father's national numbers, for the family's login (issue 15)."""
    return (
        _national_number(land, _parent_born(child_born, index, 0), 500 + index * 13),
        _national_number(land, _parent_born(child_born, index, 3), 700 + index * 13),
    )


def _at(day: date, hour: int, minute: int, tz: str) -> datetime:
    """A working hour on ``day``, or on the Monday after when it falls on a weekend."""
    if day.weekday() >= 5:
        day += timedelta(days=7 - day.weekday())
    return datetime.combine(day, time(hour, minute), ZoneInfo(tz))


def _past_working_at(day: date, hour: int, tz: str) -> datetime:
    """A working hour on ``day``, or on the Friday before when it falls on a weekend: a past
    event moved to a working day stays in the past."""
    if day.weekday() >= 5:
        day -= timedelta(days=day.weekday() - 4)
    return datetime.combine(day, time(hour, 0), ZoneInfo(tz))


class Timeline:
    """Move the services' clock to where a part of the story happened."""

    def __init__(self, real_now: datetime, tz: str) -> None:
        self.real_now = real_now
        self.tz = tz

    def at(self, moment: datetime) -> None:
        fixed = moment
        clock.set_clock(lambda: fixed)

    def real_today(self) -> date:
        return self.real_now.astimezone(ZoneInfo(self.tz)).date()

    def days_ago(self, days: int, hour: int = 10) -> datetime:
        """A working hour ``days`` before today, and never later than now: a weekend goes back
        to its Friday, an hour still to come today to the working day before."""
        day = self.real_today() - timedelta(days=days)
        moment = _past_working_at(day, hour, self.tz)
        while moment > self.real_now:
            moment = _past_working_at(moment.date() - timedelta(days=1), hour, self.tz)
        self.at(moment)
        return moment

    def upcoming(self, days: int, hour: int = 10) -> datetime:
        """A working hour ``days`` after today (a weekend goes on to its Monday), always later
        than now: where meetings are planned."""
        moment = _at(self.real_today() + timedelta(days=days), hour, 0, self.tz)
        while moment <= self.real_now:
            moment = _at(moment.date() + timedelta(days=1), hour, 0, self.tz)
        return moment

    def restore(self) -> None:
        clock.set_clock(None)


class Story:
    """The one story both municipalities share, with the turns where their rules differ.

    In ``dk`` a log starts at level 0 and the consent comes later; a notification goes with
    level 3. In ``no`` (BTI) a log starts at level 1 with the consent, young people from 16
    consent for themselves, a notification to child welfare is its own act at level 1, one
    log passes into an individual plan and the guardians end another (R2, R6, R10, R11, R14).
    """

    def __init__(
        self, store: Store, land: Country, cast: Cast, rng: random.Random, t: Timeline
    ) -> None:
        self.store = store
        self.land = land
        self.cast = cast
        self.rng = rng
        self.t = t
        self.rules = profile_of(land.profile)
        self.notified = False

    def today(self) -> date:
        return clock.today(self.land.timezone)

    def at(self, day: date, hour: int = 10) -> datetime:
        return _at(day, hour, 0, self.land.timezone)

    # --- people ----------------------------------------------------------------------------

    def subject(self, by: access.StaffRef, index: int, *, kind: str = "child"):
        land = self.land
        first = land.first_names[index % len(land.first_names)]
        last = land.last_names[(index * 7) % len(land.last_names)]
        today = self.today()
        if kind == "pregnant":
            born = date(1994 + index % 8, 1 + index % 12, 1 + index % 27)
            first = land.mothers[index % len(land.mothers)]
            guardians: tuple[GuardianInput, ...] = ()
        else:
            low, high = land.child_years if kind == "child" else land.youth_years
            age_days = self.rng.randint(365 * low, 365 * high)
            born = today - timedelta(days=age_days)
            mother = f"{land.mothers[index % len(land.mothers)]} {last}"
            father = f"{land.fathers[(index * 3) % len(land.fathers)]} {land.last_names[(index * 7 + 3) % len(land.last_names)]}"
            phones = [phone.format(index=index) for phone in land.guardian_phones]
            numbers = _guardian_numbers(land, born, index)
            guardians = (
                GuardianInput(
                    mother, land.mother, phones[0], f"mor{index}@mail.example", True, numbers[0]
                ),
                GuardianInput(father, land.father, phones[1], "", index % 5 != 0, numbers[1]),
            )
        return subjects.create_subject(
            self.store,
            by,
            national_number=_national_number(land, born, 100 + index * 13),
            name=f"{first} {last}",
            kind=kind,
            guardians=guardians,
        )

    def giver(self, subject) -> str:
        """Who consents (R6): a pregnant person, and in ``no`` a young person from 16, for themselves."""
        if subject.kind == "pregnant":
            return "subject"
        if self.rules.young_consent and subject.kind == "youth":
            age = consent_givers.age_on(subject.birth_date, self.today())
            if age is not None and age >= 16:
                return "subject"
        return "guardian"

    # --- the story ---------------------------------------------------------------------------

    def tell(self) -> None:
        land, refs, t = self.land, self.cast.refs, self.t
        levels = [0, 1, 2, 3, 1, 2, 0, 1]
        main = land.holders[0]
        for index, holder in enumerate(land.holders):
            by = refs[holder]
            started = 30 + (index * 37) % 330
            t.days_ago(started, 9)
            kind = (
                "pregnant"
                if holder in land.midwives and index % 2 == 0
                else ("youth" if holder in land.youth_workers else "child")
            )
            subject = self.subject(by, index, kind=kind)
            trigger = None
            if not self.rules.trigger_categories:
                pass  # the trigger categories are the Danish guide's (R2)
            elif kind == "pregnant":
                trigger = "pregnancy_visit"
            elif index % 6 == 1:
                trigger = "wellbeing_yellow"
            elif index % 9 == 4:
                trigger = "wellbeing_red"
            concern = land.concerns[index % len(land.concerns)].format(name=subject.name.split()[0])
            target = (
                levels[index % len(levels)]
                if holder == main
                else self.rng.choice((0, 1, 1, 2, 2, 3))
            )
            self.one_log(index, by, subject, trigger, concern, target, started)
        self.ending()

    def consent_input(self, index: int, subject, target: int) -> ConsentInput:
        t = self.t
        expires = None
        if index == 5:  # this consent runs out (an expired consent in the demo)
            expires = t.real_now - timedelta(days=12)
        elif index == 9:
            expires = t.real_now + timedelta(days=20)  # about to expire
        giver = self.giver(subject)
        guardian_id = subject.guardians[0].id if subject.guardians else None
        return ConsentInput(
            giver=giver,
            guardian_id=guardian_id if giver == "guardian" else None,
            method=("signed_form", "digital", "oral")[index % 3],
            covers_log=True,
            unit_ids=(self.cast.units["ppr"],) if target >= 2 else (),
            expires_at=expires,
            note=self.land.consent_note if index % 3 == 0 else "",
        )

    def one_log(
        self,
        index: int,
        by: access.StaffRef,
        subject,
        trigger,
        concern: str,
        target: int,
        started: int,
    ) -> None:
        store = self.store
        # In Norway the normal start is level 1 with the consent given at the same time (R2).
        at_start = self.rules.starts_with_consent and target >= 1
        log = logs.create_log(
            store,
            by,
            subject_id=subject.id,
            trigger=trigger,
            concern=concern,
            first_consent=self.consent_input(index, subject, target) if at_start else None,
        )
        if target >= 1 or index % 3 == 0:
            self.consent_and_levels(index, by, log, subject, target, started, at_start)
        self.journal(index, by, log, subject, started)
        detail = logs.get_log(store, by, log.id)
        if detail.level >= 1 and detail.status == "active":
            self.efforts_and_meeting(index, by, log.id, subject, started)
        if detail.status == "active" and index % 5 == 2:
            self.upcoming_meeting(index, by, log, detail)
        self.notification(index, by, log, detail, started)

    def consent_and_levels(
        self,
        index: int,
        by: access.StaffRef,
        log,
        subject,
        target: int,
        started: int,
        at_start: bool,
    ) -> None:
        """The consent (given at the start, or recorded later), the psychologist it lets read
        along from level 2, the level changes it allows; one consent runs out, one is withdrawn."""
        store, land, refs, t = self.store, self.land, self.cast.refs, self.t
        if at_start:
            given = consent.list_consents(store, by, log.id)[0]
        else:
            t.days_ago(started - 3, 11)
            given = consent.record_consent(
                store, by, log.id, self.consent_input(index, subject, target)
            )
        if target >= 2:
            log_actors.add_actor(
                store,
                by,
                log.id,
                staff_id=refs[land.psychologist].id
                if by.username != land.psychologist
                else refs[land.psychologist_stand_in].id,
            )
        for level in range(2 if at_start else 1, target + 1):
            t.days_ago(max(started - 10 * level, 2), 13)
            if index == 5:
                break  # the level stops where the consent ran out
            logs.change_level(
                store, by, log.id, to_level=level, reason=land.level_reasons[level - 1]
            )
        if index == 12:  # a withdrawn consent
            t.days_ago(5, 15)
            consent.withdraw_consent(
                store, by, given.id, version=given.version, reason=land.withdraw_reason
            )

    def journal(self, index: int, by: access.StaffRef, log, subject, started: int) -> None:
        """Two to six entries, written after the log started."""
        store, land, t = self.store, self.land, self.t
        first = subject.name.split()[0]
        for n in range(self.rng.randint(2, 6)):
            t.days_ago(max(started - 5 - n * 9, 1), 14 + n % 3)
            kind_, text = land.notes[(index + n) % len(land.notes)]
            journal.write_entry(store, by, log.id, kind=kind_, text=text.format(name=first))

    def upcoming_meeting(self, index: int, by: access.StaffRef, log, detail) -> None:
        """A meeting still to come: an evaluation, or at level 3 (in ``dk``) a notification
        meeting with the family department's guest."""
        store, land, t = self.store, self.land, self.t
        t.days_ago(0, 8)
        guest = detail.level >= 3
        meeting_path = self.rules.notification_meeting_level is not None
        kind = "notification" if guest and meeting_path else "evaluation"
        meetings.schedule(
            store,
            by,
            log.id,
            kind=kind,
            starts_at=t.upcoming(3 + index % 9, 13),
            place=land.upcoming_place,
            guests=(GuestInput(*land.level3_guest),) if guest else (),
        )

    def notification(self, index: int, by: access.StaffRef, log, detail, started: int) -> None:
        """A notification to the family department: in ``no`` one, at level 1; in ``dk`` with
        level 3."""
        store, land, t = self.store, self.land, self.t
        if self.rules.notification_meeting_level is None:
            # A notification to child welfare is its own act, at any level (R11): here at level 1.
            if (
                detail.level == 1
                and detail.status == "active"
                and not self.notified
                and index % 2 == 1
            ):
                self.notified = True
                t.days_ago(max(started - 40, 1), 12)
                notifications.notify(
                    store,
                    by,
                    log.id,
                    reason=land.notification_reason,
                    recipient=land.notification_recipient,
                )
        elif detail.level == 3 and index % 2 == 1:
            t.days_ago(max(started - 40, 1), 12)
            notifications.notify(
                store,
                by,
                log.id,
                reason=land.notification_reason,
                recipient=land.notification_recipient,
                exception="violence",
            )

    def efforts_and_meeting(
        self, index: int, by: access.StaffRef, log_id: int, subject, started: int
    ) -> None:
        """Efforts and a goal, and a past dialogue meeting with minutes."""
        store, land, refs, t = self.store, self.land, self.cast.refs, self.t
        first = subject.name.split()[0]
        t.days_ago(max(started - 20, 3), 10)
        actors = {a.staff_id for a in log_actors.list_actors(store, by, log_id) if a.staff_id}
        for n in range(1 + index % 3):
            what, staff, home = land.efforts[(index + n) % len(land.efforts)]
            staff_id = None
            if staff == "holder":
                staff_id = by.id
            elif staff and refs[staff].id in actors:
                staff_id = refs[staff].id
            text = "" if staff_id else (land.mother if home in (None, "mother_or_home") else home)
            today = self.today()
            real_today = t.real_now.astimezone(ZoneInfo(land.timezone)).date()
            # Evaluation dates count from the real today; every fourth one is overdue.
            evaluate = real_today + timedelta(days=(-6 if (index + n) % 4 == 0 else 14 + n * 7))
            efforts.add_effort(
                store,
                by,
                log_id,
                what=what.format(name=first),
                starts_on=today,
                evaluate_on=evaluate,
                responsible_staff_id=staff_id,
                responsible_text=text,
            )
        efforts.add_goal(
            store,
            by,
            log_id,
            text=land.goal.format(first=first),
            evaluate_on=self.today() + timedelta(days=60),
        )
        t.days_ago(max(started - 25, 2), 9)
        meeting = meetings.schedule(
            store,
            by,
            log_id,
            kind="dialogue",
            starts_at=self.at(self.today(), 13),
            place=land.place,
            invitee_staff_ids=tuple(sorted(actors))[:2],
            guests=(GuestInput(subject.guardians[0].name, land.parent_role),)
            if subject.guardians
            else (),
        )
        t.at(meeting.starts_at + timedelta(minutes=10))
        for item, line in zip(
            meeting.agenda, land.minutes, strict=False
        ):  # minutes for the first items
            minutes.save_note(
                store, by, meeting.id, text=line.format(first=first), agenda_item_id=item.id
            )
        t.at(meeting.starts_at + timedelta(minutes=55))
        current = meetings.get_meeting(store, by, meeting.id)
        minutes.finish_minutes(
            store,
            by,
            meeting.id,
            version=current.version,
            efforts=(
                AgreedEffort(
                    land.agreed_effort.format(first=first),
                    evaluate_on=t.real_now.date() + timedelta(days=30),
                    responsible_staff_id=by.id,
                ),
            ),
        )

    def ending(self) -> None:
        """The main account's closed log and coming meetings, a handover to it, and in ``no`` a plan."""
        store, land, refs, t = self.store, self.land, self.cast.refs, self.t
        anna = refs[land.holders[0]]
        mine = list(log_list.list_logs(store, anna, role="holder"))
        closing = next((s for s in mine if s.level <= 1), None)
        if closing is not None:
            t.days_ago(0, 9)
            if (
                self.rules.family_may_end
            ):  # the guardians may end the log at any time; the holder records it (R10)
                log_closing.close_log(
                    store, anna, closing.id, basis="guardians_ended", reason=land.close_reason
                )
            else:
                log_closing.close_log(
                    store,
                    anna,
                    closing.id,
                    basis="colleagues",
                    reason=land.close_reason,
                    consultation=land.close_consultation,
                )
        t.days_ago(0, 8)
        open_logs = [s for s in mine if closing is None or s.id != closing.id]
        for n, summary in enumerate(open_logs[:3]):
            meetings.schedule(
                store,
                anna,
                summary.id,
                kind="dialogue",
                starts_at=t.upcoming((1, 2, 7)[n], 9 + n),
                place=land.team_place,
            )
        giver = refs[land.handover_from]
        their_logs = log_list.list_logs(store, giver, role="holder")
        if their_logs:
            t.days_ago(2, 12)
            handover.propose(
                store, giver, their_logs[0].id, to_staff_id=anna.id, message=land.handover_message
            )
        if self.rules.individual_plan:
            self.pass_one_to_plan()
        t.restore()

    def pass_one_to_plan(self) -> None:
        """The first of the plan's holder's logs at level 2 or more passes into a plan (R14)."""
        if self.land.plan is None:
            return
        holder, coordinator, reason = self.land.plan
        by = self.cast.refs[holder]
        self.t.days_ago(1, 11)
        for summary in log_list.list_logs(self.store, by, role="holder"):
            if summary.level < 2 or summary.status != "active":
                continue
            try:
                plan.pass_to_plan(
                    self.store,
                    by,
                    summary.id,
                    coordinator_id=self.cast.refs[coordinator].id,
                    reason=reason,
                )
            except DomainError:
                continue  # no consent in force on this one: the next
            return
