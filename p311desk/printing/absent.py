"""Who has not arrived yet: people registered for the session who have not checked in, with
their phone and email, for phoning them or for a second door."""

from __future__ import annotations

import uuid

from reportlab.platypus import Paragraph, Spacer
from sqlalchemy.orm import Session

from p311desk.i18n import format_local
from p311desk.printing import credentials
from p311desk.printing.context import PrintOptions, make_job
from p311desk.printing.flow import build, esc, styles, table
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
        data = [[str(i), r.full_name, r.phone or "", r.email or "", r.organisation or "", r.checkin_code]
                for i, r in enumerate(rows, start=1)]
        widths = [0.05 * width, 0.26 * width, 0.13 * width, 0.29 * width, 0.13 * width, 0.14 * width]
        story.append(table(["#", _("Name"), _("Phone"), _("Email"), _("Organisation"), _("Code")],
                           data, widths, st))
    return build(job, target, story, _("Who has not arrived yet") + " — " + info.title)
