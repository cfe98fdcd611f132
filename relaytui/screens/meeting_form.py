"""Scheduling a meeting (R13), and the frame of every meeting dialog.

The dialogs that the planner (F5) and the log view's Meetings tab open (moving, cancelling and
the agenda are in :mod:`relaytui.screens.meeting_changes`; choosing the log first is in
:mod:`relaytui.screens.meeting_log_picker`). They live in the frame
of the writing dialogs (:class:`~relaytui.ui.dialogs.WritingDialog`): Ctrl+S saves in a thread, Escape
closes, a refusal is shown in the form and what was typed stays. Each dismisses with the
meeting as it now is, or None when nothing changed.

Times are typed in the installation's time zone (YYYY-MM-DD and HH:MM) and sent to the
services as aware moments. A clash with another meeting of the holder or an invited colleague
is a warning, never a block: it is looked up while typing, and saving anyway takes a second
Ctrl+S.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import (
    Input,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.worker import get_current_worker

from relaytui.errors import DomainError
from relaytui.i18n import _
from relaytui.screens.effort_forms import ROLE_WORDS
from relaytui.screens.log_meetings import MEETING_KINDS
from relaytui.services import clock, installation, logs, meetings, staff_calendar
from relaytui.services.meetings import GuestInput, MeetingView
from relaytui.ui.dialogs import WritingDialog
from relaytui.ui.forms import FormError, field, form_row, read_date
from relaytui.ui.log_pane import label, literal
from relaytui.widgets.choice import Choice
from relaytui.widgets.toggles import MarkedSelectionList

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

TIME_PATTERN = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
#: How long typing must pause before the clash check runs (seconds).
CONFLICT_DELAY = 0.3
DEFAULT_DURATION = 60
DEFAULT_HOUR = time(9, 0)


# --- reading and showing times ---------------------------------------------------------------


def read_time(value: str, *, field: str) -> time:
    """A time typed as HH:MM (or H:MM)."""
    found = TIME_PATTERN.fullmatch((value or "").strip())
    if found is None:
        raise FormError(_("Type the time as HH:MM, for example 09:30."), field)
    return time(int(found[1]), int(found[2]))


def read_duration(value: str, *, field: str) -> int:
    text = (value or "").strip()
    if not text.isdigit() or not 5 <= int(text) <= 8 * 60:
        raise FormError(_("Type how long the meeting lasts in minutes, from 5 to 480."), field)
    return int(text)


def read_when(
    day_text: str, time_text: str, tz: str, *, day_field: str, time_field: str
) -> datetime:
    """The date and time typed in the installation's time zone, as an aware moment in UTC."""
    day = read_date(
        day_text,
        _("Type the date as YYYY-MM-DD, for example {example}."),
        example=clock.today(tz),
        field=day_field,
    )
    assert day is not None
    at = read_time(time_text, field=time_field)
    return datetime.combine(day, at, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def clock_span(starts_at: datetime, minutes: int, tz: str) -> str:
    """ "10:00-11:00" in the installation's time zone."""
    local = clock.local(starts_at, tz)
    assert local is not None
    return f"{local:%H:%M}-{local + timedelta(minutes=minutes):%H:%M}"


def conflicts_text(found: Sequence[staff_calendar.Conflict], tz: str) -> str:
    """One line for each person already booked: "Bent Berg already has a meeting 10:00-11:00."."""
    return "\n".join(
        "! "
        + _("{name} already has a meeting {time}.").format(
            name=c.staff_name, time=clock_span(c.starts_at, c.duration_minutes, tz)
        )
        for c in found
    )


def meeting_summary(meeting: MeetingView, tz: str) -> Text:
    """The meeting a form is about: kind and subject, then when and where, as it is now."""
    text = literal(
        _("{kind} about {name}").format(
            kind=label(MEETING_KINDS, meeting.kind), name=meeting.subject_name
        )
    )
    text.stylize("bold")
    local = clock.local(meeting.starts_at, tz)
    assert local is not None
    text.append("\n")
    text.append(f"{local:%Y-%m-%d} {clock_span(meeting.starts_at, meeting.duration_minutes, tz)}")
    if meeting.place:
        text.append(", ")
        text.append_text(literal(meeting.place))
    return text


def default_agenda(kind: str) -> str:
    """The default agenda of a kind of meeting, one item a line, in the user's language."""
    return "\n".join(_(title) for title in meetings.DEFAULT_AGENDA.get(kind, ()))


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def read_guests(text: str) -> tuple[GuestInput, ...]:
    """Guests typed one a line as "Name, role, e-mail" (the role and the address may be left
    out; the address is the part with an @)."""
    guests = []
    for line in lines_of(text):
        name, _comma, rest = line.partition(",")
        parts = [part.strip() for part in rest.split(",")]
        email = parts.pop() if parts and "@" in parts[-1] else ""
        if name.strip():
            guests.append(
                GuestInput(name.strip(), ", ".join(part for part in parts if part), email)
            )
    return tuple(guests)


@dataclass(frozen=True)
class Slot:
    """A time and the staff who would be booked then: what the clash check looks at."""

    starts_at: datetime
    duration_minutes: int
    staff_ids: tuple[int, ...]


class Clash(DomainError):
    """Someone is booked already and the user has not yet chosen to save anyway."""


def find_conflicts(
    store: Store, staff: StaffRef, slot: Slot, exclude_meeting_id: int | None
) -> list[staff_calendar.Conflict]:
    return staff_calendar.conflicts(
        store,
        staff,
        starts_at=slot.starts_at,
        duration_minutes=slot.duration_minutes,
        staff_ids=slot.staff_ids,
        exclude_meeting_id=exclude_meeting_id,
    )


# --- the frame -------------------------------------------------------------------------------


class MeetingDialog(WritingDialog):
    """A form about a meeting: reads the time zone (and what the form offers) in a thread
    before it can save, warns of clashes while typing, and dismisses with the meeting."""

    CSS_PATH = ["log_panes.tcss", "meeting_form.tcss"]

    def __init__(self, *, exclude_meeting_id: int | None = None) -> None:
        super().__init__()
        self.tz: str | None = None
        #: The meeting as the service returned it after the write.
        self.saved: MeetingView | None = None
        self.exclude_meeting_id = exclude_meeting_id
        self._conflict_timer: Timer | None = None
        #: The slot whose clashes were shown on a save: a second save goes ahead.
        self._accepted: Slot | None = None

    def on_mount(self) -> None:
        self.query_one(".log-dialog").mount(
            Static("", id="meeting-conflicts", classes="meeting-warning", markup=False),
            before="#log-dialog-error",
        )
        self.busy = True
        self._prepare(self.store, self.staff)

    @work(thread=True, exclusive=True, exit_on_error=False, group="meeting-dialog-load")
    def _prepare(self, store: Store, staff: StaffRef) -> None:
        tz = installation.read(store).timezone
        extra = self.load_extra(store, staff)
        self.app.call_from_thread(self._prepared, tz, extra)

    def _prepared(self, tz: str, extra: Any) -> None:
        self.tz = tz
        self.busy = False
        self.ready(tz, extra)
        self.conflicts_may_have_changed()

    def load_extra(self, store: Store, staff: StaffRef) -> Any:
        """More to read before the form is filled (runs in the worker thread)."""
        return None

    def ready(self, tz: str, extra: Any) -> None:
        """Fill the form, now that the time zone is known."""

    def not_ready(self) -> FormError:
        return FormError(_("The form is still loading; try again in a moment."))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def written(self, result: Any) -> None:
        self.dismiss(self.saved)

    # --- clashes ---------------------------------------------------------------------------

    def slot(self) -> Slot | None:
        """The slot the form describes now, or None while it is not complete."""
        return None

    def quiet_slot(self) -> Slot | None:
        try:
            return self.slot()
        except FormError:
            return None

    def conflicts_may_have_changed(self) -> None:
        """Look for clashes once typing pauses."""
        if self.tz is None:
            return
        if self._conflict_timer is not None:
            self._conflict_timer.stop()
        self._conflict_timer = self.set_timer(CONFLICT_DELAY, self._check_conflicts)

    def _check_conflicts(self) -> None:
        slot = self.quiet_slot()
        if slot is None:
            self.show_conflicts(None, [])
            return
        self._find(self.store, self.staff, slot)

    @work(thread=True, exclusive=True, exit_on_error=False, group="meeting-conflicts")
    def _find(self, store: Store, staff: StaffRef, slot: Slot) -> None:
        try:
            found = find_conflicts(store, staff, slot, self.exclude_meeting_id)
        except DomainError:
            found = []  # the save says what is wrong with the time
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_conflicts, slot, found)

    def show_conflicts(self, slot: Slot | None, found: Sequence[staff_calendar.Conflict]) -> None:
        if slot is not None and slot != self.quiet_slot():
            return  # the form has moved on; another check is on its way
        line = self.query_one("#meeting-conflicts", Static)
        line.update(Text(conflicts_text(found, self.tz or "UTC")))
        line.display = bool(found)

    def check_clash(self, store: Store, staff: StaffRef, slot: Slot) -> None:
        """Before a write (in its thread): a clash not yet shown on a save stops this save."""
        if slot == self._accepted:
            return
        found = find_conflicts(store, staff, slot, self.exclude_meeting_id)
        if found:
            self._accepted = slot
            self.app.call_from_thread(self.show_conflicts, slot, found)
            raise Clash(
                _(
                    "Someone is already booked at that time (see above). Press Ctrl+S again "
                    "to save anyway, or change the time."
                )
            )


# --- scheduling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewMeeting:
    """The schedule form, checked."""

    kind: str
    slot: Slot
    place: str
    staff_ids: tuple[int, ...]
    guests: tuple[GuestInput, ...]
    agenda: tuple[str, ...]
    guardian_ids: tuple[int, ...] = ()
    invite_subject: bool = False


class ScheduleDialog(MeetingDialog):
    """The holder convenes a meeting: kind, time, place, invitees from the log's actors plus
    guests, and the agenda (the kind's default, editable). Dismisses with the new meeting."""

    def __init__(
        self, log_id: int, *, kind: str = "dialogue", suggested: datetime | None = None
    ) -> None:
        super().__init__()
        self.log_id = log_id
        self.kind = kind if kind in meetings.KINDS else "dialogue"
        self.suggested = suggested
        self.detail: logs.LogDetail | None = None
        #: What each choice of the invitee list stands for: a colleague, a guardian, the subject
        #: or another person who reads along.
        self.invitable: dict[str, meetings.Invitable] = {}

    def heading(self) -> str:
        return _("Schedule a meeting")

    def form(self) -> ComposeResult:
        yield Static("", id="schedule-about", classes="log-dialog-note", markup=False)
        yield form_row(
            _("Kind"),
            Choice(
                [(Text(label(MEETING_KINDS, kind)), kind) for kind in meetings.KINDS],
                value=self.kind,
                allow_blank=False,
                id="schedule-kind",
                compact=True,
            ),
        )
        yield form_row(
            _("Date"), field(id="schedule-date", max_length=10, placeholder="YYYY-MM-DD")
        )
        yield form_row(_("Time"), field(id="schedule-time", max_length=5, placeholder="HH:MM"))
        # The meeting's length: "Duration", not "Minutes", which is the record of a meeting.
        yield form_row(
            _("Duration"), field(str(DEFAULT_DURATION), id="schedule-duration", max_length=3)
        )
        yield form_row(
            _("Place or video link"),
            field(
                id="schedule-place",
                max_length=500,
                placeholder=_("e.g. Meeting room 2, or a video link"),
            ),
        )
        yield form_row(
            _("Invite"),
            MarkedSelectionList[str](
                id="schedule-invitees", classes="meeting-invitees", compact=True
            ),
        )
        yield form_row(
            _("Guests"),
            TextArea(
                id="schedule-guests",
                classes="meeting-lines",
                soft_wrap=True,
                placeholder=_("One a line: name, role, e-mail"),
            ),
        )
        yield Static("", id="schedule-guest-hint", classes="log-dialog-note", markup=False)
        yield form_row(
            _("Agenda"),
            TextArea(
                default_agenda(self.kind),
                id="schedule-agenda",
                classes="meeting-lines",
                soft_wrap=True,
            ),
        )

    def load_extra(
        self, store: Store, staff: StaffRef
    ) -> tuple[logs.LogDetail, list[meetings.Invitable]]:
        return logs.get_log(store, staff, self.log_id), meetings.invitable(
            store, staff, self.log_id
        )

    def ready(self, tz: str, extra: tuple[logs.LogDetail, list[meetings.Invitable]]) -> None:
        detail, people = extra
        self.detail = detail
        about = Text(_("About") + " ")
        about.append_text(literal(detail.subject_name))
        about.append(f" ({detail.national_number_masked})")
        self.query_one("#schedule-about", Static).update(about)
        if not detail.can_write:
            self.show_error(detail.why_read_only or _("Only the holder schedules meetings."))
        when = self.suggested or datetime.combine(
            clock.today(tz) + timedelta(days=1), DEFAULT_HOUR, tzinfo=ZoneInfo(tz)
        )
        local = when.astimezone(ZoneInfo(tz))
        for selector, value in (
            ("#schedule-date", f"{local:%Y-%m-%d}"),
            ("#schedule-time", f"{local:%H:%M}"),
        ):
            box = self.query_one(selector, Input)
            if not box.value:
                box.value = value
        choices = self.query_one("#schedule-invitees", SelectionList)
        for index, person in enumerate(people):
            key = f"{person.kind}-{person.id if person.id is not None else index}"
            self.invitable[key] = person
            what = label(ROLE_WORDS, person.what) if person.kind == "person" else person.what
            prompt = literal(person.name)
            details = ", ".join(part for part in (what, person.email) if part)
            if details:
                prompt.append_text(literal(f" ({details})"))
            choices.add_option((prompt, key))
        if self.invitable:
            choices.highlighted = 0
        else:
            choices.parent.display = False  # nobody reads along yet: guests only
        self._show_guest_hint()

    # --- changes while typing --------------------------------------------------------------

    @on(Select.Changed, "#schedule-kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        kind = str(event.value)
        agenda = self.query_one("#schedule-agenda", TextArea)
        if lines_of(agenda.text) == lines_of(default_agenda(self.kind)):
            agenda.load_text(default_agenda(kind))  # not edited yet: follow the kind
        self.kind = kind
        self._show_guest_hint()

    def _show_guest_hint(self) -> None:
        hint = self.query_one("#schedule-guest-hint", Static)
        if self.kind == "notification":
            hint.update(
                Text(
                    _(
                        "A notification meeting has a social worker from the family department: "
                        'add them as a guest, e.g. "Name, social worker, family department".'
                    )
                )
            )
        hint.display = self.kind == "notification"

    @on(Input.Changed, "#schedule-date, #schedule-time, #schedule-duration")
    @on(SelectionList.SelectedChanged, "#schedule-invitees")
    def _slot_changed(self) -> None:
        self.conflicts_may_have_changed()

    @on(Input.Submitted, "#schedule-place")
    def _place_entered(self, event: Input.Submitted) -> None:
        """Enter in the place goes on to the invitees; Ctrl+S saves."""
        event.stop()
        event.prevent_default()
        self.focus_next()

    # --- saving ----------------------------------------------------------------------------

    def chosen(self) -> list[meetings.Invitable]:
        return [
            self.invitable[key]
            for key in self.query_one("#schedule-invitees", SelectionList).selected
            if key in self.invitable
        ]

    def invited(self) -> tuple[tuple[int, ...], tuple[GuestInput, ...]]:
        """The colleagues chosen, and the other people who read along, who come as guests."""
        chosen = self.chosen()
        return (
            tuple(c.id for c in chosen if c.kind == "staff" and c.id is not None),
            tuple(
                GuestInput(c.name, label(ROLE_WORDS, c.what)) for c in chosen if c.kind == "person"
            ),
        )

    def slot(self) -> Slot | None:
        if self.tz is None:
            raise self.not_ready()
        starts_at = read_when(
            self.value("#schedule-date"),
            self.value("#schedule-time"),
            self.tz,
            day_field="schedule-date",
            time_field="schedule-time",
        )
        duration = read_duration(self.value("#schedule-duration"), field="schedule-duration")
        staff_ids, _guests = self.invited()
        me = self.staff.id
        return Slot(starts_at, duration, (me, *staff_ids))

    def read_form(self) -> NewMeeting:
        if self.detail is None:
            raise self.not_ready()
        slot = self.slot()
        assert slot is not None
        staff_ids, chosen_guests = self.invited()
        guests = chosen_guests + read_guests(self.query_one("#schedule-guests", TextArea).text)
        agenda = tuple(lines_of(self.query_one("#schedule-agenda", TextArea).text))
        if not agenda:
            raise FormError(
                _("An agenda needs at least one item: write one a line."), "schedule-agenda"
            )
        chosen = self.chosen()
        return NewMeeting(
            str(self.query_one("#schedule-kind", Select).value),
            slot,
            self.value("#schedule-place").strip(),
            staff_ids,
            guests,
            agenda,
            guardian_ids=tuple(c.id for c in chosen if c.kind == "guardian" and c.id is not None),
            invite_subject=any(c.kind == "subject" for c in chosen),
        )

    def write(self, store: Store, staff: StaffRef, values: NewMeeting) -> None:
        self.check_clash(store, staff, values.slot)
        self.saved = meetings.schedule(
            store,
            staff,
            self.log_id,
            kind=values.kind,
            starts_at=values.slot.starts_at,
            duration_minutes=values.slot.duration_minutes,
            place=values.place,
            invitee_staff_ids=values.staff_ids,
            guests=values.guests,
            agenda=values.agenda,
            guardian_ids=values.guardian_ids,
            invite_subject=values.invite_subject,
        )
