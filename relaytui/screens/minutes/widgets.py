"""What the minutes show: who came, the agenda's sections and their lines (R13).

Text from the database (names, titles, lines) is shown literally, never as markup.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input, Static

from relaytui.i18n import N_, _
from relaytui.i18n.formats import date_text
from relaytui.screens.minutes.draft import KindChange, Line, Section
from relaytui.services import clock, meetings
from relaytui.ui.log_pane import literal
from relaytui.ui.steady import SteadyStatic

KIND_MARKS = {
    "effort": N_("Effort"),
    "goal": N_("Goal"),
    "agreement": N_("Agreement"),
    "outcome": N_("Assessment"),
}
KIND_STYLES = {
    "effort": "bold green",
    "goal": "bold cyan",
    "agreement": "bold yellow",
    "outcome": "bold magenta",
}
ATTENDANCE_MARKS = {True: "[x]", False: "[-]", None: "[?]"}


# --- a line as text --------------------------------------------------------------------------


def local_time(moment: datetime | None, tz: str, fmt: str = "%H:%M") -> str:
    local = clock.local(moment, tz)
    return local.strftime(fmt) if local is not None else "--:--"


def who_is_responsible(line: Line | KindChange, names: dict[int, str]) -> str:
    if line.responsible_staff_id is not None:
        return names.get(
            line.responsible_staff_id, _("staff member {id}").format(id=line.responsible_staff_id)
        )
    return line.responsible_text


def kind_mark(line: Line, names: dict[int, str]) -> Text:
    """The mark before a line that is more than a note: who and when for an effort."""
    change = line.change
    kind = change.kind if change is not None else line.kind
    if kind not in KIND_MARKS:
        return Text("")
    mark = _(KIND_MARKS[kind])
    if kind == "effort":
        source = change if change is not None else line
        mark = _("{mark}: {who}, evaluate {day}").format(
            mark=mark, who=who_is_responsible(source, names), day=date_text(source.evaluate_on)
        )
    return Text(f"[{mark}] ", style=KIND_STYLES[kind])


def line_text(line: Line, tz: str, names: dict[int, str], *, text: str | None = None) -> Text:
    """A line as the section shows it: time noted, the mark of its kind, the text literally."""
    out = Text(local_time(line.noted_at, tz), style="dim")
    out.append("  ")
    out.append_text(kind_mark(line, names))
    out.append_text(literal(line.text if text is None else text))
    return out


# --- widgets ---------------------------------------------------------------------------------


class AttendanceBar(Static, can_focus=True):
    """Who came: each invitee present, absent or not yet ticked; space toggles (R13)."""

    BINDINGS = [
        Binding(
            "right,down",
            "move(1)",
            N_("Next person"),
            id="minutes.attendance.next",
            show=False,
            tooltip=N_("Go to the next invitee."),
        ),
        Binding(
            "left,up",
            "move(-1)",
            N_("Previous person"),
            id="minutes.attendance.previous",
            show=False,
            tooltip=N_("Go to the previous invitee."),
        ),
        Binding(
            "space,enter",
            "toggle",
            N_("Present/absent"),
            id="minutes.attendance.toggle",
            tooltip=N_("Mark the chosen invitee present or absent."),
        ),
    ]

    class Toggled(Message):
        def __init__(self, invitee_id: int, attended: bool) -> None:
            super().__init__()
            self.invitee_id = invitee_id
            self.attended = attended

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.invitees: list[meetings.InviteeView] = []
        self.attended: dict[int, bool | None] = {}
        self.cursor = 0
        self.writable = False

    def show(self, invitees: tuple[meetings.InviteeView, ...], writable: bool) -> None:
        self.invitees = list(invitees)
        self.attended = {i.id: i.attended for i in invitees}
        self.writable = writable
        self.can_focus = writable and bool(invitees)
        self.cursor = min(self.cursor, max(len(self.invitees) - 1, 0))
        self._render_people()

    def _render_people(self) -> None:
        out = Text(_("Attendance:"), style="bold")
        if not self.invitees:
            out.append(" " + _("no invitees"))
        for index, invitee in enumerate(self.invitees):
            out.append("  ")
            person = Text(ATTENDANCE_MARKS[self.attended.get(invitee.id)] + " ")
            person.append_text(literal(invitee.name))
            if invitee.role:
                person.append(" (")
                person.append_text(literal(invitee.role))
                person.append(")")
            if self.has_focus and index == self.cursor:
                person.stylize("reverse")
            out.append_text(person)
        self.update(out)

    def on_focus(self) -> None:
        self._render_people()

    def on_blur(self) -> None:
        self._render_people()

    def action_move(self, step: int) -> None:
        if self.invitees:
            self.cursor = (self.cursor + step) % len(self.invitees)
            self._render_people()

    def action_toggle(self) -> None:
        if not self.writable or not self.invitees:
            return
        invitee = self.invitees[self.cursor]
        value = not self.attended.get(invitee.id)  # not ticked yet: present
        self.attended[invitee.id] = value
        self._render_people()
        self.post_message(self.Toggled(invitee.id, value))


class LineInput(Input):
    """The field a line of the minutes is typed in.

    Its size comes from the stylesheet, never from its text; a typed key changes only how far
    the text reaches inside it (the virtual width the input scrolls by), and Textual lays the
    whole screen out again for that. Here that change repaints the field alone: the layout
    was most of what a key cost a served session (issue 18)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)


class SectionView(Vertical):
    """One agenda item on screen: its title, its lines, and (when current) the input line."""

    def __init__(self, number: int, section: Section) -> None:
        super().__init__(classes="minutes-section")
        self.number = number
        self.section = section

    def compose(self) -> ComposeResult:
        title = Text(f"{self.number}  ", style="bold")
        title.append_text(literal(self.section.title))
        yield Static(title, classes="minutes-section-title", markup=False)
        yield SteadyStatic("", classes="minutes-lines", markup=False)
        # Not selected on focus: coming back from a dialog, the next key must go on with the
        # half-typed line, not replace it.
        yield LineInput(
            id=f"minutes-input-{self.number}",
            classes="minutes-input",
            compact=True,
            select_on_focus=False,
            placeholder=_("Type a line; Enter ends it"),
        )

    @property
    def input(self) -> Input:
        return self.query_one(Input)
