"""The sections of the minutes on screen and the line being typed: what each key does to
the text (R13). The screen built on this (:class:`~relaytui.screens.minutes.screen.MinutesScreen`)
loads the meeting, saves and finishes; here a change of a line only asks it to save.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.widgets import Input, Static

from relaytui.i18n import _
from relaytui.screens.minutes.dialogs import EffortDialog, GoToSectionDialog
from relaytui.screens.minutes.draft import AUTOSAVE_SECONDS, KindChange, Line, MinutesDraft, Section
from relaytui.screens.minutes.widgets import SectionView, line_text
from relaytui.services import clock
from relaytui.ui.base import RelayScreen, after_typed_keys
from relaytui.widgets.writing_hints import WritingHints

if TYPE_CHECKING:
    from textual.timer import Timer

    from relaytui.screens.minutes.screen import MinutesData
    from relaytui.services import meetings


class MinutesEditing(RelayScreen):
    """The keys that write the minutes: typing, Enter, choosing an earlier line, going to a
    section, making a line an effort, a goal, an agreement or the assessment.

    The lines live in ``draft``; :meth:`_flush` (save what differs now) and
    :meth:`_show_status` belong to the screen that saves.
    """

    draft: MinutesDraft

    def __init__(self) -> None:
        super().__init__()
        self.data: MinutesData | None = None
        self.meeting: meetings.MeetingView | None = None
        self.tz = "UTC"
        self.writable = False
        self.current = 0
        self.names: dict[int, str] = {}
        self._timer: Timer | None = None

    @property
    def sections(self) -> list[Section]:
        return self.draft.sections

    @property
    def lines(self) -> dict[int, Line]:
        return self.draft.lines

    def _flush(self) -> None:
        raise NotImplementedError

    def _show_status(self) -> None:
        raise NotImplementedError

    # --- the sections --------------------------------------------------------------------

    def _view(self, number: int) -> SectionView:
        return self.query(SectionView)[number]

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
            out = Text(
                _("No lines yet.") if not self.writable or number != self.current else "",
                style="dim italic",
            )
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
        self.draft.end_line(self.sections[number])
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
            line = self.draft.new_line(section.item_id)
            line.noted_at = clock.now()
            section.current = line.key
        line = self.lines[section.current]
        if section.chosen is not None:
            section.chosen = None
            self._render_section(number)
        if line.text == value:
            return
        self.draft.typed(line, value)
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
            self.draft.set_text(self.lines[section.current], event.value)
        self._end_line(number)

    def action_toggle_writing_hints(self) -> None:
        self.query_one("#minutes-hints", WritingHints).toggle()

    def _section_of(self, editor: Input) -> int | None:
        view = editor.parent
        return view.number - 1 if isinstance(view, SectionView) else None

    def _changed(self) -> None:
        """Something was typed: save after a short quiet, and not much later while typing on."""
        save_now = self.draft.changed_at(self.app_clock())
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._show_status()
        if save_now:
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
        later = [
            i
            for i, k in enumerate(section.keys)
            if i > section.chosen and self.lines[k].text.strip()
        ]
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

    def _make(self, change: KindChange) -> None:
        line = self._target()
        if line is None:
            self.notify(
                _("Write the line first, then choose what it is."), severity="warning", markup=False
            )
            return
        self.draft.set_change(line, change)
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
        self.app.push_screen(
            EffortDialog(
                text, self.data.choices if self.data else (), meeting_day=meeting_day, current=line
            ),
            self._effort_chosen,
        )

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
