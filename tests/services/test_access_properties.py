"""Access control, proven with generated cases (R7, R9, R10, R5).

Hypothesis builds relay logs with random holders, actors (with consents in force, expired or
withdrawn, memberships removed or not), closed or open, with read grants that ran out or not,
and calls every public service function as a random member of staff or an administrator.
The oracle: only the holder writes, and only in an open log; only the holder and actors whose
consent is in force read an open log; a closed log is read only with a grant in force; an
administrator reads nothing. A last test fails when a public service function is not covered.

A second oracle follows people as they move (R3, R5): logs are created, consents recorded and
withdrawn, actors added, members of staff moved between units and units given new leaders, in
random order; after each step the services must agree with the oracle on who reads and who
writes every log, and on who is attached, in which role, through which consent.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import os
import pkgutil
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import relaytui.services as services_package
from relaytui.errors import DomainError, NotAllowed, RuleViolation
from relaytui.models import (
    AgendaItem,
    Consent,
    ConsentCover,
    Effort,
    Goal,
    Guardian,
    Handover,
    HolderPeriod,
    Meeting,
    Membership,
    ReadGrant,
    ReadGrantRequest,
    RelayLog,
    Staff,
    Subject,
    TransitionRequest,
    Unit,
)
from relaytui.services import (
    accounts,
    audit,
    clock,
    consent,
    dashboard,
    efforts,
    family,
    grant_requests,
    grants,
    handover,
    installation,
    invitations,
    journal,
    keys,
    log_actors,
    log_closing,
    log_history,
    log_list,
    logs,
    meetings,
    minutes,
    notices,
    notifications,
    papers,
    plan,
    staff_calendar,
    subjects,
    transitions,
    units,
    writing,
)
from tests.factories import build_world, national_number

# 25 examples per function in the everyday run; RELAYTUI_PROPERTY_EXAMPLES=200 for the full proof.
EXAMPLES = int(os.environ.get("RELAYTUI_PROPERTY_EXAMPLES", "25"))
STAFF = ("anna", "bo", "lene", "carl", "sofus", "fie")
EVERYONE = STAFF + ("admin",)
CONSENT_STATES = ("none", "in_force", "expired", "withdrawn")
_serial = itertools.count(1000)


@dataclass
class Case:
    log_id: int
    subject_id: int
    number: str
    holder: str
    closed: bool
    readers: frozenset[str]  # who may read, by the oracle
    effort_id: int
    goal_id: int
    meeting_id: int
    consent_id: int
    handover_id: int | None
    handover_to: str | None


cases = st.fixed_dictionaries(
    {
        "holder": st.sampled_from(STAFF),
        "members": st.lists(
            st.tuples(st.sampled_from(STAFF), st.sampled_from(CONSENT_STATES), st.booleans()),
            max_size=4,
        ),
        "closed": st.booleans(),
        "grants": st.lists(st.tuples(st.sampled_from(STAFF), st.booleans()), max_size=2),
        "handover_to": st.one_of(st.none(), st.sampled_from(STAFF)),
        "user": st.sampled_from(EVERYONE),
    }
)


def make_case(world, spec) -> Case:
    """Insert one log as the generated spec says, straight into the tables (fast)."""
    now = clock.now()
    serial = next(_serial)
    number = national_number("dk", date(2017, 1 + serial % 12, 1 + serial % 28), serial)
    holder = world.ref(spec["holder"])
    readers: set[str] = set()
    with world.store.session(write=True) as session:
        subject = Subject(
            national_number=number, name=f"Case {serial}", birth_date=date(2017, 1, 1)
        )
        session.add(subject)
        session.flush()
        log = RelayLog(
            subject_id=subject.id,
            holder_id=holder.id,
            unit_id=holder.unit_id,
            created_by=holder.id,
            created_at=now,
            concern="c",
            status="closed" if spec["closed"] else "active",
        )
        session.add(log)
        session.flush()
        session.add(HolderPeriod(log_id=log.id, staff_id=holder.id, started_at=now))
        # A reader who is not staff, so there is always a membership to remove.
        session.add(
            Membership(
                log_id=log.id,
                person_name="Grandma Inge",
                role="other",
                added_by=holder.id,
                added_at=now,
            )
        )
        if not spec["closed"]:
            readers.add(spec["holder"])
        for username, state, removed in spec["members"]:
            if username == spec["holder"]:
                continue
            consent_id = None
            if state != "none":
                row = Consent(
                    log_id=log.id,
                    giver_kind="guardian",
                    giver_name="G",
                    method="oral",
                    given_at=now - timedelta(days=30),
                    recorded_by=holder.id,
                    recorded_at=now,
                    expires_at=now - timedelta(days=1) if state == "expired" else None,
                    withdrawn_at=now - timedelta(hours=1) if state == "withdrawn" else None,
                )
                session.add(row)
                session.flush()
                session.add(ConsentCover(consent_id=row.id, staff_id=world.ref(username).id))
                consent_id = row.id
            session.add(
                Membership(
                    log_id=log.id,
                    staff_id=world.ref(username).id,
                    role="actor",
                    consent_id=consent_id,
                    added_by=holder.id,
                    added_at=now,
                    removed_at=now if removed else None,
                )
            )
            if not spec["closed"] and not removed and state in ("none", "in_force"):
                readers.add(username)
        for username, expired in spec["grants"]:
            session.add(
                ReadGrant(
                    log_id=log.id,
                    staff_id=world.ref(username).id,
                    granted_by=None,
                    granted_at=now - timedelta(days=10),
                    reason="r",
                    expires_at=now - timedelta(days=1) if expired else now + timedelta(days=3),
                )
            )
            if spec["closed"] and not expired:
                readers.add(username)
        effort = Effort(
            log_id=log.id,
            what="w",
            responsible_text="mother",
            starts_on=date.today(),
            evaluate_on=date.today() + timedelta(days=9),
            created_by=holder.id,
            created_at=now,
        )
        goal = Goal(log_id=log.id, text="g", created_by=holder.id, created_at=now)
        meeting = Meeting(
            log_id=log.id, kind="dialogue", starts_at=now + timedelta(days=2), convened_by=holder.id
        )
        given_consent = Consent(
            log_id=log.id,
            giver_kind="guardian",
            giver_name="G",
            method="oral",
            given_at=now,
            recorded_by=holder.id,
            recorded_at=now,
        )
        session.add_all([effort, goal, meeting, given_consent])
        session.flush()
        session.add(AgendaItem(meeting_id=meeting.id, position=0, title="Since last time"))
        handover_id = None
        to = spec["handover_to"]
        if to is not None and to != spec["holder"] and not spec["closed"]:
            row = Handover(
                log_id=log.id,
                from_staff_id=holder.id,
                to_staff_id=world.ref(to).id,
                proposed_at=now,
                message="m",
                transition=False,
            )
            session.add(row)
            session.flush()
            handover_id = row.id
        else:
            to = None
        return Case(
            log.id,
            subject.id,
            number,
            spec["holder"],
            spec["closed"],
            frozenset(readers),
            effort.id,
            goal.id,
            meeting.id,
            given_consent.id,
            handover_id,
            to,
        )


def refused(call) -> bool:
    """Did the service refuse for access (not for some other rule or bad input)?"""
    try:
        call()
    except NotAllowed:
        return True
    except RuleViolation as exc:
        return exc.rule == "R10"
    except Exception as exc:  # noqa: BLE001 - another refusal means access was granted
        from relaytui.errors import DomainError

        if not isinstance(exc, DomainError):
            raise
    return False


TODAY = date.today()
SOON = TODAY + timedelta(days=10)
READS = {
    "logs.get_log": lambda w, c, by: logs.get_log(w.store, by, c.log_id),
    "family.family_reads": lambda w, c, by: family.family_reads(w.store, by, c.log_id),
    "journal.list_entries": lambda w, c, by: journal.list_entries(w.store, by, c.log_id),
    "logs.open_log": lambda w, c, by: logs.open_log(w.store, by, c.log_id),
    "log_history.history": lambda w, c, by: log_history.history(w.store, by, c.log_id),
    "consent.list_consents": lambda w, c, by: consent.list_consents(w.store, by, c.log_id),
    "log_actors.list_actors": lambda w, c, by: log_actors.list_actors(w.store, by, c.log_id),
    "efforts.list_efforts": lambda w, c, by: efforts.list_efforts(w.store, by, c.log_id),
    "efforts.list_goals": lambda w, c, by: efforts.list_goals(w.store, by, c.log_id),
    "meetings.list_meetings": lambda w, c, by: meetings.list_meetings(w.store, by, c.log_id),
    "meetings.get_meeting": lambda w, c, by: meetings.get_meeting(w.store, by, c.meeting_id),
    "notifications.list_notifications": lambda w, c, by: notifications.list_notifications(
        w.store, by, c.log_id
    ),
    "subjects.list_guardians": lambda w, c, by: subjects.list_guardians(w.store, by, c.log_id),
    "transitions.requests_for_log": lambda w, c, by: transitions.requests_for_log(
        w.store, by, c.log_id
    ),
    "meetings.invitable": lambda w, c, by: meetings.invitable(w.store, by, c.log_id),
    "notices.notices_for_log": lambda w, c, by: notices.notices_for_log(w.store, by, c.log_id),
}
WRITES = {
    "journal.write_entry": lambda w, c, by: journal.write_entry(w.store, by, c.log_id, text="t"),
    "logs.change_level": lambda w, c, by: logs.change_level(
        w.store, by, c.log_id, to_level=1, reason="r"
    ),
    "log_closing.close_log": lambda w, c, by: log_closing.close_log(
        w.store, by, c.log_id, basis="colleagues", reason="r", consultation="c"
    ),
    "consent.record_consent": lambda w, c, by: consent.record_consent(
        w.store, by, c.log_id, consent.ConsentInput(giver="subject", method="oral")
    ),
    "consent.withdraw_consent": lambda w, c, by: consent.withdraw_consent(
        w.store, by, c.consent_id, version=1, reason="r"
    ),
    "log_actors.add_actor": lambda w, c, by: log_actors.add_actor(
        w.store, by, c.log_id, person_name="Grandma"
    ),
    "log_actors.remove_actor": lambda w, c, by: log_actors.remove_actor(
        w.store, by, _membership(w, c), reason="r"
    ),
    "efforts.add_effort": lambda w, c, by: efforts.add_effort(
        w.store,
        by,
        c.log_id,
        what="w",
        starts_on=TODAY,
        evaluate_on=SOON,
        responsible_text="mother",
    ),
    "efforts.update_effort": lambda w, c, by: efforts.update_effort(
        w.store, by, c.effort_id, version=1, what="x"
    ),
    "efforts.evaluate_effort": lambda w, c, by: efforts.evaluate_effort(
        w.store, by, c.effort_id, version=1, text="t", end=True
    ),
    "efforts.add_goal": lambda w, c, by: efforts.add_goal(w.store, by, c.log_id, text="g"),
    "efforts.evaluate_goal": lambda w, c, by: efforts.evaluate_goal(
        w.store, by, c.goal_id, version=1, text="t", status="reached"
    ),
    "handover.propose": lambda w, c, by: handover.propose(
        w.store, by, c.log_id, to_staff_id=w.ref("bo").id
    ),
    "handover.withdraw": lambda w, c, by: handover.withdraw(w.store, by, c.handover_id or 0),
    "meetings.schedule": lambda w, c, by: meetings.schedule(
        w.store, by, c.log_id, kind="dialogue", starts_at=clock.now() + timedelta(days=3)
    ),
    "meetings.reschedule": lambda w, c, by: meetings.reschedule(
        w.store,
        by,
        c.meeting_id,
        version=1,
        starts_at=clock.now() + timedelta(days=4),
        duration_minutes=60,
        reason="r",
    ),
    "meetings.cancel": lambda w, c, by: meetings.cancel(
        w.store, by, c.meeting_id, version=1, reason="r"
    ),
    "meetings.set_agenda": lambda w, c, by: meetings.set_agenda(w.store, by, c.meeting_id, ["A"]),
    "meetings.record_attendance": lambda w, c, by: meetings.record_attendance(
        w.store, by, c.meeting_id, {}
    ),
    "minutes.save_note": lambda w, c, by: minutes.save_note(w.store, by, c.meeting_id, text="n"),
    "minutes.finish_minutes": lambda w, c, by: minutes.finish_minutes(
        w.store, by, c.meeting_id, version=1
    ),
    "invitations.ics": lambda w, c, by: invitations.ics(w.store, by, c.meeting_id),
    "invitations.letter": lambda w, c, by: invitations.letter(w.store, by, c.meeting_id),
    "invitations.read_invitation": lambda w, c, by: invitations.read_invitation(
        w.store, by, c.meeting_id
    ),
    "papers.consent_form": lambda w, c, by: papers.consent_form(w.store, by, c.log_id),
    "papers.guardian_copy": lambda w, c, by: papers.guardian_copy(w.store, by, c.log_id),
    "papers.meeting_paper": lambda w, c, by: papers.meeting_paper(w.store, by, c.meeting_id),
    "papers.access_report": lambda w, c, by: papers.access_report(w.store, by, c.log_id),
    "plan.pass_to_plan": lambda w, c, by: plan.pass_to_plan(
        w.store, by, c.log_id, coordinator_id=w.ref("bo").id, reason="r"
    ),
    "notifications.notify": lambda w, c, by: notifications.notify(
        w.store, by, c.log_id, reason="r", exception="acute"
    ),
    "subjects.add_guardian": lambda w, c, by: subjects.add_guardian(
        w.store, by, c.log_id, subjects.GuardianInput("G")
    ),
    "transitions.ask_family": lambda w, c, by: transitions.ask_family(
        w.store, by, c.log_id, w.units["family"], message="m"
    ),
    "transitions.withdraw": lambda w, c, by: transitions.withdraw(
        w.store, by, _transition_request(w, c)
    ),
    "subjects.change_guardian": lambda w, c, by: subjects.change_guardian(
        w.store, by, c.log_id, _guardian(w, c), subjects.GuardianInput("G", email="g@example.dk")
    ),
}
RECEIVER = {
    "handover.accept": lambda w, c, by: handover.accept(w.store, by, c.handover_id),
    "handover.decline": lambda w, c, by: handover.decline(w.store, by, c.handover_id, message="no"),
}
ADMIN_ONLY = {
    "logs.grant_read": lambda w, c, by: logs.grant_read(
        w.store, by, c.log_id, staff_id=w.ref("bo").id, days=2, reason="court"
    ),
    "audit.verify": lambda w, c, by: audit.verify(w.store, by),
    "grant_requests.list_requests": lambda w, c, by: grant_requests.list_requests(w.store, by),
    "grants.give": lambda w, c, by: grants.give(
        w.store, by, _grant_request(w, c), reason="court", until=date.today() + timedelta(days=3)
    ),
    "grants.refuse": lambda w, c, by: grants.refuse(w.store, by, _grant_request(w, c), reason="no"),
    "audit.subject_trail": lambda w, c, by: audit.subject_trail(w.store, by, c.number),
    "papers.subject_access_report": lambda w, c, by: papers.subject_access_report(
        w.store, by, c.number
    ),
    "accounts.list_users": lambda w, c, by: accounts.list_users(w.store, by),
    "accounts.get_user": lambda w, c, by: accounts.get_user(w.store, by, "bo"),
    "accounts.check_username_free": lambda w, c, by: accounts.check_username_free(
        w.store, by, "nobody"
    ),
    "accounts.add_user": lambda w, c, by: accounts.add_user(
        w.store, by, username=f"u{next(_serial)}", full_name="U", password="pw"
    ),
    "accounts.disable_user": lambda w, c, by: accounts.disable_user(w.store, by, "nobody-here"),
    "accounts.enable_user": lambda w, c, by: accounts.enable_user(w.store, by, "nobody-here"),
    "accounts.unlock_user": lambda w, c, by: accounts.unlock_user(w.store, by, "nobody-here"),
    "accounts.reset_password": lambda w, c, by: accounts.reset_password(w.store, by, "nobody-here"),
    "accounts.set_role": lambda w, c, by: accounts.set_role(w.store, by, "nobody-here", "leader"),
    "accounts.set_unit": lambda w, c, by: accounts.set_unit(w.store, by, "nobody-here", None),
    "units.add_unit": lambda w, c, by: units.add_unit(w.store, by, name=f"Unit {next(_serial)}"),
    "units.set_leader": lambda w, c, by: units.set_leader(w.store, by, "nowhere", "nobody-here"),
    "keys.add_key": lambda w, c, by: keys.add_key(w.store, by, "nobody-here", ONE_KEY),
    "keys.keys_of": lambda w, c, by: keys.keys_of(w.store, by, "bo"),
    "keys.remove_key": lambda w, c, by: keys.remove_key(w.store, by, "nobody-here", "SHA256:x"),
    "installation.change": lambda w, c, by: installation.change(
        w.store, by, "idle_lock_minutes", "11"
    ),
    "notices.installation_off": lambda w, c, by: notices.installation_off(w.store, by),
    "notices.switch_for_installation": lambda w, c, by: notices.switch_for_installation(
        w.store, by, "actor_added", on=True
    ),
    "notices.set_evaluation_days": lambda w, c, by: notices.set_evaluation_days(w.store, by, 7),
    "notices.list_notices": lambda w, c, by: notices.list_notices(w.store, by),
}
ONE_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPbObbR80QdyCXuIZMcVsixzR3FLWjuCUdPQX2ah0087 x@y"
STAFF_ONLY = {  # any member of staff who works with logs; never an administrator
    "logs.create_log": lambda w, c, by: logs.create_log(
        w.store, by, subject_id=c.subject_id, concern="c"
    ),
    "subjects.find_subject": lambda w, c, by: subjects.find_subject(w.store, by, c.number),
    "subjects.create_subject": lambda w, c, by: subjects.create_subject(
        w.store, by, national_number=c.number, name="x"
    ),
    "accounts.search_staff": lambda w, c, by: accounts.search_staff(w.store, by, "a"),
    "dashboard.my_figures": lambda w, c, by: dashboard.my_figures(w.store, by),
    "grants.my_closed_logs": lambda w, c, by: grants.my_closed_logs(w.store, by),
    "dashboard.unit_figures": lambda w, c, by: dashboard.unit_figures(w.store, by),
    "efforts.overdue_for_holder": lambda w, c, by: efforts.overdue_for_holder(w.store, by),
    "handover.inbox": lambda w, c, by: handover.inbox(w.store, by),
    "notices.my_notices_off": lambda w, c, by: notices.my_notices_off(w.store, by),
    "notices.switch_for_me": lambda w, c, by: notices.switch_for_me(
        w.store, by, "actor_added", on=True
    ),
    "handover.waiting_for_me": lambda w, c, by: handover.waiting_for_me(w.store, by),
    "handover.declined_answers": lambda w, c, by: handover.declined_answers(w.store, by),
    "handover.tell_declined": lambda w, c, by: handover.tell_declined(w.store, by),
    "handover.dismiss_declined": lambda w, c, by: handover.dismiss_declined(
        w.store, by, c.handover_id or 0
    ),
    "handover.unanswered_for_leader": lambda w, c, by: handover.unanswered_for_leader(w.store, by),
    "staff_calendar.my_meetings": lambda w, c, by: staff_calendar.my_meetings(
        w.store, by, start=clock.now()
    ),
    "staff_calendar.conflicts": lambda w, c, by: staff_calendar.conflicts(
        w.store, by, starts_at=clock.now(), duration_minutes=60, staff_ids=(w.ref("bo").id,)
    ),
}
LISTS = {  # the list shows the generated log exactly when the oracle lets the user read it
    "log_list.list_page": lambda w, c, by: [
        r.id
        for r in log_list.list_page(
            w.store,
            by,
            log_list.LogQuery(status="all", search=f"Case {c.number and ''}"),
            limit=500,
        ).rows
    ],
    "log_list.list_logs": lambda w, c, by: [
        r.id for r in log_list.list_logs(w.store, by, include_closed=True, limit=500)
    ],
}
ANYONE = {  # every logged-in person, administrators too; no log content
    "units.list_units": lambda w, c, by: units.list_units(w.store, by),
    "accounts.set_language": lambda w, c, by: accounts.set_language(w.store, by, "da"),
    "writing.hints_enabled": lambda w, c, by: writing.hints_enabled(w.store, by),
    "writing.set_hints_enabled": lambda w, c, by: writing.set_hints_enabled(w.store, by, False),
}
FORMER_READERS = {  # only who held the log or read it as an actor while it was open (R10)
    "grants.request_read": lambda w, c, by: grants.request_read(w.store, by, c.log_id, reason="r"),
}
#: These take no acting person: they make one, from a password, a key or the server's word
#: (tests/services/test_accounts.py and tests/server try to break them).
NO_BY = {
    "sign_in.authenticate",
    "sign_in.command_line_login",
    "sign_in.change_password",
    "sign_in.session_ref",
    "keys.key_answer",
    "keys.log_in_with_key",
    "accounts.admin_or_user_exists",
}  # (the last: 'init', before any account exists)


def _grant_request(world, case) -> int:
    """A request to read the log, by its holder, waiting for an administrator."""
    with world.store.session(write=True) as session:
        row = ReadGrantRequest(
            log_id=case.log_id,
            staff_id=world.ref(case.holder).id,
            requested_at=clock.now(),
            reason="r",
        )
        session.add(row)
        session.flush()
        return row.id


def _transition_request(world, case) -> int:
    """A request to the family about the family department, waiting for their answer."""
    with world.store.session(write=True) as session:
        row = TransitionRequest(
            log_id=case.log_id,
            unit_id=world.units["family"],
            asked_by=world.ref(case.holder).id,
            asked_at=clock.now(),
        )
        session.add(row)
        session.flush()
        return row.id


def _guardian(world, case) -> int:
    """A guardian of the case's subject."""
    with world.store.session(write=True) as session:
        row = Guardian(subject_id=case.subject_id, name="Guardian")
        session.add(row)
        session.flush()
        return row.id


def _membership(world, case):
    with world.store.session() as session:
        from sqlmodel import select

        return session.exec(select(Membership.id).where(Membership.log_id == case.log_id)).first()


@pytest.fixture
def prop_world(sqlite_store):
    # Thousands of generated cases: no fsync per commit (what is tested is access, not durability).
    from sqlalchemy import event

    @event.listens_for(sqlite_store.engine, "connect")
    def _fast(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA synchronous=OFF")

    sqlite_store.engine.dispose()
    return build_world(sqlite_store, "dk")


def _settings():
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.mark.rule("R9")
@pytest.mark.parametrize("name", sorted(READS))
def test_only_the_holder_and_actors_read(prop_world, name):
    @_settings()
    @given(spec=cases)
    def check(spec):
        case = make_case(prop_world, spec)
        by = prop_world.ref(spec["user"])
        allowed = spec["user"] in case.readers
        assert refused(lambda: READS[name](prop_world, case, by)) is not allowed, (name, spec)

    check()


@pytest.mark.rule("R7")
@pytest.mark.parametrize("name", sorted(WRITES))
def test_only_the_holder_writes_and_only_in_an_open_log(prop_world, name):
    @_settings()
    @given(spec=cases)
    def check(spec):
        case = make_case(prop_world, spec)
        if name == "handover.withdraw" and case.handover_id is None:
            return
        by = prop_world.ref(spec["user"])
        allowed = spec["user"] == case.holder and not case.closed
        assert refused(lambda: WRITES[name](prop_world, case, by)) is not allowed, (name, spec)

    check()


@pytest.mark.rule("R8")
@pytest.mark.parametrize("name", sorted(RECEIVER))
def test_only_the_receiver_answers_a_handover(prop_world, name):
    @_settings()
    @given(spec=cases)
    def check(spec):
        case = make_case(prop_world, spec)
        if case.handover_id is None:
            return
        by = prop_world.ref(spec["user"])
        allowed = spec["user"] == case.handover_to
        assert refused(lambda: RECEIVER[name](prop_world, case, by)) is not allowed, (name, spec)

    check()


@pytest.mark.rule("R9")
@pytest.mark.parametrize("name", sorted(ADMIN_ONLY))
def test_only_administrators_manage(prop_world, name):
    @_settings()
    @given(spec=cases)
    def check(spec):
        case = make_case(prop_world, spec)
        if name == "logs.grant_read" and not case.closed:
            return  # an open log needs no grant: refused by R10 for everyone
        by = prop_world.ref(spec["user"])
        allowed = spec["user"] == "admin"
        assert refused(lambda: ADMIN_ONLY[name](prop_world, case, by)) is not allowed, (name, spec)

    check()


@pytest.mark.rule("R10")
@pytest.mark.parametrize("name", sorted(FORMER_READERS))
def test_only_former_holders_and_actors_ask_to_read_a_closed_log(prop_world, name):
    @_settings()
    @given(spec=cases)
    def check(spec):
        case = make_case(prop_world, spec)
        by = prop_world.ref(spec["user"])
        former = {spec["holder"]} | {username for username, _state, _removed in spec["members"]}
        allowed = case.closed and spec["user"] in former
        assert refused(lambda: FORMER_READERS[name](prop_world, case, by)) is not allowed, (
            name,
            spec,
        )

    check()


@pytest.mark.rule("R9")
@pytest.mark.parametrize("name", sorted(STAFF_ONLY))
def test_administrators_do_not_work_with_logs(prop_world, name):
    @_settings()
    @given(spec=cases)
    def check(spec):
        case = make_case(prop_world, spec)
        by = prop_world.ref(spec["user"])
        allowed = spec["user"] != "admin"
        assert refused(lambda: STAFF_ONLY[name](prop_world, case, by)) is not allowed, (name, spec)

    check()


@pytest.mark.rule("R9")
@pytest.mark.parametrize("name", sorted(LISTS))
def test_lists_show_a_log_exactly_to_its_readers(prop_world, name):
    @_settings()
    @given(spec=cases)
    def check(spec):
        case = make_case(prop_world, spec)
        by = prop_world.ref(spec["user"])
        if spec["user"] == "admin":
            assert refused(lambda: LISTS[name](prop_world, case, by))
            return
        shown = LISTS[name](prop_world, case, by)
        assert (case.log_id in shown) is (spec["user"] in case.readers), (name, spec)

    check()


@pytest.mark.parametrize("name", sorted(ANYONE))
def test_anyone_logged_in_may(prop_world, name):
    @_settings()
    @given(user=st.sampled_from(EVERYONE))
    def check(user):
        by = prop_world.ref(user)
        assert not refused(lambda: ANYONE[name](prop_world, None, by))

    check()


# --- people move: the oracle follows units, leaders and consents (R3, R5) ----------------------

UNIT_KINDS = ("daycare", "school", "family")
_log_index = st.integers(0, 2)
_attach = st.tuples(
    st.just("attach"), _log_index, st.sampled_from(STAFF), st.sampled_from(("named", "unit"))
)
_move = st.tuples(
    st.just("move"), st.booleans(), st.integers(0, 20), st.sampled_from(UNIT_KINDS + (None,))
)
_lead = st.tuples(st.just("lead"), st.sampled_from(UNIT_KINDS), st.booleans(), st.integers(0, 20))
# Attaching, moving and leading come twice as often as the rest: what matters is how they meet.
steps = st.one_of(
    _attach,
    _move,
    _lead,
    st.tuples(st.just("create"), st.sampled_from(STAFF)),
    st.tuples(
        st.just("consent"),
        _log_index,
        st.frozensets(st.sampled_from(STAFF), max_size=2),
        st.frozensets(st.sampled_from(UNIT_KINDS), max_size=2),
    ),
    st.tuples(st.just("add"), _log_index, st.sampled_from(STAFF)),
    # A consent naming a person, or covering the unit they work in now, then the person added.
    _attach,
    st.tuples(st.just("withdraw"), _log_index, st.integers(0, 2)),
    # Who moves, or who is named leader: anyone (often refused), or, to reach the cases that
    # matter more often, an actor of a log / someone who works in that unit.
    _move,
    _lead,
)
journeys = st.fixed_dictionaries(
    {
        "holders": st.lists(st.sampled_from(STAFF), min_size=1, max_size=2),
        "steps": st.lists(steps, min_size=4, max_size=14),
    }
)


@dataclass
class ConsentModel:
    id: int
    version: int
    named: frozenset[str]
    units: frozenset[str]
    withdrawn: bool = False


@dataclass
class LogModel:
    id: int
    holder: str
    unit: str | None  # the unit it was created in (R3: whose leader reads along)
    consents: list
    members: dict  # username -> (role, index of the consent it reads through, or None)


class MovesOracle:
    """Who works where, who leads what, and who reads which log: worked out from the rules
    alone, never from the services' tables."""

    def __init__(self, world, unit_of: dict[str, str | None], leader_of: dict[str, str | None]):
        self.world = world
        self.unit_of = dict(unit_of)
        self.leader_of = dict(leader_of)
        self.logs: list[LogModel] = []

    def covers(self, c: ConsentModel, username: str) -> bool:
        """R5 as add_actor and a withdrawal read it: named, or of a unit the consent covers."""
        return not c.withdrawn and (username in c.named or self.unit_of[username] in c.units)

    def naming(self, log: LogModel, username: str) -> int | None:
        return next(
            (i for i, c in enumerate(log.consents) if not c.withdrawn and username in c.named), None
        )

    def readers(self, log: LogModel) -> set[str]:
        return {log.holder} | set(log.members)

    def mover(self, attached: bool, pick: int) -> str:
        pool = (
            sorted(
                {
                    user
                    for log in self.logs
                    for user, (role, _c) in log.members.items()
                    if role == "actor"
                }
            )
            if attached
            else []
        )
        pool = pool or list(EVERYONE)
        return pool[pick % len(pool)]

    def new_leader(self, unit: str, working_there: bool, pick: int) -> str:
        pool = sorted(user for user in STAFF if self.unit_of[user] == unit) if working_there else []
        pool = pool or list(EVERYONE)
        return pool[pick % len(pool)]

    # Each step says whether the services must refuse it.

    def create(self, log_id: int, holder: str) -> None:
        unit = self.unit_of[holder]
        leader = self.leader_of.get(unit) if unit else None
        members = {leader: ("leader", None)} if leader is not None and leader != holder else {}
        self.logs.append(LogModel(log_id, holder, unit, [], members))

    def consent(self, log: LogModel, consent_id: int, version: int, named, units) -> None:
        log.consents.append(ConsentModel(consent_id, version, frozenset(named), frozenset(units)))

    def add(self, log: LogModel, username: str) -> bool:
        if username == log.holder or username in log.members:
            return True
        if log.unit is not None and self.leader_of.get(log.unit) == username:
            log.members[username] = ("leader", None)
            return False
        found = next((i for i, c in enumerate(log.consents) if self.covers(c, username)), None)
        if found is None:
            return True
        log.members[username] = ("actor", found)
        return False

    def withdraw(self, log: LogModel, index: int) -> bool:
        c = log.consents[index]
        if c.withdrawn:
            return True
        c.withdrawn = True
        for username, (role, through) in list(log.members.items()):
            if through != index:
                continue
            other = next((i for i, o in enumerate(log.consents) if self.covers(o, username)), None)
            if other is None:
                del log.members[username]
            else:
                log.members[username] = (role, other)
        return False

    def move(self, username: str, unit: str | None) -> bool:
        if self.unit_of[username] == unit:
            return False
        if username in self.leader_of.values():
            return True  # name another leader first
        self.unit_of[username] = unit
        for log in self.logs:
            role, through = log.members.get(username, (None, None))
            if (
                role == "actor"
                and through is not None
                and username not in log.consents[through].named
            ):
                named = self.naming(log, username)
                if named is None:
                    del log.members[username]  # the consent covered the former unit only
                else:
                    log.members[username] = ("actor", named)
        return False

    def lead(self, unit: str, username: str) -> bool:
        if username == "admin" or self.unit_of[username] != unit:
            return True
        former = self.leader_of.get(unit)
        self.leader_of[unit] = username
        if former == username:
            return False
        for log in self.logs:
            if log.unit != unit:
                continue
            if former is not None and log.members.get(former) == ("leader", None):
                del log.members[former]
                named = self.naming(log, former)
                if named is not None:
                    log.members[former] = ("actor", named)
            if username != log.holder and username not in log.members:
                log.members[username] = ("leader", None)
        return False


def _baseline(world) -> tuple[dict, dict, dict]:
    """Units, roles and leaders as build_world made them."""
    kinds = {unit_id: kind for kind, unit_id in world.units.items()}
    with world.store.session() as session:
        staff = {name: session.get(Staff, ref.id) for name, ref in world.staff.items()}
        unit_of = {name: kinds.get(row.unit_id) for name, row in staff.items()}
        roles = {name: row.role for name, row in staff.items()}
        names = {row.id: name for name, row in staff.items()}
        leader_of = {
            kind: names.get(session.get(Unit, unit_id).leader_id)
            for kind, unit_id in world.units.items()
        }
    return unit_of, roles, leader_of


def _restore(world, unit_of, roles, leader_of) -> None:
    """Put everyone back where they started (each example starts from the same town)."""
    with world.store.session(write=True) as session:
        for name, ref in world.staff.items():
            row = session.get(Staff, ref.id)
            row.unit_id = world.units[unit_of[name]] if unit_of[name] else None
            row.role = roles[name]
            session.add(row)
        for kind, unit_id in world.units.items():
            unit = session.get(Unit, unit_id)
            unit.leader_id = world.ref(leader_of[kind]).id if leader_of[kind] else None
            session.add(unit)


def _new_subject(world) -> tuple[int, int]:
    serial = next(_serial)
    number = national_number("dk", date(2016, 1 + serial % 12, 1 + serial % 28), serial)
    with world.store.session(write=True) as session:
        subject = Subject(
            national_number=number, name=f"Mover {serial}", birth_date=date(2016, 1, 1)
        )
        session.add(subject)
        session.flush()
        guardian = Guardian(
            subject_id=subject.id, name=f"Parent {serial}", relation="parent", has_custody=True
        )
        session.add(guardian)
        session.flush()
        return subject.id, guardian.id


def _step_refused(call) -> bool:
    """Did the service refuse the step (a rule, bad input)? Never for access: the holder and
    the administrator do these steps."""
    try:
        call()
    except NotAllowed as exc:
        raise AssertionError(f"refused for access: {exc}") from exc
    except DomainError:
        return True
    return False


def _every_listed(store, by) -> set[int]:
    """Every log the list shows, page by page: the world is shared by all examples, so a user
    can hold more logs than one page (at most 500) carries."""
    shown: set[int] = set()
    after = None
    while True:
        page = log_list.list_page(
            store, by, log_list.LogQuery(status="all"), after=after, limit=500
        )
        shown |= {row.id for row in page.rows}
        if page.next_cursor is None:
            return shown
        after = page.next_cursor


def _agree(world, oracle: MovesOracle, spec, *, every_call: bool) -> None:
    ours = {log.id: log for log in oracle.logs}
    names = {ref.id: name for name, ref in world.staff.items()}
    for user in EVERYONE:
        by = world.ref(user)
        if user == "admin":
            assert refused(lambda: log_list.list_logs(world.store, by, include_closed=True)), spec
        else:
            shown = _every_listed(world.store, by) & set(ours)
            assert shown == {log.id for log in oracle.logs if user in oracle.readers(log)}, (
                user,
                spec,
            )
        if not every_call:
            continue
        for log in oracle.logs:
            reads = user in oracle.readers(log)
            assert refused(lambda: logs.get_log(world.store, by, log.id)) is not reads, (
                user,
                log,
                spec,
            )
            assert refused(lambda: log_actors.list_actors(world.store, by, log.id)) is not reads, (
                user,
                log,
                spec,
            )
            assert refused(lambda: journal.write_entry(world.store, by, log.id, text="t")) is not (
                user == log.holder
            ), (user, log, spec)
    for log in oracle.logs:
        attached = {
            names[a.staff_id]: (a.role, a.consent_id)
            for a in log_actors.list_actors(world.store, world.ref(log.holder), log.id)
            if a.staff_id is not None
        }
        expected = {
            user: (role, log.consents[through].id if through is not None else None)
            for user, (role, through) in log.members.items()
        }
        assert attached == expected, (log, spec)


@pytest.mark.rule("R3")
def test_access_follows_people_who_move_and_units_that_change_leader(prop_world):
    world = prop_world
    start = _baseline(world)

    @settings(
        max_examples=2 * EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(spec=journeys)
    def check(spec):
        _restore(world, *start)
        oracle = MovesOracle(world, start[0], start[2])

        def create(holder):
            subject_id, guardian_id = _new_subject(world)
            made = logs.create_log(
                world.store, world.ref(holder), subject_id=subject_id, concern="c"
            )
            oracle.create(made.id, holder)
            oracle.logs[-1].guardian_id = guardian_id

        def record(log, named, covered):
            view = consent.record_consent(
                world.store,
                world.ref(log.holder),
                log.id,
                consent.ConsentInput(
                    giver="guardian",
                    guardian_id=log.guardian_id,
                    method="oral",
                    staff_ids=tuple(world.ref(u).id for u in sorted(named)),
                    unit_ids=tuple(world.units[k] for k in sorted(covered)),
                ),
            )
            oracle.consent(log, view.id, view.version, named, covered)

        for holder in spec["holders"]:
            create(holder)
        for step in spec["steps"]:
            kind = step[0]
            if kind == "create":
                if len(oracle.logs) < 3:
                    create(step[1])
                continue
            if kind == "attach":
                unit = oracle.unit_of[step[2]]
                named, covered = (
                    ({step[2]}, set()) if step[3] == "named" or unit is None else (set(), {unit})
                )
                kind, step = "add", ("add", step[1], step[2])
                record(oracle.logs[step[1] % len(oracle.logs)], named, covered)
            if kind == "consent":
                record(oracle.logs[step[1] % len(oracle.logs)], step[2], step[3])
            elif kind == "add":
                log = oracle.logs[step[1] % len(oracle.logs)]
                expected = oracle.add(log, step[2])
                got = _step_refused(
                    lambda: log_actors.add_actor(
                        world.store, world.ref(log.holder), log.id, staff_id=world.ref(step[2]).id
                    )
                )
                assert got is expected, (step, spec)
            elif kind == "withdraw":
                log = oracle.logs[step[1] % len(oracle.logs)]
                if not log.consents:
                    continue
                index = step[2] % len(log.consents)
                c = log.consents[index]
                expected = oracle.withdraw(log, index)
                got = _step_refused(
                    lambda: consent.withdraw_consent(
                        world.store, world.ref(log.holder), c.id, version=c.version, reason="r"
                    )
                )
                assert got is expected, (step, spec)
            elif kind == "move":
                who, where = oracle.mover(step[1], step[2]), step[3]
                expected = oracle.move(who, where)
                got = _step_refused(
                    lambda: accounts.set_unit(
                        world.store, world.ref("admin"), who, world.units[where] if where else None
                    )
                )
                assert got is expected, (who, where, step, spec)
            elif kind == "lead":
                where, who = step[1], oracle.new_leader(step[1], step[2], step[3])
                expected = oracle.lead(where, who)
                got = _step_refused(
                    lambda: units.set_leader(
                        world.store, world.ref("admin"), world.units[where], who
                    )
                )
                assert got is expected, (who, where, step, spec)
            _agree(world, oracle, spec, every_call=False)
        _agree(world, oracle, spec, every_call=True)

    check()


def test_every_public_service_function_is_covered():
    covered = (
        set(READS)
        | set(WRITES)
        | set(RECEIVER)
        | set(ADMIN_ONLY)
        | set(STAFF_ONLY)
        | set(LISTS)
        | set(ANYONE)
        | set(FORMER_READERS)
        | NO_BY
    )
    missing = []
    # Every module of the services package, so that a new one cannot slip past either.
    found = [
        importlib.import_module(f"relaytui.services.{info.name}")
        for info in pkgutil.iter_modules(services_package.__path__)
    ]
    assert invitations in found
    for module in found:
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or func.__module__ != module.__name__:
                continue
            params = inspect.signature(func).parameters
            if "store" in params and (
                "by" in params or "username" in params or "staff_id" in params
            ):
                qualified = f"{module.__name__.rsplit('.', 1)[1]}.{name}"
                if qualified not in covered:
                    missing.append(qualified)
    assert not missing, f"service functions not covered by the access properties: {missing}"
