"""Reading a headless app as a user would: wait for something, read the screen as text."""

from __future__ import annotations

import io

from rich.console import Console


async def wait_for(pilot, predicate, what: str, tries: int = 300) -> None:
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def screen_text(app) -> str:
    """The current screen as plain text, as the terminal would show it."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True,
                      force_terminal=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()
