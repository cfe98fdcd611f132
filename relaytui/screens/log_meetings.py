"""The meetings tab: the log's meetings, upcoming first, then the past ones, newest first.

The holder schedules, moves and cancels meetings here, edits their agenda, exports the
invitation and opens the minutes (R13); an actor reads them and is told why the keys are not
there. The keys that act on a chosen meeting are shared with the planner (F5):
:class:`MeetingKeys` holds them, so both places behave the same.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from relaytui.i18n import N_, _
from relaytui.services import clock, installation, meetings
from relaytui.ui.base import host_of
from relaytui.ui.log_pane import LogPane, date_time, label, literal
from relaytui.widgets.fitted_table import FittedTable
from relaytui.widgets.messages import LogChanged

if TYPE_CHECKING:
    from textual.widget import Widget

    from relaytui.db import Store
    from relaytui.services.access import StaffRef

    _MeetingKeysBase = Widget
else:
    _MeetingKeysBase = object

MEETING_KINDS = {
    "dialogue": N_("dialogue meeting"),
    "notification": N_("notification meeting"),
    "evaluation": N_("evaluation meeting"),
}
MEETING_STATUSES = {"planned": N_("planned"), "held": N_("held"), "cancelled": N_("cancelled")}
COLUMNS = (
    ("when", N_("When")),
    ("kind", N_("Kind")),
    ("place", N_("Place")),
    ("status", N_("Status")),
)
#: The keys that change a chosen meeting: only the holder of its log has them (R7).
MEETING_ACTIONS = frozenset({"move_meeting", "cancel_meeting", "edit_agenda", "export_invitation"})
READ_ONLY = N_("Why read only")
READ_ONLY_TIP = N_("Say why you cannot change this meeting.")


def in_order(found: list[meetings.MeetingView], now: datetime) -> list[meetings.MeetingView]:
    """Upcoming planned meetings, soonest first; then all others, newest first."""
    upcoming = [m for m in found if m.status == "planned" and m.starts_at >= now]
    rest = [m for m in found if m not in upcoming]
    return sorted(upcoming, key=lambda m: (m.starts_at, m.id)) + sorted(
        rest, key=lambda m: (m.starts_at, m.id), reverse=True
    )


def status_text(meeting: meetings.MeetingView) -> Text:
    """ "planned", "held", or "cancelled: <reason>" (the reason as typed, never markup)."""
    if meeting.status == "cancelled" and meeting.cancel_reason:
        return literal(_("cancelled: {reason}").format(reason=meeting.cancel_reason))
    return Text(label(MEETING_STATUSES, meeting.status))


def meeting_bindings(prefix: str) -> list[Binding]:
    """The keys on a chosen meeting, with ids under ``prefix`` (e.g. "planner.move"); a reader
    pressing one of them is told why nothing opens."""
    keys = [
        (
            "m",
            "move_meeting",
            N_("Move"),
            N_("Move the chosen meeting to another time, with the reason."),
        ),
        (
            "c",
            "cancel_meeting",
            N_("Cancel meeting"),
            N_("Cancel the chosen meeting, with the reason."),
        ),
        (
            "a",
            "edit_agenda",
            N_("Agenda"),
            N_("Edit and reorder the agenda of the chosen meeting."),
        ),
        (
            "i",
            "export_invitation",
            N_("Invitation"),
            N_("Save the invitation with its agenda as a calendar file and a letter."),
        ),
    ]
    found = [
        Binding(key, action, words, id=f"{prefix}.{action}", tooltip=tip)
        for key, action, words, tip in keys
    ]
    found += [
        Binding(
            key,
            "explain_not_holder",
            READ_ONLY,
            show=False,
            id=f"{prefix}.{action}.refused",
            tooltip=READ_ONLY_TIP,
        )
        for key, action, _words, _tip in keys
    ]
    return found


def write_invitation(
    store: Store, staff: StaffRef, meeting: meetings.MeetingView
) -> tuple[Path, Path]:
    """Export the invitation as an .ics file and a plain-text letter; returns both paths.

    Runs in a worker thread. The files name the child (the letter in full), so only their
    owner may read them.
    """
    from relaytui.services import invitations

    tz = installation.read(store).timezone
    calendar = invitations.ics(store, staff, meeting.id)
    letter = invitations.letter(store, staff, meeting.id)
    ics_path = invitations.default_path(meeting, "ics", tz)
    letter_path = invitations.default_path(meeting, "txt", tz)
    for path, content in ((ics_path, calendar), (letter_path, letter.encode("utf-8"))):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.write_bytes(content)
    return ics_path, letter_path


class MeetingKeys(_MeetingKeysBase):
    """Open, move, cancel, edit the agenda of, and export the invitation to the chosen meeting.

    Shared by the log's Meetings tab and the planner. The host says which meeting is chosen,
    whether the user holds its log, why not, and what to do after a change.
    """

    def chosen_meeting(self) -> meetings.MeetingView | None:
        raise NotImplementedError

    def holds(self, meeting: meetings.MeetingView) -> bool:
        """Whether the user holds the meeting's log (and so may change the meeting)."""
        raise NotImplementedError

    def why_not_holder(self, meeting: meetings.MeetingView | None) -> str:
        raise NotImplementedError

    def meeting_changed(self, log_id: int) -> None:
        """A dialog or the minutes changed a meeting of ``log_id``: load again."""
        raise NotImplementedError

    def open_read_only(self, meeting: meetings.MeetingView) -> None:
        """Enter on a meeting whose minutes the user cannot write."""
        self.notify(self.why_not_holder(meeting), severity="warning", markup=False)

    def meeting_action_allowed(self, action: str) -> bool | None:
        """check_action for the meeting keys: the holder's keys, or the explanation for others.

        The footer shows only keys that can act: with no meeting chosen (an empty list), or
        for a reader who does not hold the meeting's log, Move, Cancel, Agenda and Invitation
        are hidden (False), not shown greyed."""
        meeting = self.chosen_meeting()
        if action == "explain_not_holder":
            return meeting is not None and not self.holds(meeting)
        if meeting is None:
            return False
        return self.holds(meeting)

    def _after(self, result: meetings.MeetingView | None) -> None:
        """The dialogs dismiss with the meeting as it now is, or None when nothing changed."""
        if result is not None:
            self.meeting_changed(result.log_id)

    def _push(self, dialog: Any, callback: Callable[[Any], None] | None = None) -> None:
        self.app.push_screen(dialog, callback or self._after)

    def action_explain_not_holder(self) -> None:
        self.notify(self.why_not_holder(self.chosen_meeting()), severity="warning", markup=False)

    def action_open_meeting(self) -> None:
        meeting = self.chosen_meeting()
        if meeting is None:
            return
        if meeting.status == "cancelled" or not self.holds(meeting):
            self.open_read_only(meeting)
            return
        from relaytui.screens.minutes import MinutesScreen

        log_id = meeting.log_id
        self._push(MinutesScreen(meeting.id), lambda _result: self.meeting_changed(log_id))

    def _planned(self, meeting: meetings.MeetingView | None, refused: str) -> bool:
        if meeting is None or not self.holds(meeting):
            return False
        if meeting.status != "planned":
            self.notify(refused, severity="warning", markup=False)
            return False
        return True

    def action_move_meeting(self) -> None:
        meeting = self.chosen_meeting()
        if self._planned(meeting, _("Only a planned meeting can be moved.")):
            from relaytui.screens.meeting_changes import RescheduleDialog

            self._push(RescheduleDialog(meeting))

    def action_cancel_meeting(self) -> None:
        meeting = self.chosen_meeting()
        if self._planned(meeting, _("Only a planned meeting can be cancelled.")):
            from relaytui.screens.meeting_changes import CancelMeetingDialog

            self._push(CancelMeetingDialog(meeting))

    def action_edit_agenda(self) -> None:
        meeting = self.chosen_meeting()
        if meeting is None or not self.holds(meeting):
            return
        if meeting.minutes_finished_at is not None or meeting.status == "cancelled":
            self.notify(
                _("The minutes are finished; the agenda can no longer change.")
                if meeting.status == "held"
                else _("A cancelled meeting has no agenda to change."),
                severity="warning",
                markup=False,
            )
            return
        from relaytui.screens.meeting_changes import AgendaDialog

        self._push(AgendaDialog(meeting))

    def action_export_invitation(self) -> None:
        meeting = self.chosen_meeting()
        if meeting is None or not self.holds(meeting):
            return
        host = host_of(self)
        self._export(host.store, cast("StaffRef", host.staff), meeting)

    @work(thread=True, exclusive=True, exit_on_error=False, group="invitation")
    def _export(self, store: Store, staff: StaffRef, meeting: meetings.MeetingView) -> None:
        ics_path, letter_path = write_invitation(store, staff, meeting)
        self.app.call_from_thread(
            self.notify,
            _("Invitation saved as a calendar file, {ics}, and a letter, {letter}.").format(
                ics=str(ics_path), letter=str(letter_path)
            ),
            markup=False,
            timeout=12,
        )


class MeetingsPane(MeetingKeys, LogPane):
    """Past and upcoming meetings of the log, with the holder's keys to plan them."""

    BINDINGS = [
        Binding(
            "n",
            "schedule_meeting",
            N_("Schedule"),
            id="meetings.schedule",
            tooltip=N_("Schedule a meeting about this log."),
        ),
        Binding(
            "n",
            "explain_not_holder",
            READ_ONLY,
            show=False,
            id="meetings.schedule.refused",
            tooltip=READ_ONLY_TIP,
        ),
        *meeting_bindings("meetings"),
    ]

    class Loaded(Message):
        def __init__(self, found: tuple[meetings.MeetingView, ...], tz: str, now: datetime) -> None:
            super().__init__()
            self.found = found
            self.tz = tz
            self.now = now

    def __init__(self, log_id: int, *, id: str | None = None) -> None:
        super().__init__(log_id, id=id)
        self.found: tuple[meetings.MeetingView, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="meetings-summary", markup=False)
        yield FittedTable(id="meetings-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#meetings-table", DataTable)
        for key, heading in COLUMNS:
            table.add_column(Text(_(heading)), key=key)

    def load(self) -> None:
        self.query_one("#meetings-table").loading = True
        self._load(self.store, self.staff, self.log_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="meetings")
    def _load(self, store: Store, staff: StaffRef, log_id: int) -> None:
        worker = get_current_worker()
        tz = installation.read(store).timezone
        found = tuple(meetings.list_meetings(store, staff, log_id))
        if not worker.is_cancelled:
            self.post_message(self.Loaded(found, tz, clock.now()))

    def worker_done(self) -> None:
        self.query_one("#meetings-table").loading = False

    def on_meetings_pane_loaded(self, message: Loaded) -> None:
        message.stop()
        table = self.query_one("#meetings-table", DataTable)
        table.loading = False
        current = self.chosen_meeting()
        ordered = in_order(list(message.found), message.now)
        self.found = tuple(ordered)
        table.clear()
        upcoming = 0
        for meeting in ordered:
            soon = meeting.status == "planned" and meeting.starts_at >= message.now
            upcoming += soon
            table.add_row(
                Text(date_time(meeting.starts_at, message.tz), style="bold" if soon else ""),
                Text(label(MEETING_KINDS, meeting.kind)),
                literal(meeting.place) if meeting.place else Text("-"),
                status_text(meeting),
                key=str(meeting.id),
            )
        if current is not None and str(current.id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(current.id)))
        summary = self.query_one("#meetings-summary", Static)
        if not ordered:
            summary.update(Text(_("No meetings yet.")))
        else:
            summary.update(
                Text(
                    _("{upcoming} upcoming, {past} held or past; upcoming first.").format(
                        upcoming=upcoming, past=len(ordered) - upcoming
                    )
                )
            )
        self.refresh_bindings()
        self.focus_if_lost()

    # --- the meeting keys ------------------------------------------------------------------

    def chosen_meeting(self) -> meetings.MeetingView | None:
        if not self.found or not self.is_mounted:
            return None
        table = self.query_one("#meetings-table", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((m for m in self.found if str(m.id) == key), None)

    def holds(self, meeting: meetings.MeetingView) -> bool:
        return self.holds_log

    def why_not_holder(self, meeting: meetings.MeetingView | None) -> str:
        if self.detail is not None and self.detail.why_read_only:
            return self.detail.why_read_only
        return _("You can read this log, but not write in it.")

    def meeting_changed(self, log_id: int) -> None:
        self.post_message(LogChanged(self.log_id))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "schedule_meeting":
            return self.holds_log
        if action == "explain_not_holder":
            return self.detail is not None and not self.holds_log
        if action in MEETING_ACTIONS:
            return self.meeting_action_allowed(action)
        return True

    @property
    def holds_log(self) -> bool:
        return self.detail is not None and self.detail.can_write

    def action_schedule_meeting(self) -> None:
        if not self.holds_log:
            return
        from relaytui.screens.meeting_form import ScheduleDialog

        self._push(ScheduleDialog(self.log_id))

    @on(DataTable.RowHighlighted, "#meetings-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()

    @on(DataTable.RowSelected, "#meetings-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_meeting()
