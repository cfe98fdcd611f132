"""The minutes of a meeting, written live by the holder while everyone talks (R13).

- :mod:`.draft`: the lines and the saving of them, plain Python (no Textual): what is saved
  when, and what survives a crash;
- :mod:`.widgets`: the attendance bar and a section of the agenda with its lines;
- :mod:`.dialogs`: a line made an effort, finishing, going to a section, the next meeting;
- :mod:`.editing`: the keys that write (typing, Enter, choosing a line, kinds);
- :mod:`.keys`: the screen's key bindings, and which actions only the writer may use;
- :mod:`.screen`: :class:`MinutesScreen`, which loads, saves, leaves and finishes.

The names below are imported when first asked for, so that importing the draft alone does
not load Textual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from relaytui.screens.minutes.dialogs import (
        EffortDialog,
        FinishDialog,
        GoToSectionDialog,
        NextMeetingQuestion,
    )
    from relaytui.screens.minutes.screen import MinutesScreen
    from relaytui.screens.minutes.widgets import AttendanceBar

_HOME = {
    "AttendanceBar": "widgets",
    "EffortDialog": "dialogs",
    "FinishDialog": "dialogs",
    "GoToSectionDialog": "dialogs",
    "MinutesScreen": "screen",
    "NextMeetingQuestion": "dialogs",
}

__all__ = [
    "AttendanceBar",
    "EffortDialog",
    "FinishDialog",
    "GoToSectionDialog",
    "MinutesScreen",
    "NextMeetingQuestion",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
