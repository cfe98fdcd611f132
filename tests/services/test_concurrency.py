"""Several people at once: the check and the write it depends on never interleave."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from relaytui.errors import DomainError, StaleWrite
from relaytui.models import Handover
from relaytui.services import consent, efforts, handover, journal, log_closing, log_history, logs
from tests.concurrently import race
from tests.factories import new_log


@pytest.mark.rule("R8")
def test_two_answers_to_one_handover_exactly_one_wins(world):
    log = new_log(world)
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
    )
    _results, errors = race(
        lambda: handover.accept(world.store, world.ref("bo"), proposal.id),
        lambda: handover.decline(world.store, world.ref("bo"), proposal.id, message="no"),
    )
    assert sum(e is None for e in errors) == 1
    assert all(e is None or isinstance(e, DomainError) for e in errors)
    detail = logs.get_log(world.store, world.ref("bo" if errors[0] is None else "anna"), log.id)
    holders = log_history.history(
        world.store, world.ref("bo" if errors[0] is None else "anna"), log.id
    ).holders
    assert sum(h.ended_at is None for h in holders) == 1
    assert detail.holder_id == (world.ref("bo").id if errors[0] is None else world.ref("anna").id)


@pytest.mark.rule("R12")
def test_two_edits_of_one_effort_one_is_refused_and_nothing_is_lost(world):
    log = new_log(world)
    effort = efforts.add_effort(
        world.store,
        world.ref("anna"),
        log.id,
        what="start",
        starts_on=date.today(),
        evaluate_on=date.today() + timedelta(days=7),
        responsible_text="mother",
    )
    results, errors = race(
        lambda: efforts.update_effort(
            world.store, world.ref("anna"), effort.id, version=effort.version, what="A"
        ),
        lambda: efforts.update_effort(
            world.store, world.ref("anna"), effort.id, version=effort.version, what="B"
        ),
    )
    assert sorted(type(e).__name__ for e in errors if e) == ["StaleWrite"]
    winner = next(r for r in results if r is not None)
    assert efforts.list_efforts(world.store, world.ref("anna"), log.id)[0].what == winner.what
    assert isinstance(next(e for e in errors if e), StaleWrite)


@pytest.mark.rule("R4")
def test_a_level_change_racing_a_consent_withdrawal_never_leaves_level_1_without_consent(world):
    for attempt in range(3):
        subject = world.add_subject(
            f"Race {attempt}", date(2019, 3, 3), guardians=((f"Guardian {attempt}", True),)
        )
        log = logs.create_log(world.store, world.ref("anna"), subject_id=subject, concern="c")
        given = consent.record_consent(
            world.store,
            world.ref("anna"),
            log.id,
            consent.ConsentInput(
                giver="guardian", guardian_id=world.guardians[f"Guardian {attempt}"], method="oral"
            ),
        )
        _results, errors = race(
            lambda: logs.change_level(
                world.store, world.ref("anna"), log.id, to_level=1, reason="r"
            ),
            lambda: consent.withdraw_consent(
                world.store, world.ref("anna"), given.id, version=given.version, reason="phone"
            ),
        )
        assert errors[1] is None  # a withdrawal always goes through
        detail = logs.get_log(world.store, world.ref("anna"), log.id)
        # Either the level change came first (and the log is flagged) or it was refused.
        assert detail.consent_state == "withdrawn"
        assert detail.level == 0 or detail.needs_attention


def test_entries_from_many_threads_are_all_kept_in_order(world):
    log = new_log(world)

    def writer(n):
        return lambda: [
            journal.write_entry(world.store, world.ref("anna"), log.id, text=f"{n}:{i}")
            for i in range(5)
        ]

    _results, errors = race(*(writer(n) for n in range(8)))
    assert errors == [None] * 8
    entries = journal.list_entries(world.store, world.ref("anna"), log.id)
    assert len(entries) == 40
    for n in range(8):  # each writer's own entries keep their order
        mine = [e for e in reversed(entries) if e.text.startswith(f"{n}:")]
        assert [e.text for e in mine] == [f"{n}:{i}" for i in range(5)]
    ids = [e.id for e in reversed(entries)]
    assert ids == sorted(ids)


def test_two_second_logs_at_once_one_wins(world):
    _results, errors = race(
        lambda: new_log(world, holder="anna"),
        lambda: new_log(world, holder="carl"),
    )
    assert sum(e is None for e in errors) == 1
    assert "relay log" in str(next(e for e in errors if e))


# --- a log and its handover: one lock order (the log first), never a deadlock (R8, R10) ----


def _open_log_with_proposal(world, attempt, to="bo"):
    subject = world.add_subject(
        f"Relay {attempt}", date(2019, 3, 3), guardians=((f"Parent {attempt}", True),)
    )
    log = logs.create_log(world.store, world.ref("anna"), subject_id=subject, concern="c")
    proposal = handover.propose(
        world.store, world.ref("anna"), log.id, to_staff_id=world.ref(to).id
    )
    return log, proposal


def _close(world, log_id):
    return lambda: log_closing.close_log(
        world.store,
        world.ref("anna"),
        log_id,
        basis="colleagues",
        reason="r",
        consultation="Talked with Lene",
    )


def _refusals_only(errors):
    """Whoever lost was refused with a message: no database error (a deadlock) reaches them."""
    assert all(
        e is None or (isinstance(e, DomainError) and "deadlock" not in str(e)) for e in errors
    ), errors


@pytest.mark.rule("R10")
def test_closing_and_accepting_at_once_exactly_one_wins(world):
    for attempt in range(3):
        log, proposal = _open_log_with_proposal(world, attempt)
        _results, (close_error, accept_error) = race(
            _close(world, log.id),
            lambda h=proposal.id: handover.accept(world.store, world.ref("bo"), h),
        )
        _refusals_only([close_error, accept_error])
        assert (close_error is None) != (accept_error is None)
        if close_error is None:  # closed: Bo was told, and holds nothing
            assert "closed this relay log meanwhile" in str(accept_error)
            assert handover.inbox(world.store, world.ref("bo")) == []
        else:  # accepted: Anna was told who holds the log now
            assert "Bo Berg has accepted your handover" in str(close_error)
            detail = logs.get_log(world.store, world.ref("bo"), log.id)
            assert detail.status != "closed" and detail.holder_id == world.ref("bo").id


@pytest.mark.rule("R8")
def test_closing_and_declining_at_once_never_overwrites_the_answer(world):
    for attempt in range(3):
        log, proposal = _open_log_with_proposal(world, attempt)
        _results, (close_error, decline_error) = race(
            _close(world, log.id),
            lambda h=proposal.id: handover.decline(
                world.store, world.ref("bo"), h, message="on leave"
            ),
        )
        _refusals_only([close_error, decline_error])
        assert close_error is None  # a decline never stops the close
        with world.store.session() as session:
            status = session.get(Handover, proposal.id).status
        assert status == ("declined" if decline_error is None else "withdrawn")


@pytest.mark.rule("R8")
def test_withdrawing_and_accepting_at_once_exactly_one_wins(world):
    for attempt in range(3):
        log, proposal = _open_log_with_proposal(world, attempt)
        _results, errors = race(
            lambda h=proposal.id: handover.withdraw(world.store, world.ref("anna"), h),
            lambda h=proposal.id: handover.accept(world.store, world.ref("bo"), h),
        )
        _refusals_only(errors)
        assert sum(e is None for e in errors) == 1
        holder = "anna" if errors[0] is None else "bo"
        assert (
            logs.get_log(world.store, world.ref(holder), log.id).holder_id == world.ref(holder).id
        )
        assert (
            sum(
                h.ended_at is None
                for h in log_history.history(world.store, world.ref(holder), log.id).holders
            )
            == 1
        )


@pytest.mark.rule("R8")
def test_two_proposals_at_once_leave_one_pending(world):
    log = new_log(world)
    _results, errors = race(
        lambda: handover.propose(
            world.store, world.ref("anna"), log.id, to_staff_id=world.ref("bo").id
        ),
        lambda: handover.propose(
            world.store, world.ref("anna"), log.id, to_staff_id=world.ref("lene").id
        ),
    )
    _refusals_only(errors)
    assert sum(e is None for e in errors) == 1
    assert "already waiting for an answer" in str(next(e for e in errors if e))
    with world.store.session() as session:
        pending = session.exec(
            select(Handover).where(Handover.log_id == log.id, Handover.status == "pending")
        ).all()
    assert len(pending) == 1
