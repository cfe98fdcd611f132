"""The planner's week (R13): the calendar's words, one week's meetings as the worker hands
them back, and how a meeting shows in a day column.

Plain text from the data: the screen (:mod:`relaytui.screens.planner`) lays it out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from rich.text import Text

from relaytui.i18n import N_, _, ngettext
from relaytui.screens.log_meetings import MEETING_KINDS, MEETING_STATUSES, status_text
from relaytui.services import clock, log_list, meetings
from relaytui.ui.log_pane import label, literal

WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)
CANCELLED_STYLE = "strike dim"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month(day: date) -> str:
    return _(MONTHS[day.month - 1])


def weekday(day: date) -> str:
    return _(WEEKDAYS[day.weekday()])


def week_title(start: date) -> str:
    """ "Week 48, 23-29 November 2026" (months and years named only where they change)."""
    end = start + timedelta(days=6)
    if start.month == end.month:
        span = _("{first}-{last} {month} {year}").format(
            first=start.day, last=end.day, month=month(end), year=end.year
        )
    elif start.year == end.year:
        span = _("{first} {first_month} - {last} {month} {year}").format(
            first=start.day, first_month=month(start), last=end.day, month=month(end), year=end.year
        )
    else:
        span = _("{first} {first_month} {first_year} - {last} {month} {year}").format(
            first=start.day,
            first_month=month(start),
            first_year=start.year,
            last=end.day,
            month=month(end),
            year=end.year,
        )
    return _("Week {week}, {span}").format(week=start.isocalendar().week, span=span)


def counts_text(found: tuple[meetings.MeetingView, ...]) -> str:
    """ "3 meetings this week: 2 planned, 1 cancelled."."""
    if not found:
        return _("No meetings this week.")
    parts = [
        f"{sum(m.status == status for m in found)} {label(MEETING_STATUSES, status)}"
        for status in MEETING_STATUSES
        if any(m.status == status for m in found)
    ]
    return ngettext(
        "{count} meeting this week: {parts}.", "{count} meetings this week: {parts}.", len(found)
    ).format(count=len(found), parts=", ".join(parts))


def local_day(meeting: meetings.MeetingView, tz: str) -> date:
    local = clock.local(meeting.starts_at, tz)
    assert local is not None
    return local.date()


@dataclass(frozen=True)
class PlannerData:
    """What the planner's worker hands back: one week, and the open logs I hold."""

    tz: str
    today: date
    week_start: date
    meetings: tuple[meetings.MeetingView, ...]
    held: tuple[log_list.LogSummary, ...]

    def day_of(self, meeting: meetings.MeetingView) -> date:
        return local_day(meeting, self.tz)

    def on_day(self, day: date) -> list[meetings.MeetingView]:
        return [m for m in self.meetings if self.day_of(m) == day]

    @property
    def held_ids(self) -> frozenset[int]:
        return frozenset(row.id for row in self.held)


def meeting_lines(meeting: meetings.MeetingView, tz: str, *, chosen: bool) -> Text:
    """One meeting in a day column: time, subject, kind, place (and why it was cancelled)."""
    local = clock.local(meeting.starts_at, tz)
    assert local is not None
    ends = local + timedelta(minutes=meeting.duration_minutes)
    cancelled = meeting.status == "cancelled"
    text = Text(f"{local:%H:%M}-{ends:%H:%M}", style="bold")
    for line in (
        literal(meeting.subject_name),
        Text(label(MEETING_KINDS, meeting.kind)),
        literal(meeting.place) if meeting.place else None,
    ):
        if line is not None:
            text.append("\n")
            text.append_text(line)
    if cancelled:
        text.stylize(CANCELLED_STYLE)
        text.append("\n")
        text.append_text(status_text(meeting))
    elif meeting.status == "held":
        text.append("\n")
        text.append(label(MEETING_STATUSES, "held"), style="italic")
    if chosen:
        text.stylize("reverse")
    return text
