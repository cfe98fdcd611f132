"""The dialogs over a log, key by key: level change (R4), closing (R10), notification (R11)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Input, RadioSet, Static, TextArea

from relaytui.app import RelayApp
from relaytui.errors import NotAllowed
from relaytui.services import clock, consent, log_history, logs, meetings, notifications
from tests.factories import build_world
from tests.screens.reading import screen_text, wait_for

SIZE = (120, 40)
SMALL = (80, 24)
MARKUP_NAME = "[bold red]Ida[/]"


def new_log(world, *, consented: bool = False, level: int = 0) -> logs.LogDetail:
    """Ida Jensen's log, held by anna; with the mother's consent and raised to ``level``."""
    store, anna = world.store, world.ref("anna")
    detail = logs.create_log(
        store, anna, subject_id=world.subjects["Ida Jensen"], concern="Ida is often sad."
    )
    if consented or level:
        consent.record_consent(
            store,
            anna,
            detail.id,
            consent.ConsentInput(
                giver="guardian", guardian_id=world.guardians["Mette Jensen"], method="signed_form"
            ),
        )
    if level:
        logs.change_level(store, anna, detail.id, to_level=level, reason="Agreed at the meeting.")
    return logs.get_log(store, anna, detail.id)


def is_closed(world, log_id: int) -> bool:
    """Closed for good: even its holder now reads it only with a grant (R10)."""
    try:
        logs.get_log(world.store, world.ref("anna"), log_id)
    except NotAllowed as exc:
        return exc.rule == "R10" and "closed" in exc.message
    return False


async def open_dialog(pilot, world, dialog, results: list):
    app = pilot.app
    app.staff = world.ref("anna")
    app.push_screen(dialog, callback=results.append)
    await wait_for(
        pilot,
        lambda: app.screen is dialog and dialog.inst is not None,
        "the dialog and the installation",
    )
    await pilot.pause()


async def focus_on(pilot, selector: str, limit: int = 20) -> None:
    """Tab (as a user would) until ``selector`` has the focus."""
    target = pilot.app.screen.query_one(selector)
    for _ in range(limit):
        if pilot.app.focused is target:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached {selector}; focus is on {pilot.app.focused!r}")


def error_of(dialog) -> str:
    error = dialog.query_one(".dialog-error", Static)
    return str(error.render()) if error.display else ""


async def refused(pilot, dialog) -> str:
    await wait_for(pilot, lambda: error_of(dialog) and not dialog.busy, "the refusal")
    return error_of(dialog)


async def dismissed(pilot, results: list) -> None:
    await wait_for(pilot, lambda: results, "the dialog to close")


# --- level change (R4) ----------------------------------------------------------------------


@pytest.mark.rule("R4")
async def test_level_1_without_consent_says_what_is_missing_and_the_level_stays(sqlite_store):
    from relaytui.screens.level_change import LevelChangeDialog

    world = build_world(sqlite_store, "dk")
    detail = new_log(world)
    results: list = []
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = LevelChangeDialog(detail)
        await open_dialog(pilot, world, dialog, results)
        text = screen_text(app)
        assert "wonder and attention: analyse the concern (now)" in text
        assert "great concern: cross-disciplinary effort" in text
        assert app.focused is dialog.query_one("#level-choice", RadioSet)
        await pilot.press("down", "enter")  # level 1
        await focus_on(pilot, "#level-reason")
        await pilot.press(*"Talked with the mother.")
        await pilot.press("ctrl+s")
        message = (
            "Level 1 needs a consent to the log, and no consent is recorded: record it "
            "under Actors and consent."
        )
        assert await refused(pilot, dialog) == message
        assert "Level 1 needs a consent to the log, and no consent is recorded" in screen_text(app)
        assert app.screen is dialog and results == []
        assert dialog.query_one("#level-reason", TextArea).text == "Talked with the mother."
        await pilot.press("escape")
        await dismissed(pilot, results)
    assert results == [False]
    assert logs.get_log(sqlite_store, world.ref("anna"), detail.id).level == 0


async def test_with_consent_the_level_changes_and_the_reason_is_recorded(sqlite_store):
    from relaytui.screens.level_change import LevelChangeDialog

    world = build_world(sqlite_store, "dk")
    detail = new_log(world, consented=True)
    results: list = []
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = LevelChangeDialog(detail)
        await open_dialog(pilot, world, dialog, results)
        await pilot.press("down", "down", "enter")  # level 2
        assert "From level 0 to level 2." in screen_text(app)
        # No reason: the service asks for one.
        await pilot.press("ctrl+s")
        assert await refused(pilot, dialog) == "Write why the level changes."
        await focus_on(pilot, "#level-reason")
        await pilot.press(*"Speech therapist joins.", "ctrl+s")
        await dismissed(pilot, results)
    assert results == [True]
    anna = world.ref("anna")
    assert logs.get_log(sqlite_store, anna, detail.id).level == 2
    change = log_history.history(sqlite_store, anna, detail.id).level_changes[-1]
    assert (change.from_level, change.to_level, change.reason, change.by_name) == (
        0,
        2,
        "Speech therapist joins.",
        "Anna Holm",
    )


async def test_a_level_must_be_chosen_and_a_stale_log_is_refused(sqlite_store):
    from relaytui.screens.level_change import LevelChangeDialog

    world = build_world(sqlite_store, "dk")
    detail = new_log(world, consented=True)
    # Someone changes the log after the dialog's copy was read.
    logs.change_level(sqlite_store, world.ref("anna"), detail.id, to_level=1, reason="Earlier.")
    results: list = []
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = LevelChangeDialog(detail)
        await open_dialog(pilot, world, dialog, results)
        await focus_on(pilot, "#level-reason")
        await pilot.press(*"Why", "ctrl+s")
        assert "Choose the new level" in await refused(pilot, dialog)
        await focus_on(pilot, "#level-choice")
        await pilot.press("down", "down", "enter", "ctrl+s")
        await wait_for(
            pilot,
            lambda: "Someone else changed this log" in error_of(dialog),
            "the stale-write refusal",
        )
        assert app.screen is dialog
    assert logs.get_log(sqlite_store, world.ref("anna"), detail.id).level == 1


# --- closing (R10) --------------------------------------------------------------------------


@pytest.mark.rule("R10")
async def test_closing_in_denmark_needs_the_consultation_and_then_closes_for_good(sqlite_store):
    from relaytui.screens.closing import CloseLogDialog

    world = build_world(sqlite_store, "dk")
    anna = world.ref("anna")
    detail = new_log(world)
    results: list = []
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = CloseLogDialog(detail)
        await open_dialog(pilot, world, dialog, results)
        text = screen_text(app)
        assert "read-only forever and never reopens" in text
        assert "consultation with your colleagues" in text
        assert app.focused is dialog.query_one("#close-consultation", TextArea)
        await focus_on(pilot, "#close-reason")
        await pilot.press(*"Worry resolved.")
        # What is missing is said before "close for good?" is asked.
        await pilot.press("ctrl+s")
        assert await refused(pilot, dialog) == (
            "Write down the consultation: who was consulted, when, and what they said."
        )
        assert not dialog.confirming
        assert "for good?" not in screen_text(app)
        assert logs.get_log(sqlite_store, anna, detail.id).status == "active"
        assert dialog.query_one("#close-reason", Input).value == "Worry resolved."
        await focus_on(pilot, "#close-consultation")
        await pilot.press(*"Bo, 3 May: agrees.")
        # Then the confirmation; nothing is sent yet, Escape goes back to the form.
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Close the relay log about Ida Jensen for good?" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is dialog and not dialog.confirming
        assert logs.get_log(sqlite_store, anna, detail.id).status == "active"
        await pilot.press("ctrl+s", "y")
        await dismissed(pilot, results)
    assert results == [True]
    assert is_closed(world, detail.id)


async def test_closing_in_denmark_at_level_2_is_a_consultation_with_the_actors(sqlite_store):
    from relaytui.screens.closing import CloseLogDialog

    world = build_world(sqlite_store, "dk")
    detail = new_log(world, level=2)
    results: list = []
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = CloseLogDialog(detail)
        await open_dialog(pilot, world, dialog, results)
        assert "consultation with the log's actors" in screen_text(app)
        # The level in the sentence reads as one, without colour: no "level  2 ." (issue 16).
        assert "The log is at level 2. At levels 2 and 3" in screen_text(app)
        await pilot.press(*"Meeting 3 May, all agree.")
        await focus_on(pilot, "#close-reason")
        await pilot.press(*"Goals met.", "ctrl+s")
        await focus_on(pilot, "#close-yes")
        await pilot.press("enter")
        await dismissed(pilot, results)
    assert results == [True]
    assert is_closed(world, detail.id)


@pytest.mark.rule("R10")
async def test_closing_in_norway_names_the_basis(sqlite_store):
    from relaytui.screens.closing import CloseLogDialog

    world = build_world(sqlite_store, "no")
    detail = new_log(world)
    results: list = []
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = CloseLogDialog(detail)
        await open_dialog(pilot, world, dialog, results)
        assert "The guardians ended the log (you record it)" in screen_text(app)
        assert not dialog.query_one("#close-consultation-box").display
        await focus_on(pilot, "#close-reason")
        await pilot.press(*"Ended.", "ctrl+s", "y")
        assert await refused(pilot, dialog) == "Say why the log is closed."
        await focus_on(pilot, "#close-basis")
        await pilot.press("enter")  # the guardians ended it
        await pilot.press("ctrl+s", "y")
        await dismissed(pilot, results)
    assert results == [True]
    assert is_closed(world, detail.id)


# --- notification (R11) ---------------------------------------------------------------------


@pytest.mark.rule("R11")
async def test_a_danish_notification_without_meeting_needs_its_exception(sqlite_store):
    from relaytui.screens.notification import NotificationDialog

    world = build_world(sqlite_store, "dk")
    anna = world.ref("anna")
    detail = new_log(world)
    results: list = []
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = NotificationDialog(detail)
        await open_dialog(pilot, world, dialog, results)
        text = screen_text(app)
        assert "A notification meeting belongs to level 3" in text
        assert "Without a meeting: suspicion of violence" in text
        assert dialog.query_one("#notify-recipient", Input).value == "Family department"
        await focus_on(pilot, "#notify-reason")
        await pilot.press(*"Bruises on the arms.", "ctrl+s")
        assert "Without a notification meeting, name the exception" in await refused(pilot, dialog)
        assert notifications.list_notifications(sqlite_store, anna, detail.id) == []
        await focus_on(pilot, "#notify-how")
        await pilot.press("down", "enter")  # suspicion of violence
        await pilot.press("ctrl+s")
        await dismissed(pilot, results)
    assert results == [True]
    [note] = notifications.list_notifications(sqlite_store, anna, detail.id)
    assert (note.exception, note.meeting_id, note.reason, note.recipient) == (
        "violence",
        None,
        "Bruises on the arms.",
        "Family department",
    )
    assert logs.get_log(sqlite_store, anna, detail.id).status == "active"  # the log continues


async def test_at_level_3_the_notification_meeting_is_the_normal_path(sqlite_store):
    from relaytui.screens.notification import NotificationDialog

    world = build_world(sqlite_store, "dk")
    anna = world.ref("anna")
    detail = new_log(world, level=3)
    meeting = meetings.schedule(
        sqlite_store,
        anna,
        detail.id,
        kind="notification",
        starts_at=clock.now() + timedelta(days=2),
        place="Room 2",
    )
    results: list = []
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = NotificationDialog(detail)
        await open_dialog(pilot, world, dialog, results)
        text = screen_text(app)
        assert "the normal path is the notification meeting" in text
        assert "Through the notification meeting on" in text and "Room 2" in text
        assert dialog.query_one("#notify-how", RadioSet).pressed_index == 0
        await focus_on(pilot, "#notify-reason")
        await pilot.press(*"As agreed.", "ctrl+s")
        await dismissed(pilot, results)
    [note] = notifications.list_notifications(sqlite_store, anna, detail.id)
    assert (note.meeting_id, note.exception) == (meeting.id, None)


@pytest.mark.rule("R11")
async def test_a_norwegian_notification_is_its_own_act_at_any_level(sqlite_store):
    from relaytui.screens.notification import NotificationDialog

    world = build_world(sqlite_store, "no")
    anna = world.ref("anna")
    detail = new_log(world)
    results: list = []
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = NotificationDialog(detail)
        await open_dialog(pilot, world, dialog, results)
        assert "its own act, at any level" in screen_text(app)
        assert not dialog.query("#notify-how")
        assert app.focused is dialog.query_one("#notify-reason")
        await pilot.press(*"Worried.", "ctrl+s")
        await dismissed(pilot, results)
    [note] = notifications.list_notifications(sqlite_store, anna, detail.id)
    assert (note.reason, note.recipient, note.exception) == (
        "Worried.",
        "Child welfare service",
        None,
    )


# --- common -------------------------------------------------------------------------------


async def test_escape_closes_each_dialog_without_a_change(sqlite_store):
    from relaytui.screens.closing import CloseLogDialog
    from relaytui.screens.level_change import LevelChangeDialog
    from relaytui.screens.notification import NotificationDialog

    world = build_world(sqlite_store, "dk")
    detail = new_log(world, consented=True)
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        for dialog_class in (LevelChangeDialog, CloseLogDialog, NotificationDialog):
            results: list = []
            dialog = dialog_class(detail)
            await open_dialog(pilot, world, dialog, results)
            await pilot.press("escape")
            await dismissed(pilot, results)
            assert results == [False]
    after = logs.get_log(sqlite_store, world.ref("anna"), detail.id)
    assert (after.level, after.status, after.version) == (0, "active", detail.version)


async def test_a_subject_name_with_markup_is_shown_literally(sqlite_store):
    from relaytui.screens.closing import CloseLogDialog
    from relaytui.screens.level_change import LevelChangeDialog

    world = build_world(sqlite_store, "dk")
    world.add_subject(MARKUP_NAME, clock.today().replace(year=2020))
    detail = logs.create_log(
        sqlite_store, world.ref("anna"), subject_id=world.subjects[MARKUP_NAME], concern="x"
    )
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SIZE) as pilot:
        dialog = LevelChangeDialog(detail)
        await open_dialog(pilot, world, dialog, [])
        assert f"Change level — {MARKUP_NAME}" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        dialog = CloseLogDialog(detail)
        await open_dialog(pilot, world, dialog, [])
        await pilot.press(*"Bo agrees.")  # the consultation
        await focus_on(pilot, "#close-reason")
        await pilot.press("x", "ctrl+s")
        await pilot.pause()
        assert f"Close the relay log about {MARKUP_NAME} for good?" in screen_text(app)


@pytest.mark.parametrize("profile", ["dk", "no"])
async def test_every_dialog_fits_in_80_by_24(sqlite_store, profile):
    from relaytui.screens.closing import CloseLogDialog
    from relaytui.screens.level_change import LevelChangeDialog
    from relaytui.screens.notification import NotificationDialog

    world = build_world(sqlite_store, profile)
    detail = new_log(world, level=3)
    meetings.schedule(
        sqlite_store,
        world.ref("anna"),
        detail.id,
        kind="notification",
        starts_at=clock.now() + timedelta(days=2),
        place="Room 2",
    )
    app = RelayApp(sqlite_store)
    async with app.run_test(size=SMALL) as pilot:
        for dialog_class in (LevelChangeDialog, CloseLogDialog, NotificationDialog):
            dialog = dialog_class(detail)
            await open_dialog(pilot, world, dialog, [])
            box = dialog.query_one(".dialog-box").region
            assert box.right <= 80 and box.bottom <= 23, dialog_class.__name__  # above the footer
            for button in dialog.query(".dialog-buttons Button"):
                if button.display and button.parent.display and button.parent.parent.display:
                    region = button.region
                    assert region.height > 0 and region.bottom <= box.bottom, (
                        dialog_class.__name__,
                        button,
                    )
            # Every field can be reached and is then in view.
            for widget in dialog.query("RadioSet, TextArea, Input"):
                if not widget.display or not widget.parent.display:
                    continue
                await focus_on(pilot, f"#{widget.id}")
                await pilot.pause()
                # Fully in view: inside the scrolling body, which lies inside the box.
                body = dialog.query_one(".dialog-body").region
                region = widget.region
                assert region.height > 0, (dialog_class.__name__, widget.id)
                assert body.contains_region(region), (
                    dialog_class.__name__,
                    widget.id,
                    body,
                    region,
                )
                assert body.bottom <= box.bottom
            await pilot.press("escape")
            await pilot.pause()
