"""Handovers (R8), driven key by key: proposing, the inbox, accepting, declining, withdrawing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import DataTable, Input, OptionList, Static

from relaytui.app import RelayApp
from relaytui.errors import NotAllowed
from relaytui.services import clock, handover, logs
from relaytui.ui.dialogs import ConfirmDialog
from tests.factories import new_log
from tests.screens.handing_over import on_inbox, open_inbox, rows
from tests.screens.reading import screen_text, wait_for
from tests.screens.signing_in import log_in, town_with_passwords

SIZE = (120, 40)
SMALL = (80, 24)
MARKUP_MESSAGE = "[bold red]x[/] I move to the nursery"


def dialog_error(app, selector: str) -> str:
    error = app.screen.query_one(selector, Static)
    return str(error.render()) if error.display else ""


@pytest.fixture
def town_with_proposal(sqlite_store):
    """Bo holds Ida's log and proposes Anna as the new holder."""
    world = town_with_passwords(sqlite_store)
    log = new_log(world, holder="bo")
    proposal = handover.propose(
        world.store,
        world.ref("bo"),
        log.id,
        to_staff_id=world.ref("anna").id,
        message=MARKUP_MESSAGE,
    )
    return world, log, proposal


# --- the inbox --------------------------------------------------------------------------------


async def test_a_proposed_handover_waits_in_the_receivers_inbox(town_with_proposal):
    world, _log, proposal = town_with_proposal
    notes = []
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        real_notify = app.notify
        app.notify = lambda message, **kw: (notes.append(message), real_notify(message, **kw))
        await log_in(pilot, "anna")
        # Visible from anywhere: a notification after login and the count on the F4 key.
        await wait_for(pilot, lambda: app.waiting_handovers == 1, "the count of handovers")
        assert "1 handover waits for your answer (F4)." in notes
        await pilot.press("f3")  # the log list's own keys leave the F4 key little room
        await wait_for(pilot, lambda: "Handovers (1)" in screen_text(app), "the count on F4")
        await open_inbox(pilot)
        [row] = rows(app, "handovers-to-me")
        subject, number, level, giver, proposed, message = row
        assert (subject, level.strip(), giver) == ("Ida Jensen", "0", "Bo Berg")
        assert number.endswith("-****") and number == proposal.national_number_masked
        assert proposed == clock.local(proposal.proposed_at, "Europe/Copenhagen").strftime(
            "%Y-%m-%d"
        )
        # The message is text, never markup: shown literally (cut in the table, whole below).
        assert message.startswith("[bold red]x[/]")
        text = screen_text(app)
        assert MARKUP_MESSAGE in text
        assert "Nothing waits for your answer." not in text
        assert rows(app, "handovers-from-me") == []
        assert "Accept" in text and "Decline" in text


async def test_accepting_key_by_key_makes_me_the_holder_and_offers_the_log(town_with_proposal):
    from relaytui.screens.handover_answer import AnswerDialog
    from relaytui.ui.dialogs import ConfirmDialog

    world, log, _proposal = town_with_proposal
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_inbox(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AnswerDialog), "the answer dialog")
        assert "Bo Berg (Solsikken daycare) proposes that you hold" in screen_text(app)
        # Nothing has changed yet.
        assert logs.get_log(world.store, world.ref("bo"), log.id).holder_id == world.ref("bo").id
        await pilot.press(*"Glad to", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the offer to open")
        detail = logs.get_log(world.store, world.ref("anna"), log.id)
        assert detail.holder_id == world.ref("anna").id and detail.can_write
        assert handover.inbox(world.store, world.ref("anna")) == []
        assert "You are now the holder of the relay log about Ida Jensen." in screen_text(app)
        await pilot.press("escape")  # "Later"
        await wait_for(
            pilot,
            lambda: on_inbox(app) and not rows(app, "handovers-to-me"),
            "the inbox without the handover",
        )
        assert app.waiting_handovers == 0
        assert "Nothing waits for your answer." in screen_text(app)


async def test_after_accepting_enter_opens_the_log(town_with_proposal):
    from relaytui.screens.log_view import LogViewScreen
    from relaytui.ui.dialogs import ConfirmDialog

    world, log, _proposal = town_with_proposal
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_inbox(pilot)
        await pilot.press("enter")  # Enter on a handover to me: the answer dialog, to accept
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the offer to open")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LogViewScreen), "the log view")
        assert app.screen.log_id == log.id
        # Escape goes back to the inbox.
        await pilot.press("escape")
        await wait_for(pilot, lambda: on_inbox(app), "the inbox again")


@pytest.mark.rule("R8")
async def test_declining_needs_a_message_and_leaves_the_holder(town_with_proposal):
    from relaytui.screens.handover_answer import AnswerDialog

    world, log, _proposal = town_with_proposal
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_inbox(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, AnswerDialog), "the answer dialog")
        assert "Declining leaves everything as it was: Bo Berg stays the holder." in screen_text(
            app
        )
        await pilot.press("enter")  # no message
        await wait_for(pilot, lambda: dialog_error(app, ".handover-dialog-error"), "the refusal")
        assert dialog_error(app, ".handover-dialog-error") == (
            "Write a short message to the holder about why you decline."
        )
        assert isinstance(app.screen, AnswerDialog)
        assert [h.status for h in handover.inbox(world.store, world.ref("anna"))] == ["pending"]
        await pilot.press(*"I am on leave", "enter")
        await wait_for(
            pilot,
            lambda: on_inbox(app) and not rows(app, "handovers-to-me"),
            "the inbox without the handover",
        )
        assert logs.get_log(world.store, world.ref("bo"), log.id).holder_id == world.ref("bo").id
        assert handover.inbox(world.store, world.ref("bo")) == []
        with pytest.raises(NotAllowed):
            logs.get_log(world.store, world.ref("anna"), log.id)


async def test_escape_in_the_answer_dialog_changes_nothing(town_with_proposal):
    world, _log, _proposal = town_with_proposal
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await open_inbox(pilot)
        await pilot.press("a", "escape")
        await wait_for(pilot, lambda: on_inbox(app), "the inbox")
        assert len(rows(app, "handovers-to-me")) == 1
        assert [h.status for h in handover.inbox(world.store, world.ref("anna"))] == ["pending"]
        # Escape on the inbox goes back to the log list.
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.current_mode == "logs", "the log list")


async def test_the_holder_sees_the_proposal_and_withdraws_it(town_with_proposal):
    from relaytui.ui.dialogs import ConfirmDialog

    world, log, _proposal = town_with_proposal
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "bo")
        await open_inbox(pilot)
        assert rows(app, "handovers-to-me") == []
        [row] = rows(app, "handovers-from-me")
        assert row[0] == "Ida Jensen" and row[3] == "Anna Holm"
        assert app.focused is app.screen.query_one("#handovers-from-me", DataTable)
        await pilot.press("a")  # not mine to accept: nothing happens
        await pilot.pause()
        assert on_inbox(app)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: on_inbox(app) and not rows(app, "handovers-from-me"),
            "the inbox without the proposal",
        )
        assert handover.inbox(world.store, world.ref("anna")) == []
        assert logs.get_log(world.store, world.ref("bo"), log.id).holder_id == world.ref("bo").id


@pytest.mark.rule("R8")
async def test_the_leader_sees_a_handover_left_unanswered_too_long(town_with_proposal):
    world, _log, _proposal = town_with_proposal
    start = clock.now()
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "lene")
        await open_inbox(pilot)
        assert "No handover in your unit has waited too long." in screen_text(app)
        assert rows(app, "handovers-late") == []
        clock.set_clock(lambda: start + timedelta(days=8))
        await pilot.press("r")
        await wait_for(pilot, lambda: rows(app, "handovers-late"), "the late handover")
        [row] = rows(app, "handovers-late")
        assert row[0] == "Ida Jensen" and row[3:5] == ["Bo Berg", "Anna Holm"]
        assert "Unanswered for more than 7 days in your unit" in screen_text(app)


async def test_a_caseworker_sees_no_leader_section(town_with_proposal):
    world, _log, _proposal = town_with_proposal
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "carl")
        await open_inbox(pilot)
        text = screen_text(app)
        assert "Nothing waits for your answer." in text
        assert "Unanswered for more than" not in text
        assert "Ida Jensen" not in text


async def test_the_inbox_fits_80_by_24(town_with_proposal):
    world, _log, _proposal = town_with_proposal
    app = RelayApp(world.store)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "anna")
        await open_inbox(pilot)
        text = screen_text(app)
        assert "Ida Jensen" in text and "Bo Berg" in text
        assert "Accept" in text.splitlines()[-1]


# --- proposing --------------------------------------------------------------------------------


async def propose_dialog(pilot, world, log_id: int, results: list):
    from relaytui.screens.handover import ProposeHandoverDialog

    app = pilot.app
    detail = logs.get_log(world.store, world.ref("anna"), log_id)
    app.push_screen(ProposeHandoverDialog(detail), callback=results.append)
    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ProposeHandoverDialog) and app.screen.inst is not None,
        "the handover dialog",
    )
    await wait_for(pilot, lambda: app.screen.query_one(OptionList).option_count, "the people")


async def choose(pilot, name: str) -> None:
    app = pilot.app
    search = app.screen.query_one("#handover-search", Input)
    search.value = ""
    await pilot.press(*name)
    await wait_for(
        pilot,
        lambda: (
            app.screen.people
            and all(
                name.lower() in f"{p.full_name} {p.profession}".lower()
                for p in app.screen.people.values()
            )
        ),
        f"{name} found",
    )
    await pilot.press("enter", "enter")  # to the list, then pick the first
    await wait_for(pilot, lambda: app.screen.chosen is not None, "the choice")


@pytest.mark.rule("R8")
async def test_proposing_to_another_unit_without_consent_is_refused(sqlite_store):
    world = town_with_passwords(sqlite_store)
    log = new_log(world)
    results: list = []
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await propose_dialog(pilot, world, log.id, results)
        assert (
            "Until the person you choose accepts, you stay the holder and nothing changes."
            in screen_text(app)
        )
        await choose(pilot, "Carl")
        hint = app.screen.query_one("#handover-transition", Static)
        assert hint.display
        assert "Carl Dahl works at Østre School, another unit than this log's" in screen_text(app)
        assert app.focused is app.screen.query_one("#handover-message", Input)
        await pilot.press(*"You take over at school", "ctrl+s")
        # Refused for want of consent: the dialog offers to ask the guardians; not now.
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        assert "Ask the guardians in the family view" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: dialog_error(app, ".dialog-error"), "the refusal")
        error = dialog_error(app, ".dialog-error")
        assert "Carl Dahl works at Østre School, another unit" in error
        assert "consent" in error
        # The dialog stays, with what was typed; nothing was proposed.
        assert results == []
        assert app.screen.query_one("#handover-message", Input).value == "You take over at school"
        assert handover.inbox(world.store, world.ref("carl")) == []
        assert handover.inbox(world.store, world.ref("anna")) == []


async def test_proposing_to_a_colleague_changes_nothing_until_accepted(sqlite_store):
    world = town_with_passwords(sqlite_store)
    log = new_log(world)
    results: list = []
    app = RelayApp(world.store)
    async with app.run_test(size=SIZE) as pilot:
        await log_in(pilot, "anna")
        await propose_dialog(pilot, world, log.id, results)
        # Anna does not find herself: she holds the log already.
        assert all(p.username != "anna" for p in app.screen.people.values())
        await choose(pilot, "pedagogue")
        assert app.screen.chosen.username == "bo"
        assert not app.screen.query_one("#handover-transition", Static).display
        await pilot.press(*"I move to the nursery", "enter")
        await wait_for(pilot, lambda: results, "the dialog to close")
        assert results == [True]
        [waiting] = handover.inbox(world.store, world.ref("bo"))
        assert waiting.to_name == "Bo Berg" and waiting.message == "I move to the nursery"
        assert (
            logs.get_log(world.store, world.ref("anna"), log.id).holder_id == world.ref("anna").id
        )


async def test_proposing_without_choosing_says_what_to_do(sqlite_store):
    world = town_with_passwords(sqlite_store)
    log = new_log(world)
    results: list = []
    app = RelayApp(world.store)
    async with app.run_test(size=SMALL) as pilot:
        await log_in(pilot, "anna")
        await propose_dialog(pilot, world, log.id, results)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: dialog_error(app, ".dialog-error"), "the message")
        assert dialog_error(app, ".dialog-error").startswith("Choose the new holder first")
        await pilot.press("escape")
        await wait_for(pilot, lambda: results, "the dialog to close")
        assert results == [False]
        assert handover.inbox(world.store, world.ref("anna")) == []
