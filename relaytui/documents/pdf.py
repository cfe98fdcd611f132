"""A paper as PDF (fpdf2), laid out as a letter from the municipality.

The first page carries the letterhead (municipality, unit, date, reference), the following
pages a short running head; every page has its number in the footer. The bundled DejaVu Sans
(data/fonts, Bitstream Vera licence) carries æøå and the rest of Unicode's European
letters, which PDF's built-in fonts do not.
"""

from __future__ import annotations

from relaytui import data_files
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

FAMILY = "DejaVu"
INK = (33, 37, 41)
GREY = (110, 117, 125)
ACCENT = (20, 66, 114)  # a sober municipal blue, for headings and the letterhead
RULE = (170, 178, 186)
SHADE = (232, 238, 244)
MARGIN = 20
LINE = 5.2  # mm per line of body text (10 pt)


def _make_pdf(doc: Document):
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    class Paper(FPDF):
        """One page layout: letterhead on page 1, running head after it, page numbers below."""

        def header(self) -> None:
            self.set_text_color(*INK)
            if self.page_no() == 1:
                self.set_font(FAMILY, "B", 15)
                self.set_text_color(*ACCENT)
                self.cell(110, 7, clean(doc.municipality))
                self.set_font(FAMILY, "", 9)
                self.set_text_color(*GREY)
                self.cell(0, 7, clean(doc.date_line), align="R", new_x="LMARGIN", new_y="NEXT")
                self.set_font(FAMILY, "", 10.5)
                self.set_text_color(*INK)
                self.cell(110, 5.5, clean(doc.unit))
                self.set_font(FAMILY, "", 9)
                self.set_text_color(*GREY)
                self.cell(0, 5.5, clean(doc.reference), align="R", new_x="LMARGIN", new_y="NEXT")
                self.ln(2)
            else:
                self.set_font(FAMILY, "", 8)
                self.set_text_color(*GREY)
                sender = " · ".join(clean(part) for part in (doc.municipality, doc.unit) if part)
                self.cell(90, 5, sender)
                self.cell(0, 5, clean(doc.running_title), align="R", new_x="LMARGIN", new_y="NEXT")
                self.ln(1)
            self.set_draw_color(*ACCENT)
            self.set_line_width(0.5 if self.page_no() == 1 else 0.2)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(6 if self.page_no() == 1 else 4)
            self.set_text_color(*INK)

        def footer(self) -> None:
            self.set_y(-14)
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(1.5)
            self.set_font(FAMILY, "", 7.5)
            self.set_text_color(*GREY)
            self.cell(130, 4, clean(doc.footer_note))
            self.cell(0, 4, doc.page_words.format(page=self.page_no(), pages="{nb}"), align="R")

    pdf = Paper(format="A4", unit="mm")
    pdf.set_title(clean(f"{doc.title} {doc.subtitle}".strip()))
    pdf.set_author(clean(doc.municipality))
    pdf.set_creator("relaytui")
    fonts = data_files.fonts()
    pdf.add_font(FAMILY, "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font(FAMILY, "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(MARGIN, 16, MARGIN)
    pdf.set_auto_page_break(True, margin=20)
    pdf.alias_nb_pages()
    pdf.add_page()
    return pdf, FontFace


def _room(pdf, needed: float) -> None:
    """A new page when less than ``needed`` mm are left (a heading is never left alone)."""
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        pdf.add_page()


def _text(
    pdf,
    text: str,
    *,
    size: float = 10,
    bold: bool = False,
    colour=INK,
    height: float = LINE,
    indent: float = 0,
) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.set_text_color(*colour)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(pdf.epw - indent, height, clean(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _heading(pdf, block: Heading) -> None:
    if block.level == 1:
        _room(pdf, 28)
        pdf.ln(3)
        _text(pdf, block.text, size=12.5, bold=True, colour=ACCENT, height=6.5)
        pdf.set_draw_color(*RULE)
        pdf.set_line_width(0.2)
        pdf.line(pdf.l_margin, pdf.get_y() + 0.5, pdf.w - pdf.r_margin, pdf.get_y() + 0.5)
        pdf.ln(3)
    else:
        _room(pdf, 20)
        pdf.ln(1.5)
        _text(pdf, block.text, size=10.5, bold=True, height=6)
        pdf.ln(0.5)


def _paragraph(pdf, block: Paragraph) -> None:
    if block.style == "alert":
        pdf.set_fill_color(252, 228, 228)
        pdf.set_font(FAMILY, "B", 11)
        pdf.set_text_color(150, 20, 20)
        pdf.multi_cell(pdf.epw, 7, clean(block.text), fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    elif block.style == "small":
        _text(pdf, block.text, size=8.5, colour=GREY, height=4.4)
        pdf.ln(2)
    elif block.style == "strong":
        _room(pdf, 14)
        _text(pdf, block.text, size=9, bold=True, colour=GREY, height=5)
    else:
        _text(pdf, block.text)
        pdf.ln(2)


def _fields(pdf, block: Fields, face) -> None:
    pdf.set_font(FAMILY, "", 10)
    pdf.set_text_color(*INK)
    with pdf.table(
        col_widths=(32, 88),
        first_row_as_headings=False,
        borders_layout="NONE",
        text_align="LEFT",
        line_height=LINE,
        padding=(0.6, 1, 0.6, 0),
        align="LEFT",
        width=pdf.epw,
    ) as table:
        for label, value in block.rows:
            row = table.row()
            row.cell(clean(label), style=face(emphasis="BOLD", color=GREY, size_pt=9))
            row.cell(clean(value))
    pdf.ln(2)


def _table(pdf, block: Table, face) -> None:
    _room(pdf, 18)
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    align = tuple(
        "CENTER" if number in block.centred else "LEFT" for number in range(len(block.columns))
    )
    with pdf.table(
        col_widths=block.widths,
        text_align=align,
        line_height=4.6,
        padding=1.2,
        width=pdf.epw,
        borders_layout="HORIZONTAL_LINES",
        headings_style=face(emphasis="BOLD", color=ACCENT, fill_color=SHADE, size_pt=8.5),
        v_align="TOP",
    ) as table:
        for cells in (block.columns, *block.rows):
            row = table.row()
            for cell in cells:
                row.cell(clean(cell))
    pdf.ln(3)


def _bullets(pdf, block: Bullets) -> None:
    for number, item in enumerate(block.items, start=1):
        mark = block.mark or f"{number}."
        pdf.set_font(FAMILY, "", 10)
        pdf.set_text_color(*INK)
        pdf.cell(7, LINE, mark)
        pdf.multi_cell(pdf.epw - 7, LINE, clean(item), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(0.8)
    pdf.ln(1.5)


def _signatures(pdf, block: Signatures) -> None:
    for signer in block.signers:
        _room(pdf, 30)
        pdf.ln(12)
        y = pdf.get_y()
        left = pdf.l_margin
        pdf.set_draw_color(*INK)
        pdf.set_line_width(0.3)
        pdf.line(left, y, left + 45, y)
        pdf.line(left + 55, y, pdf.w - pdf.r_margin, y)
        pdf.ln(1)
        pdf.set_font(FAMILY, "", 8)
        pdf.set_text_color(*GREY)
        pdf.cell(55, 4, clean(block.date_label))
        pdf.cell(0, 4, clean(block.signature_label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(left + 55)
        pdf.set_font(FAMILY, "B", 10)
        pdf.set_text_color(*INK)
        name = clean(signer.name) or "_" * 30
        relation = f" ({clean(signer.relation)})" if signer.relation else ""
        pdf.cell(0, 5.5, name + relation, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _runs_over(pdf, blocks, face, *, fresh_page: bool) -> bool:
    """Would these blocks run onto another page, here or at the top of a new page? Laid out on
    trial (fpdf2's offset rendering) and undone."""
    with pdf.offset_rendering() as trial:
        if fresh_page:
            trial.add_page()
        page = trial.page
        for inner in blocks:
            _block(trial, inner, face)
        return trial.page > page


def _together(pdf, block: Together, face) -> None:
    """The blocks on one page: on a new page if they would run over the end of this one and
    fit on a page of their own. Longer than a page, what follows the last table (the signatures)
    still stands together, with the end of the table."""
    blocks = tuple(block.blocks)
    if _runs_over(pdf, blocks, face, fresh_page=False):
        if _runs_over(pdf, blocks, face, fresh_page=True):
            tables = [n for n, inner in enumerate(blocks) if isinstance(inner, Table)]
            if tables and 0 < tables[-1] + 1 < len(blocks):
                for inner in blocks[: tables[-1] + 1]:
                    _block(pdf, inner, face)
                _together(pdf, Together(blocks[tables[-1] + 1 :]), face)
                return
        else:
            pdf.add_page()
    for inner in blocks:
        _block(pdf, inner, face)


def _block(pdf, block: Block, face) -> None:
    if isinstance(block, Together):
        _together(pdf, block, face)
    elif isinstance(block, Heading):
        _heading(pdf, block)
    elif isinstance(block, Paragraph):
        _paragraph(pdf, block)
    elif isinstance(block, Fields):
        _fields(pdf, block, face)
    elif isinstance(block, Table):
        _table(pdf, block, face)
    elif isinstance(block, Bullets):
        _bullets(pdf, block)
    elif isinstance(block, Signatures):
        _signatures(pdf, block)
    else:
        raise TypeError(f"unknown block {type(block).__name__}")


def render(doc: Document) -> bytes:
    """The whole paper as the bytes of a PDF file."""
    pdf, face = _make_pdf(doc)
    _text(pdf, doc.title, size=18, bold=True, height=8.5)
    if doc.subtitle:
        _text(pdf, doc.subtitle, size=12, colour=GREY, height=6.5)
    pdf.ln(4)
    for block in doc.blocks:
        _block(pdf, block, face)
    return bytes(pdf.output())
