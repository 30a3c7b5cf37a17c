"""Personal credentials: one card per person expected at the session, with their name, the
session and their check-in QR, several per page (8 per A4 with cut marks, or 3 × 8 labels)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from p311desk import attendance, qr
from p311desk.printing.context import PrintOptions, make_job, session_date
from p311desk.printing.template import (
    FONT,
    FONT_BOLD,
    GREY,
    INK,
    MM,
    Job,
    draw_qr,
    fill_cells,
    ellipsize,
    fit_font,
    fit_lines,
    grid,
    make_canvas,
    qr_size_for,
    wrap_lines,
)
from p311desk.text import fold

DEFAULT_PER_PAGE = 8


def sort_key(sort: str):
    if sort == "organisation":
        # people without an organisation last
        return lambda r: (not fold(r.organisation), fold(r.organisation), fold(r.family_name), fold(r.given_name))
    if sort == "name":
        return lambda r: (fold(r.given_name), fold(r.family_name))
    return lambda r: (fold(r.family_name), fold(r.given_name))


def people(s: Session, session_id: uuid.UUID, sort: str) -> list[attendance.AttendanceRow]:
    rows = [r for r in attendance.attendance_list(s, session_id) if r.registered]
    return sorted(rows, key=sort_key(sort))


def render(s: Session, session_id: uuid.UUID, options: PrintOptions, target, progress=None, cancel=None) -> int:
    job, info = make_job(s, session_id, options, progress, cancel)
    rows = people(s, session_id, options.sort)
    when = " · ".join(x for x in (session_date(info), info.place) if x)
    return draw(job, info.title, when, rows, target, options.per_page or DEFAULT_PER_PAGE)


def draw(job: Job, title: str, when: str, rows: list, target, per_page: int) -> int:
    _ = job.gettext
    cells, _cw, ch, decorated = grid(job, per_page)
    c = make_canvas(job, target, decorated=decorated, title=_("Credentials") + " — " + title)
    if not rows:
        c.setFont(FONT, 12)
        x, y = cells[0]
        c.drawString(x + 4 * MM, y + ch - 12 * MM, _("Nobody is registered for this session yet."))

    def one(c, x, y, w, h, _index, row) -> None:
        card(c, job, x, y, w, h, title, when, row.full_name, row.organisation or "", row.checkin_code)

    return fill_cells(c, job, rows, per_page, one, cut=decorated)


def card(c, job: Job, x: float, y: float, w: float, h: float, title: str, when: str,
         name: str, organisation: str, code: str) -> None:
    pad = min(4 * MM, h * 0.08)
    label = h < 45 * MM  # a small label: tighter type
    code_h = 3.2 * MM
    payload = qr.checkin_payload(code)
    side = max(min(h - 2 * pad - code_h, w * 0.36, qr_size_for(payload, 26)), qr_size_for(payload, 20.5))
    qx, qy = x + w - pad - side, y + pad + code_h
    draw_qr(c, payload, qx, qy, side)
    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT, 7)
    c.drawCentredString(qx + side / 2, y + pad + 0.6 * MM, code)

    tw = w - side - 3 * pad
    tx = x + pad
    top = y + h - pad
    small = 6.5 if label else 7.5
    if job.municipality and label:  # bigger cards sit under the page header that names it
        c.setFillColorRGB(*INK)
        size = fit_font(job.municipality, FONT_BOLD, small, tw, minimum=5)
        c.setFont(FONT_BOLD, size)
        top -= small
        c.drawString(tx, top, ellipsize(job.municipality, FONT_BOLD, size, tw))
        top -= 1.5
    c.setFillColorRGB(*INK)
    title_size = 7.5 if label else 9
    for line in wrap_lines(title, FONT_BOLD, title_size, tw, 1 if label else 2):
        top -= title_size * 1.1
        c.setFont(FONT_BOLD, title_size)
        c.drawString(tx, top, line)
    c.setFillColorRGB(*GREY)
    c.setFont(FONT, small)
    top -= small * 1.2
    c.drawString(tx, top, ellipsize(when, FONT, small, tw))

    # The name: as large as fits, on up to two lines, in the lower part of the card.
    base = 12 if label else 17
    org_h = (small * 1.3) if organisation else 0
    room = top - (y + pad + org_h)
    size, lines = fit_lines(name, FONT_BOLD, min(base, room / 2.4), tw, 2, minimum=7)
    block = len(lines) * size * 1.15 + org_h
    ny = y + pad + org_h + (room - block) / 2 + block - org_h
    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT_BOLD, size)
    for line in lines:
        ny -= size * 1.15
        c.drawString(tx, ny + size * 0.2, line)
    if organisation:
        c.setFillColorRGB(*GREY)
        c.setFont(FONT, small)
        c.drawString(tx, ny - small * 1.1, ellipsize(organisation, FONT, small, tw))
