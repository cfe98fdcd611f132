"""The minutes of a meeting, written live by the holder while everyone talks (R13).

A caseworker types while listening, so the editor is made for the keyboard and for speed, and
it never loses a line: the line being typed is a draft in the database no later than two
seconds after the last key (and at once on Enter, on a change of section and on leaving). If
the terminal dies, opening the meeting again shows the draft exactly as it was.

Saving runs in thread workers, one writer at a time (a lock), and every save sends the latest
text of its line; the map from a line on screen to its note and version is updated under the
lock, so lines are saved in order and never twice. A refused save keeps the text where it is
and is tried again on the next key.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Select, Static
from textual.worker import Worker, get_current_worker

from relaytui.errors import DomainError, StaleWrite
from relaytui.i18n import N_, _, ngettext
from relaytui.i18n.formats import date_text, local_date_time, time_text
from relaytui.screens.handover import ConfirmDialog
from relaytui.screens.log_efforts import (
    FOLLOW_UP,
    SOMEONE_ELSE,
    FormError,
    LogPaneDialog,
    Responsible,
    default_responsible,
    first_evaluation,
    form_row,
    read_date,
    read_responsible,
    responsible_choices,
    responsible_rows,
)
from relaytui.screens.log_efforts import (
    field as form_field,
)
from relaytui.screens.log_meetings import MEETING_KINDS
from relaytui.screens.log_view import label, literal
from relaytui.services import clock, consent, installation, logs, meetings
from relaytui.ui.base import RelayModalScreen, RelayScreen, after_typed_keys, generic_error
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.messages import LogChanged
from relaytui.widgets.writing_hints import WritingHints, hints_binding

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

#: Seconds of quiet after a key before the line is saved.
AUTOSAVE_SECONDS = 0.7
#: Typing on without a pause still saves this often (seconds).
LONGEST_UNSAVED_SECONDS = 1.5

KIND_MARKS = {"effort": N_("Effort"), "goal": N_("Goal"), "agreement": N_("Agreement"),
              "outcome": N_("Assessment")}
KIND_STYLES = {"effort": "bold green", "goal": "bold cyan", "agreement": "bold yellow",
               "outcome": "bold magenta"}
ATTENDANCE_MARKS = {True: "[x]", False: "[-]", None: "[?]"}
NOT_ON_AGENDA = N_("Not on the agenda")


# --- what the editor keeps in memory ---------------------------------------------------------


@dataclass(frozen=True)
class KindChange:
    """What a line becomes when the minutes are finished, waiting to be saved."""

    kind: str
    responsible_staff_id: int | None = None
    responsible_text: str = ""
    evaluate_on: date | None = None


@dataclass
class Line:
    """One line of the minutes on screen, and the draft note that holds it in the database.

    ``note_id``/``version``/``saved_*`` say what the database holds; they change only in the
    saving worker, under the screen's locks.
    """

    key: int
    item_id: int | None
    text: str = ""
    kind: str = "note"
    responsible_staff_id: int | None = None
    responsible_text: str = ""
    evaluate_on: date | None = None
    noted_at: datetime | None = None
    note_id: int | None = None
    version: int | None = None
    saved_text: str | None = None
    saved_item_id: int | None = None
    change: KindChange | None = None
    #: The line is in the input, being typed (not yet ended with Enter), and as saved.
    typing: bool = False
    saved_typing: bool = False

    @property
    def dirty(self) -> bool:
        if self.change is not None:
            return True
        if self.note_id is None:
            return bool(self.text)
        return (self.text != self.saved_text or self.item_id != self.saved_item_id
                or self.typing != self.saved_typing)


@dataclass
class Section:
    """One agenda item: its lines in the order they were noted, and the line being typed."""

    item_id: int | None
    title: str
    keys: list[int] = field(default_factory=list)
    #: The line in the input: a new one, or one of ``keys`` being changed.
    current: int | None = None
    #: While choosing an earlier line: its index in ``keys``.
    chosen: int | None = None


@dataclass(frozen=True)
class MinutesData:
    """What the loading worker hands back."""

    timezone: str
    meeting: meetings.MeetingView
    can_write: bool
    why_read_only: str | None
    choices: tuple[Responsible, ...]


@dataclass(frozen=True)
class SaveResult:
    key: int
    error: str | None = None
    #: A change of kind the service refused; the text was saved without it.
    refused_change: str | None = None


def local_time(moment: datetime | None, tz: str, fmt: str = "%H:%M") -> str:
    local = clock.local(moment, tz)
    return local.strftime(fmt) if local is not None else "--:--"


def who_is_responsible(line: Line | KindChange, names: dict[int, str]) -> str:
    if line.responsible_staff_id is not None:
        return names.get(line.responsible_staff_id, _("staff member {id}").format(id=line.responsible_staff_id))
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
            mark=mark, who=who_is_responsible(source, names),
            day=date_text(source.evaluate_on))
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
        Binding("right,down", "move(1)", N_("Next person"), id="minutes.attendance.next", show=False,
                tooltip=N_("Go to the next invitee.")),
        Binding("left,up", "move(-1)", N_("Previous person"), id="minutes.attendance.previous",
                show=False, tooltip=N_("Go to the previous invitee.")),
        Binding("space,enter", "toggle", N_("Present/absent"), id="minutes.attendance.toggle",
                tooltip=N_("Mark the chosen invitee present or absent.")),
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
        yield Static("", classes="minutes-lines", markup=False)
        # Not selected on focus: coming back from a dialog, the next key must go on with the
        # half-typed line, not replace it.
        yield Input(id=f"minutes-input-{self.number}", classes="minutes-input", compact=True,
                    select_on_focus=False, placeholder=_("Type a line; Enter ends it"))

    @property
    def input(self) -> Input:
        return self.query_one(Input)


# --- dialogs ---------------------------------------------------------------------------------


class FormDialog(LogPaneDialog):
    """A form of the minutes: it checks what was typed and hands it back; the editor saves."""

    @after_typed_keys
    def action_save(self) -> None:
        try:
            values = self.read_form()
        except FormError as exc:
            self.show_error(exc.message, exc.field)
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EffortDialog(FormDialog):
    """Who is responsible for the line's effort, and when it is evaluated (R12)."""

    def __init__(self, text: str, choices: tuple[Responsible, ...], *, meeting_day: date,
                 current: Line | None = None) -> None:
        super().__init__()
        self.text = text
        self.choices = choices
        self.meeting_day = meeting_day
        self.current = current

    def heading(self) -> str:
        return _("Make the line an effort")

    def form(self) -> ComposeResult:
        start, typed = default_responsible(self.choices), ""
        evaluate = first_evaluation(self.meeting_day)
        if self.current is not None and self.current.kind == "effort":
            found = [i for i, c in enumerate(self.choices)
                     if c.staff_id is not None and c.staff_id == self.current.responsible_staff_id]
            start = found[0] if found else SOMEONE_ELSE
            typed = self.current.responsible_text
            evaluate = self.current.evaluate_on or evaluate
        yield Static(literal(self.text), classes="log-dialog-note", markup=False)
        yield from responsible_rows(self.choices, start, typed)
        yield form_row(_("Evaluate on"), form_field(evaluate.isoformat(), id="effort-evaluate",
                                                    max_length=10, placeholder="YYYY-MM-DD"))

    @on(Select.Changed, "#effort-responsible")
    def _responsible_changed(self, event: Select.Changed) -> None:
        self.query_one("#effort-responsible-text", Input).disabled = event.value != SOMEONE_ELSE

    def read_form(self) -> KindChange:
        staff_id, text = read_responsible(self, self.choices)
        evaluate = read_date(self.value("#effort-evaluate"),
                             _("Type the evaluation date as YYYY-MM-DD, for example {example}."),
                             example=first_evaluation(self.meeting_day), field="effort-evaluate")
        assert evaluate is not None
        if evaluate < self.meeting_day:
            raise FormError(_("The evaluation date cannot be before the meeting."), "effort-evaluate")
        return KindChange("effort", staff_id, text, evaluate)


#: Minutes may be taken from a little before the planned start; beyond this, finishing warns.
NOT_BEGUN = timedelta(hours=1)


class FinishDialog(FormDialog):
    """What finishing will write, and the warning that it can no longer change (R7, R13).

    A notification meeting needs the family department's assessment (R11): typed here when
    no line of the minutes holds it. Dismisses with the assessment typed ("" if none was
    needed), or None.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", N_("Finish"), id="minutes.finish_dialog.finish",
                tooltip=N_("Finish the minutes: write them into the journal for good.")),
    ]

    def __init__(self, summary: Text, *, needs_outcome: bool) -> None:
        super().__init__()
        self.summary = summary
        self.needs_outcome = needs_outcome

    def heading(self) -> str:
        return _("Finish the minutes")

    def form(self) -> ComposeResult:
        yield Static(Text(_("Finished minutes are written into the log's journal and can no longer be "
                            "changed, only corrected by a new entry. Ctrl+S finishes, Escape goes back."),
                          style="bold"), id="finish-warning", classes="log-dialog-note", markup=False)
        yield Static(self.summary, id="finish-summary", markup=False)
        if self.needs_outcome:
            yield form_row(_("Assessment"), form_field(id="finish-outcome", max_length=4000,
                                                       placeholder=_("The family department's assessment")))

    def action_enter_field(self) -> None:
        if not self.needs_outcome:
            self.action_save()
            return
        super().action_enter_field()

    def read_form(self) -> str:
        if not self.needs_outcome:
            return ""
        outcome = self.value("#finish-outcome").strip()
        if not outcome:
            raise FormError(_("Write the family department's assessment before finishing."), "finish-outcome")
        return outcome


class GoToSectionDialog(RelayModalScreen[int]):
    """Jump to an agenda item by its number."""

    CSS_PATH = "minutes.tcss"
    AUTO_FOCUS = "#goto-number"
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="minutes.goto.cancel",
                tooltip=N_("Stay in the section you are in.")),
    ]

    def __init__(self, titles: list[str]) -> None:
        super().__init__()
        self.titles = titles

    def compose(self) -> ComposeResult:
        listing = Text(_("Go to section:"), style="bold")
        for number, title in enumerate(self.titles, start=1):
            listing.append(f"\n{number}  ")
            listing.append_text(literal(title))
        with Vertical(id="goto-box"):
            yield Static(listing, markup=False)
            yield Input(id="goto-number", type="integer", max_length=3, compact=True,
                        placeholder=_("number"))

    def _number(self, value: str) -> int | None:
        try:
            number = int(value)
        except ValueError:
            return None
        return number if 1 <= number <= len(self.titles) else None

    @on(Input.Changed, "#goto-number")
    def _typed(self, event: Input.Changed) -> None:
        number = self._number(event.value)
        # One digit is enough when no longer number starts with it.
        if number is not None and number * 10 > len(self.titles):
            self.dismiss(number)

    @on(Input.Submitted, "#goto-number")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        number = self._number(event.value)
        if number is not None:
            self.dismiss(number)

    def action_cancel(self) -> None:
        self.dismiss(None)


class NextMeetingQuestion(ConfirmDialog):
    """"Schedule the next meeting?" with y and n as well as the buttons."""

    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes"), id="minutes.next.yes",
                tooltip=N_("Schedule the next meeting now.")),
        Binding("n", "answer(False)", N_("No"), id="minutes.next.no",
                tooltip=N_("Do not schedule a meeting now.")),
    ]

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


# --- the screen ------------------------------------------------------------------------------

WRITER_ACTIONS = frozenset({"make_effort", "make_goal", "make_agreement", "make_note", "make_outcome",
                            "finish", "save_now", "choose_previous", "choose_next"})


class MinutesScreen(RelayScreen):
    """The minutes of one meeting: attendance at the top, one section per agenda item."""

    CSS_PATH = "minutes.tcss"
    AUTO_FOCUS = ""
    #: The line's field takes the focus once the meeting is loaded: keys typed before wait for it.
    TYPEAHEAD = True
    BINDINGS = [
        Binding("ctrl+down,pagedown", "step_section(1)", N_("Next section"), id="minutes.next_section",
                priority=True, tooltip=N_("Save the line and go to the next agenda item.")),
        Binding("ctrl+up,pageup", "step_section(-1)", N_("Previous section"),
                id="minutes.previous_section", show=False, priority=True,
                tooltip=N_("Save the line and go to the previous agenda item.")),
        Binding("ctrl+f", "finish", N_("Finish"), id="minutes.finish", priority=True,
                tooltip=N_("Write the minutes into the log's journal, with the efforts and goals.")),
        Binding("ctrl+g", "go_to_section", N_("Go to"), id="minutes.go_to", priority=True,
                tooltip=N_("Go to an agenda item by its number.")),
        Binding("up,shift+tab", "choose_previous", N_("Earlier line"), id="minutes.choose_previous",
                show=False, priority=True,
                tooltip=N_("From an empty line: choose an earlier line of the section; Enter changes it.")),
        Binding("down", "choose_next", N_("Later line"), id="minutes.choose_next", show=False,
                priority=True, tooltip=N_("Choose the next line, or go back to the empty line.")),
        Binding("tab", "toggle_attendance", N_("Attendance"), id="minutes.attendance", show=False,
                priority=True, tooltip=N_("Go to the attendance list, or back to the minutes.")),
        Binding("ctrl+e", "make_effort", N_("Effort"), id="minutes.effort", priority=True,
                tooltip=N_("Make the line an effort: who is responsible, when it is evaluated.")),
        Binding("ctrl+t", "make_goal", N_("Goal"), id="minutes.goal", priority=True,
                tooltip=N_("Make the line a goal.")),
        Binding("ctrl+r", "make_agreement", N_("Agreement"), id="minutes.agreement", priority=True,
                tooltip=N_("Make the line an agreement.")),
        Binding("ctrl+b", "make_outcome", N_("Assessment"), id="minutes.outcome", priority=True,
                tooltip=N_("Make the line the family department's assessment (notification meeting).")),
        Binding("ctrl+n", "make_note", N_("Plain note"), id="minutes.note", show=False, priority=True,
                tooltip=N_("Make the line a plain note again.")),
        Binding("ctrl+s", "save_now", N_("Save"), id="minutes.save", show=False, priority=True,
                tooltip=N_("Save the draft now (it is also saved as you type).")),
        Binding("escape", "leave", N_("Back"), id="minutes.back",
                tooltip=N_("Save the draft and go back; the draft is kept.")),
        hints_binding(show=False),
    ]

    class Loaded(Message):
        def __init__(self, data: MinutesData) -> None:
            super().__init__()
            self.data = data

    class Saved(Message):
        """A saving worker is done: what happened to each line it took."""

        def __init__(self, results: tuple[SaveResult, ...], at: datetime) -> None:
            super().__init__()
            self.results = results
            self.at = at

    class Finished(Message):
        def __init__(self, meeting: meetings.MeetingView) -> None:
            super().__init__()
            self.meeting = meeting

    def __init__(self, meeting_id: int) -> None:
        super().__init__()
        self.meeting_id = meeting_id
        self.data: MinutesData | None = None
        self.meeting: meetings.MeetingView | None = None
        self.tz = "UTC"
        self.writable = False
        self.sections: list[Section] = []
        self.lines: dict[int, Line] = {}
        self.current = 0
        self.names: dict[int, str] = {}
        self._next_key = 0
        # One writer at a time; the state lock guards the lines between the two threads.
        self._write_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._saving = 0
        self._error: str | None = None
        self._saved_at: datetime | None = None
        self._dirty_since: float | None = None
        self._timer = None
        self._then: str | None = None  # "leave" or "finish" once everything is saved
        self._leave_anyway = False
        self._staff: StaffRef | None = None

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="minutes-head"):
            yield Static(_("Loading the meeting…"), id="minutes-title", markup=False)
            yield Static("", id="minutes-status", markup=False)
        yield Static("", id="minutes-banner", markup=False)
        yield AttendanceBar(id="minutes-attendance")
        yield VerticalScroll(id="minutes-sections", can_focus=False)
        yield WritingHints(id="minutes-hints")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#minutes-banner").display = False
        self.query_one("#minutes-attendance").display = False
        self._staff = self.app.staff  # type: ignore[attr-defined]
        self._load(self.store, self.app.staff, self.meeting_id)  # type: ignore[attr-defined]

    # --- loading -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="minutes-load")
    def _load(self, store: Store, staff: StaffRef, meeting_id: int) -> None:
        worker = get_current_worker()
        tz = installation.read(store).timezone
        meeting = meetings.get_meeting(store, staff, meeting_id)
        detail = logs.get_log(store, staff, meeting.log_id)
        choices: tuple[Responsible, ...] = ()
        if detail.can_write:
            choices = responsible_choices(detail, consent.list_actors(store, staff, meeting.log_id))
        if not worker.is_cancelled:
            self.post_message(self.Loaded(MinutesData(tz, meeting, detail.can_write, detail.why_read_only,
                                                      choices)))

    def worker_failed(self, worker: Worker, message: str) -> None:
        if worker.group == "minutes-load":
            self._banner(Text(message, style="bold red"))
            self.query_one("#minutes-title", Static).update(Text(_("The meeting cannot be opened.")))
        super().worker_failed(worker, message)

    async def on_minutes_screen_loaded(self, message: Loaded) -> None:
        message.stop()
        self.data = data = message.data
        meeting = data.meeting
        self.meeting = meeting
        self.tz = data.timezone
        self.writable = data.can_write and meeting.status == "planned" and meeting.minutes_finished_at is None
        self.names = {i.staff_id: i.name for i in meeting.invitees if i.staff_id is not None}
        self.names.update({c.staff_id: c.label for c in data.choices if c.staff_id is not None})
        self._show_head()
        self._build_sections(meeting)
        self._show_banner()
        attendance = self.query_one(AttendanceBar)
        attendance.show(meeting.invitees, self.writable)
        attendance.display = True
        await self._mount_sections()

    def _show_head(self) -> None:
        meeting = self.meeting
        assert meeting is not None
        title = literal(meeting.subject_name)
        title.stylize("bold")
        start = clock.local(meeting.starts_at, self.tz)
        end = start + timedelta(minutes=meeting.duration_minutes)
        title.append("  ·  " + label(MEETING_KINDS, meeting.kind) + "  ·  "
                     + f"{date_text(start.date())} {time_text(start)}–{time_text(end)}")
        if meeting.place:
            title.append("  ·  ")
            title.append_text(literal(meeting.place))
        self.query_one("#minutes-title", Static).update(title)

    def _build_sections(self, meeting: meetings.MeetingView) -> None:
        self.sections = [Section(item.id, item.title) for item in meeting.agenda]
        by_item = {s.item_id: s for s in self.sections}
        for note in meeting.notes:
            line = self._new_line(note.agenda_item_id)
            line.text = line.saved_text = note.text
            line.saved_item_id = note.agenda_item_id
            line.note_id, line.version, line.noted_at = note.id, note.version, note.noted_at
            line.kind, line.evaluate_on = note.kind, note.evaluate_on
            line.responsible_staff_id, line.responsible_text = note.responsible_staff_id, note.responsible_text
            line.typing = line.saved_typing = note.typing
            section = by_item.get(note.agenda_item_id)
            if section is None:  # an item no longer on the agenda, or none
                section = by_item.setdefault(None, Section(None, _(NOT_ON_AGENDA)))
                if section not in self.sections:
                    self.sections.append(section)
            section.keys.append(line.key)
        if not self.sections:
            self.sections.append(Section(None, _(NOT_ON_AGENDA)))
        written = [n for n in meeting.notes if n.text.strip()]
        typed = [n for n in written if n.typing]
        if typed or written:  # go on where the draft ended: in the line being typed, if any
            last = max(typed or written, key=lambda n: (n.noted_at, n.id))
            self.current = next((number for number, section in enumerate(self.sections)
                                 if any(self.lines[k].note_id == last.id for k in section.keys)), 0)
            if typed:
                self._back_into_input(self.sections[self.current], last.id)

    def _back_into_input(self, section: Section, note_id: int) -> None:
        """The line that was being typed when the draft was last saved goes back into the
        input, to be finished; a new line leaves the list of finished ones until Enter."""
        key = next(k for k in section.keys if self.lines[k].note_id == note_id)
        section.current = key
        if section.keys[-1] == key:
            section.keys.pop()
        for line in self.lines.values():  # only one line is ever in the input
            if line.key != key:
                line.typing = False

    def _show_banner(self) -> None:
        meeting, data = self.meeting, self.data
        assert meeting is not None and data is not None
        written = [n for n in meeting.notes if n.text.strip()]
        if meeting.minutes_finished_at is not None or meeting.status == "held":
            text = Text(_("These minutes are finished: they are in the log's journal and can no longer "
                          "change."), style="bold")
        elif meeting.status == "cancelled":
            text = Text(_("This meeting was cancelled:") + " ", style="bold")
            text.append_text(literal(meeting.cancel_reason or "-"))
        elif not data.can_write:
            text = Text(_("Only the holder writes the minutes; you can read them."), style="bold")
            if data.why_read_only:
                text.append(" ")
                text.append_text(literal(data.why_read_only))
        elif written:
            last = max(n.noted_at for n in written)
            text = Text(ngettext("Draft restored: {count} line from {time}.",
                                 "Draft restored: {count} lines, the last from {time}.", len(written))
                        .format(count=len(written), time=local_time(last, self.tz)), style="bold")
            text.append(" " + _("Go on where you left off."))
            if any(n.typing for n in written):
                text.append(" " + _("The line you were typing is back in its field; Enter ends it."))
        else:
            return
        self._banner(text)

    def _banner(self, text: Text) -> None:
        banner = self.query_one("#minutes-banner", Static)
        banner.update(text)
        banner.display = True

    async def _mount_sections(self) -> None:
        container = self.query_one("#minutes-sections", VerticalScroll)
        views = [SectionView(number, section) for number, section in enumerate(self.sections, start=1)]
        await container.mount_all(views)
        for number in range(len(self.sections)):
            self._render_section(number)
        self._enter_section(self.current)
        section = self.sections[self.current] if self.sections else None
        if self.writable and section is not None and section.current is not None:
            editor = self._view(self.current).input
            editor.value = self.lines[section.current].text
            editor.cursor_position = len(editor.value)
            self._render_section(self.current)
        self._show_status()

    # --- the sections --------------------------------------------------------------------

    def _view(self, number: int) -> SectionView:
        return self.query(SectionView)[number]

    def _new_line(self, item_id: int | None) -> Line:
        self._next_key += 1
        line = Line(self._next_key, item_id)
        with self._state_lock:
            self.lines[line.key] = line
        return line

    def _render_section(self, number: int) -> None:
        views = self.query(SectionView)
        if not self.is_mounted or number >= len(views) or not views[number].children:
            return
        section = self.sections[number]
        view = views[number]
        view.set_class(number == self.current and self.writable, "-current")
        out = Text()
        shown = 0
        editor = view.input if self.writable else None
        for index, key in enumerate(section.keys):
            line = self.lines[key]
            editing = key == section.current and editor is not None
            text = editor.value if editing and editor is not None else None
            if not editing and not line.text.strip():
                continue
            row = line_text(line, self.tz, self.names, text=text)
            if editing:
                row = Text("✎ ") + row
                row.stylize("italic")
            if section.chosen == index:
                row.stylize("reverse")
            if shown:
                out.append("\n")
            out.append_text(row)
            shown += 1
        if not shown:
            out = Text(_("No lines yet.") if not self.writable or number != self.current else "", style="dim italic")
        lines = view.query_one(".minutes-lines", Static)
        lines.update(out)
        lines.display = bool(out.plain)
        view.input.display = self.writable and number == self.current

    def _enter_section(self, number: int) -> None:
        self.current = number
        for index in range(len(self.sections)):
            self._render_section(index)
        view = self._view(number)
        if not self.writable:
            view.scroll_visible(animate=False, top=True)
            return
        # At once, not after the next refresh: the next key typed must land in this section.
        self.set_focus(view.input, scroll_visible=False)
        view.scroll_visible(animate=False)

    def _end_line(self, number: int) -> None:
        """The line in the section's input is done: it joins the list, and is saved now."""
        if number == self.current:
            self._take_typed()
        section = self.sections[number]
        key = section.current
        section.current = None
        section.chosen = None
        if key is not None:
            line = self.lines[key]
            with self._state_lock:
                line.typing = False
            if key not in section.keys:
                if line.text.strip() or line.note_id is not None:
                    section.keys.append(key)
                else:
                    with self._state_lock:
                        del self.lines[key]
        if self.is_mounted and number < len(self.query(SectionView)):
            self._view(number).input.value = ""
        self._render_section(number)
        self._flush()

    @after_typed_keys
    def action_step_section(self, step: int) -> None:
        self.go_to_section(self.current + step)

    def go_to_section(self, number: int) -> None:
        if not self.sections:
            return
        number = max(0, min(number, len(self.sections) - 1))
        if self.writable:
            self._end_line(self.current)
        self._enter_section(number)

    @after_typed_keys
    def action_go_to_section(self) -> None:
        titles = [s.title for s in self.sections]
        if titles:
            self.app.push_screen(GoToSectionDialog(titles), self._went_to)

    def _went_to(self, number: int | None) -> None:
        if number is not None:
            self.go_to_section(number - 1)

    def _focused_section(self) -> int | None:
        focused = self.focused
        if isinstance(focused, Input) and focused.has_class("minutes-input"):
            return self.current
        return None

    # --- typing --------------------------------------------------------------------------

    @on(Input.Changed, ".minutes-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        number = self._section_of(event.input)
        self.query_one("#minutes-hints", WritingHints).follow(event.value)  # R16, for this line
        if not self.writable or number is None:
            return
        if number != self.current:
            self._move_stray_keys(event.input)
            return
        section = self.sections[number]
        # What the field holds now: a Changed message may come late, after a ctrl key that
        # already took the text (see _take_typed); a late one then changes nothing.
        value = event.input.value
        if section.current is None:
            if not value:
                return
            line = self._new_line(section.item_id)
            line.noted_at = clock.now()
            section.current = line.key
        line = self.lines[section.current]
        if section.chosen is not None:
            section.chosen = None
            self._render_section(number)
        if line.text == value:
            return
        with self._state_lock:
            line.text = value
            line.typing = True
        if section.current in section.keys:
            self._render_section(number)  # a line being changed shows as it is typed
        self._changed()

    def _take_typed(self) -> None:
        """Bring the current line up to what its field holds now.

        Keys typed just before a ctrl key are in the field already, but their Changed
        messages may still wait in the queue: whatever the ctrl key does (end the line, make
        it an effort, save, finish) must see them.
        """
        if not self.writable or not self.sections or not self.is_mounted:
            return
        views = self.query(SectionView)
        if self.current < len(views) and views[self.current].children:
            editor = views[self.current].input
            self._typed(Input.Changed(editor, editor.value))

    def _move_stray_keys(self, left: Input) -> None:
        """Keys typed while the section changed reached the section left behind: they belong,
        in the order typed, to the line of the section the user is in now."""
        stray = left.value
        if not stray:
            return
        left.value = ""
        target = self._view(self.current).input
        target.value += stray
        target.cursor_position = len(target.value)
        self.set_focus(target)

    @on(Input.Submitted, ".minutes-input")
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        number = self._section_of(event.input)
        if not self.writable or number is None:
            return
        section = self.sections[number]
        if section.chosen is not None and not event.value:
            # Enter on a chosen line: change it in the input.
            key = section.keys[section.chosen]
            section.chosen = None
            section.current = key
            event.input.value = self.lines[key].text
            self._render_section(number)
            return
        if section.current is not None:
            with self._state_lock:
                self.lines[section.current].text = event.value
        self._end_line(number)

    def action_toggle_writing_hints(self) -> None:
        self.query_one("#minutes-hints", WritingHints).toggle()

    def _section_of(self, editor: Input) -> int | None:
        view = editor.parent
        return view.number - 1 if isinstance(view, SectionView) else None

    def _changed(self) -> None:
        """Something was typed: save after a short quiet, and not much later while typing on."""
        now = self.app_clock()
        if self._dirty_since is None:
            self._dirty_since = now
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._show_status()
        if now - self._dirty_since >= LONGEST_UNSAVED_SECONDS:
            self._flush()
        else:
            self._timer = self.set_timer(AUTOSAVE_SECONDS, self._flush, name="minutes-autosave")

    @staticmethod
    def app_clock() -> float:
        import time

        return time.monotonic()

    # --- choosing an earlier line ----------------------------------------------------------

    def action_choose_previous(self) -> None:
        number = self._focused_section()
        if number is None:
            raise SkipAction()
        section = self.sections[number]
        editor = self._view(number).input
        visible = [i for i, k in enumerate(section.keys) if self.lines[k].text.strip()]
        if not visible or (editor.value and section.chosen is None):
            raise SkipAction()
        if section.chosen is None:
            section.chosen = visible[-1]
        else:
            earlier = [i for i in visible if i < section.chosen]
            section.chosen = earlier[-1] if earlier else section.chosen
        self._render_section(number)

    def action_choose_next(self) -> None:
        number = self._focused_section()
        if number is None or self.sections[number].chosen is None:
            raise SkipAction()
        section = self.sections[number]
        later = [i for i, k in enumerate(section.keys) if i > section.chosen and self.lines[k].text.strip()]
        section.chosen = later[0] if later else None
        self._render_section(number)

    def _target(self) -> Line | None:
        """The line a kind key works on: the chosen one, the one typed, or the last of the section."""
        self._take_typed()
        section = self.sections[self.current]
        if section.chosen is not None:
            return self.lines[section.keys[section.chosen]]
        if section.current is not None and self.lines[section.current].text.strip():
            return self.lines[section.current]
        written = [k for k in section.keys if self.lines[k].text.strip()]
        return self.lines[written[-1]] if written else None

    # --- kinds ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITER_ACTIONS:
            if not self.writable:
                return False
            if action == "make_outcome" and (self.meeting is None or self.meeting.kind != "notification"):
                return False
        if action in ("step_section", "go_to_section", "toggle_attendance") and not self.sections:
            return False
        if action == "toggle_attendance":
            return self.writable
        return True

    def _make(self, change: KindChange) -> None:
        line = self._target()
        if line is None:
            self.notify(_("Write the line first, then choose what it is."), severity="warning", markup=False)
            return
        with self._state_lock:
            line.change = change
        section = self.sections[self.current]
        if section.current == line.key:
            self._end_line(self.current)
        else:
            section.chosen = None
            self._render_section(self.current)
            self._flush()

    @after_typed_keys
    def action_make_effort(self) -> None:
        line = self._target()
        if line is None or self.meeting is None:
            self._make(KindChange("effort"))  # says to write the line first
            return
        editor = self._view(self.current).input
        text = editor.value if self.sections[self.current].current == line.key else line.text
        meeting_day = clock.local(self.meeting.starts_at, self.tz).date()
        self.app.push_screen(EffortDialog(text, self.data.choices if self.data else (),
                                          meeting_day=meeting_day, current=line), self._effort_chosen)

    def _effort_chosen(self, change: KindChange | None) -> None:
        if change is not None:
            self._make(change)

    @after_typed_keys
    def action_make_goal(self) -> None:
        self._make(KindChange("goal"))

    @after_typed_keys
    def action_make_agreement(self) -> None:
        self._make(KindChange("agreement"))

    @after_typed_keys
    def action_make_note(self) -> None:
        self._make(KindChange("note"))

    @after_typed_keys
    def action_make_outcome(self) -> None:
        self._make(KindChange("outcome"))

    # --- attendance ----------------------------------------------------------------------

    def action_toggle_attendance(self) -> None:
        attendance = self.query_one(AttendanceBar)
        if self.focused is attendance or not attendance.can_focus:
            self._enter_section(self.current)
        else:
            attendance.focus()

    @on(AttendanceBar.Toggled)
    def _attendance_toggled(self, event: AttendanceBar.Toggled) -> None:
        event.stop()
        attended = {k: v for k, v in self.query_one(AttendanceBar).attended.items() if v is not None}
        self._saving += 1
        self._show_status()
        self._record_attendance(self.store, self.app.staff, self.meeting_id, attended)  # type: ignore[attr-defined]

    @work(thread=True, exit_on_error=False, group="minutes-attendance")
    def _record_attendance(self, store: Store, staff: StaffRef, meeting_id: int, attended: dict[int, bool]) -> None:
        error = None
        try:
            with self._write_lock:
                meetings.record_attendance(store, staff, meeting_id, attended)
        except DomainError as exc:
            error = exc.message
        except Exception as exc:  # noqa: BLE001 - reported as one line, logged in full
            self.log.error("saving attendance failed", exc)
            error = generic_error()
        self.post_message(self.Saved((SaveResult(-1, error),), clock.now()))

    # --- saving --------------------------------------------------------------------------

    def _dirty_keys(self) -> tuple[int, ...]:
        with self._state_lock:
            return tuple(key for key, line in self.lines.items() if line.dirty)

    @after_typed_keys
    def action_save_now(self) -> None:
        self._flush()

    def _flush(self) -> None:
        """Save every line that differs from the database, in a worker."""
        self._take_typed()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._dirty_since = None
        keys = self._dirty_keys()
        if keys:
            self._saving += 1
            self._save(self.store, self.app.staff, self.meeting_id, keys)  # type: ignore[attr-defined]
        self._show_status()
        self._maybe_go_on()

    @work(thread=True, exit_on_error=False, group="minutes-save")
    def _save(self, store: Store, staff: StaffRef, meeting_id: int, keys: tuple[int, ...]) -> None:
        results: list[SaveResult] = []
        try:
            with self._write_lock:
                for key in keys:
                    result = self.save_line(store, staff, meeting_id, key)
                    if result is not None:
                        results.append(result)
        finally:
            self.post_message(self.Saved(tuple(results), clock.now()))

    def save_line(self, store: Store, staff: StaffRef, meeting_id: int, key: int) -> SaveResult | None:
        """Save the latest state of one line (in a thread, holding the write lock)."""
        with self._state_lock:
            line = self.lines.get(key)
            if line is None or not line.dirty:
                return None
            text, item_id, note_id, version, change, typing = (
                line.text, line.item_id, line.note_id, line.version, line.change, line.typing)
        kind_args: dict[str, Any] = {}
        if change is not None:
            kind_args = {"kind": change.kind, "responsible_staff_id": change.responsible_staff_id,
                         "responsible_text": change.responsible_text, "evaluate_on": change.evaluate_on}
        try:
            note = meetings.save_note(store, staff, meeting_id, text=text, agenda_item_id=item_id,
                                      note_id=note_id, version=version, typing=typing, **kind_args)
        except StaleWrite as exc:
            fresh = self._fresh_version(store, staff, meeting_id, note_id)
            if fresh is not None:
                with self._state_lock:
                    line.version = fresh  # the next try (a key, ctrl+s) writes what is typed here
            return SaveResult(key, exc.message + " " + _("Your text is kept; ctrl+s saves it over theirs."))
        except DomainError as exc:
            if change is None:
                return SaveResult(key, exc.message)
            with self._state_lock:
                if line.change is change:
                    line.change = None
            again = self.save_line(store, staff, meeting_id, key)
            return SaveResult(key, again.error if again else None, refused_change=exc.message)
        except Exception as exc:  # noqa: BLE001 - the text stays; the next key tries again
            self.log.error("saving a line of the minutes failed", exc)
            return SaveResult(key, generic_error())
        with self._state_lock:
            line.note_id, line.version, line.noted_at = note.id, note.version, note.noted_at
            line.saved_text, line.saved_item_id, line.saved_typing = text, item_id, typing
            line.kind, line.evaluate_on = note.kind, note.evaluate_on
            line.responsible_staff_id, line.responsible_text = note.responsible_staff_id, note.responsible_text
            if line.change is change:
                line.change = None
        return SaveResult(key)

    @staticmethod
    def _fresh_version(store: Store, staff: StaffRef, meeting_id: int, note_id: int | None) -> int | None:
        try:
            meeting = meetings.get_meeting(store, staff, meeting_id)
        except Exception:  # noqa: BLE001 - the message of the save says enough
            return None
        return next((n.version for n in meeting.notes if n.id == note_id), None)

    def on_minutes_screen_saved(self, message: Saved) -> None:
        message.stop()
        self._saving = max(0, self._saving - 1)
        errors = [r.error for r in message.results if r.error]
        for result in message.results:
            if result.refused_change:
                self.notify(result.refused_change, severity="error", markup=False)
        if errors:
            self._error = errors[-1]
        elif message.results or not self._dirty_keys():
            self._error = None
            self._saved_at = message.at
        for number in range(len(self.sections)):
            self._render_section(number)
        self._show_status()
        if errors and self._then is not None:
            what, self._then = self._then, None
            if what == "leave":
                self._leave_anyway = True
                self.notify(_("Not saved: {reason} Your text is still here. Press Escape again to leave "
                              "without it.").format(reason=errors[-1]), severity="error", markup=False)
            else:
                self.notify(_("The minutes can be finished when every line is saved: {reason}")
                            .format(reason=errors[-1]), severity="error", markup=False)
            return
        self._maybe_go_on()

    def _show_status(self) -> None:
        if not self.is_mounted:
            return
        status = self.query_one("#minutes-status", Static)
        if not self.writable:
            status.update("")
        elif self._error is not None and (self._dirty_keys() or self._saving):
            status.update(Text(_("not saved: {reason}").format(reason=self._error), style="bold red"))
        elif self._saving or self._dirty_keys():
            status.update(Text(_("saving…"), style="italic"))
        elif self._saved_at is not None:
            status.update(Text(_("saved {time}").format(time=local_time(self._saved_at, self.tz, "%H:%M:%S")),
                               style="dim"))
        else:
            status.update("")

    @property
    def all_saved(self) -> bool:
        return not self._saving and not self._dirty_keys()

    def _maybe_go_on(self) -> None:
        if self._then is None or not self.all_saved:
            return
        what, self._then = self._then, None
        if what == "leave":
            self._leave()
        elif what == "finish":
            self._ask_finish()

    # --- leaving -------------------------------------------------------------------------

    @after_typed_keys
    def action_leave(self) -> None:
        if self.writable:
            section = self.sections[self.current] if self.sections else None
            if section is not None and section.chosen is not None:
                section.chosen = None
                self._render_section(self.current)
                return
            if self.focused is self.query_one(AttendanceBar):
                self._enter_section(self.current)
                return
            if self._leave_anyway:
                self._leave()
                return
            self._end_line(self.current)
            self._then = "leave"
            self._maybe_go_on()
            return
        self._leave()

    def _leave(self) -> None:
        if self.writable and self.lines:
            self.notify(_("The draft of the minutes is kept; open the meeting again to go on."), markup=False)
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.dismiss(None)  # whoever opened the minutes hears of it (and reloads)

    def on_unmount(self) -> None:
        """Leaving by quitting or logging out: what is not saved yet is saved on the way out."""
        self.save_drafts()

    def save_drafts(self) -> None:
        """Save what is typed and not saved yet, now, in a plain thread that is not a daemon:
        the program waits for it before it ends (the server's SIGTERM calls this too)."""
        self._take_typed()
        if self.writable and self._dirty_keys():
            store, staff = self.store, self._staff
            threading.Thread(target=self._save_all, args=(store, staff), name="minutes-last-save",
                             daemon=False).start()

    def _save_all(self, store: Store, staff: StaffRef) -> None:
        with self._write_lock:
            for key in self._dirty_keys():
                self.save_line(store, staff, self.meeting_id, key)

    def on_screen_suspend(self) -> None:
        # Another place (F2-F4), the lock or a dialog: what is typed goes to the database now.
        if self.writable:
            self._flush()


    # --- finishing -----------------------------------------------------------------------

    @after_typed_keys
    def action_finish(self) -> None:
        self._end_line(self.current)
        self._then = "finish"
        self._maybe_go_on()

    def summary(self) -> tuple[Text, bool]:
        """What finishing writes, and whether the assessment must still be typed."""
        assert self.meeting is not None
        written = [self.lines[k] for s in self.sections for k in s.keys if self.lines[k].text.strip()]
        out = Text()
        if self.meeting.starts_at > clock.now() + NOT_BEGUN:
            # Minutes say what happened: a meeting still hours away is most likely the wrong one.
            out.append(_("This meeting is planned for {when}. Finish its minutes only if it took place.")
                       .format(when=local_date_time(self.meeting.starts_at, self.tz)), style="bold red")
            out.append("\n")
        out.append(ngettext("{count} line is written into the journal.",
                            "{count} lines are written into the journal.", len(written))
                   .format(count=len(written)), style="bold")
        attendance = self.query_one(AttendanceBar)
        groups = ((True, _("Present")), (False, _("Absent")), (None, _("Not ticked")))
        for value, caption in groups:
            names = [i.name for i in attendance.invitees if attendance.attended.get(i.id) is value]
            if names:
                out.append(f"\n{caption}: ")
                out.append_text(literal(", ".join(names)))
        for kind, caption in (("effort", _("Efforts")), ("goal", _("Goals")), ("agreement", _("Agreements")),
                              ("outcome", _("The family department's assessment"))):
            found = [line for line in written if line.kind == kind]
            if not found:
                continue
            out.append(f"\n{caption}:", style="bold")
            for line in found:
                out.append("\n  • ")
                out.append_text(literal(line.text.strip()))
                if kind == "effort":
                    out.append(" — " + _("responsible: {who}; evaluated {day}").format(
                        who=who_is_responsible(line, self.names),
                        day=date_text(line.evaluate_on)))
        needs_outcome = self.meeting.kind == "notification" and not any(ln.kind == "outcome" for ln in written)
        return out, needs_outcome

    def _ask_finish(self) -> None:
        summary, needs_outcome = self.summary()
        self.app.push_screen(FinishDialog(summary, needs_outcome=needs_outcome), self._finish_confirmed)

    def _finish_confirmed(self, outcome: str | None) -> None:
        if outcome is None or self.meeting is None:
            return
        self._finish(self.store, self.app.staff, self.meeting_id, self.meeting.version,  # type: ignore[attr-defined]
                     outcome or None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="minutes-finish")
    def _finish(self, store: Store, staff: StaffRef, meeting_id: int, version: int, outcome: str | None) -> None:
        with self._write_lock:
            meeting = meetings.finish_minutes(store, staff, meeting_id, version=version, outcome=outcome)
        self.post_message(self.Finished(meeting))

    def on_minutes_screen_finished(self, message: Finished) -> None:
        message.stop()
        meeting = message.meeting
        self.meeting = meeting
        self.writable = False
        self._show_banner()
        self.query_one(AttendanceBar).show(meeting.invitees, False)
        for number in range(len(self.sections)):
            self._render_section(number)
        self._show_status()
        self.refresh_bindings()
        for screen in self.app.screen_stack:
            if screen is not self:
                screen.post_message(LogChanged(meeting.log_id))
        self.notify(_("The minutes are in the log's journal."), markup=False)
        self.app.push_screen(
            NextMeetingQuestion(_("Schedule the next meeting?"),
                                _("Press y to schedule it now, n to go back."), _("Yes"), _("No")),
            self._next_meeting)

    def _next_meeting(self, yes: bool | None) -> None:
        meeting = self.meeting
        if not yes or meeting is None:
            self._leave()
            return
        try:
            from relaytui.screens.meeting_form import ScheduleDialog
        except ImportError:
            self.notify(_("Scheduling is not available here yet; plan the next meeting from the planner."),
                        severity="warning", markup=False)
            self._leave()
            return
        kind = "evaluation" if meeting.kind == "notification" else meeting.kind
        self.app.push_screen(ScheduleDialog(meeting.log_id, kind=kind, suggested=meeting.starts_at + FOLLOW_UP),
                             lambda _result: self._leave())

