"""The "Efforts and goals" pane of the log view, driven key by key (R7, R12).

The pane sits in a small stand-in screen (tests/screens/log_panes.py) that does what the log view
promises: load the log, call ``show(detail)``, and load again on ``LogChanged``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.binding import Binding
from textual.widgets import DataTable, Input

from relaytui.screens.effort_forms import (
    AddEffortDialog,
    AddGoalDialog,
    EvaluateEffortDialog,
    EvaluateGoalDialog,
)
from relaytui.screens.log_efforts import EffortsPane
from relaytui.services import clock, efforts
from relaytui.ui.dialogs import FormDialog
from tests.screens.log_panes import (
    MARKUP,
    SIZE,
    SMALL,
    PaneApp,
    PaneHost,
    cells,
    dialog,
    efforts_app,
    error_text,
    footer_keys,
    host,
    open_pane,
)
from tests.screens.reading import screen_text, type_text, wait_for

#: From "what is done" to "or type who": the responsible list starts at the holder, and
#: "someone else" (above the holder) opens the field for a typed name.
SOMEONE_ELSE = ("tab", "enter", "up", "enter", "tab")


def stored_efforts(level_0_town):
    return efforts.list_efforts(level_0_town.store, level_0_town.anna, level_0_town.log.id)


# --- adding an effort ----------------------------------------------------------------------


async def test_the_holder_adds_an_effort_with_mother_responsible(level_0_town):
    evaluate_on = level_0_town.today + timedelta(days=30)
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        assert cells(app, "#efforts-table")[0][0] == "No efforts yet."
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddEffortDialog), "the form")
        await type_text(pilot, "Breakfast at home before daycare")
        # The list starts at the holder; "someone else" above it opens "or type who".
        await pilot.press(*SOMEONE_ELSE)
        assert app.focused.id == "effort-responsible-text"
        await type_text(pilot, "mother")
        await pilot.press("tab")
        assert app.focused.id == "effort-starts"
        assert app.focused.value == level_0_town.today.isoformat()
        await pilot.press("tab", *evaluate_on.isoformat(), "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(
            pilot,
            lambda: cells(app, "#efforts-table")[0][0].startswith("Breakfast"),
            "the new effort in the table",
        )
        row = cells(app, "#efforts-table")[0]
        assert row == [
            "Breakfast at home before daycare",
            "mother",
            level_0_town.today.isoformat(),
            evaluate_on.isoformat(),
            "active",
        ]
        assert level_0_town.log.id in host(app).changes
    [stored] = stored_efforts(level_0_town)
    assert (stored.what, stored.responsible, stored.responsible_staff_id) == (
        "Breakfast at home before daycare",
        "mother",
        None,
    )
    assert (stored.starts_on, stored.evaluate_on, stored.status) == (
        level_0_town.today,
        evaluate_on,
        "active",
    )


async def test_escape_while_the_effort_is_being_stored_waits_for_it(level_0_town, monkeypatch):
    """Escape pressed while the write is on its way does not close the form over it: the form
    closes when the effort is stored, and the pane shows it."""
    import threading

    stored = threading.Event()
    real_add_effort = efforts.add_effort

    def slow_add_effort(*args, **kwargs):
        stored.wait(10)
        return real_add_effort(*args, **kwargs)

    monkeypatch.setattr(efforts, "add_effort", slow_add_effort)
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddEffortDialog), "the form")
        await type_text(pilot, "Breakfast at home")
        await pilot.press(
            *SOMEONE_ELSE,
            *"mother",
            "tab",
            "tab",
            *(level_0_town.today + timedelta(days=7)).isoformat(),
            "ctrl+s",
        )
        await wait_for(pilot, lambda: dialog(app).saving, "the write on its way")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AddEffortDialog)
        stored.set()
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(
            pilot,
            lambda: cells(app, "#efforts-table")[0][0] == "Breakfast at home",
            "the new effort in the table",
        )
        assert level_0_town.log.id in host(app).changes


async def test_the_holder_can_pick_an_actor_as_responsible(level_0_town):
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddEffortDialog), "the form")
        await type_text(pilot, "Talk with the family")
        # The list: someone else (typed), Anna Holm (holder, chosen), Lene Lund (the leader, R3).
        await pilot.press("tab", "enter", "down", "enter")
        await pilot.pause()
        assert app.screen.query_one("#effort-responsible-text", Input).disabled
        await pilot.press("tab")
        assert app.focused.id == "effort-starts"
        await pilot.press("tab", *(level_0_town.today + timedelta(days=7)).isoformat(), "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
    [stored] = stored_efforts(level_0_town)
    assert stored.responsible_staff_id == level_0_town.lene.id and stored.responsible == "Lene Lund"


async def test_a_new_effort_names_the_holder_and_is_evaluated_six_weeks_ahead(level_0_town):
    """The same defaults as an effort agreed in the minutes: the holder is responsible, and
    the evaluation is six weeks after the start."""
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddEffortDialog), "the form")
        form = dialog(app)
        assert form.query_one("#effort-responsible").value == 0  # the holder, first choice
        assert "Anna Holm (holder)" in screen_text(app)
        assert form.query_one("#effort-responsible-text", Input).disabled
        assert (
            form.query_one("#effort-evaluate", Input).value
            == (level_0_town.today + timedelta(weeks=6)).isoformat()
        )
        await type_text(pilot, "Breakfast at home")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
    [stored] = stored_efforts(level_0_town)
    assert (stored.responsible_staff_id, stored.responsible) == (level_0_town.anna.id, "Anna Holm")
    assert (stored.starts_on, stored.evaluate_on) == (
        level_0_town.today,
        level_0_town.today + timedelta(weeks=6),
    )


async def test_a_badly_typed_date_says_the_format_and_stores_nothing(level_0_town):
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddEffortDialog), "the form")
        await type_text(pilot, "Breakfast at home")
        await pilot.press(*SOMEONE_ELSE, *"mother", "tab", "tab", *"1/3/2030", "enter")
        await wait_for(pilot, lambda: error_text(app), "the message")
        assert "Type the evaluation date as YYYY-MM-DD, for example " in error_text(app)
        assert level_0_town.today.isoformat() in error_text(app)
        assert "YYYY-MM-DD" in screen_text(app)
        # The form stays open with what was typed, the bad field in focus.
        form = dialog(app)
        assert form.query_one("#effort-what", Input).value == "Breakfast at home"
        assert form.query_one("#effort-responsible-text", Input).value == "mother"
        assert app.focused is form.query_one("#effort-evaluate", Input)
        assert app.focused.has_class("-invalid")
        # An impossible date is refused as well.
        await pilot.press("ctrl+u", *"2030-02-30", "ctrl+s")
        await pilot.pause()
        assert "YYYY-MM-DD" in error_text(app)
        assert host(app).changes == []
    assert stored_efforts(level_0_town) == []


async def test_a_refusal_of_the_service_is_shown_in_the_form(level_0_town):
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddEffortDialog), "the form")
        await type_text(pilot, "Breakfast at home")
        await pilot.press(
            *SOMEONE_ELSE,
            *"the home",
            "tab",
            "tab",
            *(level_0_town.today - timedelta(days=1)).isoformat(),
            "ctrl+s",
        )
        await wait_for(pilot, lambda: error_text(app), "the refusal")
        assert error_text(app) == "The evaluation date cannot be before the start date."
        assert dialog(app).query_one("#effort-responsible-text", Input).value == "the home"
        # Escape closes the form; nothing was stored.
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the pane")
        assert host(app).changes == []
    assert stored_efforts(level_0_town) == []


# --- overdue, evaluations, ending ----------------------------------------------------------


def add_effort(level_0_town, what="Breakfast at home", days=10, responsible="mother"):
    return efforts.add_effort(
        level_0_town.store,
        level_0_town.anna,
        level_0_town.log.id,
        what=what,
        starts_on=level_0_town.today,
        evaluate_on=level_0_town.today + timedelta(days=days),
        responsible_text=responsible,
    )


def move_clock(days: int) -> None:
    later = datetime.now(UTC) + timedelta(days=days)
    clock.set_clock(lambda: later)


@pytest.mark.rule("R12")
async def test_an_overdue_evaluation_is_marked_with_a_word(level_0_town):
    add_effort(level_0_town, "Breakfast at home", days=10)
    add_effort(level_0_town, "Homework club", days=60, responsible="the home")
    efforts.add_goal(
        level_0_town.store,
        level_0_town.anna,
        level_0_town.log.id,
        text="Ida is rested",
        evaluate_on=level_0_town.today + timedelta(days=5),
    )
    move_clock(20)
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        rows = {row[0]: row for row in cells(app, "#efforts-table")}
        assert (
            rows["Breakfast at home"][3].endswith("!") and rows["Breakfast at home"][4] == "overdue"
        )
        assert rows["Homework club"][4] == "active" and "!" not in rows["Homework club"][3]
        assert cells(app, "#goals-table")[0][2] == "overdue"
        text = screen_text(app)
        assert "! Overdue for evaluation: 1 effort, 1 goal." in text
        # The word comes with a colour, not instead of it.
        table = host(app).pane.query_one("#efforts-table", DataTable)
        status = table.get_row("1")[4]
        assert status.plain == "overdue" and "red" in str(status.style)


async def test_the_holder_evaluates_an_effort_and_sees_the_history(level_0_town):
    add_effort(level_0_town, "Breakfast at home", days=3)
    add_effort(level_0_town, "Homework club", days=10, responsible="the home")
    next_on = level_0_town.today + timedelta(days=40)
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        assert "Not evaluated yet." in screen_text(app)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EvaluateEffortDialog), "the form")
        await type_text(pilot, "Ida eats breakfast most days")
        await pilot.press("tab", "tab", *next_on.isoformat(), "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        # The effort moves down the list (later evaluation); the cursor and history follow it.
        await wait_for(
            pilot, lambda: "Ida eats breakfast most days" in screen_text(app), "the history"
        )
        assert f"(next evaluation {next_on.isoformat()})" in screen_text(app)
        assert [row[0] for row in cells(app, "#efforts-table")] == [
            "Homework club",
            "Breakfast at home",
        ]
        assert cells(app, "#efforts-table")[1][3] == next_on.isoformat()
    stored = next(e for e in stored_efforts(level_0_town) if e.what == "Breakfast at home")
    assert stored.evaluate_on == next_on
    assert [e.text for e in stored.evaluations] == ["Ida eats breakfast most days"]


async def test_the_holder_ends_an_effort(level_0_town):
    add_effort(level_0_town, "Breakfast at home", days=3)
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, EvaluateEffortDialog), "the form")
        assert app.screen.query_one("#evaluation-next", Input).disabled
        await type_text(pilot, "Works now, no longer needed")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(
            pilot, lambda: cells(app, "#efforts-table")[0][4] == "ended", "the ended effort"
        )
        # An ended effort is neither evaluated nor ended again.
        pane = host(app).pane
        assert (
            pane.check_action("evaluate", ()) is None
            and pane.check_action("end_effort", ()) is None
        )
        await pilot.press("e", "s")
        await pilot.pause()
        assert isinstance(app.screen, PaneHost)
    [stored] = stored_efforts(level_0_town)
    assert stored.status == "ended"


async def test_a_stale_evaluation_shows_the_message_and_the_pane_reloads(level_0_town):
    effort = add_effort(level_0_town, "Breakfast at home", days=3)
    next_on = level_0_town.today + timedelta(days=40)
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EvaluateEffortDialog), "the form")
        # Meanwhile the effort changes (another session of the holder, say).
        efforts.update_effort(
            level_0_town.store,
            level_0_town.anna,
            effort.id,
            version=effort.version,
            what="Breakfast at home, with father",
        )
        await type_text(pilot, "Going well")
        await pilot.press("tab", "tab", *next_on.isoformat(), "enter")
        await wait_for(pilot, lambda: error_text(app), "the stale message")
        assert "Someone else changed this while you were working on it." in error_text(app)
        assert "what you typed is kept" in error_text(app)
        form = dialog(app)
        assert form.query_one("#evaluation-text", Input).value == "Going well"
        assert "Breakfast at home, with father" in screen_text(app)
        assert (
            efforts.list_efforts(level_0_town.store, level_0_town.anna, level_0_town.log.id)[
                0
            ].evaluations
            == ()
        )
        # The pane behind reloaded, too.
        await wait_for(
            pilot,
            lambda: host(app).pane.data.efforts[0].what == "Breakfast at home, with father",
            "the pane to reload",
        )
        # Saving again is based on what is there now.
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
    [stored] = stored_efforts(level_0_town)
    assert [e.text for e in stored.evaluations] == ["Going well"] and stored.evaluate_on == next_on


# --- goals ---------------------------------------------------------------------------------


async def test_the_holder_adds_and_evaluates_a_goal(level_0_town):
    evaluate_on = level_0_town.today + timedelta(days=14)
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, AddGoalDialog), "the form")
        await type_text(pilot, "Ida is rested in the morning")
        await pilot.press("tab", *evaluate_on.isoformat(), "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(
            pilot,
            lambda: cells(app, "#goals-table")[0][0] == "Ida is rested in the morning",
            "the goal",
        )
        assert cells(app, "#goals-table")[0][1:] == [evaluate_on.isoformat(), "active"]
        # Evaluate the goal: it was reached.
        host(app).pane.query_one("#goals-table", DataTable).focus()
        await pilot.pause()
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EvaluateGoalDialog), "the form")
        await type_text(pilot, "Rested every day for a month")
        await pilot.press("tab", "enter", "down", "enter")  # Continue -> Reached
        await pilot.pause()
        assert app.screen.query_one("#evaluation-next", Input).disabled
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PaneHost), "the form to close")
        await wait_for(
            pilot, lambda: cells(app, "#goals-table")[0][2] == "reached", "the reached goal"
        )
        assert "Rested every day for a month" in screen_text(app)
    [goal] = efforts.list_goals(level_0_town.store, level_0_town.anna, level_0_town.log.id)
    assert goal.status == "reached" and [e.text for e in goal.evaluations] == [
        "Rested every day for a month"
    ]


# --- readers and text from the database ----------------------------------------------------


@pytest.mark.rule("R7")
async def test_an_actor_gets_no_write_keys_and_sees_why(level_0_town):
    add_effort(level_0_town, "Breakfast at home")
    app = efforts_app(level_0_town, "lene")
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        text = screen_text(app)
        assert "You read this log as an actor. Only the holder writes in it." in text
        assert "Breakfast at home" in text
        for action in ("add_effort", "evaluate", "end_effort", "add_goal"):
            assert host(app).pane.check_action(action, ()) is False
        assert not {"add_effort", "evaluate", "end_effort", "add_goal"} & footer_keys(app)
        for words in ("Add effort", "End effort", "Add goal"):
            assert words not in text
        await pilot.press("a", "e", "s", "g")
        await pilot.pause()
        assert isinstance(app.screen, PaneHost)
    assert len(stored_efforts(level_0_town)) == 1


async def test_text_from_the_database_is_shown_literally(level_0_town):
    add_effort(level_0_town, MARKUP, responsible=MARKUP)
    efforts.add_goal(level_0_town.store, level_0_town.anna, level_0_town.log.id, text=MARKUP)
    app = efforts_app(level_0_town)
    async with app.run_test(size=SIZE) as pilot:
        await open_pane(pilot)
        assert cells(app, "#efforts-table")[0][:2] == [MARKUP, MARKUP]
        assert cells(app, "#goals-table")[0][0] == MARKUP
        assert screen_text(app).count(MARKUP) >= 3


# --- the small terminal --------------------------------------------------------------------


async def test_the_pane_and_its_form_fit_in_80_by_24(level_0_town):
    add_effort(
        level_0_town, "Breakfast at home before daycare, every weekday, prepared by the family " * 2
    )
    move_clock(30)
    app = efforts_app(level_0_town)
    async with app.run_test(size=SMALL) as pilot:
        await open_pane(pilot)
        await wait_for(pilot, lambda: "Add effort" in screen_text(app), "the keys in the footer")
        text = screen_text(app)
        for word in (
            "Efforts",
            "Goals",
            "Responsible",
            "Evaluate on",
            "Status",
            "overdue",
            "mother",
            "Add effort",
            "Evaluate",
        ):
            assert word in text, word
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddEffortDialog), "the form")
        await pilot.pause()
        text = screen_text(app)
        for caption in (
            "Add an effort",
            "What is done",
            "Responsible",
            "Or type who",
            "Starts on",
            "Evaluate on",
            "Save",
            "Cancel",
        ):
            assert caption in text, caption


def test_every_binding_has_an_id_and_a_description():
    for owner in (EffortsPane, FormDialog):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding), owner
            assert binding.id and binding.description, (owner, binding)


# --- in the real log view --------------------------------------------------------------------


class LogViewApp(PaneApp):
    """The app, logged in, on the log view of one log."""

    def __init__(self, store, staff, log_id) -> None:
        super().__init__(store, staff, None)
        self._log_id = log_id

    def on_mount(self, event) -> None:
        event.prevent_default()
        from relaytui.screens.log_view import LogViewScreen

        self.push_screen(LogViewScreen(self._log_id))


async def test_both_panes_work_as_tabs_of_the_log_view(level_0_town):
    from relaytui.screens.log_actors import ActorsPane

    add_effort(level_0_town, "Breakfast at home")
    app = LogViewApp(level_0_town.store, level_0_town.anna, level_0_town.log.id)
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: "Efforts and goals" in screen_text(app), "the log view")
        await pilot.press("2")
        efforts_pane = app.screen.query_one(EffortsPane)
        await wait_for(pilot, lambda: efforts_pane.data is not None, "the efforts")
        await pilot.pause()
        # The focus is in the tab, so its keys are in the footer and work at once.
        assert efforts_pane in app.focused.ancestors
        await wait_for(pilot, lambda: "Add effort" in screen_text(app), "the keys of the tab")
        assert "Breakfast at home" in screen_text(app)
        await pilot.press("3")
        actors_pane = app.screen.query_one(ActorsPane)
        await wait_for(pilot, lambda: actors_pane.data is not None, "the actors")
        await pilot.pause()
        assert actors_pane in app.focused.ancestors
        await wait_for(pilot, lambda: "Record consent" in screen_text(app), "the keys of the tab")
        assert "Lene Lund" in screen_text(app)


async def test_a_tab_key_typed_while_the_log_loads_shows_that_tab(level_0_town, monkeypatch):
    """On a busy machine the log answers late; "2" typed meanwhile is not lost: the efforts
    are shown, with the focus in them, once the log is there."""
    import threading

    from textual.widgets import TabbedContent

    from relaytui.services import logs as log_service

    add_effort(level_0_town, "Breakfast at home")
    answer = threading.Event()
    real_open_log = log_service.open_log

    def slow_open_log(*args, **kwargs):
        answer.wait(10)
        return real_open_log(*args, **kwargs)

    monkeypatch.setattr(log_service, "open_log", slow_open_log)
    app = LogViewApp(level_0_town.store, level_0_town.anna, level_0_town.log.id)
    async with app.run_test(size=SMALL) as pilot:
        from relaytui.screens.log_view import LogViewScreen

        await wait_for(
            pilot,
            lambda: isinstance(app.screen, LogViewScreen) and app.screen.is_mounted,
            "the log view, still loading",
        )
        screen = app.screen
        await pilot.pause()
        assert screen.detail is None
        await pilot.press("2")
        answer.set()
        efforts_pane = screen.query_one(EffortsPane)
        await wait_for(pilot, lambda: efforts_pane.data is not None, "the efforts")
        await pilot.pause()
        assert screen.query_one("#logview-tabs", TabbedContent).active == "efforts"
        assert efforts_pane in app.focused.ancestors
        assert "Breakfast at home" in screen_text(app)
