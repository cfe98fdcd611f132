"""A realistic fictional municipality for trying relaytui: `relaytui demo`, `relaytui --demo`.

Everything is made through the services, with the clock moved back where the story happened,
so the demo has the same audit trail, histories and versions as real use. Every account has
the password ``demo``; ``anna`` is a pedagogue who holds several logs, ``admin`` administers.
All people, numbers and places are invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from relaytui.db import Store
from relaytui.errors import InvalidInput
from relaytui import i18n
from relaytui.i18n import _
from relaytui.services import (
    access, accounts, clock, consent, efforts, handover, installation, logs, meetings,
    notifications, subjects, units,
)
from relaytui.services.consent import ConsentInput
from relaytui.services.meetings import AgreedEffort, GuestInput
from relaytui.services.subjects import GuardianInput

PASSWORD = "demo"
TZ = "Europe/Copenhagen"

UNITS = (
    ("Solsikken Børnehus", "daycare", "+45 7011 2030"),
    ("Kirkeby Skole", "school", "+45 7011 2040"),
    ("Sundhedsplejen", "health", "+45 7011 2050"),
    ("PPR Kirkeby", "ppr", "+45 7011 2060"),
    ("Familieafdelingen", "family", "+45 7011 2070"),
)

# username, full name, profession, unit kind, role
STAFF = (
    ("lene", "Lene Lund", "dagtilbudsleder", "daycare", "caseworker"),
    ("anna", "Anna Holm", "pædagog", "daycare", "caseworker"),
    ("bo", "Bo Berg", "pædagog", "daycare", "caseworker"),
    ("camilla", "Camilla Krogh", "pædagog", "daycare", "caseworker"),
    ("mads", "Mads Winther", "pædagogmedhjælper", "daycare", "caseworker"),
    ("sofus", "Sofus Sand", "skoleleder", "school", "caseworker"),
    ("carl", "Carl Dahl", "lærer", "school", "caseworker"),
    ("dorthe", "Dorthe Friis", "lærer", "school", "caseworker"),
    ("emil", "Emil Bech", "AKT-lærer", "school", "caseworker"),
    ("karen", "Karen Vad", "lærer", "school", "caseworker"),
    ("hanne", "Hanne Mørk", "ledende sundhedsplejerske", "health", "caseworker"),
    ("gitte", "Gitte Skov", "sundhedsplejerske", "health", "caseworker"),
    ("nina", "Nina Lykke", "sundhedsplejerske", "health", "caseworker"),
    ("peter", "Peter Juhl", "PPR-leder", "ppr", "caseworker"),
    ("ib", "Ib Rask", "psykolog", "ppr", "caseworker"),
    ("olivia", "Olivia Brandt", "talepædagog", "ppr", "caseworker"),
    ("frida", "Frida Nørgaard", "afdelingsleder", "family", "caseworker"),
    ("jonas", "Jonas Kjær", "socialrådgiver", "family", "caseworker"),
    ("sara", "Sara Holt", "socialrådgiver", "family", "caseworker"),
)
LEADERS = {"daycare": "lene", "school": "sofus", "health": "hanne", "ppr": "peter", "family": "frida"}

FIRST = ("Ida", "Noah", "Emma", "Oscar", "Freja", "William", "Alma", "Karl", "Ella", "Malthe",
         "Clara", "Alfred", "Agnes", "Viggo", "Sofia", "Arthur", "Ellen", "Lucas", "Olivia", "Aksel",
         "Lea", "Valdemar", "Karla", "Felix", "Josefine", "Storm", "Liva", "August", "Nora", "Elias",
         "Asta", "Otto", "Vera", "Carl", "Luna", "Hugo", "Mille", "Theo", "Anna", "Bertram")
LAST = ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
        "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen",
        "Johansen", "Møller", "Mortensen", "Knudsen")
MOTHERS = ("Mette", "Louise", "Camilla", "Maria", "Sara", "Line", "Julie", "Anne", "Pernille", "Tina")
FATHERS = ("Jesper", "Martin", "Thomas", "Morten", "Rasmus", "Søren", "Michael", "Kasper", "Jonas", "Anders")

CONCERNS = (
    "{name} kommer ofte sulten i børnehave og falder i søvn efter frokost.",
    "{name} trækker sig fra de andre børn og græder, når mor går om morgenen.",
    "{name} har mange fraværsdage, og forældrene svarer ikke på beskeder.",
    "{name} slår de andre børn, når legen ikke går som ønsket.",
    "{name} har et sprog, der er langt bagefter alderen.",
    "{name} fortæller, at far og mor råber meget derhjemme.",
    "{name} har tabt sig, og tøjet passer dårligt til vejret.",
    "{name} har svært ved at koncentrere sig og forlader ofte klassen.",
)
NOTES = (
    ("note", "Mor hentede {name} kl. 16.30. Vi talte kort om søvn; mor siger, at {name} sover uroligt."),
    ("positive", "{name} legede i en halv time med to andre børn i sandkassen og grinede meget."),
    ("assessment", "Vi ser, at {name} er mere træt om mandagen end resten af ugen."),
    ("agreement", "Far og jeg aftalte, at far ringer, hvis {name} har sovet dårligt."),
    ("note", "{name} spiste hele madpakken i dag og bad om mere."),
    ("positive", "{name} hjalp en mindre kammerat med at tage flyverdragten på."),
)
EFFORTS = (
    ("Morgenmad i børnehaven kl. 7.30", None, "mother_or_home"),
    ("Samtale med talepædagog hver anden uge", "olivia", None),
    ("Fast voksen ved aflevering om morgenen", "holder", None),
    ("Søvndagbog i fire uger", None, "mor"),
    ("Observation i gruppen og vurdering", "ib", None),
    ("Far følger {name} i skole mandag og fredag", None, "far"),
)


@dataclass
class _Cast:
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


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A working hour on ``day``, or on the Monday after when it falls on a weekend."""
    if day.weekday() >= 5:
        day += timedelta(days=7 - day.weekday())
    return datetime.combine(day, time(hour, minute), ZoneInfo(TZ))


class _Timeline:
    """Move the services' clock to where a part of the story happened."""

    def __init__(self, real_now: datetime) -> None:
        self.real_now = real_now

    def at(self, moment: datetime) -> None:
        fixed = moment
        clock.set_clock(lambda: fixed)

    def days_ago(self, days: int, hour: int = 10) -> datetime:
        day = (self.real_now.astimezone(ZoneInfo(TZ)) - timedelta(days=days)).date()
        moment = _at(day, hour, 0)
        self.at(moment)
        return moment

    def restore(self) -> None:
        clock.set_clock(None)


def populate(store: Store, *, seed: int = 7) -> None:
    """Fill an empty, migrated database with the demo municipality."""
    with store.session() as session:
        from sqlmodel import select

        from relaytui.models import Staff

        if session.exec(select(Staff.id)).first() is not None:
            raise InvalidInput(_("This database already has accounts; the demo only fills an empty one."))
    rng = random.Random(seed)
    real_now = clock.now()
    timeline = _Timeline(real_now)
    # The demo municipality is Danish: what the services write in (agenda titles) is Danish.
    language = i18n.current_language()
    i18n.set_language("da")
    try:
        timeline.days_ago(400, 8)
        installation.write(store, profile="dk", timezone=TZ, municipality="Kirkeby Kommune")
        cast = _people(store)
        _stories(store, cast, rng, timeline)
    finally:
        timeline.restore()
        i18n.set_language(language)


def _people(store: Store) -> _Cast:
    cli = access.system_administrator()
    unit_ids: dict[str, int] = {}
    for name, kind, phone in UNITS:
        unit_ids[kind] = units.add_unit(store, cli, name=name, kind=kind, phone=phone).id
    accounts.add_user(store, cli, username="admin", full_name="Ada Admin", password=PASSWORD, role="admin",
                      profession="systemadministrator")
    for number, (username, full, profession, kind, role) in enumerate(STAFF):
        accounts.add_user(store, cli, username=username, full_name=full, password=PASSWORD, role=role,
                          profession=profession, unit=unit_ids[kind],
                          email=f"{username}@kirkeby.example", phone=f"+45 7011 3{number:03d}")
    for kind, username in LEADERS.items():
        units.set_leader(store, cli, unit_ids[kind], username)
    refs = {}
    with store.session() as session:
        from sqlmodel import select

        from relaytui.models import Staff

        for row in session.exec(select(Staff)).all():
            refs[row.username] = access.to_ref(row)
    return _Cast(refs=refs, units=unit_ids)


def _subject(store: Store, by: access.StaffRef, rng: random.Random, index: int, *, kind: str = "child"):
    first = FIRST[index % len(FIRST)]
    last = LAST[(index * 7) % len(LAST)]
    today = clock.today(TZ)
    if kind == "pregnant":
        born = date(1994 + index % 8, 1 + index % 12, 1 + index % 27)
        first = MOTHERS[index % len(MOTHERS)]
        guardians: tuple[GuardianInput, ...] = ()
    else:
        age_days = rng.randint(365 * 2, 365 * (12 if kind == "child" else 16))
        born = today - timedelta(days=age_days)
        mother = f"{MOTHERS[index % len(MOTHERS)]} {last}"
        father = f"{FATHERS[(index * 3) % len(FATHERS)]} {LAST[(index * 7 + 3) % len(LAST)]}"
        guardians = (
            GuardianInput(mother, "mor", f"+45 20{index:02d} 4{index:03d}", f"mor{index}@mail.example", True),
            GuardianInput(father, "far", f"+45 30{index:02d} 5{index:03d}", "", index % 5 != 0),
        )
    return subjects.create_subject(store, by, national_number=_cpr(born, 100 + index * 13),
                                   name=f"{first} {last}", kind=kind, guardians=guardians)


def _stories(store: Store, cast: _Cast, rng: random.Random, t: _Timeline) -> None:
    refs = cast.refs
    holders = ["anna"] * 8 + ["bo"] * 4 + ["camilla"] * 3 + ["carl"] * 5 + ["dorthe"] * 3 + \
              ["emil"] * 3 + ["gitte"] * 4 + ["nina"] * 3 + ["karen"] * 3 + ["mads"] * 2 + ["ib"] * 2
    levels = [0, 1, 2, 3, 1, 2, 0, 1]
    for index, holder in enumerate(holders):
        by = refs[holder]
        started = 30 + (index * 37) % 330
        t.days_ago(started, 9)
        kind = "pregnant" if holder in ("gitte", "nina") and index % 2 == 0 else (
            "youth" if holder in ("emil", "karen") else "child")
        subject = _subject(store, by, rng, index, kind=kind)
        first = subject.name.split()[0]
        trigger = None
        if kind == "pregnant":
            trigger = "pregnancy_visit"
        elif index % 6 == 1:
            trigger = "wellbeing_yellow"
        elif index % 9 == 4:
            trigger = "wellbeing_red"
        log = logs.create_log(store, by, subject_id=subject.id, trigger=trigger,
                              concern=CONCERNS[index % len(CONCERNS)].format(name=first))
        target = levels[index % len(levels)] if holder == "anna" else rng.choice((0, 1, 1, 2, 2, 3))
        giver = "subject" if kind == "pregnant" else "guardian"
        guardian_id = subject.guardians[0].id if subject.guardians else None

        if target >= 1 or index % 3 == 0:
            t.days_ago(started - 3, 11)
            colleague_units = [cast.units["ppr"]] if target >= 2 else []
            expires = None
            if index == 5:  # this consent runs out (an expired consent in the demo)
                expires = t.real_now - timedelta(days=12)
            elif index == 9:
                expires = t.real_now + timedelta(days=20)  # about to expire
            given = consent.record_consent(store, by, log.id, ConsentInput(
                giver=giver, guardian_id=guardian_id if giver == "guardian" else None,
                method=("signed_form", "digital", "oral")[index % 3], covers_log=True,
                unit_ids=tuple(colleague_units), expires_at=expires,
                note="Underskrevet blanket ligger i personalemappen." if index % 3 == 0 else "",
            ))
            if target >= 2:
                consent.add_actor(store, by, log.id, staff_id=refs["ib"].id if holder != "ib" else refs["olivia"].id)
            for level in range(1, target + 1):
                t.days_ago(max(started - 10 * level, 2), 13)
                if index == 5:
                    break  # the level stops where the consent ran out
                logs.change_level(store, by, log.id, to_level=level,
                                  reason=("Bekymringen er vokset; vi holder dialogmøde med forældrene.",
                                          "Der er brug for en tværfaglig indsats med PPR.",
                                          "Stærk bekymring; vi holder underretningsmøde med Familieafdelingen.")[level - 1])
            if index == 12:  # a withdrawn consent
                t.days_ago(5, 15)
                consent.withdraw_consent(store, by, given.id, version=given.version,
                                         reason="Mor ringede og trak samtykket tilbage.")
        # journal
        for n in range(rng.randint(2, 6)):
            t.days_ago(max(started - 5 - n * 9, 1), 14 + n % 3)
            kind_, text = NOTES[(index + n) % len(NOTES)]
            logs.write_entry(store, by, log.id, kind=kind_, text=text.format(name=first))
        # efforts and goals
        detail = logs.get_log(store, by, log.id)
        if detail.level >= 1 and detail.status == "active":
            t.days_ago(max(started - 20, 3), 10)
            actors = {a.staff_id for a in consent.list_actors(store, by, log.id) if a.staff_id}
            for n in range(1 + index % 3):
                what, staff, home = EFFORTS[(index + n) % len(EFFORTS)]
                staff_id = None
                if staff == "holder":
                    staff_id = by.id
                elif staff and refs[staff].id in actors:
                    staff_id = refs[staff].id
                text = "" if staff_id else ("mor" if home in (None, "mother_or_home") else home)
                today = clock.today(TZ)
                real_today = t.real_now.astimezone(ZoneInfo(TZ)).date()
                # Evaluation dates count from the real today; every fourth one is overdue.
                evaluate = real_today + timedelta(days=(-6 if (index + n) % 4 == 0 else 14 + n * 7))
                efforts.add_effort(store, by, log.id, what=what.format(name=first), starts_on=today,
                                   evaluate_on=evaluate, responsible_staff_id=staff_id,
                                   responsible_text=text)
            efforts.add_goal(store, by, log.id, text=f"{first} trives og deltager i fællesskabet.",
                             evaluate_on=clock.today(TZ) + timedelta(days=60))
            # a past dialogue meeting with minutes
            t.days_ago(max(started - 25, 2), 9)
            meeting = meetings.schedule(
                store, by, log.id, kind="dialogue", starts_at=_at(clock.today(TZ), 13),
                place="Mødelokale 2", invitee_staff_ids=tuple(sorted(actors))[:2],
                guests=(GuestInput(subject.guardians[0].name, "forælder"),) if subject.guardians else (),
            )
            t.at(meeting.starts_at + timedelta(minutes=10))
            for item, line in zip(meeting.agenda, (
                f"Mor fortæller, at {first} sover bedre efter faste sengetider.",
                f"{first} har tegnet sin familie og fortalt om den.",
                "Indsatserne fortsætter; vi evaluerer om en måned.",
            )):
                meetings.save_note(store, by, meeting.id, text=line, agenda_item_id=item.id)
            t.at(meeting.starts_at + timedelta(minutes=55))
            current = meetings.get_meeting(store, by, meeting.id)
            meetings.finish_minutes(store, by, meeting.id, version=current.version, efforts=(
                AgreedEffort(f"Pædagog og mor taler om {first}s søvn hver fredag",
                             evaluate_on=t.real_now.date() + timedelta(days=30), responsible_staff_id=by.id),
            ))
        if detail.status == "active" and index % 5 == 2:
            t.days_ago(0, 8)
            meetings.schedule(store, by, log.id, kind="evaluation" if detail.level < 3 else "notification",
                              starts_at=_at(clock.today(TZ) + timedelta(days=3 + index % 9), 13), place="Mødelokale 1",
                              guests=(GuestInput("Jonas Kjær", "socialrådgiver, Familieafdelingen"),)
                              if detail.level >= 3 else ())
        if detail.level == 3 and index % 2 == 1:
            t.days_ago(max(started - 40, 1), 12)
            notifications.notify(store, by, log.id, reason="Barnet fortæller om slag derhjemme.",
                                 recipient="Familieafdelingen", exception="violence")
    anna = refs["anna"]
    mine = [s for s in logs.list_logs(store, anna, role="holder")]
    # one closed log of anna's
    closing = next((s for s in mine if s.level <= 1), None)
    if closing is not None:
        t.days_ago(0, 9)
        logs.close_log(store, anna, closing.id, basis="colleagues",
                       reason="Bekymringen er væk; barnet trives.",
                       consultation="Drøftet med Bo Berg og Lene Lund på personalemødet.")
    # anna's upcoming meetings: this week and next
    t.days_ago(0, 8)
    open_logs = [s for s in mine if closing is None or s.id != closing.id]
    for n, summary in enumerate(open_logs[:3]):
        meetings.schedule(store, anna, summary.id, kind="dialogue",
                          starts_at=_at(clock.today(TZ) + timedelta(days=(1, 2, 7)[n]), 9 + n), place="Personalerummet")
    # one pending handover: Bo hands a log to Anna
    bo_logs = logs.list_logs(store, refs["bo"], role="holder")
    if bo_logs:
        t.days_ago(2, 12)
        handover.propose(store, refs["bo"], bo_logs[0].id, to_staff_id=anna.id,
                         message="Jeg skifter til vuggestuen. Vil du overtage stafetten?")
    t.restore()
