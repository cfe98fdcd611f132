"""Check boxes, radio buttons and ticked lists whose state reads without colour (issue 16).

Textual draws the same mark ("X", "●") whether a box is ticked or not and tells the two apart
by colour alone: on a monochrome terminal, for a colour-blind caseworker or in a printed
screenshot, "covers the log: yes" and "no" looked the same. Here an unticked box is empty.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, SelectionList
from textual.widgets._toggle_button import ToggleButton
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import SelectionType

#: What stands in a box that is not ticked.
EMPTY = " "


class MarkedCheckbox(Checkbox):
    """A check box showing "X" when ticked and nothing when not."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name)
        return ToggleButton.BUTTON_INNER if self.value else EMPTY


class MarkedRadioButton(RadioButton):
    """A radio button showing "●" when chosen and nothing when not."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name)
        return RadioButton.BUTTON_INNER if self.value else EMPTY


class MarkedSelectionList(SelectionList[SelectionType]):
    """A list of boxes to tick, each showing "X" when ticked and nothing when not."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        _, scroll_y = self.scroll_offset
        try:
            selection = self.get_option_at_index(scroll_y + y)
        except OptionDoesNotExist:  # no option on this line
            return strip
        if (
            len(segments) > 1
            and segments[1].text == ToggleButton.BUTTON_INNER
            and selection.value not in self._selected
        ):
            segments[1] = Segment(EMPTY, segments[1].style)
            return Strip(segments, strip.cell_length)
        return strip
