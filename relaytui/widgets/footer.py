"""The footer of every screen: whole keys only, never "f5 Meetin" (issue 16).

Textual's footer lays its keys out in a row and lets the last ones run off its edge (or under
the command palette's key, docked right), cut mid-word. :class:`KeyFooter` measures each key
(with its description) and shows the keys in their order (the focused widget's first, the
app's last) as long as each fits whole; a key that does not fit is left out (a later, shorter
one may still fit). The palette's key stays: it finds every key left out, and F1 lists them.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterLabel, KeyGroup


class KeyFooter(Footer):
    """A footer that shows whole key and description pairs, and leaves out what does not fit."""

    async def recompose(self) -> None:
        await super().recompose()
        self.fit()

    def on_resize(self, event: events.Resize) -> None:
        self.fit()

    def _outer_width(self, widget: Widget) -> int:
        container, viewport = Size(max(self.size.width, 1), 1), self.app.size
        styles = widget.styles
        return (
            widget.get_content_width(container, viewport)
            + styles.gutter.width
            + styles.margin.left
            + styles.margin.right
        )

    def units(self) -> list[list[Widget]]:
        """The footer's items to show or leave out together: a key, or a group of keys with
        its label."""
        found: list[list[Widget]] = []
        for child in self.children:
            if child.has_class("-command-palette"):
                continue
            if isinstance(child, FooterLabel) and found and isinstance(found[-1][0], KeyGroup):
                found[-1].append(child)
            else:
                found.append([child])
        return found

    def fit(self) -> None:
        """Show the items that fit whole, in order; leave out the others."""
        width = self.size.width
        if width <= 0:
            return
        room = width - sum(
            self._outer_width(child)
            for child in self.children
            if child.has_class("-command-palette")
        )
        for unit in self.units():
            needed = sum(self._outer_width(widget) for widget in unit)
            fits = needed <= room
            if fits:
                room -= needed
            for widget in unit:
                widget.display = fits
