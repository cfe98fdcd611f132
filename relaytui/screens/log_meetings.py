"""The meetings tab: the log's meetings, upcoming first, then the past ones, newest first.

Planning and running a meeting is its own screen (another issue); here they are read.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from relaytui.i18n import N_, _
from relaytui.screens.log_view import LogPane, date_time, label, literal
from relaytui.services import clock, installation, meetings

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

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


def in_order(found: list[meetings.MeetingView], now: datetime) -> list[meetings.MeetingView]:
    """Upcoming planned meetings, soonest first; then all others, newest first."""
    upcoming = [m for m in found if m.status == "planned" and m.starts_at >= now]
    rest = [m for m in found if m not in upcoming]
    return sorted(upcoming, key=lambda m: (m.starts_at, m.id)) + \
        sorted(rest, key=lambda m: (m.starts_at, m.id), reverse=True)


class MeetingsPane(LogPane):
    """Past and upcoming meetings of the log."""

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
        yield DataTable(id="meetings-table", cursor_type="row", zebra_stripes=True)

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
        ordered = in_order(list(message.found), message.now)
        self.found = tuple(ordered)
        table.clear()
        upcoming = 0
        for meeting in ordered:
            soon = meeting.status == "planned" and meeting.starts_at >= message.now
            upcoming += soon
            status = label(MEETING_STATUSES, meeting.status)
            if meeting.status == "cancelled" and meeting.cancel_reason:
                status = _("cancelled: {reason}").format(reason=meeting.cancel_reason)
            table.add_row(
                Text(date_time(meeting.starts_at, message.tz), style="bold" if soon else ""),
                Text(label(MEETING_KINDS, meeting.kind)),
                literal(meeting.place) if meeting.place else Text("-"),
                literal(status),
                key=str(meeting.id),
            )
        summary = self.query_one("#meetings-summary", Static)
        if not ordered:
            summary.update(Text(_("No meetings yet.")))
        else:
            summary.update(Text(_("{upcoming} upcoming, {past} held or past; upcoming first.").format(
                upcoming=upcoming, past=len(ordered) - upcoming)))
        self.focus_if_lost()
