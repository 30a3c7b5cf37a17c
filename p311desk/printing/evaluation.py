"""Paper evaluation forms: the session's evaluation questions with a box per answer (the digit to
key printed beside each box), lines for the free texts, and the form's own id as a QR code and as
text. Each id is issued when the forms are printed; keyed with the answer (or typed at the kiosk
as a one-time code), it is refused a second time."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from p311desk import evaluation
from p311desk.errors import NotFound, ValidationError
from p311desk.printing.context import PrintOptions, make_job, session_date
from p311desk.printing.template import (
    FONT,
    FONT_BOLD,
    GREY,
    INK,
    MM,
    draw_qr,
    ellipsize,
    fill_cells,
    make_canvas,
    qr_size_for,
    wrap_lines,
)

DEFAULT_COUNT = 20


def render(s: Session, session_id: uuid.UUID, options: PrintOptions, target, progress=None, cancel=None) -> int:
    job, info = make_job(s, session_id, options, progress, cancel)
    form = evaluation.get_form(s, session_id)
    if form is None:
        raise NotFound("The session has no evaluation form yet: attach one first.")
    per_page = options.per_page or 1
    if per_page not in (1, 2):
        raise ValidationError("Evaluation forms print 1 or 2 per page.")
    count = options.count or DEFAULT_COUNT
    ids = evaluation.issue_slips(s, session_id, count)
    return draw(job, info, form.questions, ids, target, per_page)


def draw(job, info, questions, ids: list[str], target, per_page: int) -> int:
    _ = job.gettext
    c = make_canvas(job, target, title=_("Evaluation forms") + " — " + info.title)
    when = " · ".join(x for x in (info.title, session_date(info)) if x)

    def one(c, x, y, w, h, _index, form_id) -> None:
        _form(c, job, x, y, w, h, when, questions, form_id)

    return fill_cells(c, job, ids, per_page, one, cut=True)


def _form(c, job, x, y, w, h, when, questions, form_id) -> None:
    _ = job.gettext
    small = h < 150 * MM
    scale = 0.82 if small else 1.0
    side = qr_size_for(form_id, 18 if small else 22)
    top = y + h
    draw_qr(c, form_id, x + w - side, top - side, side)
    c.setFont(FONT_BOLD, 9)
    c.setFillColorRGB(0, 0, 0)
    c.drawCentredString(x + w - side / 2, top - side - 3.5 * MM, form_id)
    tw = w - side - 4 * MM
    c.setFillColorRGB(*INK)
    c.setFont(FONT_BOLD, 16 * scale)
    ty = top - 7 * MM
    c.drawString(x, ty, _("Evaluation of the session"))
    c.setFont(FONT, 9 * scale)
    c.setFillColorRGB(*GREY)
    for line in wrap_lines(when, FONT, 9 * scale, tw, 2):
        ty -= 12 * scale
        c.drawString(x, ty, line)
    ty -= 4
    c.setFillColorRGB(0, 0, 0)
    size = 9 * scale
    c.setFont(FONT, size)
    for line in wrap_lines(_("Tick one box per question. The answers are anonymous: do not write your name."),
                           FONT, size, tw, 3):
        ty -= size + 3
        c.drawString(x, ty, line)
    y_cur = min(ty, top - side - 7 * MM) - 6 * MM
    free = [q for q in questions if q.kind == evaluation.TEXT]
    boxed = [q for q in questions if q.kind != evaluation.TEXT]
    box = 6 * MM * scale
    q_size = 11 * scale
    for number, q in enumerate(questions, start=1):
        c.setFillColorRGB(*INK)
        c.setFont(FONT_BOLD, q_size)
        lines = wrap_lines(f"{number}. {q.wording(job.lang)}", FONT_BOLD, q_size, w, 2)
        for line in lines:
            c.drawString(x, y_cur, line)
            y_cur -= q_size + 3
        if q.kind == evaluation.TEXT:
            continue
        labels = q.level_labels(job.lang)
        cell = w / max(len(labels), 4)
        y_box = y_cur - box - 1 * MM
        label_size = 8.5 * scale
        for i, label in enumerate(labels):
            cx = x + i * cell
            c.setStrokeColorRGB(0, 0, 0)
            c.setLineWidth(1)
            c.rect(cx, y_box, box, box)
            c.setFillColorRGB(*GREY)
            c.setFont(FONT_BOLD, 10 * scale)
            digit_x = cx + box + 1.5 * MM
            c.drawString(digit_x, y_box + box / 2 - 3.5 * scale, str(i + 1))
            if label == str(i + 1):
                continue
            c.setFillColorRGB(0, 0, 0)
            c.setFont(FONT, label_size)
            if small:  # half a page: the label beside its digit, one line per question saved
                lx = digit_x + c.stringWidth(str(i + 1), FONT_BOLD, 10 * scale) + 1.2 * MM
                c.drawString(lx, y_box + box / 2 - 3 * scale, ellipsize(label, FONT, label_size, cx + cell - lx - 1 * MM))
            else:
                for k, part in enumerate(wrap_lines(label, FONT, label_size, cell - 2 * MM, 2)):
                    c.drawString(cx, y_box - (k + 1) * (label_size + 1.5), part)
        y_cur = y_box - (2 * MM if small else 2 * (label_size + 1.5)) - (2.5 if small else 5) * MM
    if free:
        # The free-text questions come last on the page; their lines take what room is left.
        bottom = y + 6 * MM
        gap = (7 if small else 8) * MM
        c.setStrokeColorRGB(0.6, 0.6, 0.6)
        c.setLineWidth(0.4)
        n_lines = max(2, int((y_cur - bottom) // gap) // len(free))
        for _q in free:
            for _i in range(n_lines):
                y_cur -= gap
                if y_cur < bottom:
                    break
                c.line(x, y_cur, x + w, y_cur)
            y_cur -= 4 * MM
    c.setFont(FONT, 7)
    c.setFillColorRGB(*GREY)
    digits = len(boxed)
    c.drawString(x, y + 1 * MM, ellipsize(_("Form {id}").format(id=form_id) + " · " + job.ngettext(
        "keyed as {n} digit", "keyed as {n} digits", digits).format(n=digits), FONT, 7, w))
