"""The log view: header, journal (writing and correcting), meetings, history, and the refusals."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList, Select, TabbedContent, TextArea

from relaytui.app import RelayApp
from relaytui.services import consent, journal, log_list, logs
from tests.screens.opening_a_log import (
    SIZE,
    editor_open,
    entry_texts,
    journal_loaded,
    open_log,
    stored,
)
from tests.screens.reading import screen_text, wait_for
from tests.screens.signing_in import log_in

SMALL = (80, 24)
MARKUP = "[bold red]hi[/] \x1b[31m"


# --- the header ----------------------------------------------------------------------------


async def test_header_shows_level_number_word_and_colour_and_the_masked_number(level_2_town):
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        text = screen_text(app)
        assert "Ida Jensen" in text
        assert "Level 2 · great concern" in text
        assert app.screen.query_one("#logview-level").has_class("-level-2")
        assert "170521-****" in text
        assert level_2_town.number not in text and level_2_town.number[6:] not in text
        assert "Holder: Anna Holm, Solsikken daycare · +45 2222 3333 · anna@example.invalid" in text
        assert "active" in text
        assert "Read only" not in text


async def test_header_names_what_needs_attention(level_2_town):
    anna = level_2_town.world.ref("anna")
    given = consent.list_consents(level_2_town.store, anna, level_2_town.log.id)[0]
    consent.withdraw_consent(
        level_2_town.store, anna, given.id, version=given.version, reason="Mother phoned."
    )
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        flags = str(app.screen.query_one("#logview-flags").render())
        assert "Needs attention" in flags and "consent withdrawn" in flags
        assert "consent withdrawn" in screen_text(app)  # shown, not only set


async def test_opening_a_log_reads_it_once_with_its_journal_and_records_both_reads(level_2_town):
    """Issue 18: the header and the journal come in one read (logs.open_log); the trail has
    one read of each, and the journal does not read again to show them."""
    from sqlmodel import select

    from relaytui.models import AuditEvent

    def reads() -> list[str]:
        with level_2_town.store.session() as session:
            return sorted(
                session.exec(
                    select(AuditEvent.detail).where(
                        AuditEvent.log_id == level_2_town.log.id, AuditEvent.action == "read"
                    )
                ).all()
            )

    before = reads()
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        assert "Ida came without a lunch box." in screen_text(app)
        assert len(reads()) - len(before) == 2
        assert reads().count("entries") - before.count("entries") == 1
        assert reads().count("log") - before.count("log") == 1


# --- the journal ---------------------------------------------------------------------------


async def test_the_holder_writes_an_entry_key_by_key(level_2_town):
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        await pilot.press("n")
        await wait_for(pilot, lambda: editor_open(app), "the entry editor")
        assert app.focused is app.screen.query_one("#entry-text", TextArea)
        await pilot.press(*"Ida ate well.", "enter", *"She laughed with Bo.")
        # the kind, by keyboard: back to the selector, open it, one down, choose
        await pilot.press("shift+tab")
        assert app.focused is app.screen.query_one("#entry-kind", Select)
        await pilot.press("enter", "down", "enter")
        await wait_for(
            pilot,
            lambda: app.screen.query_one("#entry-kind", Select).value == "assessment",
            "the kind chosen",
        )
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not editor_open(app), "the editor to close")
        await wait_for(
            pilot, lambda: journal_loaded(app) and len(entry_texts(app)) == 2, "the new entry"
        )
        newest = entry_texts(app)[0]
        assert "assessment" in newest and "Anna Holm" in newest
        assert "Ida ate well.\nShe laughed with Bo." in newest
        assert "Ida ate well." in screen_text(app)
    entries = stored(level_2_town)
    assert [e.text for e in entries] == [
        "Ida ate well.\nShe laughed with Bo.",
        "Ida came without a lunch box.\nThird time.",
    ]
    assert entries[0].kind == "assessment"


async def test_a_correction_shows_both_marks(level_2_town):
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        assert app.focused is app.screen.query_one("#journal-entries", OptionList)
        await pilot.press("c")
        await wait_for(pilot, lambda: editor_open(app), "the correction editor")
        assert f"Correction of entry #{level_2_town.first.id}" in screen_text(app)
        await pilot.press(*"It was the second time, not the third.", "ctrl+s")
        await wait_for(pilot, lambda: not editor_open(app), "the editor to close")
        await wait_for(
            pilot, lambda: journal_loaded(app) and len(entry_texts(app)) == 2, "the correction"
        )
        correction, original = entry_texts(app)
        new_id = stored(level_2_town)[0].id
        assert f"corrects #{level_2_town.first.id}" in correction
        assert f"corrected by #{new_id}" in original
        text = screen_text(app)
        assert f"corrects #{level_2_town.first.id}" in text and f"corrected by #{new_id}" in text
    assert stored(level_2_town)[0].corrects_id == level_2_town.first.id
    assert (
        stored(level_2_town)[1].text == level_2_town.first.text
    )  # the original is never changed (R7)


async def test_the_editor_refuses_an_empty_entry_and_stays_open(level_2_town):
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        await pilot.press("n")
        await wait_for(pilot, lambda: editor_open(app), "the entry editor")
        await pilot.press("space", "enter", "ctrl+s")
        error = app.screen.query_one("#entry-error")
        await wait_for(pilot, lambda: error.display, "the refusal")
        assert "An entry cannot be empty" in screen_text(app)
        assert editor_open(app)
        assert app.focused is app.screen.query_one("#entry-text", TextArea)
    assert len(stored(level_2_town)) == 1


async def test_escape_asks_before_throwing_typed_text_away(level_2_town):
    from relaytui.screens.log_journal import DiscardDialog

    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        await pilot.press("n")
        await wait_for(pilot, lambda: editor_open(app), "the entry editor")
        await pilot.press(*"Half a thought", "escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardDialog), "the question")
        await pilot.press("escape")  # keep writing
        await wait_for(pilot, lambda: editor_open(app), "back in the editor")
        assert app.screen.query_one("#entry-text", TextArea).text == "Half a thought"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DiscardDialog), "the question again")
        await pilot.press("tab", "enter")  # "Throw away"
        await wait_for(pilot, lambda: journal_loaded(app), "the log view again")
        # an empty editor closes at once
        await pilot.press("n")
        await wait_for(pilot, lambda: editor_open(app), "the entry editor")
        await pilot.press("escape")
        await wait_for(pilot, lambda: journal_loaded(app), "the log view again")
    assert len(stored(level_2_town)) == 1


async def test_entry_text_is_shown_literally(level_2_town):
    journal.write_entry(
        level_2_town.store, level_2_town.world.ref("anna"), level_2_town.log.id, text=MARKUP
    )
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        text = screen_text(app)
        assert "[bold red]hi[/] ␛[31m" in text
        assert "\x1b[31m" not in entry_texts(app)[0]


async def test_the_holders_keys_open_the_dialogs_and_a_change_reloads_the_header(level_2_town):
    from relaytui.screens.closing import CloseLogDialog
    from relaytui.screens.handover import ProposeHandoverDialog
    from relaytui.screens.level_change import LevelChangeDialog
    from relaytui.screens.log_view import LogViewScreen
    from relaytui.screens.notification import NotificationDialog

    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        for key, dialog in (
            ("l", LevelChangeDialog),
            ("x", CloseLogDialog),
            ("u", NotificationDialog),
            ("h", ProposeHandoverDialog),
        ):
            await pilot.press(key)
            await wait_for(
                pilot, lambda dialog=dialog: isinstance(app.screen, dialog), dialog.__name__
            )
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, LogViewScreen), "back from " + key)
        # A dialog that changed the log dismisses True: the header is read again.
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LevelChangeDialog), "the level dialog")
        logs.change_level(
            level_2_town.store,
            level_2_town.world.ref("anna"),
            level_2_town.log.id,
            to_level=3,
            reason="The family department is needed.",
        )
        app.screen.dismiss(True)
        await wait_for(
            pilot, lambda: "Level 3 · strong concern" in screen_text(app), "the new level"
        )
        assert app.screen.query_one("#logview-level").has_class("-level-3")


# --- refusals ------------------------------------------------------------------------------


@pytest.mark.rule("R7")
async def test_an_actor_reads_sees_why_and_cannot_write(level_2_town):
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "lene")
        text = screen_text(app)
        assert "Ida came without a lunch box." in text
        assert "Read only: You read this log as an actor. Only the holder writes in it." in text
        footer = text.splitlines()[-1]
        assert "New entry" not in footer and "Level" not in footer
        for key in ("n", "c", "l", "x", "u", "h"):
            await pilot.press(key)
            await pilot.pause()
            assert not editor_open(app)
            assert type(app.screen).__name__ == "LogViewScreen", key
        await wait_for(
            pilot,
            lambda: any("Only the holder writes" in str(n.message) for n in app._notifications),
            "the reason as a notice",
        )
    assert len(stored(level_2_town)) == 1
    assert (
        logs.get_log(level_2_town.store, level_2_town.world.ref("anna"), level_2_town.log.id).level
        == 2
    )


@pytest.mark.rule("R9")
async def test_an_outsider_sees_the_refusal_and_nothing_of_the_log(level_2_town):
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "carl")
        text = screen_text(app)
        assert "neither the holder nor an actor" in text
        for secret in ("Ida", "170521", "lunch box", "Level", "Anna Holm", "Journal"):
            assert secret not in text, secret
        await pilot.press("n", "2", "l")
        await pilot.pause()
        assert not editor_open(app) and "lunch box" not in screen_text(app)


# --- meetings and history ------------------------------------------------------------------


async def test_meetings_tab_lists_the_meeting(level_2_town):
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "lene")
        await pilot.press("4")
        tabs = app.screen.query_one("#logview-tabs", TabbedContent)
        await wait_for(pilot, lambda: tabs.active == "meetings", "the meetings tab")
        pane = app.screen.query_one("#logview-meetings")
        await wait_for(pilot, lambda: pane.found is not None, "the meetings")
        await pilot.pause()
        text = screen_text(app)
        assert "dialogue meeting" in text and "Solsikken, room 2" in text and "planned" in text
        assert app.focused is pane.query_one("#meetings-table")


async def test_history_shows_reads_to_the_holder_only(level_2_town):
    # Lene reads first, so her read is in the trail the holder sees.
    logs.get_log(level_2_town.store, level_2_town.world.ref("lene"), level_2_town.log.id)
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        await pilot.press("5")
        pane = app.screen.query_one("#logview-history")
        await wait_for(pilot, lambda: pane.history is not None, "the history")
        await pilot.pause()
        text = screen_text(app)
        assert "Level changes" in text and "School and health visitor join in." in text
        assert "Holders" in text and "Anna Holm" in text
        assert "Who read the log" in text and "Lene Lund (lene)" in text
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "lene")
        await pilot.press("ctrl+left")  # round the corner: from Journal to History
        pane = app.screen.query_one("#logview-history")
        await wait_for(pilot, lambda: pane.history is not None, "the history")
        await pilot.pause()
        text = screen_text(app)
        assert "Dialogue meeting with the mother." in text
        assert "Only the holder sees who read the log." in text
        assert "(lene)" not in text and "(anna)" not in text


# --- small terminals -----------------------------------------------------------------------


async def test_header_and_tabs_fit_at_80x24(level_2_town):
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SMALL) as pilot:
        await open_log(pilot, level_2_town, "lene")
        lines = screen_text(app).splitlines()
        assert len(lines) == 24
        top = "\n".join(lines[:8])
        for part in (
            "Ida Jensen",
            "170521-****",
            "Level 2 · great concern",
            "Anna Holm",
            "+45 2222 3333",
            "Read only",
            "Journal",
            "Efforts and goals",
            "Actors and consent",
            "Meetings",
            "History",
        ):
            assert part in top, part
        assert all(len(line.rstrip()) <= 80 for line in lines)
        # the journal still has room below the header and the tabs
        assert any("Ida came without a lunch box." in line for line in lines[8:22])
        await pilot.press("n")
        await pilot.pause()
        assert not editor_open(app)
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SMALL) as pilot:
        await open_log(pilot, level_2_town, "anna")
        await pilot.press("n")
        await wait_for(pilot, lambda: editor_open(app), "the entry editor")
        await pilot.pause()
        text = screen_text(app)
        assert "New entry" in text and "Save" in text and "Short sentences" in text


# --- snapshots on the demo municipality (fixed clock) ---------------------------------------
# The demo database (tests/screens/conftest.py) and the login (tests/screens/signing_in.py) are
# the log list's too: both modules share one session-wide demo.


def opened(username: str, subject_name: str):
    async def run_before(pilot) -> None:
        from relaytui.screens.log_view import LogViewScreen

        app = pilot.app
        await log_in(pilot, username, "demo")
        await app.workers.wait_for_complete()
        log_id = log_list.list_logs(app.store, app.staff, search=subject_name)[0].id
        await app.push_screen(LogViewScreen(log_id))
        await wait_for(pilot, lambda: journal_loaded(app), "the journal")
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()

    return run_before


def test_snapshot_holder_at_80x24(demo_store, snap_compare):
    assert snap_compare(
        RelayApp(demo_store), terminal_size=SMALL, run_before=opened("anna", "Emma Thomsen")
    )


def test_snapshot_holder_at_120x40(demo_store, snap_compare):
    assert snap_compare(
        RelayApp(demo_store), terminal_size=SIZE, run_before=opened("anna", "Emma Thomsen")
    )


def test_snapshot_actor_at_120x40(demo_store, snap_compare):
    assert snap_compare(
        RelayApp(demo_store), terminal_size=SIZE, run_before=opened("lene", "Agnes Andersen")
    )


@pytest.mark.rule("R2")
async def test_the_concern_typed_at_the_start_stands_above_the_journal(level_2_town):
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        concern = str(app.screen.query_one("#journal-concern").render())
        assert "The concern when the log was started: Ida comes to daycare hungry." in concern
        lines = screen_text(app).splitlines()
        at = next(
            i for i, line in enumerate(lines) if "The concern when the log was started" in line
        )
        assert at < next(
            i
            for i, line in enumerate(lines)
            if "No entries yet" in line or "entr" in line.lower() and i > at
        )
