"""Flowing documents (lists, tables, minutes) over the page template: reportlab's platypus with
our fonts, styles and decorated pages."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from p311desk.printing.template import FONT, FONT_BOLD, INK, Job, PagedCanvas, content_box, register_fonts


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    head: ParagraphStyle


def styles(job: Job) -> Styles:
    register_fonts()
    scale = 0.92 if job.paper == "A5" else 1.0
    base = ParagraphStyle("body", fontName=FONT, fontSize=10 * scale, leading=13.5 * scale)
    return Styles(
        title=ParagraphStyle("title", base, fontName=FONT_BOLD, fontSize=17 * scale, leading=21 * scale,
                             textColor=colors.Color(*INK), spaceAfter=4),
        h2=ParagraphStyle("h2", base, fontName=FONT_BOLD, fontSize=12.5 * scale, leading=16 * scale,
                          textColor=colors.Color(*INK), spaceBefore=10, spaceAfter=4),
        body=base,
        small=ParagraphStyle("small", base, fontSize=8.5 * scale, leading=11 * scale,
                             textColor=colors.Color(0.3, 0.3, 0.3)),
        cell=ParagraphStyle("cell", base, fontSize=9 * scale, leading=11 * scale),
        cell_bold=ParagraphStyle("cellb", base, fontName=FONT_BOLD, fontSize=9 * scale, leading=11 * scale),
        head=ParagraphStyle("head", base, fontName=FONT_BOLD, fontSize=8.5 * scale, leading=10.5 * scale,
                            textColor=colors.white),
    )


def esc(text: object) -> str:
    """Plain text made safe for a platypus Paragraph (which reads a little XML)."""
    return (str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;"))


# Where a word too long for its column may break: after "@", "-", "_", "/" and before ".": an
# e-mail breaks as "name.surname@" / "ajuntament-" / "santcugat.cat", never in a name's middle.
BREAK_AFTER = "@-_/"
BREAK_BEFORE = "."
CELL_PADDING = 12  # reportlab's default left + right cell padding


def break_pieces(word: str) -> list[str]:
    """``word`` cut at its sensible break points (the pieces join back to ``word``)."""
    pieces, current = [], ""
    for ch in word:
        if ch in BREAK_BEFORE and current:
            pieces.append(current)
            current = ""
        current += ch
        if ch in BREAK_AFTER:
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    return pieces


def break_lines(word: str, font: str, size: float, width: float) -> list[str]:
    """A word too long for ``width`` in lines cut at sensible points; a piece wider than the
    column on its own (no break point at all) is cut where it must."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines, line = [], ""
    for piece in break_pieces(word):
        while stringWidth(piece, font, size) > width and len(piece) > 1:  # no sensible point: cut
            cut = len(piece) - 1
            while cut > 1 and stringWidth(piece[:cut], font, size) > width:
                cut -= 1
            if line:
                lines.append(line)
                line = ""
            lines.append(piece[:cut])
            piece = piece[cut:]
        if line and stringWidth(line + piece, font, size) > width:
            lines.append(line)
            line = ""
        line += piece
    if line:
        lines.append(line)
    return lines


def wrapped(text: object, style: ParagraphStyle, width: float) -> Paragraph:
    """A cell's text that wraps at spaces and, for a word wider than the column (an e-mail, a web
    address, a long place name), at its sensible break points."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    room = max(width - CELL_PADDING, 10)
    words = []
    for word in str(text if text is not None else "").split(" "):
        if stringWidth(word, style.fontName, style.fontSize) > room:
            words.append("<br/>".join(esc(x) for x in break_lines(word, style.fontName, style.fontSize, room)))
        else:
            words.append(esc(word))
    return Paragraph(" ".join(words), style)


def table(header: list[str], rows: list[list], widths: list[float], st: Styles, *,
          row_height: float | None = None, align_right: tuple[int, ...] = (), zebra: bool = True) -> Table:
    """A table whose header repeats on every page; cells wrap instead of overflowing."""
    def cell(value, col):
        if isinstance(value, Flowable):
            return value
        style = st.cell
        if col in align_right:
            style = ParagraphStyle("r", st.cell, alignment=2)
        return Paragraph(esc(value), style)

    data = [[Paragraph(esc(h), ParagraphStyle("hr", st.head, alignment=2) if i in align_right else st.head)
             for i, h in enumerate(header)]]
    data += [[cell(v, i) for i, v in enumerate(r)] for r in rows]
    heights = None
    if row_height:  # a minimum: a row whose text wraps grows instead of overflowing its neighbours
        heights = [None]
        for r in data[1:]:
            needed = max((c.wrap(w - CELL_PADDING, 10_000)[1] + 6 for c, w in zip(r, widths, strict=True)
                          if isinstance(c, Flowable)), default=0)
            heights.append(max(row_height, needed))
    t = Table(data, colWidths=widths, rowHeights=heights, repeatRows=1)
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(*INK)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.Color(0.6, 0.6, 0.6)),
        ("BOX", (0, 0), (-1, -1), 0.5, colors.Color(0.4, 0.4, 0.4)),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if zebra:
        commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.Color(0.95, 0.96, 0.98)]))
    t.setStyle(TableStyle(commands))
    return t


def build(job: Job, target, story: list, title: str) -> int:
    """Lay ``story`` out on decorated pages; returns the number of pages."""
    _ = job.gettext
    x, y, w, h = content_box(job)
    doc = BaseDocTemplate(target, pagesize=job.pagesize, title=title, author=job.municipality or "p311desk",
                          creator="p311desk", subject=job.session_line,
                          leftMargin=x, bottomMargin=y, rightMargin=job.pagesize[0] - x - w,
                          topMargin=job.pagesize[1] - y - h)

    def on_page(canvas, document):
        job.tick(document.page, 0, _("Page {n}").format(n=document.page))

    doc.addPageTemplates([PageTemplate("page", [Frame(x, y, w, h, 0, 0, 0, 0, id="body")], onPage=on_page)])
    made: list = []

    def canvasmaker(filename, **_kw):
        canvas = PagedCanvas(filename, pagesize=job.pagesize, job=job, decorated=True)
        made.append(canvas)
        return canvas

    doc.build(story, canvasmaker=canvasmaker)
    return made[0].page_count
