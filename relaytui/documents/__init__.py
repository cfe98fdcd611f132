"""Papers rendered for the family and the workplace: plain text and PDF, never the database.

:mod:`relaytui.services.papers` gathers (and audits) what a paper says; :mod:`.content` words
it as blocks in the log's language (the reader's, for a whole subject's report); :mod:`.text`
and :mod:`.pdf` lay the blocks out.
"""

from __future__ import annotations

FORMATS = ("pdf", "text")
SUFFIXES = {"pdf": "pdf", "text": "txt"}


def render(paper, form: str) -> bytes:
    """A paper from :mod:`relaytui.services.papers` as the bytes of a file: ``pdf`` or ``text``."""
    from relaytui.documents import content
    from relaytui.i18n import speaking

    # A paper for the family is in the log's language, whatever the language of the screen.
    with speaking(getattr(paper.head, "language", "") or None):
        document = content.document(paper)
        if form == "pdf":
            from relaytui.documents import pdf

            return pdf.render(document)
        if form == "text":
            from relaytui.documents import text

            return text.render(document).encode("utf-8")
    raise ValueError(f"unknown format {form!r}")
