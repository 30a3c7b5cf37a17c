"""Who has not arrived yet: people registered for the session who have not checked in, with
their phone and email, for phoning them or for a second door."""

from __future__ import annotations

import uuid

from reportlab.platypus import Paragraph, Spacer
from sqlalchemy.orm import Session

from p311desk.i18n import format_local
from p311desk.printing import credentials
from p311desk.printing.context import PrintOptions, make_job
from p311desk.printing.flow import CELL_PADDING, build, esc, styles, table, wrapped
from p311desk.printing.signatures import header
from p311desk.printing.template import MM, content_box


def render(s: Session, session_id: uuid.UUID, options: PrintOptions, target, progress=None, cancel=None) -> int:
    job, info = make_job(s, session_id, options, progress, cancel)
    _ = job.gettext
    st = styles(job)
    expected = credentials.people(s, session_id, options.sort)
    rows = [r for r in expected if r.checked_in_at is None]
    width = content_box(job)[2]
    story = header(job, info, st, _("Who has not arrived yet"))
    story.append(Paragraph(esc(_("{absent} of {expected} registered people have not checked in (at {time}).").format(
        absent=len(rows), expected=len(expected), time=format_local(job.now, "%d/%m/%Y %H:%M"))), st.small))
    story.append(Spacer(1, 3 * MM))
    if not rows:
        story.append(Paragraph(esc(_("Everyone registered has checked in.")), st.body))
    else:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        def natural(header: str, values: list[str]) -> float:  # phone and code are never broken
            return max([stringWidth(header, st.head.fontName, st.head.fontSize)]
                       + [stringWidth(v, st.cell.fontName, st.cell.fontSize) for v in values]) + CELL_PADDING + 1

        number = natural("#", [str(len(rows))])
        phone = natural(_("Phone"), [r.phone or "" for r in rows])
        code = natural(_("Code"), [r.checkin_code for r in rows])
        rest = max(width - number - phone - code, width * 0.5)
        widths = [number, 0.36 * rest, phone, 0.38 * rest, 0.26 * rest, code]
        data = [[str(i), wrapped(r.full_name, st.cell, widths[1]), r.phone or "",
                 wrapped(r.email or "", st.cell, widths[3]), wrapped(r.organisation or "", st.cell, widths[4]),
                 r.checkin_code]
                for i, r in enumerate(rows, start=1)]
        story.append(table(["#", _("Name"), _("Phone"), _("Email"), _("Organisation"), _("Code")],
                           data, widths, st))
    return build(job, target, story, _("Who has not arrived yet") + " — " + info.title)
