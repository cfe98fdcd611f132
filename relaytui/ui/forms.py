"""The parts of a form: a caption and its field on one line, dates typed as YYYY-MM-DD, and
the error that says which field to fix.

The dialogs of the log view's panes, the meeting forms and the minutes build their forms from
these, so that every form reads alike and fits in 80x24.
"""

from __future__ import annotations

import re
from datetime import date

from rich.cells import cell_len
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Label

DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


class FormError(Exception):
    """What the user typed cannot be sent: ``message`` says why, ``field`` where."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def read_date(
    value: str, wrong: str, *, example: date, required: bool = True, field: str | None = None
) -> date | None:
    """A date typed as YYYY-MM-DD; ``wrong`` is the whole message, with ``{example}``."""
    text = (value or "").strip()
    if not text and not required:
        return None
    try:
        if not DATE_PATTERN.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise FormError(wrong.format(example=example.isoformat()), field) from None


def form_row(caption: str, *fields: Widget) -> Horizontal:
    """One line of a form: the caption left, the field(s) right."""
    return Horizontal(
        Label(caption, classes="form-caption", markup=False), *fields, classes="form-row"
    )


#: The caption column's usual width (log_panes.tcss); it grows to the longest caption of the
#: form, up to CAPTION_MOST, and a longer caption wraps.
CAPTION_LEAST = 20
CAPTION_MOST = 28


def fit_captions(dialog: Widget) -> None:
    """Make the form's caption column as wide as its longest caption (in the user's language),
    so that no caption is cut (issue 16): "Stad eller videolenkje" is wider than the usual 20."""
    captions = list(dialog.query(".form-caption"))
    if not captions:
        return
    longest = max(cell_len(str(caption.content)) for caption in captions)
    width = min(max(longest + 1, CAPTION_LEAST), CAPTION_MOST)
    for caption in captions:
        caption.styles.width = width
        caption.styles.height = "auto"


def field(
    value: str = "", *, id: str, placeholder: str = "", max_length: int = 0, disabled: bool = False
) -> Input:
    """A one-line text field without a border, so a form fits in 80x24."""
    return Input(
        value,
        id=id,
        placeholder=placeholder,
        max_length=max_length,
        compact=True,
        disabled=disabled,
    )
