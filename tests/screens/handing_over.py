"""The handover inbox (F4), opened and read: shared by the tests of handovers and of declined
handovers."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.screens.reading import wait_for


def on_inbox(app) -> bool:
    from relaytui.screens.handover_inbox import HandoverInboxScreen

    screen = app.screen
    return (
        isinstance(screen, HandoverInboxScreen)
        and screen.data is not None
        and not screen.query_one("#handovers-body").loading
    )


async def open_inbox(pilot) -> None:
    await pilot.press("f4")
    await wait_for(pilot, lambda: on_inbox(pilot.app), "the handover inbox")
    await pilot.pause()


def rows(app, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(f"#{table_id}", DataTable)
    if not table.display:
        return []
    return [[cell.plain for cell in table.get_row_at(i)] for i in range(table.row_count)]
