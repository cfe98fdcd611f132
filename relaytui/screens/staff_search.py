"""Finding staff as you type, shared by the consent form (whom a consent covers) and the actor
form (whom to add): how a staff member is shown, and the answer a search worker posts back.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message

from relaytui.services import accounts
from relaytui.ui.tables import one_line

#: At most this many staff are shown for one search.
SEARCH_LIMIT = 20


def staff_prompt(person: accounts.StaffView) -> Text:
    text = one_line(person.full_name)
    text.stylize("bold")
    details = [part for part in (person.profession, person.unit_name) if part]
    if details:
        text.append(" — ")
        text.append_text(one_line(", ".join(details)))
    return text


class StaffFound(Message):
    """The staff search of a form answered ``query``."""

    def __init__(self, query: str, found: tuple[accounts.StaffView, ...]) -> None:
        super().__init__()
        self.query = query
        self.found = found
