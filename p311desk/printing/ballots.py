"""Paper ballots for a question: instructions, the options with a box each and, beside each box,
the option's signed code as a QR with the same code printed as text under it (votes issues them:
a new serial per sheet, so no two sheets are alike and a photocopy is caught when counted).
Tellers scan the code beside each marked box, one after another: one sheet, one ballot. Option
labels wrap at one size (:data:`LABEL_SIZE`) and are never cut: a layout that cannot hold them
whole is not used (fewer ballots per page).

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


CODE_SIZE = 6  # the option's code as text, under its QR (two lines)
CODE_H = 2 * CODE_SIZE * 1.2 + 1 * MM
ROW_H = 28 * MM + CODE_H  # an option row: box, label and a QR whose code is at least 20 mm
LABEL_SIZE = 9  # every option label at this size, on as many lines as it needs
LABEL_LEAD = LABEL_SIZE * 1.2
QR_SIDE = 30 * MM
PAD = 3 * MM
BOX = 5 * MM


def label_lines(text: str, width: float) -> list[str]:
    """``text`` wrapped at :data:`LABEL_SIZE` into ``width``, whole: a word too long for a line
    is broken, never cut off."""
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from p311desk.printing.template import register_fonts

    register_fonts()
    out: list[str] = []
    for line in simpleSplit(text, FONT_BOLD, LABEL_SIZE, width) or [""]:
        while stringWidth(line, FONT_BOLD, LABEL_SIZE) > width and len(line) > 1:
            cut = len(line)
            while cut > 1 and stringWidth(line[:cut], FONT_BOLD, LABEL_SIZE) > width:
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def code_lines(payload: str) -> list[str]:
    half = (len(payload) + 1) // 2
    return [payload[:half], payload[half:]]


def _row_label_width(cell_w: float) -> float:
    return cell_w - 3 * PAD - QR_SIDE - BOX * 1.3 - 3 * MM


def _column_label_width(cell_w: float, options: int) -> float:
    return (cell_w - 2 * PAD) / options - BOX - 2.5 * MM


def _whole_words(text: str, width: float) -> bool:
    """Whether ``text`` wraps into ``width`` without breaking a word."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return all(stringWidth(word, FONT_BOLD, LABEL_SIZE) <= width for word in text.split())


def layout(job, per_page: int, options: int, labels: list[str] | None = None) -> str | None:
    """How ``options`` option rows fit a cell: "rows", "columns" (≤ 3 options side by side), or
    None. With ``labels``, a layout is chosen only if every label fits whole."""
    _cells, cw, ch, _decorated = grid(job, per_page)
    labels = labels or []
    need = sum(max(ROW_H, len(label_lines(label, _row_label_width(cw))) * LABEL_LEAD + CODE_H + 4 * MM)
               for label in labels) + ROW_H * (options - len(labels))
    if ch >= HEAD_H + FOOT_H + need:
        return "rows"
    if options <= 3 and ch >= 56 * MM + CODE_H and all(
            len(label_lines(label, _column_label_width(cw, options))) <= 2
            and _whole_words(label, _column_label_width(cw, options)) for label in labels):
        return "columns"
    return None


def default_per_page(job, options: int, labels: list[str] | None = None) -> int:
    return next((n for n in (8, 4, 2) if layout(job, n, options, labels)), 1)


def render(s: Session, session_id: uuid.UUID, options: PrintOptions, target, progress=None, cancel=None) -> int:
    job, info = make_job(s, session_id, options, progress, cancel)
    _ = job.gettext
    if options.question_id is None:
        raise ValidationError("Say which question the ballots are for.")
    question = votes.find_question(s, options.question_id)
    if question.session_id != session_id:
        raise ValidationError("The question belongs to another session.")
    count = options.count or DEFAULT_COUNT
    labels = list(votes.labels_for(question.method, question.options))
    if question.method == "yes_no":
        labels = [_("Yes"), _("No"), _("Abstain")]
    n_options = len(labels)
    per_page = options.per_page or default_per_page(job, n_options, labels)
    fit = layout(job, per_page, n_options, labels)
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
    box = BOX
    if horizontal:
        col_w = tw / n
        ly = top - 2.5 * MM - box
        for i, (label, payload) in enumerate(ballot.options):
            cx = x + pad + i * col_w
            c.setFillColorRGB(0, 0, 0)
            c.setLineWidth(1)
            c.rect(cx + 1 * MM, ly, box, box, stroke=1, fill=0)
            llines = label_lines(label, _column_label_width(w, n))
            c.setFont(FONT_BOLD, LABEL_SIZE)
            for k, line in enumerate(llines):
                c.drawString(cx + box + 2.5 * MM, ly + 1.2 * MM - k * LABEL_LEAD, line)
            qtop = ly - 1.5 * MM - (len(llines) - 1) * LABEL_LEAD
            side = max(qr_size_for(payload, 20), min(col_w - 1 * MM, qtop - bottom - CODE_H))
            draw_qr(c, payload, cx + (col_w - side) / 2, qtop - side, side)
            _code_text(c, payload, cx + col_w / 2, qtop - side)
    else:
        row_h = (top - 2 * MM - bottom) / n
        for i, (label, payload) in enumerate(ballot.options):
            ry = top - 2 * MM - (i + 1) * row_h
            side = min(row_h - 1 * MM - CODE_H, max(qr_size_for(payload, 20), QR_SIDE))
            qx = x + w - pad - side
            qy = ry + CODE_H + (row_h - CODE_H - side) / 2
            draw_qr(c, payload, qx, qy, side)
            _code_text(c, payload, qx + side / 2, qy)
            by = ry + row_h / 2 - box / 2
            c.setLineWidth(1)
            c.rect(x + pad, by, box * 1.3, box * 1.3, stroke=1, fill=0)
            llines = label_lines(label, _row_label_width(w))
            c.setFont(FONT_BOLD, LABEL_SIZE)
            ly = by + box * 0.65 + (len(llines) - 1) * LABEL_LEAD / 2 - LABEL_SIZE * 0.35
            for line in llines:
                c.drawString(x + pad + box * 1.3 + 3 * MM, ly, line)
                ly -= LABEL_LEAD
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


def _code_text(c, payload: str, cx: float, below: float) -> None:
    """The option's code as text, centred under its QR: what a teller types when a code will
    not scan."""
    c.setFillColorRGB(*GREY)
    c.setFont(FONT, CODE_SIZE)
    for k, line in enumerate(code_lines(payload)):
        c.drawCentredString(cx, below - (k + 1) * CODE_SIZE * 1.2, line)
    c.setFillColorRGB(0, 0, 0)
