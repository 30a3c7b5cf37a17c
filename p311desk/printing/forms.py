"""Blank proposal forms for people who write their proposal by hand. Each form has its own id
(``PF`` + 8 characters) as text and as a QR code: scanned or typed into the proposals page, it
becomes the proposal's paper form id, so a form is never entered twice."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from p311desk import qr
from p311desk.errors import ValidationError
from p311desk.printing.context import PrintOptions, make_job, session_date
from p311desk.printing.template import (
    FONT,
    FONT_BOLD,
    GREY,
    INK,
    MM,
    draw_qr,
    fill_cells,
    ellipsize,
    make_canvas,
    qr_size_for,
    wrap_lines,
)

DEFAULT_COUNT = 20
MAX_COUNT = 5000


def render(s: Session, session_id: uuid.UUID, options: PrintOptions, target, progress=None, cancel=None) -> int:
    job, info = make_job(s, session_id, options, progress, cancel)
    count = options.count or DEFAULT_COUNT
    if not 1 <= count <= MAX_COUNT:
        raise ValidationError("Print between 1 and {max} forms.", max=MAX_COUNT)
    ids = sorted({qr.form_payload() for _ in range(count)})
    while len(ids) < count:  # 40 random bits: a repeat is very unlikely, but never two equal forms
        ids = sorted(set(ids) | {qr.form_payload()})
    return draw(job, info, ids, target, options.per_page or 1)


def draw(job, info, ids: list[str], target, per_page: int) -> int:
    _ = job.gettext
    if per_page not in (1, 2):
        raise ValidationError("Proposal forms print 1 or 2 per page.")
    c = make_canvas(job, target, title=_("Proposal forms") + " — " + info.title)
    when = " · ".join(x for x in (info.title, session_date(info)) if x)

    def one(c, x, y, w, h, _index, form_id) -> None:
        _form(c, job, x, y, w, h, when, form_id)

    return fill_cells(c, job, ids, per_page, one, cut=True)


def _lines(c, x, y_top, w, n, gap) -> float:
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    c.setLineWidth(0.4)
    y = y_top
    for _i in range(n):
        y -= gap
        c.line(x, y, x + w, y)
    return y


def _form(c, job, x, y, w, h, when, form_id) -> None:
    _ = job.gettext
    small = h < 150 * MM
    side = qr_size_for(form_id, 22)
    top = y + h
    draw_qr(c, form_id, x + w - side, top - side, side)
    c.setFont(FONT, 8)
    c.setFillColorRGB(0, 0, 0)
    c.drawCentredString(x + w - side / 2, top - side - 3 * MM, form_id)
    tw = w - side - 4 * MM
    c.setFillColorRGB(*INK)
    c.setFont(FONT_BOLD, 15 if not small else 12)
    ty = top - 7 * MM
    c.drawString(x, ty, _("Proposal form"))
    c.setFont(FONT, 9)
    c.setFillColorRGB(*GREY)
    for line in wrap_lines(when, FONT, 9, tw, 2):
        ty -= 12
        c.drawString(x, ty, line)
    ty -= 6
    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT, 8.5 if not small else 7.5)
    for line in wrap_lines(_("Write one proposal per form, in capital letters if you can. Hand it to the "
                             "facilitators: it will be read in the room and published on Participa311."),
                           FONT, 8.5 if not small else 7.5, tw, 3):
        ty -= 11
        c.drawString(x, ty, line)
    y_cur = min(ty, top - side - 6 * MM) - 5 * MM
    gap = 9 * MM if not small else 7.5 * MM

    def label(text: str) -> None:
        c.setFont(FONT_BOLD, 10 if not small else 9)
        c.setFillColorRGB(*INK)
        c.drawString(x, y_cur, text)

    sections = [(_("Title of the proposal"), 2), (_("Description: what, where and why"), 0),
                (_("Who proposes it (person, group or organisation)"), 1),
                (_("Contact, if you want to be told about it (optional)"), 1)]
    fixed = sum(n for _t, n in sections) * gap + len(sections) * 8 * MM + 10 * MM
    body_lines = max(3, int((y_cur - y - fixed) // gap))
    for text, n in sections:
        label(text)
        y_cur = _lines(c, x, y_cur - 2 * MM, w, n or body_lines, gap) - 7 * MM
    c.setFont(FONT, 7)
    c.setFillColorRGB(*GREY)
    c.drawString(x, y + 1 * MM, ellipsize(_("Form {id}").format(id=form_id), FONT, 7, w))
