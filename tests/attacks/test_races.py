"""Attacks by timing on R8 (one holder, always) and R10 (a closed log is read-only forever).

The holder closes a log at the very moment its handover is answered (accepted, declined) or
withdrawn. Each race runs many times on fresh logs, with the two calls started together on a
barrier, and every outcome is counted:

- lost updates: a caller was told "ok" but the final state is not what they did, or an answer
  was overwritten by another change;
- deadlocks: a "deadlock detected", or any other database error, reached a caller (instead of
  a refusal that says what happened);
- wrong final states: anything R8 and R10 do not allow (someone made holder of a closed log,
  two open holder periods, a pending handover on a closed log, an audit trail that tells
  another story than the rows, a close that a decline should never have stopped, ...);
- unclear refusals: the one who came second was refused, but not with the message that says
  what happened first (the log was closed; the handover was accepted; it was withdrawn);
- other errors: anything else that is not a DomainError with a message.

Each count must be 0. ``pytest -s`` (without ``-n``) prints them.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from relaytui.errors import DomainError
from relaytui.models import AuditEvent, Handover, HolderPeriod, RelayLog
from relaytui.services import handover, log_closing, logs
from tests.concurrently import race
from tests.factories import build_world

RACES = 50

#: What each answer leaves on the handover when it succeeds, and the audit action it writes.
ANSWERS = {
    "accept": ("accepted", "handover_accepted"),
    "decline": ("declined", "handover_declined"),
    "withdraw": ("withdrawn", "handover_withdrawn"),
}

#: What the one who came second is told (English; the same message in every language).
TOO_LATE = {
    "close": "has accepted your handover of this relay log and holds it now",
    "accept": "closed this relay log meanwhile, and closing it withdrew the handover",
    "decline": "closed this relay log meanwhile, and closing it withdrew the handover",
    "withdraw": "This handover was already withdrawn; nothing changed.",
}


@dataclass
class Tally:
    name: str
    races: int = 0
    lost_updates: int = 0
    deadlocks: int = 0
    wrong_states: int = 0
    unclear_refusals: int = 0
    other_errors: int = 0
    winners: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def note(self, counter: str, race_no: int, what: str) -> None:
        setattr(self, counter, getattr(self, counter) + 1)
        if len(self.problems) < 8:
            self.problems.append(f"race {race_no}: {what}")

    def line(self) -> str:
        return (
            f"{self.name}: races run {self.races}, lost updates {self.lost_updates}, "
            f"deadlocks {self.deadlocks}, wrong final states {self.wrong_states}, "
            f"unclear refusals {self.unclear_refusals}, other errors {self.other_errors}; outcomes {dict(sorted(self.winners.items()))}"
        )


def database_error(exc: BaseException | None) -> bool:
    """A deadlock or another driver error, however it was wrapped on its way to the caller."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (DBAPIError, sqlite3.Error)) or "deadlock detected" in str(exc):
            return True
        try:
            import psycopg

            if isinstance(exc, psycopg.Error):
                return True
        except ImportError:  # pragma: no cover - psycopg is a dependency
            pass
        exc = exc.__cause__ or exc.__context__
    return False


def final_state(store, log_id: int, handover_id: int) -> dict:
    with store.session() as session:
        log = session.get(RelayLog, log_id)
        proposal = session.get(Handover, handover_id)
        periods = session.exec(select(HolderPeriod).where(HolderPeriod.log_id == log_id)).all()
        actions = session.exec(select(AuditEvent.action).where(AuditEvent.log_id == log_id)).all()
        return {
            "log_status": log.status,
            "closed_at": log.closed_at,
            "holder_id": log.holder_id,
            "open_holders": [p.staff_id for p in periods if p.ended_at is None],
            "accepted_periods": [p for p in periods if p.handover_id == handover_id],
            "handover_status": proposal.status,
            "answer_message": proposal.answer_message,
            "answered_at": proposal.answered_at,
            "actions": list(actions),
        }


def run_races(store, answer: str, races: int = RACES) -> Tally:
    """``races`` times: a fresh log with a pending handover from Anna to Bo; Anna closes it
    while the handover is answered (Bo accepts or declines) or withdrawn (by Anna)."""
    world = build_world(store, "dk")
    anna, bo = world.ref("anna"), world.ref("bo")
    answerer = anna if answer == "withdraw" else bo
    status_if_ok, action_if_ok = ANSWERS[answer]
    tally = Tally(f"close vs {answer} [{store.kind}]")
    for n in range(races):
        subject = world.add_subject(
            f"Race {answer} {n}", date(2019, 3, 3), guardians=((f"Guardian {answer} {n}", True),)
        )
        log = logs.create_log(
            store, anna, subject_id=subject, concern="Often hungry in the morning."
        )
        proposal = handover.propose(
            store, anna, log.id, to_staff_id=bo.id, message="I change group"
        )
        reply = f"answer {n}"

        def close(log_id=log.id):
            return log_closing.close_log(
                store,
                anna,
                log_id,
                basis="colleagues",
                reason="Better now",
                consultation="Talked with Lene on Monday",
            )

        def respond(handover_id=proposal.id, reply=reply):
            if answer == "accept":
                return handover.accept(store, answerer, handover_id, message=reply)
            if answer == "decline":
                return handover.decline(store, answerer, handover_id, message=reply)
            return handover.withdraw(store, answerer, handover_id)

        _results, (close_error, answer_error) = race(close, respond)
        tally.races += 1
        closed_ok, answered_ok = close_error is None, answer_error is None
        outcome = (
            ("close ok" if closed_ok else "close refused")
            + ", "
            + (f"{answer} ok" if answered_ok else f"{answer} refused")
        )
        tally.winners[outcome] = tally.winners.get(outcome, 0) + 1

        # Errors: a refusal is a DomainError with a message; nothing else may reach a caller.
        for who, error in (("close", close_error), (answer, answer_error)):
            if error is None:
                continue
            if database_error(error):
                tally.note("deadlocks", n, f"{who}: {type(error).__name__}: {error}")
            elif not isinstance(error, DomainError) or not str(error).strip():
                tally.note("other_errors", n, f"{who}: {type(error).__name__}: {error!r}")
            elif TOO_LATE[who] not in str(error):
                tally.note("unclear_refusals", n, f"{who}: {error}")
        deadlocked = database_error(close_error) or database_error(answer_error)

        state = final_state(store, log.id, proposal.id)

        # Lost updates: told "ok", yet the final state is not theirs (or was overwritten).
        if closed_ok and state["log_status"] != "closed":
            tally.note("lost_updates", n, f"close ok but the log is {state['log_status']}")
        if answered_ok and state["handover_status"] != status_if_ok:
            tally.note(
                "lost_updates", n, f"{answer} ok but the handover is {state['handover_status']}"
            )
        if answered_ok and answer != "withdraw" and state["answer_message"] != reply:
            tally.note("lost_updates", n, f"{answer} ok but its message was overwritten")
        if answered_ok and answer == "accept" and state["holder_id"] != bo.id:
            tally.note("lost_updates", n, "accept ok but Bo does not hold the log")

        # Wrong final states (R8, R10).
        wrong = []
        if state["log_status"] == "closed":
            if state["open_holders"]:
                wrong.append(f"closed log with open holder periods {state['open_holders']}")
            if state["handover_status"] == "pending":
                wrong.append("closed log with a pending handover")
            if state["handover_status"] == "accepted" or state["holder_id"] != anna.id:
                wrong.append("someone was made holder of a closed log")
            if state["accepted_periods"]:
                wrong.append("a holder period from the handover on a closed log")
        else:
            if len(state["open_holders"]) != 1:
                wrong.append(f"{len(state['open_holders'])} holders of an open log")
            elif state["open_holders"][0] != state["holder_id"]:
                wrong.append("the open holder period is not the log's holder")
        if closed_ok and answered_ok and answer == "accept":
            wrong.append("both the close and the accept were told ok")
        if answer != "accept" and not closed_ok and not deadlocked:
            wrong.append(f"the close was refused because of a {answer}: {close_error}")
        if not closed_ok and not answered_ok and not deadlocked:
            wrong.append(f"both refused: {close_error} / {answer_error}")
        # The audit trail tells the same story as the rows: one event for each "ok", no more.
        if state["actions"].count("log_closed") != int(closed_ok):
            wrong.append(
                f"{state['actions'].count('log_closed')} log_closed events, close ok={closed_ok}"
            )
        if state["actions"].count(action_if_ok) != int(answered_ok):
            wrong.append(
                f"{state['actions'].count(action_if_ok)} {action_if_ok} events, {answer} ok={answered_ok}"
            )
        for what in wrong:
            tally.note("wrong_states", n, what)
    return tally


def assert_clean(tally: Tally) -> None:
    print(f"\n{tally.line()}")
    for problem in tally.problems:
        print(f"    {problem}")
    assert tally.races == RACES
    assert (
        tally.lost_updates,
        tally.deadlocks,
        tally.wrong_states,
        tally.unclear_refusals,
        tally.other_errors,
    ) == (0, 0, 0, 0, 0), tally.line() + "\n" + "\n".join(tally.problems)


@pytest.mark.rule("R10")
def test_closing_while_the_handover_is_accepted(store):
    """Exactly one of the two wins: either Bo holds an open log, or the log is closed with its
    handover withdrawn and Bo is told so. Never a deadlock, never a holder of a closed log."""
    tally = run_races(store, "accept")
    assert_clean(tally)


@pytest.mark.rule("R8")
def test_closing_while_the_handover_is_declined(store):
    """The close always goes through; a decline that came first stays declined, one that came
    second is refused and says the log was closed. No answer is overwritten."""
    tally = run_races(store, "decline")
    assert_clean(tally)


@pytest.mark.rule("R8")
def test_closing_while_the_handover_is_withdrawn(store):
    """The holder withdraws and closes at once (two windows): never a deadlock, and the
    withdrawal is recorded once, by whichever came first."""
    tally = run_races(store, "withdraw")
    assert_clean(tally)
