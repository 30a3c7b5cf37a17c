"""The minutes (acta) of a session: session data, attendance counts, the proposals with their
supports and numbers, the votes, the audit head and a signature block.

The content is built once (:func:`content`, plain blocks) and written two ways: a PDF over the page
template (:func:`render`) and an ODT the secretary completes in LibreOffice (``minutes_odt``).
The audit head (number of events and the hash of the last one) lets anyone check the paper
record against the data: ``p311desk-cli audit verify`` on the same database ends on that hash.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from p311desk import attendance, audit, proposals, sessions, votes
from p311desk.i18n import format_local
from p311desk.printing.context import PrintOptions, make_job, session_date
from p311desk.printing.template import Job

AGE_BANDS = ((14, 17), (18, 29), (30, 44), (45, 64), (65, None))


@dataclass
class Block:
    """One piece of the minutes: ``kind`` is title | h | h3 | p | small | code | facts | table |
    signatures."""

    kind: str
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)  # fractions of the text width
    right: tuple[int, ...] = ()  # right-aligned (numeric) columns


@dataclass
class Minutes:
    title: str
    blocks: list[Block]


def _age_band(year: int | None, session_year: int) -> int | None:
    if year is None:
        return None
    age = session_year - year
    for index, (lo, hi) in enumerate(AGE_BANDS):
        if age >= lo and (hi is None or age <= hi):
            return index
    return None


def content(s: Session, session_id: uuid.UUID, job: Job) -> Minutes:
    _ = job.gettext
    info = sessions.get_session(s, session_id)
    kinds = {k: _(label) for k, label in sessions.KINDS.items()}
    statuses = {"draft": _("Draft"), "open": _("Open"), "closed": _("Closed")}
    title = _("Minutes") + " — " + info.title
    blocks = [Block("title", title)]
    facts = [
        [_("Municipality"), job.municipality],
        [_("Session"), info.title],
        [_("Kind"), kinds.get(info.kind, info.kind)],
        [_("Date and time"), session_date(info)],
        [_("Place"), info.place],
        [_("State"), statuses.get(info.status, info.status)],
        [_("Session id"), str(info.id)],
    ]
    blocks.append(Block("facts", rows=[r for r in facts if r[1]]))

    # --- attendance
    rows = attendance.attendance_list(s, session_id)
    present = [r for r in rows if r.checked_in_at is not None]
    registered = [r for r in rows if r.registered]
    walk_ins = [r for r in present if not r.registered]
    blocks.append(Block("h", _("Attendance")))
    counts = [
        [_("Registered"), str(len(registered))],
        [_("Present"), str(len(present))],
        [_("of whom registered"), str(len(present) - len(walk_ins))],
        [_("of whom walk-ins"), str(len(walk_ins))],
        [_("Registered and absent"), str(len(registered) - (len(present) - len(walk_ins)))],
    ]
    blocks.append(Block("table", header=[_("Attendance"), _("People")], rows=counts, widths=[0.6, 0.4],
                        right=(1,)))
    year = (info.starts_at or job.now).year
    if any(r.birth_year for r in present):
        bands = [0] * len(AGE_BANDS)
        unknown = 0
        for r in present:
            band = _age_band(r.birth_year, year)
            if band is None:
                unknown += 1
            else:
                bands[band] += 1
        label = [f"{lo}–{hi}" if hi else f"{lo}+" for lo, hi in AGE_BANDS]
        age_rows = [[_("{band} years").format(band=label[i]), str(n)] for i, n in enumerate(bands)]
        age_rows.append([_("Not stated"), str(unknown)])
        blocks.append(Block("p", _("People present by age (age reached in the year of the session):")))
        blocks.append(Block("table", header=[_("Age"), _("People")], rows=age_rows, widths=[0.6, 0.4],
                            right=(1,)))
    methods = {"qr": _("QR code"), "name": _("name"), "walkin": _("walk-in"), "import": _("imported")}
    by_method: dict[str, int] = {}
    for r in present:
        by_method[r.method or ""] = by_method.get(r.method or "", 0) + 1
    if by_method:
        blocks.append(Block("small", _("Check-in by: {list}.").format(list=", ".join(
            f"{methods.get(m, m)} {n}" for m, n in sorted(by_method.items())))))

    # --- proposals
    all_rows = proposals.list_proposals(s, session_id)
    by_id = {p.id: p for p in all_rows}
    blocks.append(Block("h", _("Proposals")))
    if not all_rows:
        blocks.append(Block("p", _("No proposals were made.")))
    else:
        active = [p for p in all_rows if p.active]
        blocks.append(Block("p", job.ngettext("{n} proposal, {m} after merging duplicates and withdrawals.",
                                              "{n} proposals, {m} after merging duplicates and withdrawals.",
                                              len(all_rows)).format(n=len(all_rows), m=len(active))))
        prows = []
        for p in all_rows:
            note = ""
            if p.merged_into_id is not None:
                target = by_id.get(p.merged_into_id)
                note = _("merged into #{n}").format(n=target.position) if target else _("merged")
            elif p.status == "withdrawn":
                note = _("withdrawn")
            author = p.author_name or (_("the session") if p.author_kind == "session" else "")
            form = p.paper_form_id or ""
            prows.append([f"#{p.position}", p.display_title(job.lang), author, str(p.supports),
                          " · ".join(x for x in (note, form) if x)])
        blocks.append(Block("table", header=["#", _("Proposal"), _("Author"), _("Supports"), _("Notes")],
                            rows=prows, widths=[0.06, 0.46, 0.2, 0.1, 0.18], right=(0, 3)))

    # --- votes
    blocks.extend(vote_blocks(s, session_id, job))

    # --- evaluation (issue 18)
    from p311desk.printing.minutes_evaluation import evaluation_blocks

    blocks.extend(evaluation_blocks(s, session_id, job))

    # --- questions per action (accountability sessions)
    from p311desk.printing.accountability import minutes_blocks

    blocks.extend(minutes_blocks(s, session_id, job))

    # --- audit head and signatures
    head = audit.head(s)
    count, last = head.count, head.hash
    blocks.append(Block("h", _("Record check")))
    blocks.append(Block("p", _("When these minutes were generated ({time}) the audit log held {n} events; "
                               "the last one's hash is:").format(
        time=format_local(job.now, "%d/%m/%Y %H:%M"), n=count)))
    blocks.append(Block("code", last or "—"))
    blocks.append(Block("small", _("Anyone can check this paper record against the data: the audit log's "
                                   "verification of the same database ends on this hash.")))
    blocks.append(Block("h", _("Signatures")))
    blocks.append(Block("signatures", header=[_("The secretary"), _("The chair")]))
    return Minutes(title, blocks)


def vote_blocks(s: Session, session_id: uuid.UUID, job: Job) -> list[Block]:
    """The votes of the session (questions, method, quorum, result, explanation, roll calls)."""
    _ = job.gettext
    questions = votes.list_questions(s, session_id)
    blocks = [Block("h", _("Votes"))]
    if not questions:
        return blocks + [Block("p", _("No questions were put to the vote."))]
    for number, q in enumerate(questions, start=1):
        r = votes.results(s, q.id)
        blocks.append(Block("h3", f"{number}. {q.title}"))
        facts = [
            [_("Method"), _(votes.METHOD_NAMES.get(q.method, q.method))],
            [_("Kind of vote"), _("secret") if q.secret else _("public")],
            [_("State"), _(votes.STATUS_NAMES.get(q.status, q.status))],
            [_("Quorum"), (_("{required} required, {reached}").format(
                required=r.quorum_required, reached=_("reached") if r.quorum_reached else _("not reached"))
                if r.quorum_required is not None else _("none"))],
            [_("Voters"), _("{cast} of {eligible} (present {present})").format(
                cast=r.cast, eligible=r.eligible, present=r.present)],
        ]
        blocks.append(Block("facts", rows=facts))
        rows = [[o.label, "—" if o.votes is None else str(o.votes)] for o in r.options]
        rows += [[_("Blank"), str(r.blank)], [_("Abstentions"), str(r.abstain)], [_("Invalid"), str(r.invalid)]]
        blocks.append(Block("table", header=[_("Option"), _("Votes")], rows=rows, widths=[0.7, 0.3], right=(1,)))
        if r.explanation:
            blocks.append(Block("p", r.explanation))
        if r.digest:
            blocks.append(Block("small", _("Ballot set digest: {digest}").format(digest=r.digest)))
        if not q.secret:
            table = [row for row in votes.roll_call(s, q.id)]
            if table:
                blocks.append(Block("p", _("Roll call:")))
                blocks.append(Block("table", header=[_("Name"), _("Weight"), _("Vote"), _("Notes")],
                                    rows=[[n, str(w), what, how] for n, _code, w, what, how in table],
                                    widths=[0.4, 0.1, 0.25, 0.25], right=(1,)))
    return blocks


def record_generated(s: Session, session_id: uuid.UUID, path) -> None:
    """Tell votes that the minutes were written at ``path`` (with the file's SHA-256): it records
    the "minutes generated" closing stage, or nothing for a draft or a copy of signed minutes."""
    path = Path(path)
    votes.record_minutes_generated(s, session_id, path.name, hashlib.sha256(path.read_bytes()).hexdigest())


def render(s: Session, session_id: uuid.UUID, options: PrintOptions, target, progress=None, cancel=None) -> int:
    job, _info = make_job(s, session_id, options, progress, cancel)
    minutes = content(s, session_id, job)
    if options.format == "odt":
        from p311desk.printing import minutes_odt

        minutes_odt.write(minutes, job, target)
        return 0
    return write_pdf(minutes, job, target)


def write_pdf(minutes: Minutes, job: Job, target) -> int:
    from reportlab.lib import colors
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from p311desk.printing.flow import build, esc, styles, table
    from p311desk.printing.template import FONT, MM, content_box

    st = styles(job)
    width = content_box(job)[2]
    story: list = []
    for b in minutes.blocks:
        if b.kind == "title":
            story.append(Paragraph(esc(b.text), st.title))
        elif b.kind == "h":
            story.append(Paragraph(esc(b.text), st.h2))
        elif b.kind == "h3":
            story.append(Paragraph(esc(b.text), st.cell_bold))
        elif b.kind == "p":
            story.append(Paragraph(esc(b.text), st.body))
        elif b.kind == "small":
            story.append(Paragraph(esc(b.text), st.small))
        elif b.kind == "code":
            from reportlab.lib.styles import ParagraphStyle

            story.append(Paragraph(esc(b.text), ParagraphStyle("code", st.body, fontName=FONT, fontSize=9,
                                                               leading=12, spaceBefore=2, spaceAfter=2)))
        elif b.kind == "facts":
            data = [[Paragraph(esc(k), st.cell_bold), Paragraph(esc(v), st.cell)] for k, v in b.rows]
            t = Table(data, colWidths=[0.28 * width, 0.72 * width])
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.Color(0.8, 0.8, 0.8))]))
            story.append(t)
        elif b.kind == "table":
            widths = [f * width for f in b.widths]
            story.append(Spacer(1, 2 * MM))
            story.append(table(b.header, b.rows, widths, st, align_right=b.right))
            story.append(Spacer(1, 2 * MM))
        elif b.kind == "signatures":
            cells = [[Paragraph(esc(label), st.cell_bold) for label in b.header],
                     ["" for _label in b.header]]
            t = Table(cells, colWidths=[width / len(b.header)] * len(b.header), rowHeights=[None, 28 * MM])
            t.setStyle(TableStyle([("BOX", (0, 1), (0, 1), 0.5, colors.grey),
                                   ("BOX", (-1, 1), (-1, 1), 0.5, colors.grey),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(KeepTogether([Spacer(1, 3 * MM), t]))
    return build(job, target, story, minutes.title)
