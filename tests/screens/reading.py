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
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        record=True,
        force_terminal=True,
        legacy_windows=False,
    )
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text()


async def type_text(pilot, text: str) -> None:
    """Type ``text`` key by key, as a person would (a space is the key "space")."""
    await pilot.press(*[" " if ch == " " else ch for ch in text])


def palette_offers(app, words: str) -> bool:
    """The command palette is open and the command it has highlighted holds ``words``: the
    moment Enter takes the command typed for. (Listed is not enough: while the search still
    runs, another command can be the highlighted one.)"""
    from textual.command import CommandList

    if app.screen.id != "--command-palette":
        return False
    options = app.screen.query_one(CommandList)
    highlighted = options.highlighted
    if highlighted is None or highlighted >= options.option_count:
        return False
    return words.lower() in str(options.get_option_at_index(highlighted).prompt).lower()
