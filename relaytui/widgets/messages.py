"""Messages that travel between screens and the panes of the log view."""

from __future__ import annotations

from textual.message import Message


class LogChanged(Message):
    """A pane or dialog wrote to a log: the log view reloads its header and the other panes."""

    def __init__(self, log_id: int) -> None:
        super().__init__()
        self.log_id = log_id


class OpenLog(Message):
    """Somebody asked to open a log (from the list, the palette, the inbox, the dashboard)."""

    def __init__(self, log_id: int) -> None:
        super().__init__()
        self.log_id = log_id
