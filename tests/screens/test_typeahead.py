"""Keys typed while a screen opens (a fast typist, a slow machine) reach its first field."""

from __future__ import annotations

from textual import events
from textual.widgets import TextArea

from relaytui.app import RelayApp
from tests.screens.opening_a_log import SIZE, editor_open, journal_loaded, open_log, stored
from tests.screens.reading import wait_for


async def test_keys_typed_before_the_editor_has_the_focus_are_kept_in_order(level_2_town):
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        await pilot.press("n")
        await wait_for(pilot, lambda: editor_open(app), "the entry editor")
        editor = app.screen
        field = editor.query_one("#entry-text", TextArea)
        # As if the keys came while the editor was still opening: nothing has the focus yet.
        editor.set_focus(None)
        for ch in "Man unders":
            editor.post_message(events.Key("space" if ch == " " else ch, ch))
        await pilot.pause(0.1)  # a wait for nothing to happen, on purpose: the keys go nowhere yet
        assert field.text == ""  # kept, not lost, not yet anywhere
        editor.set_focus(field)
        await wait_for(pilot, lambda: field.text == "Man unders", "the kept keys in the field")
        await pilot.press(*"øger")
        assert field.text == "Man undersøger"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not editor_open(app), "the editor to close")
        await wait_for(pilot, lambda: journal_loaded(app), "the journal")
    assert stored(level_2_town)[0].text == "Man undersøger"


async def test_a_screen_without_a_text_field_first_keeps_its_keys_as_keys(level_2_town):
    from relaytui.screens.log_view import LogViewScreen

    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        assert isinstance(app.screen, LogViewScreen) and not app.screen._expects_text()
        await pilot.press("2")  # a key, not text: the efforts tab
        await wait_for(
            pilot, lambda: app.screen.query_one("#logview-tabs").active == "efforts", "the tab"
        )
