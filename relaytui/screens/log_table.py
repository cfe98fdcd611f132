"""The log list's table and the words of its filters: which columns fit the width, a log
as a row, and the query said in words ("open logs · held or read by you · every level").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding

from relaytui.i18n import N_, _, pgettext
from relaytui.i18n.formats import local_date
from relaytui.services import accounts, log_list, logs
from relaytui.services.access import StaffRef
from relaytui.ui.log_pane import literal
from relaytui.widgets.fitted_table import FittedTable
from relaytui.widgets.levels import level_badge

NOTHING = "-"


def table_words() -> dict[str, str]:
    """The status and consent words of the table, in the short forms its narrow columns take
    (at 80 columns a word has 9; the column still widens for a longer one, never cuts it).
    "handover" is an open log whose holder proposed a new holder."""
    return {
        "active": pgettext("log list", "active"),
        "closed": pgettext("log list", "closed"),
        "plan": pgettext("log list", "plan"),
        "handover": pgettext("log list", "handover"),
        "ok": pgettext("log list", "ok"),
        "missing": pgettext("log list", "missing"),
        "expired": pgettext("log list", "expired"),
        "withdrawn": pgettext("log list", "withdrawn"),
    }


# The filters in words, as the line above the table says them.
STATUS_WORDS = {
    "open": N_("open logs"),
    "closed": N_("closed logs"),
    "all": N_("open and closed logs"),
}
ROLE_WORDS = {
    "all": N_("held or read by you"),
    "holder": N_("held by you"),
    "actor": N_("read by you as actor"),
}
ATTENTION_WORDS = {
    "any": N_("needing attention"),
    "overdue": N_("with overdue evaluations"),
    "consent": N_("with a consent problem"),
    "handover": N_("with a pending handover"),
    "meeting_soon": N_("with a meeting in the next 14 days"),
}
SORT_WORDS = {
    "name": N_("name"),
    "level": N_("level"),
    "last_entry": N_("last entry"),
    "next_meeting": N_("next meeting"),
}

LEVEL_CYCLE: tuple[int | None, ...] = (None, *logs.LEVELS)


@dataclass(frozen=True)
class Column:
    """A column of the table: its key, its English heading and its width.

    ``width`` None takes the room the other columns leave; ``short`` is the heading used when
    the terminal is narrow.
    """

    key: str
    heading: str
    width: int | None
    short: str | None = None
    #: The words (keys of :func:`table_words`) the column may show: it is at least as wide as
    #: the longest, translated.
    words: tuple[str, ...] = ()


COLUMNS = (
    Column("name", N_("Subject"), None),
    Column("number", N_("National no."), 11, short=N_("Number")),
    Column("level", N_("Level"), 5),
    Column("holder", N_("Holder"), 16),
    Column("status", N_("Status"), 6, words=("active", "closed", "plan", "handover")),
    Column("meeting", N_("Next meeting"), 10, short=N_("Meeting")),
    Column("overdue", N_("Overdue"), 7),
    Column("consent", N_("Consent"), 7, words=("ok", "missing", "expired", "withdrawn")),
    Column("entry", N_("Last entry"), 10),
)
#: The layouts, widest first: the columns left out, and whether the short headings are used.
#: The first layout that leaves the subject's name :data:`NAME_GOOD` columns is chosen.
LAYOUTS: tuple[tuple[frozenset[str], bool], ...] = (
    (frozenset(), False),
    (frozenset({"entry"}), False),
    (frozenset({"entry", "holder"}), True),
)
NAME_GOOD = 16
#: The subject's name never gets narrower than this.
NAME_MIN = 12


def _label(labels: dict[str, str], value: str) -> str:
    return _(labels[value]) if value in labels else value


def _date(moment: datetime | None, tz: str) -> str:
    return local_date(moment, tz, NOTHING)


def who(staff: StaffRef) -> Text:
    """ "anna — Anna Holm, pedagogue": what the header says about the person logged in."""
    what = staff.profession or accounts.role_label(staff.role)
    text = Text.assemble((staff.username, "bold"), " — ", literal(staff.full_name))
    if what:
        text.append(", ")
        text.append_text(literal(what))
    return text


def layout(width: int) -> tuple[tuple[str, str, int], ...]:
    """The columns that fit ``width`` terminal columns: (key, translated heading, width).

    Less important columns (the last entry, then the holder) are left out, and the headings
    shortened, until the subject's name has room.
    """
    for left_out, short in LAYOUTS:
        chosen = [c for c in COLUMNS if c.key not in left_out]
        headings = {c.key: _(c.short if short and c.short else c.heading) for c in chosen}
        padding = 2 * len(chosen) + 1  # a cell's padding on each side, and the scrollbar
        words = table_words()
        fixed = {
            c.key: max(c.width, cell_len(headings[c.key]), *(cell_len(words[w]) for w in c.words))
            for c in chosen
            if c.width is not None
        }
        name = width - padding - sum(fixed.values())
        if name >= NAME_GOOD:
            break
    name = max(NAME_MIN, name)
    return tuple((c.key, headings[c.key], fixed.get(c.key, name)) for c in chosen)


def row_cells(summary: log_list.LogSummary, tz: str, keys: tuple[str, ...]) -> list[Text]:
    """One table row, for the columns ``keys``: every cell a Text, never read as markup."""
    overdue = summary.overdue_evaluations
    words = table_words()
    if summary.pending_handover and summary.status != "closed":
        status = Text(words["handover"], style="bold")
    else:
        status = Text(words.get(summary.status, summary.status))
    if overdue:
        # Stands out by a mark, not by colour alone.
        overdue_cell = Text(f"{overdue} !", style="bold red", justify="right")
    else:
        overdue_cell = Text("0", style="dim", justify="right")
    consent_word = words.get(summary.consent_state, summary.consent_state)
    consent_cell = Text(consent_word, style="" if summary.consent_state == "ok" else "bold red")
    name = literal(summary.subject_name)
    name.no_wrap, name.overflow = True, "ellipsis"
    holder = literal(summary.holder_name)
    if summary.coordinator:
        # In front, so that a long name is cut rather than the word (R14).
        holder = Text.assemble((_("coord.") + " ", "italic"), holder)
    holder.no_wrap, holder.overflow = True, "ellipsis"
    level = level_badge(summary.level)
    level.justify = "center"
    cells = {
        "name": name,
        "number": Text(summary.national_number_masked),
        "level": level,
        "holder": holder,
        "status": status,
        "meeting": Text(_date(summary.next_meeting_at, tz)),
        "overdue": overdue_cell,
        "consent": consent_cell,
        "entry": Text(_date(summary.last_entry_at, tz)),
    }
    return [cells[key] for key in keys]


def describe(query: log_list.LogQuery, unit_name: str | None = None) -> str:
    """The query in words: "open logs · held or read by you · every level · sorted by name,
    ascending"."""
    parts = [_label(STATUS_WORDS, query.status)]
    if query.status != "closed":  # closed logs are read with a grant, whoever held them
        parts.append(_label(ROLE_WORDS, query.role))
    if query.unit_id is not None:
        parts.append(_("in {unit}").format(unit=unit_name or _("one unit")))
    if query.level is None:
        parts.append(_("every level"))
    else:
        parts.append(_("level {level}").format(level=query.level))
    if query.attention is not None:
        parts.append(_label(ATTENTION_WORDS, query.attention))
    if query.search.strip():
        parts.append(_("matching “{search}”").format(search=query.search.strip()))
    direction = _("descending") if query.descending else _("ascending")
    parts.append(
        _("sorted by {key}, {direction}").format(
            key=_label(SORT_WORDS, query.sort), direction=direction
        )
    )
    return " · ".join(parts)


def next_value(values: tuple, current, step: int = 1):
    """The value after ``current`` in ``values`` (a key cycles a filter through its values)."""
    index = values.index(current) if current in values else -1
    return values[(index + step) % len(values)]


class LogTable(FittedTable):
    """The table of logs: Enter opens the log under the cursor; Home and End go to the first
    and the last row loaded."""

    BINDINGS: ClassVar = [
        Binding(
            "enter",
            "select_cursor",
            N_("Open"),
            id="loglist.open",
            tooltip=N_("Open the relay log under the cursor."),
        ),
        Binding(
            "home",
            "scroll_top",
            N_("First row"),
            id="loglist.first",
            show=False,
            tooltip=N_("Go to the first log of the list."),
        ),
        Binding(
            "end",
            "scroll_bottom",
            N_("Last row"),
            id="loglist.last",
            show=False,
            tooltip=N_("Go to the last log loaded; more are loaded as you go."),
        ),
    ]
