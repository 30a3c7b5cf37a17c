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
    heights = [None] + [row_height] * len(rows) if row_height else None
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
