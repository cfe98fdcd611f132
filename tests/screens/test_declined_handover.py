"""A declined handover's reason reaches the proposer (R8, issue 16): the notice after login,
the inbox's "answered recently" until dismissed, and the log's history."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from relaytui.app import RelayApp
from relaytui.services import handover
from tests.factories import new_log
from tests.screens.handing_over import on_inbox, open_inbox, rows
from tests.screens.reading import screen_text, wait_for
from tests.screens.signing_in import log_in, town_with_passwords

SIZE = (120, 40)

REASON = "[bold]I am on leave[/] until May; ask Lene"
DECLINED = "handovers-declined"


@pytest.fixture
def declined(sqlite_store):
    """Bo holds Ida's log and proposed Anna as the new holder; Anna declined, saying why."""
    world = town_with_passwords(sqlite_store)
    log = new_log(world, holder="bo")
    proposal = handover.propose(
        world.store, world.ref("bo"), log.id, to_staff_id=world.ref("anna").id
    )
    handover.decline(world.store, world.ref("anna"), proposal.id, message=REASON)
    return world, log, proposal


def _recording(app) -> list[str]:
    notes: list[str] = []
    real_notify = app.notify
    app.notify = lambda message, **kw: (notes.append(message), real_notify(message, **kw))
    return notes


async def test_the_proposer_is_told_at_login_and_reads_the_reason_in_the_inbox(declined):
    world, _log, proposal = declined
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        notes = _recording(app)
        await log_in(pilot, "bo")
        await wait_for(
            pilot, lambda: any(REASON in note for note in notes), "the notice after login"
        )
        [note] = [note for note in notes if REASON in note]
        assert "Anna Holm declined to hold the relay log about Ida Jensen" in note
        await open_inbox(pilot)
        [row] = rows(app, DECLINED)
        assert row[0] == "Ida Jensen" and row[3] == "Anna Holm"
        assert row[5].startswith("[bold]I am on")  # text, never markup
        assert app.focused is app.screen.query_one(f"#{DECLINED}", DataTable)
        text = screen_text(app)
        assert "Answered recently" in text and REASON in text  # whole, in the detail below
        assert "Dismiss" in text
        await pilot.press("x")
        await wait_for(
            pilot, lambda: on_inbox(app) and not rows(app, DECLINED), "the dismissed row"
        )
        assert "None of your handovers was declined." in screen_text(app)
    assert handover.declined_answers(world.store, world.ref("bo")) == []
    # Told once: the next login is quiet about it.
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        notes = _recording(app)
        await log_in(pilot, "bo")
        await pilot.pause()
        assert not any(REASON in note for note in notes)


async def test_the_reason_stays_in_the_inbox_until_dismissed_and_the_receiver_never_sees_it(
    declined,
):
    world, _log, _proposal = declined
    handover.tell_declined(world.store, world.ref("bo"))  # told at an earlier login
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "bo")
        await open_inbox(pilot)
        assert [row[3] for row in rows(app, DECLINED)] == ["Anna Holm"]
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_inbox(pilot)
        assert rows(app, DECLINED) == []
        await pilot.press("x")  # nothing to dismiss: nothing happens
        assert handover.declined_answers(world.store, world.ref("bo")) != []


async def test_the_history_shows_the_decline_and_its_reason(declined):
    from relaytui.screens.log_view import LogViewScreen

    world, log, _proposal = declined
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "bo")
        await app.push_screen(LogViewScreen(log.id))
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, LogViewScreen) and app.screen.detail is not None,
            "the log view",
        )
        await pilot.press("5")
        pane = app.screen.query_one("#logview-history")
        await wait_for(pilot, lambda: pane.history is not None, "the history")
        await pilot.pause()
        text = screen_text(app)
        assert "Handovers" in text and "declined" in text and REASON in text
