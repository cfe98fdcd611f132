"""A tab of the log view, and how text from the database is shown in it.

Every pane of the log view (journal, efforts, actors, meetings, history) and the dialogs over
them show names and notes typed by people: :func:`literal` shows them as typed, never as markup
or as a control code the terminal would obey. :class:`LogPane` is the tab's frame: it loads its
data only when it is shown, so a tab nobody looks at is not read (nor audited).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.widget import Widget
from textual.widgets import TabbedContent
from textual.worker import Worker, WorkerState

from relaytui.errors import DomainError
from relaytui.i18n import N_, _
from relaytui.i18n.formats import local_date, local_date_time
from relaytui.ui.base import generic_error, host_of

if TYPE_CHECKING:
    from relaytui.db import Store
    from relaytui.services import logs
    from relaytui.services.access import StaffRef

NOTHING = "-"
#: The description of a holder's key pressed by a reader in a pane: it says why nothing opens (R7).
READ_ONLY = N_("Why read only")
READ_ONLY_TIP = N_("Say why you cannot write in this log.")


# --- showing text from the database --------------------------------------------------------

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def literal(value: str | None) -> Text:
    """Text from the database exactly as typed: no markup, and no control code reaches the terminal.

    Rich markup is never parsed from a ``Text``. Control characters (an escape sequence, a
    carriage return, a bidi override) are shown as visible symbols instead of being obeyed.
    Newlines and tabs stay what they are.
    """
    if not value:
        return Text("")
    value = value.replace("\r\n", "\n")
    out = []
    for ch in value:
        code = ord(ch)
        if ch in "\n\t":
            out.append(ch)
        elif code < 0x20:
            out.append(chr(0x2400 + code))  # ␛, ␍, ... (Unicode control pictures)
        elif code == 0x7F:
            out.append("\u2421")  # ␡
        elif 0x80 <= code < 0xA0 or ch in _BIDI_CONTROLS or unicodedata.category(ch) == "Cs":
            out.append(f"<U+{code:04X}>")
        else:
            out.append(ch)
    return Text("".join(out))


def label(labels: dict[str, str], value: str | None) -> str:
    """The translated word for a code, or the code itself when no word is known."""
    if value is None:
        return NOTHING
    return _(labels[value]) if value in labels else value


def date_time(moment: datetime | None, tz: str) -> str:
    return local_date_time(moment, tz, NOTHING)


def date_only(moment: datetime | None, tz: str) -> str:
    return local_date(moment, tz, NOTHING)


# --- the tabs' common ground ---------------------------------------------------------------


class LogPane(Widget):
    """A tab of the log view that loads its data the first time it is shown after a change.

    The log view calls :meth:`show` after every (re)load of the log and :meth:`ensure_loaded`
    when the tab is on screen; each load is an audited read, so a tab nobody looks at is not
    read. Failures of the pane's workers are reported here (worker messages do not bubble).
    """

    can_focus = False

    def __init__(self, log_id: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.log_id = log_id
        self.detail: logs.LogDetail | None = None
        self._stale = True

    @property
    def store(self) -> Store:
        return host_of(self).store

    @property
    def staff(self) -> StaffRef:
        return cast("StaffRef", host_of(self).staff)

    def show(self, detail: logs.LogDetail) -> None:
        self.detail = detail
        self._stale = True
        self.detail_changed()
        self.refresh_bindings()

    def ensure_loaded(self) -> None:
        if self._stale and self.detail is not None:
            self._stale = False
            self.load()

    def detail_changed(self) -> None:
        """The log was (re)loaded; override to update what depends on it alone."""

    def load(self) -> None:
        """Start the worker that reads this pane's data."""

    def worker_done(self) -> None:
        """Put the pane back in order after a failed worker (e.g. stop the loading indicator)."""

    def focus_if_lost(self) -> None:
        """After loading: take the focus if it got lost while the list was busy, when shown.

        The focus is lost when it is nowhere, or outside the tab on show (a hidden tab).
        """
        tab = self.parent
        if tab is None or not tab.display:
            return
        tabs = next((a for a in tab.ancestors if isinstance(a, TabbedContent)), None)
        if tabs is not None and tabs.active != tab.id:
            return  # another tab was chosen while this one loaded: it is being hidden
        focused = self.screen.focused
        if focused is not None and tab in focused.ancestors:
            return
        for widget in self.screen.focus_chain:
            if self in widget.ancestors:
                widget.focus()
                return

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, DomainError):
            message = error.message
        else:
            self.log.error(f"worker {event.worker.name!r} failed", error)
            message = generic_error()
        self._stale = True
        self.worker_done()
        self.notify(message, severity="error", markup=False)
