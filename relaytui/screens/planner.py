"""The planner (F5): my meetings across all my logs, a week at a time (R13).

The same week is shown two ways, switched with ``v``: seven day columns, Monday to Sunday,
and an agenda list. Left and right move the chosen day, ``[`` and ``]`` (or page up and down)
the week, ``t`` comes back to today. The holder of a meeting's log plans it from here and
opens its minutes; a colleague who is only invited reads it, and is told why the keys that
change it are not there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, get_current_worker

from relaytui.i18n import N_, _
from relaytui.i18n.formats import date_text, day_month_text
from relaytui.screens.log_meetings import (
    MEETING_ACTIONS,
    MEETING_KINDS,
    MeetingKeys,
    meeting_bindings,
    status_text,
)
from relaytui.screens.planner_week import (
    CANCELLED_STYLE,
    PlannerData,
    counts_text,
    local_day,
    meeting_lines,
    monday_of,
    week_title,
    weekday,
)
from relaytui.services import clock, installation, log_list, meetings, staff_calendar
from relaytui.ui.base import RelayScreen
from relaytui.ui.log_pane import label, literal
from relaytui.widgets.fitted_table import FittedTable
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.messages import OpenLog

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef

COLUMNS = (
    ("date", N_("Date")),
    ("time", N_("Time")),
    ("duration", N_("Duration")),
    ("subject", N_("Subject")),
    ("kind", N_("Kind")),
    ("place", N_("Place")),
    ("status", N_("Status")),
)
#: A new meeting is suggested at this hour of the chosen day.
SUGGESTED_HOUR = time(9, 0)
HELD_LOGS_PAGE = 200


class PlannerScreen(MeetingKeys, RelayScreen):
    """My meetings, a week at a time: as day columns or as a list. Given a log, new meetings
    are about that log; otherwise ``n`` first asks which of my logs."""

    CSS_PATH = "planner.tcss"
    AUTO_FOCUS = ""  # the week view takes its keys on the screen; the list takes the focus
    BINDINGS = [
        Binding(
            "left",
            "step_day(-1)",
            N_("Previous day"),
            id="planner.previous_day",
            priority=True,
            show=False,
            tooltip=N_("Choose the day before."),
        ),
        Binding(
            "right",
            "step_day(1)",
            N_("Next day"),
            id="planner.next_day",
            priority=True,
            show=False,
            tooltip=N_("Choose the day after."),
        ),
        Binding(
            "left_square_bracket,pageup",
            "step_week(-1)",
            N_("Previous week"),
            id="planner.previous_week",
            priority=True,
            tooltip=N_("Show the week before."),
        ),
        Binding(
            "right_square_bracket,pagedown",
            "step_week(1)",
            N_("Next week"),
            id="planner.next_week",
            priority=True,
            tooltip=N_("Show the week after."),
        ),
        Binding("t", "today", N_("Today"), id="planner.today", tooltip=N_("Go back to today.")),
        Binding(
            "v",
            "toggle_view",
            N_("Week/list"),
            id="planner.view",
            tooltip=N_("Switch between the week's day columns and the list of its meetings."),
        ),
        Binding(
            "up",
            "step_meeting(-1)",
            N_("Previous meeting"),
            id="planner.previous_meeting",
            show=False,
            tooltip=N_("Choose the meeting before on this day."),
        ),
        Binding(
            "down",
            "step_meeting(1)",
            N_("Next meeting"),
            id="planner.next_meeting",
            show=False,
            tooltip=N_("Choose the next meeting on this day."),
        ),
        Binding(
            "enter",
            "open_meeting",
            N_("Open"),
            id="planner.open",
            tooltip=N_(
                "Open the minutes of the chosen meeting (or its log, if you do not hold it)."
            ),
        ),
        Binding(
            "n",
            "schedule_meeting",
            N_("Schedule"),
            id="planner.schedule",
            tooltip=N_("Schedule a new meeting on the chosen day."),
        ),
        *meeting_bindings("planner"),
        Binding(
            "r",
            "refresh",
            N_("Refresh"),
            id="planner.refresh",
            show=False,
            tooltip=N_("Load the week again."),
        ),
    ]

    class Loaded(Message):
        def __init__(self, data: PlannerData) -> None:
            super().__init__()
            self.data = data

    def __init__(self, log_id: int | None = None) -> None:
        super().__init__()
        #: New meetings are about this log (the planner opened from a log), else one picked.
        self.log_id = log_id
        self.data: PlannerData | None = None
        self.chosen_day: date | None = None
        self.chosen_id: int | None = None
        self.view = "week"

    def compose(self) -> ComposeResult:
        with Vertical(id="planner-header"):
            yield Static("", id="planner-title", markup=False)
            yield Static("", id="planner-counts", markup=False)
        with Horizontal(id="planner-week"):
            for index in range(7):
                with Vertical(id=f"planner-day-{index}", classes="planner-day"):
                    yield Static("", classes="planner-day-head", markup=False)
                    yield Static("", classes="planner-day-body", markup=False)
        yield FittedTable(id="planner-agenda", cursor_type="row", zebra_stripes=True)
        yield Static("", id="planner-detail", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#planner-agenda", DataTable)
        for key, heading in COLUMNS:
            table.add_column(Text(_(heading)), key=key)
        self.load()

    def on_screen_resume(self) -> None:
        # Back from a dialog, the minutes or a log: what was changed there shows here.
        if self.data is not None:
            self.load()

    # --- loading -------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.load()

    def load(self) -> None:
        week = monday_of(self.chosen_day) if self.chosen_day is not None else None
        if self.data is None or week != self.data.week_start:
            self.query_one("#planner-week").loading = True
        self._load(self.store, self.staff, week)

    @work(thread=True, exclusive=True, exit_on_error=False, group="planner")
    def _load(self, store: Store, staff: StaffRef, week: date | None) -> None:
        worker = get_current_worker()
        tz = installation.read(store).timezone
        today = clock.today(tz)
        start = week or monday_of(today)
        midnight = datetime.combine(start, time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)
        # Eight days of UTC: a week that crosses a change to or from summer time is whole.
        found = staff_calendar.my_meetings(store, staff, start=midnight, days=8)
        held: list[log_list.LogSummary] = []
        after = None
        while True:
            page = log_list.list_page(
                store, staff, log_list.LogQuery(role="holder"), after=after, limit=HELD_LOGS_PAGE
            )
            held.extend(page.rows)
            after = page.next_cursor
            if after is None or not page.rows:
                break
        week_meetings = tuple(
            sorted(
                (m for m in found if 0 <= (local_day(m, tz) - start).days < 7),
                key=lambda m: (m.starts_at, m.id),
            )
        )
        if not worker.is_cancelled:
            self.post_message(
                self.Loaded(PlannerData(tz, today, start, week_meetings, tuple(held)))
            )

    def worker_failed(self, worker: Worker, message: str) -> None:
        self.query_one("#planner-week").loading = False
        super().worker_failed(worker, message)

    def on_planner_screen_loaded(self, message: Loaded) -> None:
        message.stop()
        data = self.data = message.data
        self.query_one("#planner-week").loading = False
        if self.chosen_day is None or monday_of(self.chosen_day) != data.week_start:
            self.chosen_day = (
                data.today if monday_of(data.today) == data.week_start else data.week_start
            )
        if self.chosen_meeting() is None:
            self._choose_first_of_day()
        self.show()

    # --- showing -------------------------------------------------------------------------

    def show(self) -> None:
        data = self.data
        if data is None or self.chosen_day is None:
            return
        self.set_class(self.view == "agenda", "-agenda")
        self.query_one("#planner-title", Static).update(Text(week_title(data.week_start)))
        self.query_one("#planner-counts", Static).update(Text(counts_text(data.meetings)))
        self._show_week(data)
        self._show_list(data)
        self._show_detail()
        self.refresh_bindings()

    def _show_week(self, data: PlannerData) -> None:
        for index in range(7):
            day = data.week_start + timedelta(days=index)
            column = self.query_one(f"#planner-day-{index}")
            column.set_class(day == data.today, "-today")
            column.set_class(day == self.chosen_day, "-chosen")
            head = Text(f"{weekday(day)} {day.day}", style="bold")  # the month is in the title
            head.append("\n")
            head.append(_("today") if day == data.today else "", style="italic")
            column.query_one(".planner-day-head", Static).update(head)
            body = Text(no_wrap=True, overflow="ellipsis")
            for number, meeting in enumerate(data.on_day(day)):
                if number:
                    body.append("\n\n")
                body.append_text(
                    meeting_lines(
                        meeting,
                        data.tz,
                        chosen=day == self.chosen_day and meeting.id == self.chosen_id,
                    )
                )
            column.query_one(".planner-day-body", Static).update(body)

    def _show_list(self, data: PlannerData) -> None:
        table = self.query_one("#planner-agenda", DataTable)
        table.clear()
        for meeting in data.meetings:
            local = clock.local(meeting.starts_at, data.tz)
            assert local is not None
            day = local.date()
            style = CANCELLED_STYLE if meeting.status == "cancelled" else ""
            when = f"{weekday(day)} {date_text(day)}"
            if day == data.today:
                when += " " + _("(today)")
            table.add_row(
                Text(when, style="bold" if day == self.chosen_day else ""),
                Text(f"{local:%H:%M}", style=style),
                Text(_("{minutes} min").format(minutes=meeting.duration_minutes), style=style),
                literal(meeting.subject_name),
                Text(label(MEETING_KINDS, meeting.kind), style=style),
                literal(meeting.place) if meeting.place else Text("-"),
                status_text(meeting),
                key=str(meeting.id),
            )
        if not data.meetings:
            table.add_row(
                Text(_("No meetings this week."), style="italic"), *[Text("")] * 6, key=""
            )
        elif self.chosen_id is not None and str(self.chosen_id) in table.rows:
            table.move_cursor(row=table.get_row_index(str(self.chosen_id)))

    def _show_detail(self) -> None:
        detail = self.query_one("#planner-detail", Static)
        meeting = self.chosen_meeting()
        data = self.data
        if meeting is None or data is None or self.chosen_day is None:
            day = self.chosen_day
            text = Text(
                _("No meeting on {day}.").format(day=f"{weekday(day)} {day_month_text(day)}")
                if day
                else "",
                style="italic",
            )
            detail.update(text)
            return
        local = clock.local(meeting.starts_at, data.tz)
        assert local is not None
        ends = local + timedelta(minutes=meeting.duration_minutes)
        text = literal(
            _("{kind} about {name}").format(
                kind=label(MEETING_KINDS, meeting.kind), name=meeting.subject_name
            )
        )
        text.stylize("bold")
        text.append(
            f"  {weekday(local.date())} {day_month_text(local.date())} {local:%H:%M}-{ends:%H:%M}"
        )
        if meeting.place:
            text.append("  ")
            text.append_text(literal(meeting.place))
        text.append("  ")
        text.append_text(status_text(meeting))
        names = ", ".join(i.name for i in meeting.invitees)
        if names:
            text.append("\n")
            text.append_text(literal(_("Invited: {names}").format(names=names)))
        if meeting.moved_reason and meeting.status == "planned":
            text.append("\n")
            text.append_text(literal(_("Moved: {reason}").format(reason=meeting.moved_reason)))
        text.append("\n")
        if self.holds(meeting):
            text.append(_("You hold this log: Enter opens the minutes."), style="italic")
        else:
            text.append(
                _(
                    "You are invited; only the holder of the log changes this meeting. Enter "
                    "opens the log."
                ),
                style="italic",
            )
        detail.update(text)

    # --- choosing ------------------------------------------------------------------------

    def chosen_meeting(self) -> meetings.MeetingView | None:
        if self.data is None or self.chosen_id is None:
            return None
        return next((m for m in self.data.meetings if m.id == self.chosen_id), None)

    def _choose_first_of_day(self) -> None:
        day = self.data.on_day(self.chosen_day) if self.data and self.chosen_day else []
        self.chosen_id = day[0].id if day else None

    def _go_to(self, day: date) -> None:
        self.chosen_day = day
        if self.data is None:
            return
        if monday_of(day) != self.data.week_start:
            self.chosen_id = None
            self.load()
            return
        self._choose_first_of_day()
        self.show()

    def action_step_day(self, step: int) -> None:
        if self.chosen_day is not None:
            self._go_to(self.chosen_day + timedelta(days=step))

    def action_step_week(self, step: int) -> None:
        if self.chosen_day is not None:
            self._go_to(self.chosen_day + timedelta(days=7 * step))

    def action_today(self) -> None:
        if self.data is not None:
            self._go_to(clock.today(self.data.tz))

    def action_step_meeting(self, step: int) -> None:
        if self.data is None or self.chosen_day is None:
            return
        ids = [m.id for m in self.data.on_day(self.chosen_day)]
        if not ids:
            return
        index = ids.index(self.chosen_id) + step if self.chosen_id in ids else 0
        self.chosen_id = ids[max(0, min(index, len(ids) - 1))]
        self.show()

    def action_toggle_view(self) -> None:
        self.view = "agenda" if self.view == "week" else "week"
        self.show()
        if self.view == "agenda":
            self.query_one("#planner-agenda", DataTable).focus()
        else:
            self.set_focus(None)

    @on(DataTable.RowHighlighted, "#planner-agenda")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value
        if self.view != "agenda" or not key or self.data is None:
            return
        meeting = next((m for m in self.data.meetings if str(m.id) == key), None)
        if meeting is not None and meeting.id != self.chosen_id:
            self.chosen_id = meeting.id
            self.chosen_day = self.data.day_of(meeting)
            self.show()

    @on(DataTable.RowSelected, "#planner-agenda")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_meeting()

    # --- the keys on a meeting -----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MEETING_ACTIONS or action == "explain_not_holder":
            return self.meeting_action_allowed(action)
        if action == "open_meeting":
            return True if self.chosen_meeting() is not None else None
        if action == "step_meeting":
            return self.view == "week"
        if action == "schedule_meeting":
            return self.data is not None
        return True

    def holds(self, meeting: meetings.MeetingView) -> bool:
        return self.data is not None and meeting.log_id in self.data.held_ids

    def why_not_holder(self, meeting: meetings.MeetingView | None) -> str:
        return _("Only the holder of the log changes this meeting; you are invited to it.")

    def open_read_only(self, meeting: meetings.MeetingView) -> None:
        self.post_message(OpenLog(meeting.log_id))

    def meeting_changed(self, log_id: int) -> None:
        self.load()

    def action_schedule_meeting(self) -> None:
        if self.data is None:
            return
        if self.log_id is not None:
            self._schedule(self.log_id)
            return
        if not self.data.held:
            self.notify(
                _("You hold no open log. A meeting is always about a log you hold."),
                severity="warning",
                markup=False,
            )
            return
        from relaytui.screens.meeting_log_picker import LogPickerDialog

        self.app.push_screen(LogPickerDialog(self.data.held), self._picked)

    def _picked(self, row: log_list.LogSummary | None) -> None:
        if row is not None:
            self._schedule(row.id)

    def _schedule(self, log_id: int) -> None:
        from relaytui.screens.meeting_form import ScheduleDialog

        assert self.data is not None and self.chosen_day is not None
        suggested = datetime.combine(self.chosen_day, SUGGESTED_HOUR, tzinfo=ZoneInfo(self.data.tz))
        self.app.push_screen(ScheduleDialog(log_id, suggested=suggested), self._scheduled)

    def _scheduled(self, meeting: meetings.MeetingView | None) -> None:
        if meeting is None or self.data is None:
            return
        self.chosen_day = local_day(meeting, self.data.tz)
        self.chosen_id = meeting.id
        self.load()
