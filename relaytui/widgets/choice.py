"""A drop-down choice that opens inside its dialog (issue 16).

Textual's :class:`~textual.widgets.Select` opens its list below the field, as tall as twelve
options, over whatever lies below: in a small dialog it ran over the dialog's border and into
the log behind it. :class:`Choice` opens no taller than the room left in its frame (the dialog's
box, or the screen), moves up over the field when the room below is short, and names its
Escape key in the user's language.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay

from relaytui.i18n import N_

#: Textual's own cap on the list's height.
MOST_ROWS = 12


class ChoiceOverlay(SelectOverlay):
    """The open list."""

    BINDINGS = [
        Binding(
            "escape",
            "dismiss",
            N_("Close the list"),
            id="choice.close",
            tooltip=N_("Close the list and keep the choice."),
        )
    ]


class Choice(Select):
    """A drop-down list whose open list stays inside the dialog it stands in."""

    def compose(self):
        yield SelectCurrent(self.prompt)
        yield ChoiceOverlay(type_to_search=self._type_to_search).data_bind(compact=Select.compact)

    def _watch_expanded(self, expanded: bool) -> None:
        super()._watch_expanded(expanded)
        if expanded:
            self.call_after_refresh(self.fit_list)

    def frame(self) -> Widget:
        """The box the list must stay in: the dialog's box (the ancestor right below the
        screen), or the screen itself."""
        frame: Widget = self
        for node in self.ancestors:
            if node is self.screen:
                break
            if isinstance(node, Widget):
                frame = node
        return frame if frame is not self else self.screen

    def fit_list(self) -> None:
        """Give the open list the height of its options, as far as the frame has room, and lift
        it over the field when the room below the field is short."""
        if not self.expanded or not self.is_mounted:
            return
        overlay = self.query_one(ChoiceOverlay)
        current = self.query_one(SelectCurrent)
        room = self.frame().content_region
        top = current.region.bottom  # the list opens on the line below the field
        gutter = overlay.styles.gutter.height
        wanted = min(overlay.option_count + gutter, MOST_ROWS)
        below = max(room.bottom - top, 0)
        lift = 0 if wanted <= below else min(wanted - below, max(top - room.y, 0))
        overlay.styles.offset = (0, -lift)
        overlay.styles.max_height = max(min(wanted, below + lift), 1 + gutter)
        overlay.scroll_to_highlight()
