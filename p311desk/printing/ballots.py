"""Paper ballots for a question: instructions, the options with a box each and, beside each box,
the option's signed code as a QR (votes issues them: a new serial per sheet, so no two sheets are
alike and a photocopy is caught when counted). Tellers scan the code beside the marked box.

Issuing ballots is a write (votes records every serial it signs): render them inside a write
unit of work, so a failed or cancelled print issues nothing.
"""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy.orm import Session

from p311desk import votes
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
    fit_lines,
    grid,
    make_canvas,
    qr_size_for,
    wrap_lines,
)

DEFAULT_COUNT = 50
HEAD_H = 24 * MM
FOOT_H = 7 * MM


ROW_H = 28 * MM  # an option row: box, label and a QR whose code is at least 20 mm


def layout(job, per_page: int, options: int) -> str | None:
    """How ``options`` option rows fit a cell: "rows", "columns" (≤ 3 options side by side), or None."""
    _cells, _cw, ch, _decorated = grid(job, per_page)
    if ch >= HEAD_H + FOOT_H + options * ROW_H:
        return "rows"
    if options <= 3 and ch >= 56 * MM:
        return "columns"
    return None


def default_per_page(job, options: int) -> int:
    return next((n for n in (8, 4, 2) if layout(job, n, options)), 1)


def render(s: Session, session_id: uuid.UUID, options: PrintOptions, target, progress=None, cancel=None) -> int:
    job, info = make_job(s, session_id, options, progress, cancel)
    _ = job.gettext
    if options.question_id is None:
        raise ValidationError("Say which question the ballots are for.")
    question = votes.find_question(s, options.question_id)
    if question.session_id != session_id:
        raise ValidationError("The question belongs to another session.")
    count = options.count or DEFAULT_COUNT
    n_options = len(votes.labels_for(question.method, question.options)) + (question.method == "yes_no")
    per_page = options.per_page or default_per_page(job, n_options)
    fit = layout(job, per_page, n_options)
    if fit is None and per_page > 1:
        raise ValidationError("These ballots do not fit {n} per page: choose fewer per page.", n=per_page)
    issued = votes.issue_ballots(s, question.id, count)
    decorated = grid(job, per_page)[3]
    c = make_canvas(job, target, decorated=decorated, title=_("Ballots") + " — " + question.title)
    when = " · ".join(x for x in (info.title, session_date(info)) if x)
    instructions = (_("Mark one box with a cross.") if question.max_selections <= 1 else
                    _("Mark up to {n} boxes with a cross.").format(n=question.max_selections))

    if question.method == "yes_no":  # the votes package names them in the interface's language
        words = (_("Yes"), _("No"), _("Abstain"))
        issued = [dataclasses.replace(b, options=tuple((words[i], code) for i, (_label, code) in enumerate(b.options)))
                  for b in issued]

    def one(c, x, y, w, h, index, ballot) -> None:
        _ballot(c, job, x, y, w, h, question.title, when, instructions, ballot, index + 1, fit == "columns")

    return fill_cells(c, job, issued, per_page, one, cut=True)


def _ballot(c, job, x, y, w, h, title, when, instructions, ballot, number, horizontal) -> None:
    _ = job.gettext
    pad = 3 * MM
    top = y + h - pad
    tw = w - 2 * pad
    c.setFillColorRGB(*GREY)
    c.setFont(FONT, 7)
    top -= 7
    c.drawString(x + pad, top, ellipsize(when, FONT, 7, tw))
    size, lines = fit_lines(title, FONT_BOLD, 11, tw, 2, minimum=7.5)
    c.setFillColorRGB(*INK)
    c.setFont(FONT_BOLD, size)
    for line in lines:
        top -= size * 1.15
        c.drawString(x + pad, top, line)
    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT, 7.5)
    for line in wrap_lines(instructions, FONT, 7.5, tw, 1):
        top -= 9.5
        c.drawString(x + pad, top, line)
    bottom = y + pad + FOOT_H - 3 * MM
    n = len(ballot.options)
    box = 5 * MM
    if horizontal:
        col_w = tw / n
        ly = top - 2.5 * MM - box
        for i, (label, payload) in enumerate(ballot.options):
            cx = x + pad + i * col_w
            side = max(qr_size_for(payload, 20), min(col_w - 1 * MM, ly - 2 * MM - bottom))
            draw_qr(c, payload, cx + (col_w - side) / 2, ly - 1.5 * MM - side, side)
            c.setLineWidth(1)
            c.rect(cx + 1 * MM, ly, box, box, stroke=1, fill=0)
            lsize, llines = fit_lines(label, FONT_BOLD, 10, col_w - box - 3 * MM, 1, minimum=6.5)
            c.setFont(FONT_BOLD, lsize)
            c.drawString(cx + box + 2.5 * MM, ly + 1.2 * MM, llines[0])
    else:
        row_h = (top - 2 * MM - bottom) / n
        for i, (label, payload) in enumerate(ballot.options):
            ry = top - 2 * MM - (i + 1) * row_h
            side = min(row_h - 1 * MM, max(qr_size_for(payload, 20), 30 * MM))
            draw_qr(c, payload, x + w - pad - side, ry + (row_h - side) / 2, side)
            by = ry + row_h / 2 - box / 2
            c.setLineWidth(1)
            c.rect(x + pad, by, box * 1.3, box * 1.3, stroke=1, fill=0)
            lw = w - 3 * pad - side - box * 1.3 - 3 * MM
            lsize, llines = fit_lines(label, FONT_BOLD, 13, lw, 2, minimum=7)
            c.setFont(FONT_BOLD, lsize)
            ly = by + box * 0.65 + (len(llines) - 1) * lsize * 0.6 - lsize * 0.35
            for line in llines:
                c.drawString(x + pad + box * 1.3 + 3 * MM, ly, line)
                ly -= lsize * 1.2
            if i < n - 1:
                c.setStrokeColorRGB(0.8, 0.8, 0.8)
                c.setLineWidth(0.3)
                c.line(x + pad, ry, x + w - pad, ry)
                c.setStrokeColorRGB(0, 0, 0)
    c.setFillColorRGB(*GREY)
    c.setFont(FONT, 7)
    c.drawString(x + pad, y + pad, _("Ballot no. {n}").format(n=number))
    c.drawRightString(x + w - pad, y + pad, _("Serial {serial}").format(serial=ballot.serial))
    c.setFillColorRGB(0, 0, 0)
