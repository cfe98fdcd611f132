"""The parts a paper is made of, shared by the plain-text and the PDF renderer.

A paper is said once, as a :class:`Document` of blocks in the user's language; each renderer
only decides how a block looks. So the text and the PDF of a paper never say different things.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

#: A box to tick by hand.
BOX = "\u2610"
#: A line to write on by hand.
BLANK = "_" * 18


def clean(value: str | None) -> str:
    """Text from the database as it may be printed: control characters (an escape sequence, a
    bidi override) are written as their code point, <U+001B>, instead of being obeyed by a
    terminal or a viewer (the font has no glyph for the control pictures)."""
    if not value:
        return ""
    out = []
    for ch in value.replace("\r\n", "\n"):
        code = ord(ch)
        if ch in "\n\t":
            out.append(ch)
        elif code < 0x20 or 0x7F <= code < 0xA0 or unicodedata.category(ch) in ("Cf", "Cs", "Co"):
            out.append(f"<U+{code:04X}>")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: a section; 2: a part of a section (a meeting, an entry)


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = ""  # "": body text; "small": a note; "strong": bold; "alert": stands out


@dataclass(frozen=True)
class Fields:
    """Label and value pairs: "Name: Ida Jensen"."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # relative widths of the columns
    centred: tuple[int, ...] = ()  # columns whose cells are centred (tick boxes, counts)


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    mark: str = "\u2022"  # "•"; BOX for a tick box; "" for numbers


@dataclass(frozen=True)
class Signer:
    name: str
    relation: str


@dataclass(frozen=True)
class Signatures:
    """Lines to sign on: the date, the signature, and the printed name under them."""

    signers: tuple[Signer, ...]
    date_label: str
    signature_label: str


@dataclass(frozen=True)
class Together:
    """Blocks that stand on one page when they fit on one: what is signed and the signatures."""

    blocks: tuple


Block = Heading | Paragraph | Fields | Table | Bullets | Signatures | Together


@dataclass(frozen=True)
class Document:
    """One paper: the sender at the top, a title, the blocks, a note at the foot of each page."""

    municipality: str
    unit: str
    date_line: str  # "Date: 23.11.2026"
    reference: str  # "Relay log no. 12"
    title: str
    subtitle: str
    running_title: str  # the short title on the following pages
    footer_note: str
    page_words: str  # "Page {page} of {pages}", translated
    blocks: tuple[Block, ...] = field(default_factory=tuple)
