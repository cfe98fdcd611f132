"""Passing a relay log into an individual plan with a coordinator (``no``, R14)."""

import pytest

from relaytui.errors import InvalidInput, NotAllowed, RuleViolation
from relaytui.services import consent, journal, log_history, logs, plan
from tests.factories import guardian_consent


def no_log(world):
    return logs.create_log(
        world.store,
        world.ref("anna"),
        subject_id=world.subjects["Ida Jensen"],
        concern="Bekymring for søvn",
        first_consent=guardian_consent(world),
    )


@pytest.mark.rule("R14")
def test_the_coordinator_takes_over_and_keeps_the_whole_history(no_world):
    world = no_world
    log = no_log(world)
    anna, carl = world.ref("anna"), world.ref("carl")
    journal.write_entry(world.store, anna, log.id, text="Ida søv betre.")
    before = [e.text for e in journal.list_entries(world.store, anna, log.id)]
    made = plan.pass_to_plan(
        world.store, anna, log.id, coordinator_id=carl.id, reason="Langvarige tenester"
    )
    assert made.coordinator_name == "Carl Dahl"
    detail = logs.get_log(world.store, carl, log.id)
    assert (detail.status, detail.holder.holder_name, detail.can_write) == (
        "plan",
        "Carl Dahl",
        True,
    )
    after = [e.text for e in journal.list_entries(world.store, carl, log.id)]
    assert after[1:] == before  # the whole journal came along
    assert "individual plan" in after[0] and "Langvarige tenester" in after[0]
    assert [h.staff_name for h in log_history.history(world.store, carl, log.id).holders] == [
        "Anna Holm",
        "Carl Dahl",
    ]
    # Only the coordinator writes now; the former holder no longer can.
    journal.write_entry(world.store, carl, log.id, text="Plan møte i januar.")
    with pytest.raises(NotAllowed):
        journal.write_entry(world.store, anna, log.id, text="mine")
    with pytest.raises(RuleViolation):  # one plan is enough
        plan.pass_to_plan(world.store, carl, log.id, coordinator_id=carl.id, reason="igjen")


@pytest.mark.rule("R14")
def test_only_the_holder_passes_an_open_consented_log_into_a_plan(no_world):
    world = no_world
    log = no_log(world)
    anna = world.ref("anna")
    with pytest.raises(NotAllowed):
        plan.pass_to_plan(
            world.store, world.ref("lene"), log.id, coordinator_id=world.ref("lene").id, reason="r"
        )
    with pytest.raises(InvalidInput):
        plan.pass_to_plan(
            world.store, anna, log.id, coordinator_id=world.ref("carl").id, reason=" "
        )
    with pytest.raises(RuleViolation):
        plan.pass_to_plan(
            world.store, anna, log.id, coordinator_id=world.ref("admin").id, reason="r"
        )
    given = consent.list_consents(world.store, anna, log.id)[0]
    consent.withdraw_consent(
        world.store, anna, given.id, version=given.version, reason="Mor vil ikkje"
    )
    with pytest.raises(RuleViolation) as refused:
        plan.pass_to_plan(
            world.store, anna, log.id, coordinator_id=world.ref("carl").id, reason="r"
        )
    assert refused.value.rule == "R14"
    assert logs.get_log(world.store, anna, log.id).status == "active"


@pytest.mark.rule("R14")
def test_an_individual_plan_is_no_danish_act(world):
    log = logs.create_log(
        world.store, world.ref("anna"), subject_id=world.subjects["Ida Jensen"], concern="c"
    )
    with pytest.raises(RuleViolation) as refused:
        plan.pass_to_plan(
            world.store, world.ref("anna"), log.id, coordinator_id=world.ref("carl").id, reason="r"
        )
    assert refused.value.rule == "R14"


@pytest.mark.rule("R14")
def test_a_handover_proposed_before_cannot_take_the_log_from_the_coordinator(no_world):
    """Found with the handover races (issue 14): an older proposal, accepted after the log
    passed into an individual plan, displaced the coordinator."""
    from relaytui.errors import DomainError
    from relaytui.services import handover

    world = no_world
    log = no_log(world)
    anna, bo, carl = world.ref("anna"), world.ref("bo"), world.ref("carl")
    proposed = handover.propose(world.store, anna, log.id, to_staff_id=bo.id)
    plan.pass_to_plan(
        world.store, anna, log.id, coordinator_id=carl.id, reason="Langvarige tenester"
    )
    with pytest.raises(DomainError):
        handover.accept(world.store, bo, proposed.id)
    detail = logs.get_log(world.store, carl, log.id)
    assert (detail.status, detail.holder.holder_name) == ("plan", "Carl Dahl")
