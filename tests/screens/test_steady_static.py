"""A SteadyStatic changes the screen only when what it shows changes (issue 18): the same
text again is no update; a new text, or the same words in another style, is."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from relaytui.ui.steady import SteadyStatic


class Shown(App):
    def compose(self) -> ComposeResult:
        yield SteadyStatic("", id="status", markup=False)


async def test_the_same_text_is_no_update_and_a_change_is(monkeypatch):
    app = Shown()
    async with app.run_test() as pilot:
        status = app.query_one(SteadyStatic)
        # What reaches Static.update is what is repainted and laid out again.
        updates: list[object] = []
        real = Static.update

        def counted(self, content="", *, layout=True):
            if self is status:
                updates.append(content)
            real(self, content, layout=layout)

        monkeypatch.setattr(Static, "update", counted)
        status.update(Text("saving…", style="italic"))
        status.update(Text("saving…", style="italic"))
        await pilot.pause()
        assert len(updates) == 1
        status.update(Text("saving…", style="bold red"))  # the same words in another style
        status.update(Text("saved 12:00:01", style="dim"))
        status.update("saved 12:00:01")  # a plain string is another content
        status.update("saved 12:00:01")
        await pilot.pause()
        assert len(updates) == 4
        assert str(status.render()) == "saved 12:00:01"
