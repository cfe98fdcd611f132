"""Tables share their width by need and cut with "…"; the footer never cuts a key (issue 16)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding

from relaytui.widgets.columns import shown_whole_or_marked
from relaytui.widgets.fitted_table import FittedTable
from relaytui.widgets.footer import KeyFooter
from tests.screens.reading import screen_text

MESSAGE = "Jeg skifter til vuggestuen. Vil du overtage stafetten?"


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield FittedTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(FittedTable)
        table.add_column(Text("Name"), key="name", width=4)
        table.add_column(Text("Role"), key="role", width=4)
        table.add_column(Text("Message"), key="message")
        table.add_row(Text("Anna Holm"), Text("stafetthaldar"), Text(MESSAGE), key="1")


async def test_columns_take_their_need_and_the_widest_gives_with_an_ellipsis():
    app = TableApp()
    async with app.run_test(size=(60, 8)) as pilot:
        await pilot.pause()
        table = app.query_one(FittedTable)
        lines = screen_text(app).splitlines()
        # The role keeps its whole word; the message (the most slack) gives, and says so.
        assert "stafetthaldar" in lines[1]
        assert "Anna Holm" in lines[1]
        assert "…" in lines[1] and MESSAGE not in lines[1]
        widths = [column.width for column in table.ordered_columns]
        assert widths[:2] == [9, 13]
        assert sum(widths) + 2 * len(widths) <= 60

        await pilot.resize_terminal(120, 8)
        await pilot.pause()
        await pilot.pause()
        lines = screen_text(app).splitlines()
        assert MESSAGE in lines[1]  # room again: the whole message, no "…"
        assert [column.width for column in table.ordered_columns] == [9, 13, len(MESSAGE)]

        await pilot.resize_terminal(30, 8)
        await pilot.pause()
        await pilot.pause()
        lines = screen_text(app).splitlines()
        x = 0
        for column, cell in zip(table.ordered_columns, table.get_row_at(0), strict=True):
            size = column.get_render_width(table)
            if x + size <= 30:
                assert shown_whole_or_marked(cell.plain, lines[1][x : x + size]), lines[1]
            x += size


class FooterApp(App[None]):
    BINDINGS: ClassVar = [
        Binding("a", "noop('a')", "Accept the handover"),
        Binding("d", "noop('d')", "Decline the handover"),
        Binding("r", "noop('r')", "Refresh"),
        Binding("f2", "noop('f2')", "Logs"),
        Binding("f3", "noop('f3')", "Dashboard"),
        Binding("f4", "noop('f4')", "Handovers"),
        Binding("f5", "noop('f5')", "Meetings"),
    ]

    def compose(self) -> ComposeResult:
        yield KeyFooter()

    def action_noop(self, key: str) -> None:
        """Each key its own action: the footer shows one key per action."""


def shown_keys(app: App) -> tuple[list[str], list[str], str]:
    footer = screen_text(app).splitlines()[-1]
    shown, hidden = [], []
    for key in app.screen.query("FooterKey"):
        (shown if key.display else hidden).append(f"{key.key_display} {key.description}")
    return shown, hidden, footer


async def test_the_footer_shows_whole_keys_and_leaves_out_the_rest():
    app = FooterApp()
    async with app.run_test(size=(60, 5)) as pilot:
        await pilot.pause()
        await pilot.pause()
        shown, hidden, footer = shown_keys(app)
        assert shown[0] == "a Accept the handover"
        assert hidden, "at 60 columns some keys do not fit"
        for key in shown:
            assert key in footer, (key, footer)  # whole, never "f5 Meetin"
        assert "^p" in footer  # the palette finds the keys left out

        await pilot.resize_terminal(160, 5)
        await pilot.pause()
        await pilot.pause()
        shown, hidden, footer = shown_keys(app)
        assert not hidden
        for key in shown:
            assert key in footer, (key, footer)
