"""The evaluation section of the minutes: how many answered of those present, per question the
distribution, n and mean, and the free texts — from ``evaluation.results`` (the same numbers as
the page, the CLI and the export). Nothing when the session has no evaluation form; only the
number of answers while the evaluation still takes them."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from p311desk import evaluation


def evaluation_blocks(s: Session, session_id: uuid.UUID, job) -> list:
    from p311desk.printing.minutes import Block

    _ = job.gettext
    if evaluation.get_form(s, session_id) is None:
        return []
    res = evaluation.results(s, session_id, job.lang)
    blocks = [Block("h", _("Evaluation of the session"))]
    rate = "—" if res.response_rate is None else f"{res.response_rate * 100:.0f} %"
    blocks.append(Block("facts", rows=[[_("Answers"), str(res.answers)], [_("People present"), str(res.present)],
                                       [_("Response rate"), rate]]))
    if not res.closed:
        blocks.append(Block("p", _("The evaluation was still taking answers: its results are not part of "
                                   "these minutes.")))
        return blocks
    rows = []
    for number, q in enumerate(res.questions, start=1):
        if q.kind == evaluation.TEXT:
            continue
        spread = " · ".join(f"{label} {count}" for label, count in zip(q.labels, q.counts, strict=True))
        rows.append([f"{number}. {q.text}", spread, str(q.n), "—" if q.mean is None else f"{q.mean:.2f}"])
    if rows:
        blocks.append(Block("table", header=[_("Question"), _("Answers given"), "n", _("Mean")], rows=rows,
                            widths=[0.38, 0.42, 0.08, 0.12], right=(2, 3)))
    for number, q in enumerate(res.questions, start=1):
        if q.kind != evaluation.TEXT:
            continue
        blocks.append(Block("h3", f"{number}. {q.text}"))
        if not q.texts:
            blocks.append(Block("p", _("No one wrote an answer.")))
        for text in q.texts:
            blocks.append(Block("p", "– " + text))
    blocks.append(Block("small", _("The answers are anonymous: they are kept apart from the attendance list "
                                   "and cannot be linked to anyone.")))
    return blocks
