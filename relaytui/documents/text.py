"""A paper as plain text: to paste into secure mail, or to read where no PDF viewer is.

Lines are at most 78 characters; tables become columns that wrap, as long as they fit.
"""

from __future__ import annotations

import textwrap

from relaytui.documents.blocks import (
    Block,
    Bullets,
    Document,
    Fields,
    Heading,
    Paragraph,
    Signatures,
    Table,
    Together,
    clean,
)

WIDTH = 78


def _wrap(text: str, width: int, indent: str = "", first: str | None = None) -> list[str]:
    out: list[str] = []
    lead = indent if first is None else first
    for part in clean(text).split("\n"):
        lines = textwrap.wrap(
            part,
            width=width,
            initial_indent=lead,
            subsequent_indent=indent,
            break_long_words=True,
            break_on_hyphens=False,
        ) or [lead.rstrip()]
        out += lines
        lead = indent
    return out


def _fields(block: Fields) -> list[str]:
    wide = min(max((len(clean(label)) for label, _v in block.rows), default=0) + 2, 28)
    out = []
    for label, value in block.rows:
        first = (clean(label) + ":").ljust(wide)
        out += _wrap(value, WIDTH, indent=" " * wide, first=first)
    return out


def _table(block: Table) -> list[str]:
    gap = 2
    room = WIDTH - gap * (len(block.columns) - 1)
    total = sum(block.widths) or 1
    # A column is at least as wide as its longest word (a date is never cut), up to 16 characters;
    # the widest column gives up what that takes.
    rows = (block.columns, *block.rows)
    words = [
        max((len(word) for row in rows for word in clean(row[n]).split()), default=4)
        for n in range(len(block.columns))
    ]
    widths = [max(4, int(room * w / total), min(words[n], 16)) for n, w in enumerate(block.widths)]
    widest = widths.index(max(widths))
    widths[widest] = max(8, widths[widest] - (sum(widths) - room))
    out = []
    for number, row in enumerate((block.columns, *block.rows)):
        cells = [_wrap(cell, width) or [""] for cell, width in zip(row, widths, strict=True)]
        for line in range(max(len(cell) for cell in cells)):
            parts = [
                (cell[line] if line < len(cell) else "").ljust(width)
                for cell, width in zip(cells, widths, strict=True)
            ]
            out.append((" " * gap).join(parts).rstrip())
        if number == 0:
            out.append((" " * gap).join("-" * width for width in widths))
    return out


def _block(block: Block) -> list[str]:
    if isinstance(block, Together):
        return [line for inner in block.blocks for line in _block(inner)]
    if isinstance(block, Heading):
        title = clean(block.text)
        return ["", title, ("=" if block.level == 1 else "-") * min(len(title), WIDTH)]
    if isinstance(block, Paragraph):
        text = block.text.upper() if block.style == "alert" else block.text
        return _wrap(text, WIDTH) + ([""] if block.style != "strong" else [])
    if isinstance(block, Fields):
        return _fields(block) + [""]
    if isinstance(block, Table):
        return _table(block) + [""]
    if isinstance(block, Bullets):
        out = []
        for number, item in enumerate(block.items, start=1):
            mark = f"{number}. " if not block.mark else f"{block.mark} "
            out += _wrap(item, WIDTH, indent=" " * len(mark), first=mark)
        return out + [""]
    if isinstance(block, Signatures):
        out = []
        for signer in block.signers:
            name = clean(signer.name) or "_" * 30
            relation = f" ({clean(signer.relation)})" if signer.relation else ""
            out += [
                "",
                "{date}: {line}   {signature}: {long}".format(
                    date=clean(block.date_label),
                    line="_" * 14,
                    signature=clean(block.signature_label),
                    long="_" * 32,
                ),
                f"{name}{relation}",
                "",
            ]
        return out
    raise TypeError(f"unknown block {type(block).__name__}")


def render(doc: Document) -> str:
    """The whole paper as text, ending in a newline."""
    sender = [clean(part) for part in (doc.municipality, doc.unit) if part]
    right = [clean(doc.date_line), clean(doc.reference)]
    lines = []
    for number in range(max(len(sender), len(right))):
        left = sender[number] if number < len(sender) else ""
        other = right[number] if number < len(right) else ""
        lines.append(left + " " * max(2, WIDTH - len(left) - len(other)) + other)
    title = clean(doc.title)
    lines += ["", title.upper(), clean(doc.subtitle), ""]
    for block in doc.blocks:
        lines += _block(block)
    lines += ["", "-" * WIDTH] + _wrap(doc.footer_note, WIDTH)
    # No more than one empty line in a row.
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return "\n".join(out).strip("\n") + "\n"
