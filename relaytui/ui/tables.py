"""Tables that follow their pane: cells of database text on one line, rows refilled in place.

A table keeps the cursor on the same item when its rows are loaded again, says "Loading…" until
its data came, and says so in italics when it is empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from rich.text import Text
from textual.widgets import DataTable

from relaytui.i18n import _
from relaytui.i18n.formats import date_text
from relaytui.ui.log_pane import NOTHING, literal


def day(value: date | None) -> str:
    """A date shown in a table, in the user's form (typed dates stay YYYY-MM-DD)."""
    return date_text(value, NOTHING)


def one_line(text: str) -> Text:
    """Database text on one line, literally (no markup, no control codes)."""
    return literal(" ".join((text or "").split()))


def clip(text: str, width: int) -> Text:
    """Database text for a table cell: literal, on one line, cut to ``width`` with an ellipsis."""
    cell = one_line(text)
    cell.truncate(max(width, 1), overflow="ellipsis")
    return cell


#: The width given to the cell functions: the table cuts, not they.
UNCUT = 10_000


def refill(
    table: DataTable,
    rows: Iterable[tuple[str, list[Text]]],
    empty: str,
    empty_column: int = 0,
    *,
    current: str | None = None,
) -> None:
    """Replace a table's rows, keeping the cursor on the same item (``current``, or the one
    under the cursor now) when it is still there; an empty table says so in ``empty_column``."""
    current = current or selected_key(table)
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if not table.row_count:
        blanks = [Text("")] * len(table.columns)
        blanks[empty_column] = Text(empty, style="italic")
        table.add_row(*blanks, key="")
    if current and current in table.rows:
        table.move_cursor(row=table.get_row_index(current))


def not_loaded(failed: bool) -> str:
    """What an empty table says before its data came."""
    return _("Not loaded.") if failed else _("Loading…")


def selected_key(table: DataTable) -> str | None:
    """The key of the row under the cursor ("" for the empty-table line), or None."""
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


def set_columns(
    table: DataTable, columns: Sequence[tuple[str, str, int | None]], width: int
) -> list[int]:
    """(Re)build the columns; a :class:`FittedTable` shares its width among them by need and
    ends a cut cell with "…", so the widths returned (for the cells) are no limit (issue 16).
    This empties the table: read its ``selected_key`` first and give it to ``refill``."""
    table.clear(columns=True)
    for key, heading, _w in columns:
        table.add_column(Text(_(heading)), key=key)
    return [UNCUT] * len(columns)
