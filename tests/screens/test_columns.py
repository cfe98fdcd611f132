"""Columns share a table's width by need; a cell that does not fit ends in "…" (issue 16)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.text import Text

from relaytui.widgets.columns import (
    ELLIPSIS,
    Need,
    cut,
    need,
    share,
    shown_whole_or_marked,
)

needs = st.lists(
    st.builds(
        lambda heading, extra, minimum: Need(heading, heading + extra, minimum),
        st.integers(0, 20),
        st.integers(0, 60),
        st.integers(1, 8),
    ),
    min_size=1,
    max_size=8,
)


def test_natural_widths_when_everything_fits():
    assert share(80, [need("Name", ["Anna Holm"]), need("Role", ["stafetthaldar"])]) == [9, 13]


def test_the_column_with_most_slack_gives_first():
    # "Message" has 40 cells of slack, the role none to spare: the message shrinks alone.
    columns = [need("Role", ["stafetthaldar"]), need("Message", ["x" * 47])]
    assert share(40, columns) == [13, 27]


@given(needs, st.integers(0, 300))
def test_shares_never_go_below_heading_nor_above_need(columns, available):
    widths = share(available, columns)
    assert len(widths) == len(columns)
    for width, column in zip(widths, columns, strict=True):
        assert column.floor <= width <= column.natural
        assert width >= min(column.heading, column.natural)
    if sum(c.natural for c in columns) <= available:
        assert widths == [c.natural for c in columns]
    elif sum(c.floor for c in columns) <= available:
        assert sum(widths) == available  # no room left unused while a column is cut
    else:
        assert widths == [c.floor for c in columns]


@given(needs, st.integers(0, 300))
def test_more_slack_never_means_a_smaller_share_of_it(columns, available):
    widths = share(available, columns)
    kept = [w - c.floor for w, c in zip(widths, columns, strict=True)]
    slack = [c.natural - c.floor for c in columns]
    for i in range(len(columns)):
        for j in range(len(columns)):
            if slack[i] >= slack[j]:
                # the one with more slack keeps at least as much, or all of the other's
                assert kept[i] + 1 >= min(kept[j], slack[i])


@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40), st.integers(1, 30))
def test_a_cut_cell_ends_in_an_ellipsis(value, width):
    shown = cut(Text(value), width)
    assert cell_len(shown.plain) <= width
    if cell_len(value) > width:
        assert shown.plain.endswith(ELLIPSIS)
    assert shown_whole_or_marked(value.replace("\n", " "), shown.plain) or value != value.strip()


def test_a_string_is_never_read_as_markup():
    assert cut("[bold]x[/bold]").plain == "[bold]x[/bold]"
