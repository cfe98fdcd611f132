"""Ticked and unticked boxes, chosen and unchosen radio buttons, read the same without colour
in Textual; ours do not (issue 16). Read as plain text, as on a monochrome terminal."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import RadioSet

from relaytui.widgets.toggles import MarkedCheckbox, MarkedRadioButton, MarkedSelectionList
from tests.screens.reading import screen_text


class Boxes(App):
    def compose(self) -> ComposeResult:
        yield MarkedCheckbox("ticked box", True, id="ticked")
        yield MarkedCheckbox("empty box", False, id="empty")
        with RadioSet(id="radio"):
            yield MarkedRadioButton("first", value=True)
            yield MarkedRadioButton("second")
        yield MarkedSelectionList[int](("chosen one", 1, True), ("left one", 2, False), id="ticks")


def line_of(app, words: str) -> str:
    [line] = [line for line in screen_text(app).splitlines() if words in line]
    return line


async def test_a_state_reads_without_colour():
    app = Boxes()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert "▐X▌ ticked box" in line_of(app, "ticked box")
        assert "▐ ▌ empty box" in line_of(app, "empty box")
        assert "▐●▌ first" in line_of(app, "first")
        assert "▐ ▌ second" in line_of(app, "second")
        assert "▐X▌ chosen one" in line_of(app, "chosen one")
        assert "▐ ▌ left one" in line_of(app, "left one")
        # Changing the state changes the mark, by keyboard.
        app.query_one("#empty").focus()
        await pilot.press("space")
        app.query_one("#ticks").focus()
        await pilot.press("down", "space")
        await pilot.pause()
        assert "▐X▌ empty box" in line_of(app, "empty box")
        assert "▐X▌ left one" in line_of(app, "left one")
