"""Handovers: R8."""

from datetime import timedelta

import pytest
from sqlmodel import select

from relaytui.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from relaytui.models import AuditEvent, Handover, RelayLog
from relaytui.services import clock, consent, handover, journal, log_closing, log_history, logs
from tests.factories import guardian_consent, new_log


@pytest.mark.rule("R8")
def test_nothing_changes_until_the_new_holder_accepts(world):
    log = new_log(world)
    proposal = handover.propose(
        world.store,
        world.ref("anna"),
        log.id,
        to_staff_id=world.ref("bo").id,
        message="I am moving to another group",
    )
    assert not proposal.transition
    assert logs.get_log(world.store, world.ref("anna"), log.id).holder_id == world.ref("anna").id
    with pytest.raises(NotAllowed):
        logs.get_log(world.store, world.ref("bo"), log.id)
    assert [h.id for h in handover.inbox(world.store, world.ref("bo"))] == [proposal.id]
    handover.accept(world.store, world.ref("bo"), proposal.id)
    detail = logs.get_log(world.store, world.ref("bo"), log.id)
    assert detail.holder_id == world.ref("bo").id and detail.can_write
    with pytest.raises(NotAllowed):
        journal.write_entry(world.store, world.ref("anna"), log.id, text="still mine?")
    holders = log_history.history(world.store, world.ref("bo"), log.id).holders
    assert [(h.staff_name, h.ended_at is None) for h in holders] == [
        ("Anna Holm", False),
        ("Bo Berg", True),
    ]


@pytest.mark.rule("R8")
def test_declining_leaves_everything_as_it_was(world):
    log = new_log(world)
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
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
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
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
    consent.record_consent(
        world.store,
        world.ref("anna"),
        log.id,
        guardian_consent(world, unit_ids=(world.units["school"],)),
    )
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("carl").id
    )
    assert proposal.transition
    handover.accept(world.store, world.ref("carl"), proposal.id)
    # the new unit's leader reads along (R3 on the new unit)
    assert logs.get_log(world.store, world.ref("sofus"), log.id).holder_id == world.ref("carl").id


@pytest.mark.rule("R8")
def test_an_unanswered_handover_reaches_the_nearest_leader(world):
    log = new_log(world)
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
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


# --- closing and answering: whoever comes second is told what happened (R8, R10) ----------


def _handover_row(world, handover_id):
    with world.store.session() as session:
        return session.get(Handover, handover_id)


def _actions(world, log_id):
    with world.store.session() as session:
        return list(
            session.exec(select(AuditEvent.action).where(AuditEvent.log_id == log_id)).all()
        )


def _close(world, log_id, who="anna"):
    return log_closing.close_log(
        world.store,
        world.ref(who),
        log_id,
        basis="colleagues",
        reason="Better now",
        consultation="Talked with Lene on Monday",
    )


@pytest.mark.rule("R10")
@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_an_answer_after_the_close_is_refused_saying_the_log_was_closed(world, answer):
    log = new_log(world)
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
    _close(world, log.id)
    withdrawn = _handover_row(world, proposal.id)
    assert withdrawn.status == "withdrawn" and withdrawn.version == proposal.version + 1
    with pytest.raises(RuleViolation) as refused:
        if answer == "accept":
            handover.accept(world.store, world.ref("bo"), proposal.id, message="gladly")
        else:
            handover.decline(world.store, world.ref("bo"), proposal.id, message="on leave")
    assert refused.value.rule == "R10"
    assert str(refused.value).startswith("Anna Holm closed this relay log meanwhile")
    assert "Your answer was not saved" in str(refused.value)
    after = _handover_row(world, proposal.id)  # nothing changed
    assert (after.status, after.version, after.answer_message) == (
        "withdrawn",
        withdrawn.version,
        "",
    )
    assert {"accept": "handover_accepted", "decline": "handover_declined"}[answer] not in _actions(
        world, log.id
    )
    with world.store.session() as session:
        closed = session.get(RelayLog, log.id)
        assert (closed.status, closed.holder_id) == ("closed", world.ref("anna").id)


@pytest.mark.rule("R8")
def test_a_decline_before_the_close_is_kept(world):
    log = new_log(world)
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
    declined = handover.decline(world.store, world.ref("bo"), proposal.id, message="I am on leave")
    assert _close(world, log.id).status == "closed"
    after = _handover_row(world, proposal.id)
    assert (after.status, after.answer_message, after.version) == (
        "declined",
        "I am on leave",
        declined.version,
    )


@pytest.mark.rule("R8")
def test_closing_after_the_handover_was_accepted_names_the_new_holder(world):
    log = new_log(world)
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
    handover.accept(world.store, world.ref("bo"), proposal.id)
    with pytest.raises(NotAllowed) as refused:
        _close(world, log.id)
    assert refused.value.rule == "R8"
    assert "Bo Berg has accepted your handover" in str(refused.value)
    detail = logs.get_log(world.store, world.ref("bo"), log.id)
    assert detail.status != "closed" and detail.holder_id == world.ref("bo").id
    assert "log_closed" not in _actions(world, log.id)
    # Someone who never held the log is not told who holds it.
    with pytest.raises(NotAllowed) as stranger:
        _close(world, log.id, who="carl")
    assert "Bo Berg" not in str(stranger.value)


@pytest.mark.rule("R8")
def test_withdrawing_after_the_close_says_it_was_withdrawn_already(world):
    log = new_log(world)
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
    _close(world, log.id)
    with pytest.raises(RuleViolation) as refused:
        handover.withdraw(world.store, world.ref("anna"), proposal.id)
    assert str(refused.value) == "This handover was already withdrawn; nothing changed."
    assert "handover_withdrawn" not in _actions(world, log.id)


@pytest.mark.rule("R8")
def test_withdrawing_an_answered_handover_is_refused_and_keeps_the_answer(world):
    log = new_log(world)
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
    handover.decline(world.store, world.ref("bo"), proposal.id, message="I am on leave")
    with pytest.raises(RuleViolation) as refused:
        handover.withdraw(world.store, world.ref("anna"), proposal.id)
    assert "already declined" in str(refused.value)
    assert _handover_row(world, proposal.id).status == "declined"
    with pytest.raises(NotAllowed):  # only the holder withdraws, whatever the status
        handover.withdraw(world.store, world.ref("bo"), proposal.id)


# --- a declined handover's reason reaches the proposer (issue 16) ----------------------------


def _shown(store, username: str) -> list[str]:
    with store.session() as session:
        return [
            e.detail
            for e in session.exec(
                select(AuditEvent)
                .where(AuditEvent.action == "list_shown", AuditEvent.username == username)
                .order_by(AuditEvent.id)
            ).all()
        ]


@pytest.mark.rule("R8")
def test_the_proposer_reads_why_the_handover_was_declined_until_dismissing_it(world):
    log = new_log(world)
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
    assert handover.declined_answers(world.store, world.ref("anna")) == []
    handover.decline(world.store, world.ref("bo"), proposal.id, message="I am on leave until May")
    # The inbox's "answered recently": the reason, to the proposer only.
    [seen] = handover.declined_answers(world.store, world.ref("anna"))
    assert (seen.id, seen.status, seen.to_name, seen.answer_message) == (
        proposal.id,
        "declined",
        "Bo Berg",
        "I am on leave until May",
    )
    assert handover.declined_answers(world.store, world.ref("bo")) == []
    subject = world.subjects["Ida Jensen"]
    assert _shown(world.store, "anna")[-1] == f"handover inbox, declined; subjects=,{subject},"
    # The notice at login tells it once.
    [told] = handover.tell_declined(world.store, world.ref("anna"))
    assert told.answer_message == "I am on leave until May"
    assert handover.tell_declined(world.store, world.ref("anna")) == []
    assert handover.tell_declined(world.store, world.ref("bo")) == []
    assert _shown(world.store, "anna")[-1] == f"declined handovers at login; subjects=,{subject},"
    # It stays in the inbox until the proposer dismisses it; nobody else can.
    assert [h.id for h in handover.declined_answers(world.store, world.ref("anna"))] == [
        proposal.id
    ]
    for other in ("bo", "lene"):
        with pytest.raises(NotFound):
            handover.dismiss_declined(world.store, world.ref(other), proposal.id)
    handover.dismiss_declined(world.store, world.ref("anna"), proposal.id)
    assert handover.declined_answers(world.store, world.ref("anna")) == []
    with world.store.session() as session:
        assert session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "handover_answer_seen", AuditEvent.log_id == log.id
            )
        ).one()


@pytest.mark.rule("R8")
def test_a_pending_or_accepted_handover_is_no_declined_answer(world):
    log = new_log(world)
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
    with pytest.raises(InvalidInput):
        handover.dismiss_declined(world.store, world.ref("anna"), proposal.id)
    handover.accept(world.store, world.ref("bo"), proposal.id)
    assert handover.declined_answers(world.store, world.ref("anna")) == []
    assert handover.tell_declined(world.store, world.ref("anna")) == []


@pytest.mark.rule("R8")
def test_the_history_keeps_each_handover_and_a_declines_reason(world):
    log = new_log(world)
    first = handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id)
    handover.decline(world.store, world.ref("bo"), first.id, message="I am on leave until May")
    handover.propose(world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id)
    found = log_history.history(world.store, world.ref("anna"), log.id).handovers
    assert [(h.from_name, h.to_name, h.status, h.answer_message) for h in found] == [
        ("Anna Holm", "Bo Berg", "declined", "I am on leave until May"),
        ("Anna Holm", "Bo Berg", "pending", ""),
    ]
    assert found[0].answered_at is not None and found[1].answered_at is None
