"""A printable list of the Decidim registration codes checked in at a session, for the
administrator who validates them in the meeting's admin (Decidim has no API for it).

Large monospaced codes in four columns with a box to tick, the session's title and counts on
top; no names. A4, reportlab's built-in fonts (codes are ASCII; titles are Latin-1 text).
"""

from __future__ import annotations

from pathlib import Path

from p311desk.i18n import format_local, load_translations
from p311desk.publishing.rows import CheckedInCode


def write_codes_pdf(path: str | Path, codes: list[CheckedInCode], *, session_title: str,
                    locale: str) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    tr = load_translations(locale)
    _ = tr.gettext
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    width, height = A4
    margin, cols, row_h = 18 * mm, 4, 11 * mm
    col_w = (width - 2 * margin) / cols
    c = canvas.Canvas(str(tmp), pagesize=A4)
    c.setTitle(_("Registration codes to validate"))
    per_page = int((height - 2 * margin - 30 * mm) // row_h) * cols
    pages = max(1, -(-len(codes) // per_page))
    try:
        for page in range(pages):
            c.setFont("Helvetica-Bold", 14)
            c.drawString(margin, height - margin, _("Registration codes to validate"))
            c.setFont("Helvetica", 10)
            c.drawString(margin, height - margin - 6 * mm, session_title[:110])
            c.drawString(margin, height - margin - 11 * mm, tr.ngettext(
                "{n} code checked in. Tick each one once it is validated in Decidim's admin.",
                "{n} codes checked in. Tick each one once it is validated in Decidim's admin.",
                len(codes)).format(n=len(codes)))
            c.drawRightString(width - margin, margin - 8 * mm,
                              _("Page {page} of {pages}").format(page=page + 1, pages=pages))
            chunk = codes[page * per_page:(page + 1) * per_page]
            top = height - margin - 24 * mm
            for index, item in enumerate(chunk):
                col, row = index % cols, index // cols
                x, y = margin + col * col_w, top - row * row_h
                c.rect(x, y - 1 * mm, 4 * mm, 4 * mm)
                c.setFont("Courier-Bold", 14)
                c.drawString(x + 6 * mm, y, item.code)
                c.setFont("Helvetica", 7)
                c.drawString(x + 6 * mm, y - 4 * mm, format_local(item.checked_in_at, "%H:%M"))
            c.showPage()
        c.save()
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
