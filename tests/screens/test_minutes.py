"""The minutes editor, driven key by key as a caseworker types during a meeting (R13, R7, R11, R12).

The point is durability: every line is in the database soon after the last key (how soon is
measured by ``python -m benchmarks.minutes``), a new app on the same store offers the draft
whole, and finishing writes what was typed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Input

from relaytui.screens.minutes import (
    AttendanceBar,
    EffortDialog,
    FinishDialog,
    GoToSectionDialog,
    MinutesScreen,
    NextMeetingQuestion,
)
from relaytui.services import clock, efforts, journal, logs, meetings
from relaytui.services import minutes as minutes_service
from tests.factories import build_world
from tests.screens.reading import screen_text, type_text, wait_for
from tests.screens.taking_minutes import (
    MinutesApp,
    open_minutes,
    schedule,
    texts,
    wait_until,
)

SIZE = (120, 40)
MARKUP = "[bold red]hi[/]"


def stored(world, meeting_id: int) -> meetings.MeetingView:
    return meetings.get_meeting(world.store, world.anna, meeting_id)


# --- typing ----------------------------------------------------------------------------------


async def test_a_line_is_in_the_database_without_enter(world):
    meeting = schedule(world)
    first, second, third = (item.id for item in meeting.agenda[:3])
    line = "Ida sover dårligt? 2 nætter i træk, siger Mette (æøå ÆØÅ)"
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_minutes(pilot)
        assert "Bo Jensen" in screen_text(app) and "Room 2" in screen_text(app)
        await type_text(pilot, line)
        assert app.focused.value == line  # every character was typed, none taken as a key
        await wait_until(
            pilot,
            lambda: texts(stored(world, meeting.id)) == [(first, line)],
            "the line typed without Enter",
        )
        await wait_for(pilot, lambda: "saved " in screen_text(app), "the quiet status")
        # Enter ends the line; the next section (ctrl+down) gets its own line.
        await pilot.press("enter", "ctrl+down")
        await type_text(pilot, "Ida vil gerne i skole")
        await wait_until(
            pilot,
            lambda: (second, "Ida vil gerne i skole") in texts(stored(world, meeting.id)),
            "the line in section 2",
        )
        # Straight to section 3 with ctrl+g 3; leaving section 2 saves at once.
        await type_text(pilot, ", siger hun")
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: isinstance(app.screen, GoToSectionDialog), "the go-to dialog")
        await pilot.press("3")
        await wait_for(pilot, lambda: isinstance(app.screen, MinutesScreen), "the minutes again")
        assert screen.current == 2 and app.focused is screen.query(Input)[2]
        await type_text(pilot, "Ingen ændringer")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(texts(stored(world, meeting.id))) == 3, "three lines")
        assert texts(stored(world, meeting.id)) == [
            (first, line),
            (second, "Ida vil gerne i skole, siger hun"),
            (third, "Ingen ændringer"),
        ]
        shown = screen_text(app)
        assert "Ida vil gerne i skole, siger hun" in shown and "Ingen ændringer" in shown


async def test_a_line_longer_than_its_field_scrolls_to_what_is_being_typed(world):
    """The field does not lay the screen out for each key (issue 18): a line longer than it
    still scrolls, so that the last words typed are on screen, and the start comes back."""
    meeting = schedule(world)
    head = "Mor fortæller at morgenerne går bedre nu og at Bo sover til klokken syv hver dag "
    tail = "og at han glæder sig til fodbold om torsdagen efter skole"
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=(80, 30)) as pilot:
        screen = await open_minutes(pilot)
        field = app.focused
        await type_text(pilot, head + tail)
        await pilot.pause()
        assert field.value == head + tail and field.size.width < len(head + tail)
        assert field.scroll_x > 0
        assert "fodbold om torsdagen efter skole" in screen_text(app)
        assert "Mor fortæller" not in screen_text(app)  # scrolled out of the field
        await pilot.press("home")
        await pilot.pause()
        assert field.scroll_x == 0 and "Mor fortæller" in screen_text(app)
        await wait_until(
            pilot,
            lambda: texts(stored(world, meeting.id)) == [(meeting.agenda[0].id, head + tail)],
            "the long line saved",
        )
        assert screen.current == 0


async def test_keys_typed_while_the_section_changes_land_in_the_new_section(world):
    """A fast typist: the first keys after ctrl+down reach the input of the section left,
    before the focus has moved. They belong to the new section, in order, and nowhere else."""
    from textual import events

    meeting = schedule(world)
    first, second = (item.id for item in meeting.agenda[:2])
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_minutes(pilot)
        await type_text(pilot, "Mor er glad")
        await pilot.press("enter", "ctrl+down")
        left = screen.query(Input)[0]
        for ch in "Mor læs":  # as the terminal delivered them, to the input left behind
            left.post_message(events.Key(ch if ch != " " else "space", ch))
        await wait_for(
            pilot, lambda: screen.query(Input)[1].value == "Mor læs", "the keys passed on"
        )
        await type_text(pilot, "er højt")
        assert app.focused is screen.query(Input)[1]
        assert app.focused.value == "Mor læser højt" and left.value == ""
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: (
                texts(stored(world, meeting.id))
                == [(first, "Mor er glad"), (second, "Mor læser højt")]
            ),
            "both lines, each in its section",
        )


async def test_an_earlier_line_is_chosen_and_changed_as_the_same_note(world):
    meeting = schedule(world)
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_minutes(pilot)
        await type_text(pilot, "First line")
        await pilot.press("enter")
        await type_text(pilot, "Second line")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(stored(world, meeting.id).notes) == 2, "two lines")
        before = stored(world, meeting.id).notes
        # Up from the empty line chooses the last line, up again the one before; Enter edits it.
        await pilot.press("up", "up", "enter")
        assert app.focused.value == "First line"
        await pilot.press("end", *" changed")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: stored(world, meeting.id).notes[0].text == "First line changed",
            "the change of the first line",
        )
        after = stored(world, meeting.id).notes
        assert [n.id for n in after] == [n.id for n in before]  # changed, not added
        assert after[0].noted_at == before[0].noted_at and after[0].version == before[0].version + 1
        assert app.focused.value == "" and screen.sections[0].current is None


async def test_a_line_becomes_an_effort_with_mother_responsible(world):
    meeting = schedule(world)
    meeting_day = clock.local(meeting.starts_at, "Europe/Copenhagen").date()
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        await open_minutes(pilot)
        await type_text(pilot, "Mette giver Ida morgenmad")
        await pilot.press("ctrl+e")
        await wait_for(pilot, lambda: isinstance(app.screen, EffortDialog), "the effort dialog")
        # The responsible list starts at the holder; "someone else" is above it.
        await pilot.press("enter", "up", "enter", "tab")
        assert app.focused.id == "effort-responsible-text"
        await type_text(pilot, "mother")
        await pilot.press("tab")
        assert app.focused.value == (meeting_day + timedelta(weeks=6)).isoformat()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MinutesScreen), "the minutes again")
        await wait_until(
            pilot,
            lambda: (
                stored(world, meeting.id).notes
                and stored(world, meeting.id).notes[0].kind == "effort"
            ),
            "the effort",
        )
        [note] = stored(world, meeting.id).notes
        assert (note.text, note.responsible_text, note.evaluate_on) == (
            "Mette giver Ida morgenmad",
            "mother",
            meeting_day + timedelta(weeks=6),
        )
        await wait_for(pilot, lambda: "[Effort: mother, evaluate" in screen_text(app), "the mark")
        # ctrl+t makes the same (last) line a goal instead.
        await pilot.press("ctrl+t")
        await wait_until(
            pilot, lambda: stored(world, meeting.id).notes[0].kind == "goal", "the goal"
        )
        assert len(stored(world, meeting.id).notes) == 1


async def test_attendance_is_ticked_by_keyboard_and_saved(world):
    meeting = schedule(world)
    holder, guest = meeting.invitees
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_minutes(pilot)
        assert "[?] Mette Jensen (mother)" in screen_text(app)
        await pilot.press("tab")
        assert isinstance(app.focused, AttendanceBar)
        await pilot.press("space", "right", "space", "space")
        await wait_until(
            pilot,
            lambda: [i.attended for i in stored(world, meeting.id).invitees] == [True, False],
            "the attendance",
        )
        assert "[x] Anna Holm" in screen_text(app) and "[-] Mette Jensen" in screen_text(app)
        # Tab goes back to the line, where typing goes on.
        await pilot.press("tab")
        assert app.focused is screen.query(Input)[0]


async def test_a_refused_save_keeps_the_text_and_the_next_key_saves_it(world):
    meeting = schedule(world)
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        await open_minutes(pilot)
        await type_text(pilot, "Mette says")
        await wait_until(pilot, lambda: texts(stored(world, meeting.id)), "the first save")
        [saved] = stored(world, meeting.id).notes
        # Meanwhile the same line is changed elsewhere (another terminal of the holder).
        minutes_service.save_note(
            world.store,
            world.anna,
            meeting.id,
            text="Changed elsewhere",
            agenda_item_id=saved.agenda_item_id,
            note_id=saved.id,
            version=saved.version,
        )
        await type_text(pilot, " yes")
        await wait_for(
            pilot, lambda: "not saved: " in screen_text(app), "the refusal in the status"
        )
        assert app.focused.value == "Mette says yes"
        assert [n.text for n in stored(world, meeting.id).notes] == ["Changed elsewhere"]
        # The next key saves what is typed here, over the other change, as the same line.
        await type_text(pilot, "!")
        await wait_until(
            pilot,
            lambda: [n.text for n in stored(world, meeting.id).notes] == ["Mette says yes!"],
            "the retry",
        )
        await wait_for(
            pilot,
            lambda: "saved " in screen_text(app) and "not saved" not in screen_text(app),
            "the status to say saved",
        )


# --- a new app on the same store -------------------------------------------------------------


async def test_a_draft_left_without_finishing_is_offered_whole_by_a_new_app(world):
    meeting = schedule(world)
    first, second = meeting.agenda[0].id, meeting.agenda[1].id
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        await open_minutes(pilot)
        await type_text(pilot, "Line one")
        await pilot.press("enter", "pagedown")
        await type_text(pilot, MARKUP)
        # The app closes at once, before the pause after the last key: the line still goes in.
    await wait_until_stored(world, meeting.id, [(first, "Line one"), (second, MARKUP)])

    again = MinutesApp(world.store, world.anna, meeting.id)
    async with again.run_test(size=SIZE) as pilot:
        screen = await open_minutes(pilot)
        text = screen_text(again)
        assert "Draft restored: 2 lines" in text
        assert "Line one" in text and MARKUP in text  # literally, not as markup
        assert screen.current == 1  # where the draft ended
        # The line that was half typed is back in its field, not a finished line: typing goes
        # on where it stopped, and Enter ends it.
        assert again.focused.value == MARKUP and "The line you were typing is back" in text
        assert text.count(MARKUP) == 1
        await type_text(pilot, " and more")
        await pilot.press("enter")
        await type_text(pilot, "Line three")
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(stored(world, meeting.id).notes) == 3, "three lines")
        await wait_until(
            pilot,
            lambda: not any(n.typing for n in stored(world, meeting.id).notes),
            "every line ended",
        )
        assert texts(stored(world, meeting.id)) == [
            (first, "Line one"),
            (second, MARKUP + " and more"),
            (second, "Line three"),
        ]


async def wait_until_stored(world, meeting_id, expected) -> None:
    import asyncio

    for _ in range(60):
        if texts(stored(world, meeting_id)) == expected:
            return
        await asyncio.sleep(0.05)
    assert texts(stored(world, meeting_id)) == expected


async def test_escape_saves_the_line_and_says_the_draft_is_kept(world):
    meeting = schedule(world)
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        await open_minutes(pilot)
        await type_text(pilot, "Half a line")
        await pilot.press("escape")
        await wait_for(
            pilot, lambda: not isinstance(app.screen, MinutesScreen), "the screen to close"
        )
        assert texts(stored(world, meeting.id)) == [(meeting.agenda[0].id, "Half a line")]
        assert any("draft of the minutes is kept" in n.message for n in app._notifications)


# --- finishing -------------------------------------------------------------------------------


def note(world, meeting, text, section=0, **kind):
    return minutes_service.save_note(
        world.store,
        world.anna,
        meeting.id,
        text=text,
        agenda_item_id=meeting.agenda[section].id,
        **kind,
    )


async def test_finishing_writes_the_journal_and_the_efforts_and_the_meeting_is_held(world):
    meeting = schedule(world)
    day = clock.local(meeting.starts_at, "Europe/Copenhagen").date() + timedelta(days=30)
    note(world, meeting, "Ida sleeps badly")
    note(
        world,
        meeting,
        "Breakfast at home",
        section=3,
        kind="effort",
        responsible_text="mother",
        evaluate_on=day,
    )
    note(world, meeting, "Ida is rested", section=3, kind="goal")
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        await open_minutes(pilot)
        await pilot.press("tab", "space", "tab")  # the holder is present
        await type_text(pilot, "We meet again in six weeks")
        await pilot.press("ctrl+r")  # an agreement, ends the line
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, FinishDialog), "the finish dialog")
        summary = screen_text(app)
        assert "4 lines are written into the journal." in summary
        assert f"Breakfast at home — responsible: mother; evaluated {day.isoformat()}" in summary
        assert "Ida is rested" in summary and "We meet again in six weeks" in summary
        assert "Present: Anna Holm" in summary and "Not ticked: Mette Jensen" in summary
        assert "can no longer be" in summary and "Ctrl+S finishes" in summary
        assert "Finish its minutes only if it took place" not in summary  # it begins in minutes
        await pilot.press("ctrl+s")
        await wait_for(
            pilot, lambda: isinstance(app.screen, NextMeetingQuestion), "the next-meeting question"
        )
        held = stored(world, meeting.id)
        assert held.status == "held" and held.minutes_finished_at is not None
        await pilot.press("n")
        await wait_for(
            pilot,
            lambda: not any(isinstance(s, MinutesScreen) for s in app.screen_stack),
            "the minutes to close",
        )
    entries = [
        e.text
        for e in journal.list_entries(world.store, world.anna, world.log.id)
        if e.meeting_id == meeting.id
    ]
    assert any(
        e.startswith("Minutes of the meeting") and "Present: Anna Holm." in e for e in entries
    )
    assert any(e.endswith("Ida sleeps badly") for e in entries)
    assert any("Agreement: We meet again in six weeks" in e for e in entries)
    [effort] = efforts.list_efforts(world.store, world.anna, world.log.id)
    assert (effort.what, effort.responsible, effort.evaluate_on) == (
        "Breakfast at home",
        "mother",
        day,
    )
    assert [g.text for g in efforts.list_goals(world.store, world.anna, world.log.id)] == [
        "Ida is rested"
    ]

    # Opened again, the minutes are read only and say where they went.
    again = MinutesApp(world.store, world.anna, meeting.id)
    async with again.run_test(size=SIZE) as pilot:
        await open_minutes(pilot)
        assert "These minutes are finished" in screen_text(again)
        assert not [w for w in again.screen.query(Input) if w.display]
        await pilot.press("x", "ctrl+f", "ctrl+e")
        await pilot.pause()
        assert isinstance(again.screen, MinutesScreen)


async def test_finishing_the_minutes_of_a_meeting_days_ahead_warns_and_escape_keeps_them(world):
    meeting = meetings.schedule(
        world.store,
        world.anna,
        world.log.id,
        kind="dialogue",
        starts_at=clock.now() + timedelta(days=3),
        place="Room 2",
    )
    note(world, meeting, "Written in the wrong meeting")
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        await open_minutes(pilot)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, FinishDialog), "the finish dialog")
        when = clock.local(meeting.starts_at, "Europe/Copenhagen").strftime("%Y-%m-%d %H:%M")
        assert (
            f"This meeting is planned for {when}. Finish its minutes only if it took place."
            in " ".join(screen_text(app).replace("│", " ").split())
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MinutesScreen), "the minutes again")
    kept = stored(world, meeting.id)
    assert kept.status == "planned" and kept.minutes_finished_at is None


@pytest.mark.rule("R11")
async def test_a_notification_meeting_needs_the_assessment_to_finish(world):
    meeting = schedule(world, kind="notification")
    note(world, meeting, "The family department was told about the nights")
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        await open_minutes(pilot)
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, FinishDialog), "the finish dialog")
        assert app.focused.id == "finish-outcome"
        await pilot.press("ctrl+s")
        await wait_for(
            pilot,
            lambda: "Write the family department's assessment" in screen_text(app),
            "the refusal",
        )
        assert stored(world, meeting.id).status == "planned"
        await type_text(pilot, "No measures now; a new meeting in a month")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: isinstance(app.screen, NextMeetingQuestion), "the next-meeting question"
        )
        # Yes: the planner's dialog opens for the same log, six weeks later; closing it closes the minutes.
        from relaytui.screens.meeting_form import ScheduleDialog

        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ScheduleDialog), "the schedule dialog")
        assert app.screen.log_id == world.log.id
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: not any(isinstance(s, MinutesScreen) for s in app.screen_stack),
            "the minutes to close",
        )
    held = stored(world, meeting.id)
    assert held.status == "held" and held.outcome == "No measures now; a new meeting in a month"


# --- readers -------------------------------------------------------------------------------


@pytest.mark.rule("R7")
async def test_a_reader_cannot_write_the_minutes(sqlite_store):
    town = build_world(sqlite_store, "dk")
    anna, lene = town.ref("anna"), town.ref("lene")
    log = logs.create_log(
        sqlite_store, anna, subject_id=town.subjects["Ida Jensen"], concern="Hungry."
    )
    meeting = meetings.schedule(
        sqlite_store,
        anna,
        log.id,
        kind="dialogue",
        starts_at=clock.now() + timedelta(hours=1),
        invitee_staff_ids=(lene.id,),
    )
    minutes_service.save_note(
        sqlite_store, anna, meeting.id, text=MARKUP, agenda_item_id=meeting.agenda[0].id
    )
    app = MinutesApp(sqlite_store, lene, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_minutes(pilot)
        text = screen_text(app)
        assert "Only the holder writes the minutes" in text
        assert MARKUP in text
        assert not screen.writable and not [w for w in screen.query(Input) if w.display]
        await type_text(pilot, "abc")
        await pilot.press("tab", "space", "ctrl+e", "ctrl+f", "ctrl+s")
        await pilot.pause(
            0.8
        )  # a wait for nothing to happen, on purpose: longer than the save's delay
        assert isinstance(app.screen, MinutesScreen)
    after = meetings.get_meeting(sqlite_store, anna, meeting.id)
    assert [n.text for n in after.notes] == [MARKUP]
    assert all(i.attended is None for i in after.invitees)


def test_every_key_has_an_id_a_description_and_a_tooltip():
    for owner in (
        MinutesScreen,
        AttendanceBar,
        GoToSectionDialog,
        NextMeetingQuestion,
        FinishDialog,
    ):
        for binding in owner.BINDINGS:
            assert binding.id and binding.description and binding.tooltip, (owner, binding)
