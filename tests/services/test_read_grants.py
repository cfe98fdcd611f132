"""Reading a closed log again (R10): who may ask, how an administrator grants or refuses, the
end date, the guardians' approval in `no`, and the audit trail. Each test tries to break a rule."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from relaytui.errors import InvalidInput, NotAllowed, RuleViolation
from relaytui.models import AuditEvent, ReadGrant, ReadGrantRequest
from relaytui.services import (
    audit,
    clock,
    consent,
    grant_requests,
    grants,
    journal,
    log_actors,
    log_closing,
    log_list,
    logs,
)
from relaytui.services.consent import ConsentInput


def closed_log(world, *, with_actor: str | None = "carl"):
    """A log Anna held, Carl read as an actor (with consent), now closed."""
    anna = world.ref("anna")
    log = logs.create_log(
        world.store,
        anna,
        subject_id=world.subjects["Ida Jensen"],
        concern="Ida is often hungry and tired in the morning.",
    )
    if with_actor:
        given = consent.record_consent(
            world.store,
            anna,
            log.id,
            ConsentInput(
                giver="guardian",
                guardian_id=world.guardians["Mette Jensen"],
                method="oral",
                staff_ids=(world.ref(with_actor).id,),
            ),
        )
        log_actors.add_actor(
            world.store, anna, log.id, staff_id=world.ref(with_actor).id, consent_id=given.id
        )
    if world.profile == "no":
        log_closing.close_log(
            world.store, anna, log.id, basis="guardians_ended", reason="The mother ended it"
        )
    else:
        log_closing.close_log(
            world.store, anna, log.id, basis="colleagues", reason="Fine", consultation="Bo agreed"
        )
    return log


def today(world) -> date:
    return clock.today("Europe/Oslo" if world.profile == "no" else "Europe/Copenhagen")


def events(world, action: str) -> list[AuditEvent]:
    with world.store.session() as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def requests(world) -> list[ReadGrantRequest]:
    with world.store.session() as session:
        return list(session.exec(select(ReadGrantRequest)).all())


def grants_stored(world) -> list[ReadGrant]:
    with world.store.session() as session:
        return list(session.exec(select(ReadGrant)).all())


# --- who may ask -------------------------------------------------------------------------


@pytest.mark.rule("R10")
def test_the_former_holder_and_actor_may_ask_others_may_not(world):
    log = closed_log(world)
    assert grants.request_read(
        world.store, world.ref("anna"), log.id, reason="The school asks about Ida"
    )
    assert grants.request_read(world.store, world.ref("carl"), log.id, reason="A new concern")
    for stranger in ("bo", "fie"):
        with pytest.raises(NotAllowed) as refused:
            grants.request_read(world.store, world.ref(stranger), log.id, reason="Curious")
        assert refused.value.rule == "R10"
    with pytest.raises(NotAllowed):
        grants.request_read(world.store, world.ref("admin"), log.id, reason="I would like to")
    assert len(requests(world)) == 2
    assert len(events(world, "grant_requested")) == 2
    # The refused attempts are in the trail too, under the child.
    refused_events = events(world, "grant_request_refused") + [
        e for e in events(world, "read_refused") if "grant request" in e.detail
    ]
    assert len(refused_events) == 3 and all(e.subject_id == log.subject_id for e in refused_events)


@pytest.mark.rule("R10")
def test_asking_needs_a_reason_a_closed_log_and_is_not_repeated(world):
    anna = world.ref("anna")
    open_log = logs.create_log(
        world.store, anna, subject_id=world.subjects["Ida Jensen"], concern="Worried"
    )
    with pytest.raises(RuleViolation):
        grants.request_read(world.store, anna, open_log.id, reason="Why not")
    log_closing.close_log(
        world.store, anna, open_log.id, basis="colleagues", reason="Fine", consultation="Bo agreed"
    )
    with pytest.raises(InvalidInput):
        grants.request_read(world.store, anna, open_log.id, reason="   ")
    grants.request_read(world.store, anna, open_log.id, reason="The school asks")
    with pytest.raises(InvalidInput) as again:
        grants.request_read(world.store, anna, open_log.id, reason="Once more")
    assert "already" in str(again.value)
    assert len(requests(world)) == 1


# --- the administrator's answer ----------------------------------------------------------


@pytest.mark.rule("R10")
def test_only_an_administrator_grants_with_a_reason_and_a_day_not_past(world):
    log = closed_log(world)
    request_id = grants.request_read(world.store, world.ref("carl"), log.id, reason="A new concern")
    until = today(world) + timedelta(days=10)
    for caseworker in ("anna", "carl", "lene"):
        with pytest.raises(NotAllowed):
            grants.give(world.store, world.ref(caseworker), request_id, reason="Fine", until=until)
    with pytest.raises(InvalidInput):
        grants.give(world.store, world.ref("admin"), request_id, reason=" ", until=until)
    with pytest.raises(InvalidInput) as past:
        grants.give(
            world.store,
            world.ref("admin"),
            request_id,
            reason="Court asked",
            until=today(world) - timedelta(days=1),
        )
    assert "passed" in str(past.value)
    with pytest.raises(InvalidInput) as too_long:
        grants.give(
            world.store,
            world.ref("admin"),
            request_id,
            reason="Court asked",
            until=today(world) + timedelta(days=grants.MAX_DAYS + 1),
        )
    assert str(grants.MAX_DAYS) in str(too_long.value)
    with pytest.raises(InvalidInput):
        grants.give(
            world.store, world.ref("admin"), request_id, reason="Court asked", until="next week"
        )
    assert grants_stored(world) == [] and requests(world)[0].status == "pending"
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("carl"), log.id)

    view = grants.give(
        world.store,
        world.ref("admin"),
        request_id,
        reason="Court asked",
        until=until.strftime("%d.%m.%Y"),
    )
    assert view.until == until and view.granted_by_name == "Ada Admin"
    assert logs.get_log(world.store, world.ref("carl"), log.id).status == "closed"
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("anna"), log.id)  # she asked for nothing
    with pytest.raises(InvalidInput):  # answered once
        grants.refuse(world.store, world.ref("admin"), request_id, reason="No")
    assert logs.open_log(world.store, world.ref("carl"), log.id).grant.until == until
    with pytest.raises(RuleViolation):  # still read-only forever
        journal.write_entry(world.store, world.ref("carl"), log.id, text="one more")


@pytest.mark.rule("R10")
def test_a_refused_request_gives_nothing_and_may_be_asked_again(world):
    log = closed_log(world)
    request_id = grants.request_read(world.store, world.ref("anna"), log.id, reason="Curious")
    with pytest.raises(InvalidInput):
        grants.refuse(world.store, world.ref("admin"), request_id, reason="")
    with pytest.raises(NotAllowed):
        grants.refuse(world.store, world.ref("carl"), request_id, reason="No")
    grants.refuse(world.store, world.ref("admin"), request_id, reason="Not a reason to read it")
    with pytest.raises(InvalidInput):
        grants.give(
            world.store,
            world.ref("admin"),
            request_id,
            reason="Changed my mind",
            until=today(world) + timedelta(days=3),
        )
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("anna"), log.id)
    mine = grants.my_closed_logs(world.store, world.ref("anna"))
    assert [(m.log_id, m.last_status, m.last_answer) for m in mine] == [
        (log.id, "refused", "Not a reason to read it")
    ]
    assert grant_requests.list_requests(world.store, world.ref("admin")) == []
    grants.request_read(world.store, world.ref("anna"), log.id, reason="The school asks about Ida")
    assert [r.reason for r in grant_requests.list_requests(world.store, world.ref("admin"))] == [
        "The school asks about Ida"
    ]
    with pytest.raises(NotAllowed):
        grant_requests.list_requests(world.store, world.ref("anna"))


@pytest.mark.rule("R10")
def test_the_grant_ends_after_its_last_day(world):
    log = closed_log(world)
    request_id = grants.request_read(world.store, world.ref("carl"), log.id, reason="A new concern")
    until = today(world) + timedelta(days=2)
    grants.give(world.store, world.ref("admin"), request_id, reason="Court asked", until=until)
    zone = ZoneInfo("Europe/Copenhagen")
    late_on_last_day = datetime(until.year, until.month, until.day, 23, 30, tzinfo=zone)
    clock.set_clock(lambda: late_on_last_day.astimezone(UTC))
    assert logs.get_log(world.store, world.ref("carl"), log.id).id == log.id
    clock.set_clock(lambda: (late_on_last_day + timedelta(hours=1)).astimezone(UTC))
    with pytest.raises(NotAllowed) as refused:
        logs.get_log(world.store, world.ref("carl"), log.id)
    assert refused.value.rule == "R10"
    listed = log_list.list_logs(world.store, world.ref("carl"), include_closed=True, limit=50)
    assert log.id not in [row.id for row in listed]
    # The one who asked may ask again once it ran out.
    assert grants.request_read(world.store, world.ref("carl"), log.id, reason="Still needed")


@pytest.mark.rule("R10")
def test_every_step_is_in_the_childs_access_report(world):
    log = closed_log(world)
    first = grants.request_read(world.store, world.ref("anna"), log.id, reason="Curious")
    grants.refuse(world.store, world.ref("admin"), first, reason="No need")
    second = grants.request_read(world.store, world.ref("carl"), log.id, reason="A new concern")
    grants.give(
        world.store,
        world.ref("admin"),
        second,
        reason="Court asked",
        until=today(world) + timedelta(days=5),
    )
    logs.get_log(world.store, world.ref("carl"), log.id)
    with world.store.session() as session:
        from relaytui.models import Subject

        number = session.get(Subject, world.subjects["Ida Jensen"]).national_number
    _name, lines = audit.subject_trail(world.store, world.ref("admin"), number)
    actions = [line.action for line in lines]
    for action in ("grant_requested", "grant_refused", "grant_given", "read_under_grant"):
        assert action in actions, action
        assert audit.action_label(action) != action
    read = next(line for line in lines if line.action == "read_under_grant")
    assert read.username == "carl"
    # The reasons are content: they stay out of the trail.
    assert not any("Curious" in line.detail or "Court asked" in line.detail for line in lines)


# --- the guardians' approval (no) ----------------------------------------------------------


@pytest.mark.rule("R10")
def test_no_a_grant_needs_the_guardians_approval(no_world):
    world = no_world
    log = closed_log(world)
    request_id = grants.request_read(world.store, world.ref("carl"), log.id, reason="Ny uro")
    until = today(world) + timedelta(days=14)
    with pytest.raises(RuleViolation) as refused:
        grants.give(
            world.store, world.ref("admin"), request_id, reason="Barnevernet spør", until=until
        )
    assert refused.value.rule == "R10" and "approv" in str(refused.value)
    with pytest.raises(RuleViolation):
        grants.give(
            world.store,
            world.ref("admin"),
            request_id,
            reason="Barnevernet spør",
            until=until,
            approval=grants.GuardianApproval("  ", "oral", today(world)),
        )
    with pytest.raises(InvalidInput):
        grants.give(
            world.store,
            world.ref("admin"),
            request_id,
            reason="Barnevernet spør",
            until=until,
            approval=grants.GuardianApproval("Mette Jensen", "smoke signals", today(world)),
        )
    with pytest.raises(InvalidInput):
        grants.give(
            world.store,
            world.ref("admin"),
            request_id,
            reason="Barnevernet spør",
            until=until,
            approval=grants.GuardianApproval(
                "Mette Jensen", "oral", today(world) + timedelta(days=1)
            ),
        )
    with pytest.raises(RuleViolation):  # the old way round the request is closed as well
        logs.grant_read(
            world.store,
            world.ref("admin"),
            log.id,
            staff_id=world.ref("carl").id,
            days=3,
            reason="Barnevernet spør",
        )
    assert grants_stored(world) == []
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("carl"), log.id)

    approved_on = today(world) - timedelta(days=1)
    view = grants.give(
        world.store,
        world.ref("admin"),
        request_id,
        reason="Barnevernet spør",
        until=until,
        approval=grants.GuardianApproval("Mette Jensen", "written", approved_on),
    )
    assert (view.approved_by, view.approval_method, view.approved_on) == (
        "Mette Jensen",
        "written",
        approved_on,
    )
    assert logs.get_log(world.store, world.ref("carl"), log.id).id == log.id
    given = events(world, "grant_given")
    assert len(given) == 1 and "guardians approved written" in given[0].detail


def test_dk_needs_no_approval(world):
    log = closed_log(world)
    request_id = grants.request_read(
        world.store, world.ref("anna"), log.id, reason="The school asks"
    )
    view = grants.give(
        world.store, world.ref("admin"), request_id, reason="Needed", until=today(world)
    )
    assert view.approved_by is None and view.until == today(world)
