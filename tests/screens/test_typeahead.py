"""Keys typed while a screen opens (a fast typist, a slow machine) reach its first field."""

from __future__ import annotations

from textual import events
from textual.widgets import TextArea

from relaytui.app import RelayApp
from tests.screens.reading import wait_for
from tests.screens.test_log_view import SIZE, editor_open, journal_loaded, open_log, stored, town  # noqa: F401


async def test_keys_typed_before_the_editor_has_the_focus_are_kept_in_order(town):  # noqa: F811
    app = RelayApp(town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, town, "anna")
        await pilot.press("n")
        await wait_for(pilot, lambda: editor_open(app), "the entry editor")
        editor = app.screen
        field = editor.query_one("#entry-text", TextArea)
        # As if the keys came while the editor was still opening: nothing has the focus yet.
        editor.set_focus(None)
        for ch in "Man unders":
            editor.post_message(events.Key("space" if ch == " " else ch, ch))
        await pilot.pause(0.1)
        assert field.text == ""  # kept, not lost, not yet anywhere
        editor.set_focus(field)
        await pilot.pause(0.1)
        await pilot.press(*"øger")
        assert field.text == "Man undersøger"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not editor_open(app), "the editor to close")
        await wait_for(pilot, lambda: journal_loaded(app), "the journal")
    assert stored(town)[0].text == "Man undersøger"


async def test_a_screen_without_a_text_field_first_keeps_its_keys_as_keys(town):  # noqa: F811
    from relaytui.screens.log_view import LogViewScreen

    app = RelayApp(town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, town, "anna")
        assert isinstance(app.screen, LogViewScreen) and not app.screen._expects_text()
        await pilot.press("2")  # a key, not text: the efforts tab
        await wait_for(pilot, lambda: app.screen.query_one("#logview-tabs").active == "efforts", "the tab")
