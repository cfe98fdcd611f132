"""The keys of the minutes (R13), declared once: what each does, its id (a user may remap it)
and its tooltip, and which of them only the writer of the minutes may use.

Most are priority keys: they act while the line's field has the focus, so the caseworker
never leaves the line to save, go on or make it an effort.
"""

from __future__ import annotations

from textual.binding import Binding

from relaytui.i18n import N_
from relaytui.widgets.writing_hints import hints_binding

WRITER_ACTIONS = frozenset(
    {
        "make_effort",
        "make_goal",
        "make_agreement",
        "make_note",
        "make_outcome",
        "finish",
        "save_now",
        "choose_previous",
        "choose_next",
    }
)

MINUTES_BINDINGS = [
    Binding(
        "ctrl+down,pagedown",
        "step_section(1)",
        N_("Next section"),
        id="minutes.next_section",
        priority=True,
        tooltip=N_("Save the line and go to the next agenda item."),
    ),
    Binding(
        "ctrl+up,pageup",
        "step_section(-1)",
        N_("Previous section"),
        id="minutes.previous_section",
        show=False,
        priority=True,
        tooltip=N_("Save the line and go to the previous agenda item."),
    ),
    Binding(
        "ctrl+f",
        "finish",
        N_("Finish"),
        id="minutes.finish",
        priority=True,
        tooltip=N_("Write the minutes into the log's journal, with the efforts and goals."),
    ),
    Binding(
        "ctrl+g",
        "go_to_section",
        N_("Go to"),
        id="minutes.go_to",
        priority=True,
        tooltip=N_("Go to an agenda item by its number."),
    ),
    Binding(
        "up,shift+tab",
        "choose_previous",
        N_("Earlier line"),
        id="minutes.choose_previous",
        show=False,
        priority=True,
        tooltip=N_("From an empty line: choose an earlier line of the section; Enter changes it."),
    ),
    Binding(
        "down",
        "choose_next",
        N_("Later line"),
        id="minutes.choose_next",
        show=False,
        priority=True,
        tooltip=N_("Choose the next line, or go back to the empty line."),
    ),
    Binding(
        "tab",
        "toggle_attendance",
        N_("Attendance"),
        id="minutes.attendance",
        show=False,
        priority=True,
        tooltip=N_("Go to the attendance list, or back to the minutes."),
    ),
    Binding(
        "ctrl+e",
        "make_effort",
        N_("Effort"),
        id="minutes.effort",
        priority=True,
        tooltip=N_("Make the line an effort: who is responsible, when it is evaluated."),
    ),
    Binding(
        "ctrl+t",
        "make_goal",
        N_("Goal"),
        id="minutes.goal",
        priority=True,
        tooltip=N_("Make the line a goal."),
    ),
    Binding(
        "ctrl+r",
        "make_agreement",
        N_("Agreement"),
        id="minutes.agreement",
        priority=True,
        tooltip=N_("Make the line an agreement."),
    ),
    Binding(
        "ctrl+b",
        "make_outcome",
        N_("Assessment"),
        id="minutes.outcome",
        priority=True,
        tooltip=N_("Make the line the family department's assessment (notification meeting)."),
    ),
    Binding(
        "ctrl+n",
        "make_note",
        N_("Plain note"),
        id="minutes.note",
        show=False,
        priority=True,
        tooltip=N_("Make the line a plain note again."),
    ),
    Binding(
        "ctrl+s",
        "save_now",
        N_("Save"),
        id="minutes.save",
        show=False,
        priority=True,
        tooltip=N_("Save the draft now (it is also saved as you type)."),
    ),
    Binding(
        "escape",
        "leave",
        N_("Back"),
        id="minutes.back",
        tooltip=N_("Save the draft and go back; the draft is kept."),
    ),
    hints_binding(show=False),
]
