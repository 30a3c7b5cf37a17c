"""The attendance signature sheet: everyone expected, sorted, with a box to sign, and blank rows
at the end for walk-ins. The paper record of who was in the room."""

from __future__ import annotations

import uuid

from reportlab.lib import colors
from reportlab.platypus import Paragraph, Spacer, TableStyle
from sqlalchemy.orm import Session

from p311desk.printing import credentials
from p311desk.printing.context import PrintOptions, make_job, session_date
from p311desk.printing.flow import build, esc, styles, table, wrapped
from p311desk.printing.template import MM, content_box


def header(job, info, st, title: str) -> list:
    _ = job.gettext
    facts = [info.title, session_date(info), info.place]
    width = content_box(job)[2]
    return [Paragraph(esc(title), st.title),
            wrapped(" · ".join(f for f in facts if f), st.body, width + 12),  # a place wraps whole
            Spacer(1, 4 * MM)]


def render(s: Session, session_id: uuid.UUID, options: PrintOptions, target, progress=None, cancel=None) -> int:
    job, info = make_job(s, session_id, options, progress, cancel)
    _ = job.gettext
    st = styles(job)
    rows = credentials.people(s, session_id, options.sort)
    width = content_box(job)[2]
    story = header(job, info, st, _("Attendance signature sheet"))
    story.append(Paragraph(esc(job.ngettext("{n} person expected. Walk-ins sign on the blank rows at the end.",
                                            "{n} people expected. Walk-ins sign on the blank rows at the end.",
                                            len(rows)).format(n=len(rows))), st.small))
    story.append(Spacer(1, 3 * MM))
    widths = [0.07 * width, 0.38 * width, 0.22 * width, 0.33 * width]
    data = [[str(i), wrapped(r.full_name, st.cell, widths[1]), wrapped(r.organisation or "", st.cell, widths[2]), ""]
            for i, r in enumerate(rows, start=1)]
    data += [[str(len(rows) + i), "", "", ""] for i in range(1, max(0, options.blank_rows) + 1)]
    sheet = table(["#", _("Name"), _("Organisation"), _("Signature")], data, widths, st,
                  row_height=10 * MM if job.paper == "A4" else 9 * MM, zebra=False)
    sheet.setStyle(TableStyle([("LINEBEFORE", (3, 1), (3, -1), 0.5, colors.Color(0.4, 0.4, 0.4))]))
    story.append(sheet)
    return build(job, target, story, _("Attendance signature sheet") + " — " + info.title)
