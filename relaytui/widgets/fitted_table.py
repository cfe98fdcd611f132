"""A DataTable whose columns share its width by need, and whose cut cells end in "…".

The screens fill it as any DataTable (``add_column``, ``add_row``, ``clear``); the table then
gives each column its width with :func:`relaytui.widgets.columns.share` whenever its rows or
its size change. A ``width`` given to ``add_column`` is only the width until the first fit;
``minimum`` is the least the column is shrunk to (besides its heading).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text, TextType
from textual import events
from textual.widgets import DataTable
from textual.widgets._data_table import CellType, ColumnKey, RowKey

from relaytui.widgets.columns import MINIMUM, cut, need, share


class FittedTable(DataTable):
    """A DataTable that fits its columns to its width (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._minimums: dict[ColumnKey, int] = {}

    def add_column(
        self,
        label: TextType,
        *,
        width: int | None = None,
        key: str | None = None,
        default: CellType | None = None,
        minimum: int | None = None,
    ) -> ColumnKey:
        column_key = super().add_column(label, width=width, key=key, default=default)
        if minimum is not None:
            self._minimums[column_key] = minimum
        return column_key

    def add_row(
        self,
        *cells: CellType,
        height: int | None = 1,
        key: str | None = None,
        label: TextType | None = None,
    ) -> RowKey:
        # Every cell a one-line Text that ends in "…" when the renderer cuts it.
        return super().add_row(
            *(cut(cell) if isinstance(cell, (Text, str)) else cell for cell in cells),
            height=height,
            key=key,
            label=label,
        )

    def available_width(self) -> int:
        """The cells the columns' content may take together: the table's width less the
        vertical scroll bar when it shows (it showing or going refits) and each column's
        padding."""
        width = self.scrollable_content_region.width
        return width - 2 * self.cell_padding * len(self.columns)

    def widths(self, available: int | None = None) -> list[int]:
        """The width of each column (in order) for ``available`` cells (default: the
        table's own)."""
        room = self.available_width() if available is None else available
        return share(
            room,
            [
                need(
                    column.label,
                    self.get_column(column.key),
                    self._minimums.get(column.key, MINIMUM),
                )
                for column in self.ordered_columns
            ],
        )

    def fit(self, *, update: bool = True) -> bool:
        """Give the columns their widths now; True when one changed."""
        if not self.columns or self.content_region.width <= 0:
            return False
        changed = False
        for column, width in zip(self.ordered_columns, self.widths(), strict=True):
            if column.auto_width or column.width != width:
                column.auto_width = False
                column.width = width
                changed = True
        if changed:
            self._clear_caches()
            if update:
                self._require_update_dimensions = True
            self.refresh()
        return changed

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # Rows or columns changed: fit before Textual measures the table.
        self.fit(update=False)
        super()._update_dimensions(new_rows)

    def on_resize(self, event: events.Resize) -> None:
        self.fit()

    def watch_show_vertical_scrollbar(self) -> None:
        # More rows than room (or fewer again): the scroll bar takes (or gives back) width.
        self.call_after_refresh(self.fit)
