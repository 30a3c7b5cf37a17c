"""The handout: the session, a short text and a large QR code to the process page on the
platform, so people in the room can follow and take part online. One, two or four per page."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from p311desk import qr
from p311desk.errors import ValidationError
from p311desk.printing.context import PrintOptions, make_job, session_date, space_url
from p311desk.printing.template import (
    FONT,
    FONT_BOLD,
    GREY,
    INK,
    MM,
    draw_qr,
    fill_cells,
    ellipsize,
    fit_lines,
    make_canvas,
    wrap_lines,
)


def render(s: Session, session_id: uuid.UUID, options: PrintOptions, target, progress=None, cancel=None) -> int:
    job, info = make_job(s, session_id, options, progress, cancel)
    _ = job.gettext
    url = options.url or space_url(s, info)
    if not url:
        raise ValidationError("The session is not linked to a space on the platform: give the web address "
                              "the handout should point to.")
    try:
        url = qr.url_payload(url)
    except ValueError:
        raise ValidationError("Not a web address: “{text}”", text=url) from None
    text = options.text or _("Scan the code to follow the process, read the proposals and take part online "
                             "on Participa311.")
    per_page = options.per_page or 1
    count = options.count or per_page
    c = make_canvas(job, target, title=_("Handout") + " — " + info.title)
    when = " · ".join(x for x in (session_date(info), info.place) if x)

    def one(c, x, y, w, h, _index, _item) -> None:
        _cell(c, x, y, w, h, info.title, when, text, url)

    return fill_cells(c, job, list(range(count)), per_page, one, cut=True)


def _cell(c, x, y, w, h, title, when, text, url) -> None:
    pad = 5 * MM if h > 120 * MM else 3 * MM
    tw = w - 2 * pad
    big = h > 120 * MM
    size, lines = fit_lines(title, FONT_BOLD, 22 if big else 13, tw, 3, minimum=9)
    top = y + h - pad
    c.setFillColorRGB(*INK)
    c.setFont(FONT_BOLD, size)
    for line in lines:
        top -= size * 1.2
        c.drawCentredString(x + w / 2, top, line)
    c.setFillColorRGB(*GREY)
    small = 11 if big else 8
    c.setFont(FONT, small)
    top -= small * 1.6
    c.drawCentredString(x + w / 2, top, ellipsize(when, FONT, small, tw))
    c.setFillColorRGB(0, 0, 0)
    body = 13 if big else 8.5
    c.setFont(FONT, body)
    top -= body * 0.8
    for line in wrap_lines(text, FONT, body, tw, 4):
        top -= body * 1.35
        c.drawCentredString(x + w / 2, top, line)
    url_size = 10 if big else 7
    bottom = y + pad + url_size * 1.8
    side = min(top - bottom - 3 * MM, tw, 100 * MM)
    qy = bottom + (top - bottom - side) / 2
    draw_qr(c, url, x + (w - side) / 2, qy, side)
    c.setFont(FONT, url_size)
    c.setFillColorRGB(*INK)
    c.drawCentredString(x + w / 2, qy - url_size * 1.2, ellipsize(url, FONT, url_size, tw))
