"""The accountability handout — the plan's progress on paper, one line per action with its
four-step band as a bar, grouped by objective — and the minutes' section with the questions asked
per action (:func:`minutes_blocks`, called by ``minutes``)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from p311desk import accountability
from p311desk.errors import ValidationError
from p311desk.printing.context import PrintOptions, make_job, session_date
from p311desk.printing.job import Job

DONE_RGB = (0.05, 0.45, 0.25)
STEP_EMPTY = (0.88, 0.9, 0.93)


def _plan(s: Session, session_id: uuid.UUID) -> accountability.PlanInfo:
    plan_id = accountability.session_plan(s, session_id)
    if plan_id is None:
        raise ValidationError("The session presents no plan: link it to one first (accountability link SESSION PLAN).")
    from p311desk import rules, sessions

    # The figures are those of the session's day (planned progress moves with the date).
    day = rules.session_day(sessions.get_session(s, session_id).starts_at)
    return accountability.plan_view(s, plan_id, on=day, session_id=session_id)


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} %".replace(".", ",") if not float(value).is_integer() else f"{int(value)} %"


def points(job: Job, deviation: float | None) -> str:
    _ = job.gettext
    if deviation is None:
        return _("no plan to compare with")
    n = f"{abs(deviation):.1f}".replace(".", ",")
    if abs(deviation) < 0.05:
        return _("on plan")
    return (_("{n} points ahead of plan") if deviation > 0 else _("{n} points behind plan")).format(n=n)


def render(s: Session, session_id: uuid.UUID, options: PrintOptions, target, progress=None, cancel=None) -> int:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from p311desk.printing.flow import build, esc, styles
    from p311desk.printing.template import FONT_BOLD, INK, MM, content_box

    job, info = make_job(s, session_id, options, progress, cancel)
    _ = job.gettext
    plan = _plan(s, session_id)
    st = styles(job)
    width = content_box(job)[2]
    story: list = [Paragraph(esc(plan.title), st.title),
                   Paragraph(esc(" · ".join(x for x in (_("Accountability session"), info.title, session_date(info),
                                                          info.place) if x)), st.small),
                   Spacer(1, 3 * MM)]
    f = plan.figures
    big = ParagraphStyle("big", st.body, fontName=FONT_BOLD, fontSize=26, leading=30, textColor=colors.Color(*INK))
    basis = _("weighted by budget") if f.by_budget else _("each action counts the same")
    summary = Table([[Paragraph(esc(percent(f.progress)), big),
                      [Paragraph(esc(_("executed of the whole plan ({n} actions, {basis})").format(
                          n=f.actions, basis=basis)), st.body),
                       Paragraph(esc(_("Planned by {date}: {planned} — {deviation}").format(
                           date=plan.on.strftime("%d/%m/%Y"), planned=percent(f.planned),
                           deviation=points(job, f.deviation))), st.body),
                       Paragraph(esc(_("Actions by step reached: none {b0} · 25 % {b1} · 50 % {b2} · 75 % {b3} · "
                                       "100 % {b4}").format(**{f"b{i}": n for i, n in enumerate(f.bands)})),
                                 st.small)]]],
                    colWidths=[0.24 * width, 0.76 * width])
    summary.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                 ("BOX", (0, 0), (-1, -1), 0.6, colors.Color(*INK)),
                                 ("BACKGROUND", (0, 0), (0, 0), colors.Color(0.95, 0.96, 0.98))]))
    story += [summary, Spacer(1, 3 * MM)]
    legend = Paragraph(esc(_("Each bar has four steps: 25 %, 50 %, 75 % and 100 % of the action done.")), st.small)
    story += [legend, Spacer(1, 2 * MM)]
    cols = [0.07 * width, 0.53 * width, 0.22 * width, 0.18 * width]
    for number, o in enumerate(plan.objectives, start=1):
        job.tick(number, len(plan.objectives), "")
        head_style = ParagraphStyle("oh", st.h2, spaceBefore=0, spaceAfter=0, textColor=colors.white)
        head = Table([[Paragraph(esc(_numbered(o.code, o.title)), head_style),
                       Paragraph(esc(percent(o.figures.progress)), ParagraphStyle("ohr", head_style, alignment=2))]],
                     colWidths=[0.82 * width, 0.18 * width])
        head.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.Color(*INK)),
                                  ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        sub = Paragraph(esc(_("Planned: {planned} — {deviation}").format(
            planned=percent(o.figures.planned), deviation=points(job, o.figures.deviation))), st.small)
        rows = []
        styles_cmds = [("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                       ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.Color(0.75, 0.75, 0.75)),
                       ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
        group = None
        for a in o.actions:
            if a.group_title and a.group_title != group:
                group = a.group_title
                rows.append([Paragraph(esc(group), st.cell_bold), "", "", ""])
                styles_cmds += [("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)),
                                ("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), colors.Color(0.93, 0.95, 0.97))]
            rows.append([Paragraph(esc(str(a.number)), st.cell_bold), Paragraph(esc(a.title), st.cell),
                         Paragraph(esc(a.responsible), st.small), BandBar(a.progress, cols[3] - 6)])
        table = Table(rows, colWidths=cols, repeatRows=0)
        table.setStyle(TableStyle(styles_cmds))
        story.append(KeepTogether([head, sub, Spacer(1, 1 * MM)] + ([table] if len(rows) <= 6 else [])))
        if len(rows) > 6:
            story.append(table)
        story.append(Spacer(1, 3 * MM))
    return build(job, target, story, plan.title)


def _numbered(code: str, title: str) -> str:
    return f"{code}. {title}" if code and not title.startswith(code) else title


def _band_bar_class():
    from reportlab.platypus.flowables import Flowable

    from p311desk.printing.template import FONT_BOLD, INK

    class _BandBar(Flowable):
        """Four boxes, one per step reached, and the percentage beside them."""

        def __init__(self, progress: float | None, width: float) -> None:
            super().__init__()
            self.progress, self.width, self.height = progress, width, 11

        def draw(self) -> None:
            c = self.canv
            steps = accountability.band(self.progress)
            label = percent(self.progress)
            label_w = 36
            box_w = (self.width - label_w - 3 * 1.5) / 4
            for i in range(4):
                c.setFillColorRGB(*(DONE_RGB if i < steps else STEP_EMPTY))
                c.rect(i * (box_w + 1.5), 1, box_w, 8, stroke=0, fill=1)
            c.setFillColorRGB(*INK)
            c.setFont(FONT_BOLD, 8)
            c.drawRightString(self.width, 2, label)

    return _BandBar


def BandBar(progress: float | None, width: float):  # noqa: N802 - reads like the flowable it makes
    return _band_bar_class()(progress, width)


def minutes_blocks(s: Session, session_id: uuid.UUID, job: Job) -> list:
    """The minutes' section for an accountability session: the questions asked, per action.
    Nothing for other sessions."""
    from p311desk.printing.minutes import Block

    plan_id = accountability.session_plan(s, session_id)
    if plan_id is None:
        return []
    _ = job.gettext
    questions = accountability.list_questions(s, session_id)
    blocks = [Block("h", _("Questions per action"))]
    if not questions:
        return blocks + [Block("p", _("No questions were asked."))]
    blocks.append(Block("p", job.ngettext("{n} question was asked.", "{n} questions were asked.",
                                          len(questions)).format(n=len(questions))))
    rows = []
    for q in questions:
        where = _("platform (comment)") if q.to_platform else _("minutes")
        rows.append([str(q.action_number or ""), q.action_title, q.text, q.author_name or _("anonymous"), where])
    blocks.append(Block("table", header=["#", _("Action"), _("Question"), _("Asked by"), _("Recorded in")],
                        rows=rows, widths=[0.05, 0.25, 0.38, 0.16, 0.16], right=(0,)))
    return blocks
