"""Handovers: R8."""

from datetime import timedelta

import pytest

from relaytui.errors import InvalidInput, NotAllowed, RuleViolation
from relaytui.services import clock, consent, handover, logs
from tests.services.test_logs import guardian_consent, new_log


@pytest.mark.rule("R8")
def test_nothing_changes_until_the_new_holder_accepts(world):
    log = new_log(world)
    proposal = handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id,
                                message="I am moving to another group")
    assert not proposal.transition
    assert logs.get_log(world.store, world.ref("anna"), log.id).holder_id == world.ref("anna").id
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("bo"), log.id)
    assert [h.id for h in handover.inbox(world.store, world.ref("bo"))] == [proposal.id]
    handover.accept(world.store, world.ref("bo"), proposal.id)
    detail = logs.get_log(world.store, world.ref("bo"), log.id)
    assert detail.holder_id == world.ref("bo").id and detail.can_write
    with pytest.raises(NotAllowed):
        logs.write_entry(world.store, world.ref("anna"), log.id, text="still mine?")
    holders = logs.history(world.store, world.ref("bo"), log.id).holders
    assert [(h.staff_name, h.ended_at is None) for h in holders] == [("Anna Holm", False), ("Bo Berg", True)]


@pytest.mark.rule("R8")
def test_declining_leaves_everything_as_it_was(world):
    log = new_log(world)
    proposal = handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id)
    with pytest.raises(InvalidInput):
        handover.decline(world.store, world.ref("bo"), proposal.id, message="")
    handover.decline(world.store, world.ref("bo"), proposal.id, message="I am on leave")
    assert logs.get_log(world.store, world.ref("anna"), log.id).holder_id == world.ref("anna").id
    with pytest.raises(RuleViolation):
        handover.accept(world.store, world.ref("bo"), proposal.id)


@pytest.mark.rule("R8")
def test_only_the_receiver_answers_and_only_the_holder_proposes(world):
    log = new_log(world)
    with pytest.raises(NotAllowed):
        handover.propose(world.store, world.ref("lene"), log.id, to_staff_id=world.ref("bo").id)
    proposal = handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id)
    with pytest.raises(RuleViolation):
        handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("lene").id)
    for intruder in ("anna", "lene", "carl"):
        with pytest.raises(NotAllowed):
            handover.accept(world.store, world.ref(intruder), proposal.id)
    with pytest.raises(InvalidInput):
        handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("anna").id)


@pytest.mark.rule("R8")
def test_a_transition_to_another_unit_needs_consent(world):
    log = new_log(world)
    with pytest.raises(RuleViolation) as refused:
        handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("carl").id)
    assert "Østre School" in str(refused.value)
    consent.record_consent(world.store, world.ref("anna"), log.id,
                           guardian_consent(world, unit_ids=(world.units["school"],)))
    proposal = handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("carl").id)
    assert proposal.transition
    handover.accept(world.store, world.ref("carl"), proposal.id)
    # the new unit's leader reads along (R3 on the new unit)
    assert logs.get_log(world.store, world.ref("sofus"), log.id).holder_id == world.ref("carl").id


@pytest.mark.rule("R8")
def test_an_unanswered_handover_reaches_the_nearest_leader(world):
    log = new_log(world)
    proposal = handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id)
    assert handover.unanswered_for_leader(world.store, world.ref("lene")) == []
    start = clock.now()
    clock.set_clock(lambda: start + timedelta(days=8))
    late = handover.unanswered_for_leader(world.store, world.ref("lene"))
    assert [h.id for h in late] == [proposal.id] and late[0].overdue
    assert handover.unanswered_for_leader(world.store, world.ref("sofus")) == []


@pytest.mark.rule("R8")
def test_an_administrator_cannot_become_holder(world):
    log = new_log(world)
    with pytest.raises(RuleViolation):
        handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("admin").id)
