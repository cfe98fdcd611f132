"""Hostile text, typed and pasted into the journal: stored exactly, shown literally (issue 5)."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import TextArea

from relaytui.app import RelayApp
from tests.screens.opening_a_log import (
    SIZE,
    editor_open,
    entry_texts,
    journal_loaded,
    open_log,
    stored,
)
from tests.screens.reading import screen_text, wait_for

TYPED = {
    "markup": "[bold red]hi[/] and [link=https://evil.example]click[/link] [@click=app.quit]x[/]",
    "letters": "Søren Ærø på Åsen; Håkon i Ørsta. ÆØÅ æøå é ü",
}
PASTED = {
    "escapes": "red \x1b[31mRED\x1b[0m bell\x07 title\x1b]0;pwned\x07 back\x08 end",
    "emoji and right-to-left": "Ida 👍🏽 👨‍👩‍👧 שלום مرحبا \u202eevil\u202c done",
    "a very long line": "Ida " + "lang " * 1200 + "slut",
}
SHOWN = {  # what the screen must show for each (a part of it, exactly)
    "markup": "[bold red]hi[/] and [link=https://evil.example]click[/link] [@click=app.quit]x[/]",
    "letters": "Søren Ærø på Åsen; Håkon i Ørsta. ÆØÅ æøå é ü",
    "escapes": "red ␛[31mRED␛[0m bell␇ title␛]0;pwned␇ back␈ end",
    "emoji and right-to-left": "Ida 👍🏽",
    "a very long line": "Ida lang lang",
}


async def _write(pilot, app, text: str, *, paste: bool) -> None:
    await pilot.press("n")
    await wait_for(pilot, lambda: editor_open(app), "the entry editor")
    editor = app.screen.query_one("#entry-text", TextArea)
    if paste:  # as a terminal delivers a paste (bracketed paste)
        app.post_message(events.Paste(text))  # the app hands it to the focused field
        await wait_for(pilot, lambda: editor.text == text, "the pasted text")
    else:
        await pilot.press(*text)
    assert editor.text == text
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: not editor_open(app), "the editor to close")
    await wait_for(
        pilot, lambda: journal_loaded(app) and len(entry_texts(app)) == 2, "the new entry"
    )


@pytest.mark.parametrize("name", [*TYPED, *PASTED])
async def test_hostile_text_is_stored_as_typed_and_shown_literally(level_2_town, name):
    text = TYPED.get(name) or PASTED[name]
    app = RelayApp(level_2_town.store)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(pilot, level_2_town, "anna")
        await _write(pilot, app, text, paste=name in PASTED)
        assert app.is_running  # no markup action ran (app.quit)
        shown = screen_text(app)
        assert SHOWN[name] in shown
        assert "\x1b" not in entry_texts(app)[0] and "\u202e" not in entry_texts(app)[0]
    saved = stored(level_2_town)[0].text
    # Stored exactly as typed. (A carriage return in a paste is a line break: terminals paste
    # line ends that way, and the editor makes it one.)
    assert saved == text
