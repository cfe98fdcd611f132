"""Columns that share a table's width by need, and cells cut with "…", never silently.

Plain functions (no Textual): :func:`share` says how wide each column is, given the room there
is and what each column needs (:func:`need`: its heading and its cells, measured in terminal
cells with rich's ``cell_len``); :func:`cut` shortens a cell that still does not fit, ending it
with "…". :class:`relaytui.widgets.fitted_table.FittedTable` uses them on every resize.

When everything fits, every column has its natural width (its widest cell or its heading).
When it does not, the columns with the most slack (natural width less what they cannot go
below) give first, until the table fits; a column never goes below its heading, nor below a
small minimum (unless its natural width is smaller still). A table whose headings alone are
wider than the room keeps them whole and scrolls sideways.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

ELLIPSIS = "…"
#: No column is made narrower than this by sharing (a cut "Sol…" says little).
MINIMUM = 6


@dataclass(frozen=True)
class Need:
    """What one column needs, in terminal cells: its heading and its widest content."""

    heading: int
    natural: int
    minimum: int = MINIMUM

    @property
    def floor(self) -> int:
        """The least the column is given: its heading, or the minimum, or (when smaller) all
        of its content."""
        return min(self.natural, max(self.heading, self.minimum))


def width_of(cell: Text | str) -> int:
    """The cells ``cell`` takes on one line (its widest line, should it have several)."""
    plain = cell.plain if isinstance(cell, Text) else str(cell)
    return max((cell_len(line) for line in plain.split("\n")), default=0)


def need(heading: Text | str, cells: Iterable[Text | str], minimum: int = MINIMUM) -> Need:
    """The need of a column with ``heading`` over ``cells``."""
    head = width_of(heading)
    return Need(head, max([head, *(width_of(cell) for cell in cells)]), minimum)


def share(available: int, needs: Sequence[Need]) -> list[int]:
    """The width of each column, so that together they take at most ``available`` cells.

    Natural widths when they fit. Otherwise each column keeps its floor plus at most ``T`` of
    its slack, ``T`` as large as the room allows: the columns with the most slack give first,
    and the few cells left over go to the leftmost of the shrunk columns. When the floors alone
    are too wide, the floors (the table then scrolls).
    """
    naturals = [n.natural for n in needs]
    if sum(naturals) <= available:
        return naturals
    floors = [n.floor for n in needs]
    if sum(floors) >= available:
        return floors
    slack = [natural - floor for natural, floor in zip(naturals, floors, strict=True)]
    keep = available - sum(floors)  # how much slack, in all, there is room for
    low, high = 0, max(slack)
    while low < high:  # the largest T with sum(min(s, T)) <= keep
        middle = (low + high + 1) // 2
        if sum(min(s, middle) for s in slack) <= keep:
            low = middle
        else:
            high = middle - 1
    kept = [min(s, low) for s in slack]
    rest = keep - sum(kept)
    for index, s in enumerate(slack):
        if rest <= 0:
            break
        if s > low:
            kept[index] += 1
            rest -= 1
    return [floor + k for floor, k in zip(floors, kept, strict=True)]


def cut(cell: Text | str, width: int | None = None) -> Text:
    """``cell`` as one line of at most ``width`` cells (None: any): whole, or cut and ending
    in "…".

    A str is taken literally (never as markup). The copy also carries ``overflow="ellipsis"``,
    so a renderer that gives it less room still ends it with "…".
    """
    text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
    text.no_wrap = True
    text.overflow = "ellipsis"
    if "\n" in text.plain:
        text = Text(" ", style=text.style, no_wrap=True, overflow="ellipsis").join(
            text.split("\n", allow_blank=True)
        )
    if width is not None and cell_len(text.plain) > max(width, 1):
        text.truncate(max(width, 1), overflow="ellipsis")
    return text


def shown_whole_or_marked(full: str, shown: str) -> bool:
    """Whether ``shown`` (what a screen shows of ``full``, spaces around left out) is the whole
    of it, or a start of it that ends with "…": the rule a cut cell keeps."""
    full, shown = full.strip(), shown.strip()
    if shown == full:
        return True
    return shown.endswith(ELLIPSIS) and full.startswith(shown[:-1].rstrip())
