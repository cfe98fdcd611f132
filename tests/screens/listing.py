"""Reading and driving the log list, the first screen after login: shared by the screen tests
that start there."""

from __future__ import annotations

from textual.widgets import DataTable

from relaytui.services.log_list import LogQuery
from tests.screens.reading import wait_for


def list_screen(app):
    from relaytui.screens.log_list import LogListScreen

    screen = app.screen
    return screen if isinstance(screen, LogListScreen) else None


def loaded(app) -> bool:
    screen = list_screen(app)
    return screen is not None and screen.loaded and not screen.loading_rows


def table(app) -> DataTable:
    return app.screen.query_one("#loglist-table", DataTable)


def column_keys(app) -> list[str]:
    return [key.value for key in table(app).columns]


def table_rows(app) -> list[dict[str, str]]:
    """The rows as the table holds them, each a mapping of column key to the text shown."""
    t = table(app)
    keys = column_keys(app)
    return [
        dict(zip(keys, (cell.plain.strip() for cell in t.get_row_at(i)), strict=True))
        for i in range(t.row_count)
    ]


async def show_list(pilot, staff, query: LogQuery | None = None) -> None:
    """Open the list for ``staff`` (accounts made straight in the tables have no password)."""
    from relaytui.screens.log_list import LogListScreen

    app = pilot.app
    app.staff = staff
    await app.push_screen(LogListScreen(query))
    await wait_for(pilot, lambda: loaded(app), "the log list")
    await pilot.pause()


async def wait_search(pilot, search: str) -> None:
    """Until the list shows the answer for ``search`` (typed, then asked after a pause)."""
    await wait_for(
        pilot,
        lambda: loaded(pilot.app) and list_screen(pilot.app).log_query.search == search,
        f"the search {search!r}",
    )
    await pilot.pause()
