"""Spreadsheets of an evaluation: a session's results (summary, distribution, free texts, the
answers in the box's random order) and the free-text proposals of a whole series. Every cell goes
through ``spreadsheets.cell_value`` (formula-injection protection); the file is written beside
the target and moved into place."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from p311desk.errors import ValidationError
from p311desk.i18n import _
from p311desk.spreadsheets import cell_value


def _write(path: str | Path, sheets: list[tuple[str, list[str], list[list[Any]]]]) -> int:
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValidationError("Choose a file name ending in .xlsx.")
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    rows_written = 0
    for title, header, rows in sheets:
        ws = wb.create_sheet(title[:31])
        cells = []
        for h in header:
            c = WriteOnlyCell(ws, value=cell_value(h))
            c.font = bold
            cells.append(c)
        ws.append(cells)
        for row in rows:
            ws.append([cell_value(v) for v in row])
        rows_written += len(rows)
    tmp = path.with_name(path.name + ".part")
    try:
        wb.save(tmp)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return rows_written


def export_results(s: Session, session_id: uuid.UUID, path: str | Path, lang: str | None = None) -> int:
    """The session's evaluation as XLSX: summary, distribution, free texts, answers."""
    from p311desk.evaluation import service
    from p311desk.evaluation.forms import parse_questions

    res = service.results(s, session_id, lang)
    if not res.closed:
        raise ValidationError("The evaluation is still taking answers: close it to export its results.")
    summary = [[_("Answers"), res.answers, None], [_("People present"), res.present, None],
               [_("Response rate"), round(res.response_rate, 4) if res.response_rate is not None else None, None]]
    summary += [[q.text, q.n, round(q.mean, 2) if q.mean is not None else None] for q in res.questions]
    dist = [[q.text, label, count, round(count / q.n, 4) if q.n else None]
            for q in res.questions if q.kind != "text" for label, count in zip(q.labels, q.counts, strict=True)]
    texts = [[q.text, t] for q in res.questions if q.kind == "text" for t in q.texts]
    form = service._form_row(s, session_id)  # noqa: SLF001 - same package
    questions = parse_questions(form.questions)
    answers = [[v for v in values] for values in service._answers(s, form.id)]  # noqa: SLF001 - box order (random)
    return _write(path, [
        (_("Summary"), [_("Question"), _("Answers"), _("Mean")], summary),
        (_("Distribution"), [_("Question"), _("Answer"), _("Count"), _("Share")], dist),
        (_("Free texts"), [_("Question"), _("Text")], texts),
        (_("Answers"), [q.wording(res.lang) for q in questions], answers),
    ])


def export_series_texts(s: Session, series: str, path: str | Path, lang: str | None = None) -> int:
    """The free-text proposals of every session of the series, in one sheet."""
    from p311desk.evaluation import service

    rows = [[t.session_title, t.date, t.question, t.text] for t in service.series_texts(s, series, lang)]
    return _write(path, [(_("Proposals"), [_("Session"), _("Date"), _("Question"), _("Text")], rows)])
