"""A line of text that a screen sets far more often than it changes.

The minutes editor sets its status, its sections' lines and the writing hints after every key
or save, mostly to what they already show. Updating a Static lays the whole screen out again,
and that was most of what a typed key cost a served session (issue 18). A
:class:`SteadyStatic` changes the screen only when what it shows changes.
"""

from __future__ import annotations

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static


def shown_as(content: VisualType) -> tuple | None:
    """What ``content`` shows, to compare (rich's ``Text ==`` leaves the base style out);
    ``None`` for anything else, which is always updated."""
    if isinstance(content, str):
        return ("", content)
    if isinstance(content, Text):
        return (
            content.plain,
            tuple(content.spans),
            str(content.style),
            content.justify,
            content.no_wrap,
            content.overflow,
        )
    return None


class SteadyStatic(Static):
    """A Static that skips an update to what it already shows."""

    _shown: tuple | None = None

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        shown = shown_as(content)
        if shown is not None and shown == self._shown:
            return
        self._shown = shown
        super().update(content, layout=layout)
