"""The minutes of a meeting, written live by the holder while everyone talks (R13).

A caseworker types while listening, so the editor is made for the keyboard and for speed, and
it never loses a line: the line being typed is a draft in the database no later than two
seconds after the last key (and at once on Enter, on a change of section and on leaving). If
the terminal dies, opening the meeting again shows the draft exactly as it was.

Saving runs in thread workers through the draft (:mod:`.draft`), one writer at a time, and
every save sends the latest text of its line. The keys that change the text are in
:mod:`.editing`; this screen loads the meeting, saves, shows where saving stands, and leaves
or finishes once everything is saved.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, get_current_worker

from relaytui.errors import DomainError
from relaytui.i18n import _, ngettext
from relaytui.i18n.formats import date_text, local_date_time, time_text
from relaytui.screens.effort_forms import FOLLOW_UP, Responsible, responsible_choices
from relaytui.screens.log_meetings import MEETING_KINDS
from relaytui.screens.minutes.dialogs import FinishDialog, NextMeetingQuestion
from relaytui.screens.minutes.draft import MinutesDraft, SaveResult
from relaytui.screens.minutes.editing import MinutesEditing
from relaytui.screens.minutes.keys import MINUTES_BINDINGS, WRITER_ACTIONS
from relaytui.screens.minutes.widgets import (
    AttendanceBar,
    SectionView,
    local_time,
    who_is_responsible,
)
from relaytui.services import clock, installation, log_actors, logs, meetings
from relaytui.ui.base import after_typed_keys, generic_error
from relaytui.ui.log_pane import label, literal
from relaytui.ui.steady import SteadyStatic
from relaytui.widgets.footer import KeyFooter
from relaytui.widgets.messages import LogChanged
from relaytui.widgets.writing_hints import WritingHints

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services.access import StaffRef


@dataclass(frozen=True)
class MinutesData:
    """What the loading worker hands back."""

    timezone: str
    meeting: meetings.MeetingView
    can_write: bool
    why_read_only: str | None
    choices: tuple[Responsible, ...]


#: Minutes may be taken from a little before the planned start; beyond this, finishing warns.
NOT_BEGUN = timedelta(hours=1)


class MinutesScreen(MinutesEditing):
    """The minutes of one meeting: attendance at the top, one section per agenda item."""

    CSS_PATH = "minutes.tcss"
    AUTO_FOCUS = ""
    #: The line's field takes the focus once the meeting is loaded: keys typed before wait for it.
    TYPEAHEAD = True
    BINDINGS = MINUTES_BINDINGS

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
        self.draft = MinutesDraft(meeting_id, unexpected=self._save_failed)
        self._saving = 0
        self._error: str | None = None
        self._saved_at: datetime | None = None
        self._then: str | None = None  # "leave" or "finish" once everything is saved
        self._leave_anyway = False
        self._staff: StaffRef | None = None

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="minutes-head"):
            yield Static(_("Loading the meeting…"), id="minutes-title", markup=False)
            yield SteadyStatic("", id="minutes-status", markup=False)
        yield Static("", id="minutes-banner", markup=False)
        yield AttendanceBar(id="minutes-attendance")
        yield VerticalScroll(id="minutes-sections", can_focus=False)
        yield WritingHints(id="minutes-hints")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#minutes-banner").display = False
        self.query_one("#minutes-attendance").display = False
        self._staff = self.staff
        self._load(self.store, self.staff, self.meeting_id)

    # --- loading -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="minutes-load")
    def _load(self, store: Store, staff: StaffRef, meeting_id: int) -> None:
        worker = get_current_worker()
        tz = installation.read(store).timezone
        meeting = meetings.get_meeting(store, staff, meeting_id)
        detail = logs.get_log(store, staff, meeting.log_id)
        choices: tuple[Responsible, ...] = ()
        if detail.can_write:
            choices = responsible_choices(
                detail, log_actors.list_actors(store, staff, meeting.log_id)
            )
        if not worker.is_cancelled:
            self.post_message(
                self.Loaded(
                    MinutesData(tz, meeting, detail.can_write, detail.why_read_only, choices)
                )
            )

    def worker_failed(self, worker: Worker, message: str) -> None:
        if worker.group == "minutes-load":
            self._banner(Text(message, style="bold red"))
            self.query_one("#minutes-title", Static).update(
                Text(_("The meeting cannot be opened."))
            )
        super().worker_failed(worker, message)

    async def on_minutes_screen_loaded(self, message: Loaded) -> None:
        message.stop()
        self.data = data = message.data
        meeting = data.meeting
        self.meeting = meeting
        self.tz = data.timezone
        self.writable = (
            data.can_write and meeting.status == "planned" and meeting.minutes_finished_at is None
        )
        self.names = {i.staff_id: i.name for i in meeting.invitees if i.staff_id is not None}
        self.names.update({c.staff_id: c.label for c in data.choices if c.staff_id is not None})
        self._show_head()
        self.current = self.draft.restore(meeting)
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
        title.append(
            "  ·  "
            + label(MEETING_KINDS, meeting.kind)
            + "  ·  "
            + f"{date_text(start.date())} {time_text(start)}–{time_text(end)}"
        )
        if meeting.place:
            title.append("  ·  ")
            title.append_text(literal(meeting.place))
        self.query_one("#minutes-title", Static).update(title)

    def _show_banner(self) -> None:
        meeting, data = self.meeting, self.data
        assert meeting is not None and data is not None
        written = [n for n in meeting.notes if n.text.strip()]
        if meeting.minutes_finished_at is not None or meeting.status == "held":
            text = Text(
                _(
                    "These minutes are finished: they are in the log's journal and can no longer "
                    "change."
                ),
                style="bold",
            )
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
            text = Text(
                ngettext(
                    "Draft restored: {count} line from {time}.",
                    "Draft restored: {count} lines, the last from {time}.",
                    len(written),
                ).format(count=len(written), time=local_time(last, self.tz)),
                style="bold",
            )
            text.append(" " + _("Go on where you left off."))
            if any(n.typing for n in written):
                text.append(
                    " " + _("The line you were typing is back in its field; Enter ends it.")
                )
        else:
            return
        self._banner(text)

    def _banner(self, text: Text) -> None:
        banner = self.query_one("#minutes-banner", Static)
        banner.update(text)
        banner.display = True

    async def _mount_sections(self) -> None:
        container = self.query_one("#minutes-sections", VerticalScroll)
        views = [
            SectionView(number, section) for number, section in enumerate(self.sections, start=1)
        ]
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

    # --- kinds ---------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITER_ACTIONS:
            if not self.writable:
                return False
            if action == "make_outcome" and (
                self.meeting is None or self.meeting.kind != "notification"
            ):
                return False
        if action in ("step_section", "go_to_section", "toggle_attendance") and not self.sections:
            return False
        if action == "toggle_attendance":
            return self.writable
        return True

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
        attended = {
            k: v for k, v in self.query_one(AttendanceBar).attended.items() if v is not None
        }
        self._saving += 1
        self._show_status()
        self._record_attendance(self.store, self.staff, attended)

    @work(thread=True, exit_on_error=False, group="minutes-attendance")
    def _record_attendance(self, store: Store, staff: StaffRef, attended: dict[int, bool]) -> None:
        error = None
        try:
            self.draft.record_attendance(store, staff, attended)
        except DomainError as exc:
            error = exc.message
        except Exception as exc:  # noqa: BLE001 - reported as one line, logged in full
            self.log.error("saving attendance failed", exc)
            error = generic_error()
        self.post_message(self.Saved((SaveResult(-1, error),), clock.now()))

    # --- saving --------------------------------------------------------------------------

    @after_typed_keys
    def action_save_now(self) -> None:
        self._flush()

    def _flush(self) -> None:
        """Save every line that differs from the database, in a worker."""
        self._take_typed()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.draft.unsaved_since = None
        keys = self.draft.dirty_keys()
        if keys:
            self._saving += 1
            self._save(self.store, self.staff, keys)
        self._show_status()
        self._maybe_go_on()

    @work(thread=True, exit_on_error=False, group="minutes-save")
    def _save(self, store: Store, staff: StaffRef, keys: tuple[int, ...]) -> None:
        results: list[SaveResult] = []
        try:
            results.extend(self.draft.save(store, staff, keys))
        finally:
            self.post_message(self.Saved(tuple(results), clock.now()))

    def _save_failed(self, exc: Exception) -> str:
        """A save failed in a way no service foresaw (in the saving thread): logged in full,
        shown as one line; the text stays and the next key tries again."""
        self.log.error("saving a line of the minutes failed", exc)
        return generic_error()

    def on_minutes_screen_saved(self, message: Saved) -> None:
        message.stop()
        self._saving = max(0, self._saving - 1)
        errors = [r.error for r in message.results if r.error]
        for result in message.results:
            if result.refused_change:
                self.notify(result.refused_change, severity="error", markup=False)
        if errors:
            self._error = errors[-1]
        elif message.results or not self.draft.dirty_keys():
            self._error = None
            self._saved_at = message.at
        for number in range(len(self.sections)):
            self._render_section(number)
        self._show_status()
        if errors and self._then is not None:
            what, self._then = self._then, None
            if what == "leave":
                self._leave_anyway = True
                self.notify(
                    _(
                        "Not saved: {reason} Your text is still here. Press Escape again to leave "
                        "without it."
                    ).format(reason=errors[-1]),
                    severity="error",
                    markup=False,
                )
            else:
                self.notify(
                    _("The minutes can be finished when every line is saved: {reason}").format(
                        reason=errors[-1]
                    ),
                    severity="error",
                    markup=False,
                )
            return
        self._maybe_go_on()

    def _show_status(self) -> None:
        if not self.is_mounted:
            return
        status = self.query_one("#minutes-status", Static)
        if not self.writable:
            status.update("")
        elif self._error is not None and (self.draft.dirty_keys() or self._saving):
            status.update(
                Text(_("not saved: {reason}").format(reason=self._error), style="bold red")
            )
        elif self._saving or self.draft.dirty_keys():
            status.update(Text(_("saving…"), style="italic"))
        elif self._saved_at is not None:
            status.update(
                Text(
                    _("saved {time}").format(time=local_time(self._saved_at, self.tz, "%H:%M:%S")),
                    style="dim",
                )
            )
        else:
            status.update("")

    @property
    def all_saved(self) -> bool:
        return not self._saving and not self.draft.dirty_keys()

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
            self.notify(
                _("The draft of the minutes is kept; open the meeting again to go on."),
                markup=False,
            )
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.dismiss(None)  # whoever opened the minutes hears of it (and reloads)

    def on_unmount(self) -> None:
        """Leaving by quitting or logging out: what is not saved yet is saved on the way out."""
        self.save_drafts()

    def save_drafts(self) -> None:
        """Save what is typed and not saved yet, now, in a plain thread that is not a daemon:
        the program waits for it before it ends (the server's SIGTERM calls this too)."""
        self._take_typed()
        if self.writable and self.draft.dirty_keys():
            store, staff = self.store, self._staff
            threading.Thread(
                target=self.draft.save_all,
                args=(store, staff),
                name="minutes-last-save",
                daemon=False,
            ).start()

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
        written = [
            self.lines[k] for s in self.sections for k in s.keys if self.lines[k].text.strip()
        ]
        out = Text()
        if self.meeting.starts_at > clock.now() + NOT_BEGUN:
            # Minutes say what happened: a meeting still hours away is most likely the wrong one.
            out.append(
                _(
                    "This meeting is planned for {when}. Finish its minutes only if it took place."
                ).format(when=local_date_time(self.meeting.starts_at, self.tz)),
                style="bold red",
            )
            out.append("\n")
        out.append(
            ngettext(
                "{count} line is written into the journal.",
                "{count} lines are written into the journal.",
                len(written),
            ).format(count=len(written)),
            style="bold",
        )
        attendance = self.query_one(AttendanceBar)
        groups = ((True, _("Present")), (False, _("Absent")), (None, _("Not ticked")))
        for value, caption in groups:
            names = [i.name for i in attendance.invitees if attendance.attended.get(i.id) is value]
            if names:
                out.append(f"\n{caption}: ")
                out.append_text(literal(", ".join(names)))
        for kind, caption in (
            ("effort", _("Efforts")),
            ("goal", _("Goals")),
            ("agreement", _("Agreements")),
            ("outcome", _("The family department's assessment")),
        ):
            found = [line for line in written if line.kind == kind]
            if not found:
                continue
            out.append(f"\n{caption}:", style="bold")
            for line in found:
                out.append("\n  • ")
                out.append_text(literal(line.text.strip()))
                if kind == "effort":
                    out.append(
                        " — "
                        + _("responsible: {who}; evaluated {day}").format(
                            who=who_is_responsible(line, self.names),
                            day=date_text(line.evaluate_on),
                        )
                    )
        needs_outcome = self.meeting.kind == "notification" and not any(
            ln.kind == "outcome" for ln in written
        )
        return out, needs_outcome

    def _ask_finish(self) -> None:
        summary, needs_outcome = self.summary()
        self.app.push_screen(
            FinishDialog(summary, needs_outcome=needs_outcome), self._finish_confirmed
        )

    def _finish_confirmed(self, outcome: str | None) -> None:
        if outcome is None or self.meeting is None:
            return
        self._finish(self.store, self.staff, self.meeting.version, outcome or None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="minutes-finish")
    def _finish(self, store: Store, staff: StaffRef, version: int, outcome: str | None) -> None:
        meeting = self.draft.finish(store, staff, version=version, outcome=outcome)
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
            NextMeetingQuestion(
                _("Schedule the next meeting?"),
                _("Press y to schedule it now, n to go back."),
                _("Yes"),
                _("No"),
            ),
            self._next_meeting,
        )

    def _next_meeting(self, yes: bool | None) -> None:
        meeting = self.meeting
        if not yes or meeting is None:
            self._leave()
            return
        try:
            from relaytui.screens.meeting_form import ScheduleDialog
        except ImportError:
            self.notify(
                _("Scheduling is not available here yet; plan the next meeting from the planner."),
                severity="warning",
                markup=False,
            )
            self._leave()
            return
        kind = "evaluation" if meeting.kind == "notification" else meeting.kind
        self.app.push_screen(
            ScheduleDialog(meeting.log_id, kind=kind, suggested=meeting.starts_at + FOLLOW_UP),
            lambda _result: self._leave(),
        )
