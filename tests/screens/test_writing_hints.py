"""Plain-language hints while writing (R16), driven key by key: in the journal's entry editor,
in the effort dialog's "what" field and on the minutes' input line. The hints are advice only:
saving goes on with hints on screen, and a person who switches them off finds them off again
in the next session.
"""

from __future__ import annotations

from datetime import date

import pytest

from relaytui.app import RelayApp
from relaytui.screens.effort_forms import AddEffortDialog
from relaytui.services import installation, journal, writing
from relaytui.widgets.writing_hints import WritingHints
from tests.screens.opening_a_log import editor_open, open_log
from tests.screens.reading import screen_text, type_text, wait_for
from tests.screens.taking_minutes import MinutesApp, open_minutes, schedule

pytestmark = pytest.mark.rule("R16")

SIZE = (120, 40)
SENTENCE = "Man undersøger om barnet forefindes i klassen."


def panel(app) -> WritingHints:
    return app.screen.query_one(WritingHints)


def hints_shown(app, *words: str) -> bool:
    text = screen_text(app)
    return panel(app).display and all(f"“{word}”" in text for word in words)


async def open_editor(pilot, level_0_town) -> None:
    await open_log(pilot, level_0_town, "anna")
    await pilot.press("n")
    await wait_for(pilot, lambda: editor_open(pilot.app), "the entry editor")
    await wait_for(
        pilot, lambda: panel(pilot.app).enabled is not None, "the person's choice of hints"
    )


async def test_typing_in_the_journal_shows_hints_and_saving_still_works(level_0_town):
    app = RelayApp(level_0_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, level_0_town)
        await pilot.press(*SENTENCE)
        await wait_for(pilot, lambda: hints_shown(app, "Man", "forefindes"), "the hints")
        text = screen_text(app)
        assert 'Say who instead of "Man"' in text and "“forefindes” → er / findes" in text
        assert len(panel(app).hints) >= 2
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not editor_open(app), "the editor to close")
    assert (
        journal.list_entries(
            level_0_town.store, level_0_town.world.ref("anna"), level_0_town.log.id
        )[0].text
        == SENTENCE
    )


async def test_switching_hints_off_hides_them_and_is_remembered_for_the_person(level_0_town):
    anna = level_0_town.world.ref("anna")
    app = RelayApp(level_0_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, level_0_town)
        await pilot.press(*"Det undersøges senere.")
        await wait_for(pilot, lambda: hints_shown(app, "Det undersøges", "senere"), "the hints")
        await pilot.press("f8")
        await wait_for(pilot, lambda: not panel(app).display, "the hints to go")
        assert "“senere”" not in screen_text(app)
        await app.workers.wait_for_complete()
        assert app.screen.query_one("#entry-text").text == "Det undersøges senere."  # nothing lost
    assert not writing.hints_enabled(level_0_town.store, anna)
    assert writing.hints_enabled(
        level_0_town.store, level_0_town.world.ref("bo")
    )  # Bo's are still on

    app = RelayApp(level_0_town.store)  # the next session, the same person
    async with app.run_test(size=SIZE) as pilot:
        await open_editor(pilot, level_0_town)
        assert panel(app).enabled is False
        await pilot.press(*SENTENCE)
        await pilot.pause(0.6)  # longer than the pause before hints are found
        assert not panel(app).display and "“forefindes”" not in screen_text(app)
        await pilot.press("f8")  # and on again
        await wait_for(pilot, lambda: hints_shown(app, "Man", "forefindes"), "the hints again")
        await app.workers.wait_for_complete()
    assert writing.hints_enabled(level_0_town.store, anna)


class EffortApp(RelayApp):
    """The real app, logged in, with the add-effort dialog open."""

    CSS_PATH = MinutesApp.CSS_PATH

    def __init__(self, store, staff, log_id: int) -> None:
        super().__init__(store)
        self.staff = staff
        self._log_id = log_id

    def on_mount(self, event) -> None:
        event.prevent_default()  # not the login screen
        self.push_screen(AddEffortDialog(self._log_id, (), date(2026, 11, 23)))


async def test_the_effort_dialog_hints_in_nynorsk_in_a_norwegian_installation(world):
    installation.write(world.store, profile="no")  # English screens: the text is nynorsk
    app = EffortApp(world.store, world.anna, world.log.id)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, AddEffortDialog), "the effort dialog")
        await wait_for(
            pilot, lambda: panel(app).enabled is not None, "the person's choice of hints"
        )
        await type_text(pilot, "Det vert undersøkt seinare kven som hentar Ola.")
        await wait_for(pilot, lambda: hints_shown(app, "vert undersøkt", "seinare"), "the hints")
        assert panel(app).language == "nn"
        await pilot.press("tab")  # the panel takes no focus
        assert app.focused is app.screen.query_one("#effort-responsible")


async def test_the_minutes_show_the_hints_of_the_line_being_typed(world):
    meeting = schedule(world)
    app = MinutesApp(world.store, world.anna, meeting.id)
    async with app.run_test(size=SIZE) as pilot:
        await open_minutes(pilot)
        await wait_for(
            pilot, lambda: panel(app).enabled is not None, "the person's choice of hints"
        )
        await type_text(pilot, "Man ringer til mor snart")
        await wait_for(pilot, lambda: hints_shown(app, "Man", "snart"), "the hints of the line")
        await pilot.press("enter")  # the line ends: its hints go with it
        await wait_for(pilot, lambda: not panel(app).display, "the hints to go")
