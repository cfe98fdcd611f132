"""The holder asks the family, in the family view, to let the log pass to a new unit (R8): one
request at a time, only the holder asks and withdraws, the holder and the actors read them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from relaytui.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from relaytui.models import AuditEvent, TransitionRequest
from relaytui.services import consent, family, handover, log_actors, subjects, transitions
from relaytui.services.subjects import KEEP_NUMBER, GuardianInput
from tests.factories import dk_number, guardian_consent, new_log

METTES_NUMBER = dk_number(date(1985, 3, 12), serial=4123)


def give_mette_a_number(world, log_id: int) -> None:
    subjects.change_guardian(
        world.store,
        world.ref("anna"),
        log_id,
        world.guardians["Mette Jensen"],
        GuardianInput("Mette Jensen", "mother", national_number=METTES_NUMBER),
    )


@pytest.fixture
def asking(world):
    """Anna's log about Ida, whose mother can log in to the family view."""
    log = new_log(world)
    give_mette_a_number(world, log.id)
    return log


def events(world, action: str) -> list[AuditEvent]:
    with world.store.session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        return list(session.exec(query.order_by(col(AuditEvent.id))).all())


def ask(world, log, unit: str = "school", **kw) -> transitions.TransitionView:
    return transitions.ask_family(world.store, world.ref("anna"), log.id, world.units[unit], **kw)


@pytest.mark.rule("R8")
def test_the_holder_asks_the_family_and_holder_and_actors_see_the_request(world, asking):
    asked = ask(world, asking, message="  Ida starts school in August.  ")
    assert (asked.status, asked.unit_name, asked.asked_by_name) == (
        "pending",
        "Østre School",
        "Anna Holm",
    )
    assert asked.message == "Ida starts school in August."
    (event,) = events(world, "transition_asked")
    assert event.log_id == asking.id and event.username == "anna"
    for who in ("anna", "lene"):  # the holder, and the leader reading along (R3)
        (seen,) = transitions.requests_for_log(world.store, world.ref(who), asking.id)
        assert seen.id == asked.id and seen.status == "pending"
    with pytest.raises(NotAllowed):
        transitions.requests_for_log(world.store, world.ref("carl"), asking.id)


@pytest.mark.rule("R8")
def test_one_request_waits_at_a_time(world, asking):
    ask(world, asking)
    with pytest.raises(RuleViolation) as refused:
        ask(world, asking, unit="family")
    assert "was asked about a transition to Østre School and has not answered" in str(refused.value)
    assert len(transitions.requests_for_log(world.store, world.ref("anna"), asking.id)) == 1


@pytest.mark.rule("R8")
def test_the_logs_own_unit_and_an_unknown_unit_are_refused(world, asking):
    with pytest.raises(InvalidInput) as refused:
        ask(world, asking, unit="daycare")
    assert "Solsikken daycare is this log's own unit" in str(refused.value)
    with pytest.raises(NotFound):
        transitions.ask_family(world.store, world.ref("anna"), asking.id, 99_999)
    with pytest.raises(InvalidInput):
        ask(world, asking, message="x" * 2001)
    assert not transitions.requests_for_log(world.store, world.ref("anna"), asking.id)


@pytest.mark.rule("R8")
def test_a_unit_a_consent_covers_already_needs_no_asking(world, asking):
    consent.record_consent(
        world.store,
        world.ref("anna"),
        asking.id,
        guardian_consent(world, unit_ids=(world.units["school"],)),
    )
    with pytest.raises(RuleViolation) as refused:
        ask(world, asking)
    assert "A consent in force covers Østre School already" in str(refused.value)


@pytest.mark.rule("R8")
def test_nobody_is_asked_who_cannot_log_in_to_answer(world):
    log = new_log(world)  # Mette (custody) has no number; Peter has one but no custody
    subjects.change_guardian(
        world.store,
        world.ref("anna"),
        log.id,
        world.guardians["Peter Jensen"],
        GuardianInput("Peter Jensen", has_custody=False, national_number=METTES_NUMBER),
    )
    with pytest.raises(RuleViolation) as refused:
        ask(world, log)
    assert "Nobody who may consent for Ida Jensen can log in" in str(refused.value)
    subjects.change_guardian(
        world.store,
        world.ref("anna"),
        log.id,
        world.guardians["Peter Jensen"],
        GuardianInput("Peter Jensen", has_custody=True, national_number=KEEP_NUMBER),
    )
    assert ask(world, log).status == "pending"


@pytest.mark.rule("R7")
def test_only_the_holder_asks_and_withdraws(world, asking):
    consent.record_consent(
        world.store,
        world.ref("anna"),
        asking.id,
        guardian_consent(world, staff_ids=(world.ref("carl").id,)),
    )
    log_actors.add_actor(world.store, world.ref("anna"), asking.id, staff_id=world.ref("carl").id)
    for who in ("carl", "lene", "fie"):
        with pytest.raises(NotAllowed):
            transitions.ask_family(world.store, world.ref(who), asking.id, world.units["family"])
    asked = ask(world, asking)
    for who in ("carl", "lene", "fie"):
        with pytest.raises(NotAllowed):
            transitions.withdraw(world.store, world.ref(who), asked.id)
    assert [
        r.status for r in transitions.requests_for_log(world.store, world.ref("anna"), asking.id)
    ] == ["pending"]
    assert len(events(world, "transition_asked")) == 1


@pytest.mark.rule("R8")
def test_the_holder_withdraws_a_waiting_request_not_an_answered_one(world, asking):
    asked = ask(world, asking)
    gone = transitions.withdraw(world.store, world.ref("anna"), asked.id)
    assert gone.status == "withdrawn" and gone.version == asked.version + 1
    assert len(events(world, "transition_withdrawn")) == 1
    with pytest.raises(RuleViolation):
        transitions.withdraw(world.store, world.ref("anna"), asked.id)
    again = ask(world, asking, unit="family")  # asking again, once withdrawn
    with world.store.session(write=True) as session:
        session.get(TransitionRequest, again.id).status = "declined"
    with pytest.raises(RuleViolation) as refused:
        transitions.withdraw(world.store, world.ref("anna"), again.id)
    assert "has answered this request already" in str(refused.value)
    with pytest.raises(NotFound):
        transitions.withdraw(world.store, world.ref("anna"), 99_999)


@pytest.mark.rule("R8")
def test_a_handover_refused_for_want_of_consent_names_the_unit_and_the_familys_yes_lets_it_go(
    world, asking
):
    carl = world.ref("carl")
    with pytest.raises(transitions.NeedsFamilyConsent) as refused:
        handover.propose(world.store, world.ref("anna"), asking.id, to_staff_id=carl.id)
    assert refused.value.unit_id == world.units["school"] and refused.value.rule == "R8"
    asked = ask(world, asking)
    mother = family.FamilyRef(national_number=METTES_NUMBER, name="Mette Jensen")
    assert family.answer_transition(world.store, mother, asked.id, accept=True) == "accepted"
    (answered,) = transitions.requests_for_log(world.store, world.ref("anna"), asking.id)
    assert answered.status == "accepted" and answered.answered_by_name == "Mette Jensen"
    assert answered.consent_id is not None
    proposed = handover.propose(world.store, world.ref("anna"), asking.id, to_staff_id=carl.id)
    assert proposed.transition
