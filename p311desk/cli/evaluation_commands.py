"""CLI commands ``evaluation``: attach a form, key paper forms, one-time codes, close, results,
exports and the trend of a series."""

from __future__ import annotations

import json

from p311desk import evaluation, sessions
from p311desk.i18n import _, ngettext


def register(sub) -> None:
    p = sub.add_parser("evaluation", help=_("the evaluation form of a session: answers, results, trends"))
    ee = p.add_subparsers(dest="action", metavar="ACTION")
    ee.required = True
    q = ee.add_parser("form", help=_("attach an evaluation form to a session (editable until the first answer)"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("--template", default=evaluation.DEFAULT_TEMPLATE,
                   help=_("a built-in template ({names}) or a .json file").format(names=", ".join(evaluation.TEMPLATES)))
    q.set_defaults(func=cmd_form)
    q = ee.add_parser("show", help=_("show a session's evaluation form"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_show)
    q = ee.add_parser("answer", help=_("key one paper form: one digit per question with boxes"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("digits", nargs="+", help=_("one digit per question with boxes, in order (0 or - if left blank)"))
    q.add_argument("--form-id", help=_("the id printed on the form (refused if already keyed)"))
    q.add_argument("--text", action="append", default=[], help=_("the answer to a free-text question (again for the next one)"))
    q.set_defaults(func=cmd_answer)
    q = ee.add_parser("codes", help=_("one-time codes for the kiosk (each answers once)"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_codes)
    q = ee.add_parser("close", help=_("close the evaluation: no more answers, the results are shown"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.set_defaults(func=cmd_close)
    q = ee.add_parser("results", help=_("the results of a session's evaluation"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_results)
    q = ee.add_parser("export", help=_("the results of a session's evaluation to XLSX"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("file")
    q.set_defaults(func=cmd_export)
    q = ee.add_parser("trend", help=_("the trend of each scale question across a series of sessions"))
    q.add_argument("series", help=_("the series' name"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_trend)
    q = ee.add_parser("proposals", help=_("the free-text answers of a whole series to XLSX"))
    q.add_argument("series", help=_("the series' name"))
    q.add_argument("file")
    q.set_defaults(func=cmd_proposals)


def _session(s, ref):
    return sessions.find_session(s, ref)


def cmd_form(args, ctx) -> int:
    with ctx.db.write() as s:
        info = _session(s, args.session)
        form = evaluation.attach_form(s, info.id, args.template)
    ctx.print(ngettext("Evaluation form “{name}” attached to “{title}”: {n} question.",
                       "Evaluation form “{name}” attached to “{title}”: {n} questions.",
                       len(form.questions)).format(name=form.template, title=info.title, n=len(form.questions)))
    return 0


def cmd_show(args, ctx) -> int:
    with ctx.db.read() as s:
        info = _session(s, args.session)
        form = evaluation.get_form(s, info.id)
    if form is None:
        ctx.print(_("The session has no evaluation form yet."))
        return 0
    if args.json:
        ctx.print(json.dumps({"template": form.template, "answers": form.answers, "closed": form.closed,
                              "questions": [q.as_json() for q in form.questions]}, ensure_ascii=False, indent=2))
        return 0
    ctx.print(f"{form.template} · " + ngettext("{n} answer", "{n} answers", form.answers).format(n=form.answers))
    for number, q in enumerate(form.questions, start=1):
        ctx.print(f"{number}. {q.wording(info.language)}")
        labels = q.level_labels(info.language)
        if labels:
            ctx.print("   " + " / ".join(f"{i}={label}" for i, label in enumerate(labels, start=1)))
    return 0


def cmd_answer(args, ctx) -> int:
    with ctx.db.write() as s:
        info = _session(s, args.session)
        receipt = evaluation.answer_paper(s, info.id, args.digits, args.text, form_id=args.form_id)
    ctx.print(ngettext("Answer recorded ({n} in all).", "Answer recorded ({n} in all).",
                       receipt.answers).format(n=receipt.answers))
    return 0


def cmd_codes(args, ctx) -> int:
    with ctx.db.write() as s:
        info = _session(s, args.session)
        ids = evaluation.issue_slips(s, info.id, args.count)
    if args.json:
        ctx.print(json.dumps(ids))
    else:
        for code in ids:
            ctx.print(code)
    return 0


def cmd_close(args, ctx) -> int:
    with ctx.db.write() as s:
        info = _session(s, args.session)
        form = evaluation.close_evaluation(s, info.id)
    ctx.print(ngettext("The evaluation of “{title}” is closed: {n} answer.",
                       "The evaluation of “{title}” is closed: {n} answers.", form.answers).format(
        title=info.title, n=form.answers))
    return 0


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f} %"


def cmd_results(args, ctx) -> int:
    with ctx.db.read() as s:
        info = _session(s, args.session)
        res = evaluation.results(s, info.id)
    if args.json:
        ctx.print(json.dumps(res.as_json(), ensure_ascii=False, indent=2))
        return 0
    ctx.print(res.title)
    ctx.print(_("Answers: {n} of {present} present (response rate {rate}).").format(
        n=res.answers, present=res.present, rate=_pct(res.response_rate)))
    if not res.closed:
        ctx.print(_("The results are shown when the evaluation closes."))
        return 0
    for number, q in enumerate(res.questions, start=1):
        ctx.print(f"{number}. {q.text}")
        if q.kind == evaluation.TEXT:
            for t in q.texts:
                ctx.print(f"   – {t}")
            continue
        mean = "" if q.mean is None else "  " + _("mean {mean}").format(mean=f"{q.mean:.2f}")
        ctx.print("   " + "  ".join(f"{label}: {c}" for label, c in zip(q.labels, q.counts, strict=True))
                  + f"  (n={q.n}){mean}")
    return 0


def cmd_export(args, ctx) -> int:
    out = ctx.output_file(args.file, (".xlsx",))
    with ctx.db.read() as s:
        info = _session(s, args.session)
        rows = evaluation.export_results(s, info.id, out)
    ctx.print(_("Exported {rows} rows to {file}").format(rows=rows, file=out))
    return 0


def cmd_trend(args, ctx) -> int:
    with ctx.db.read() as s:
        tr = evaluation.trend(s, args.series)
    if args.json:
        ctx.print(json.dumps(tr.as_json(), ensure_ascii=False, indent=2))
        return 0
    ctx.print(tr.series + " · " + ngettext("{n} session", "{n} sessions", len(tr.sessions)).format(n=len(tr.sessions))
              + " · " + ngettext("{n} answer", "{n} answers", tr.answers).format(n=tr.answers))
    for line in tr.lines:
        ctx.print(line.text)
        for p in line.values:
            mean = "—" if p.mean is None else f"{p.mean:.2f}"
            ctx.print(f"   {p.starts_at or '—':<10}  {mean:>5}  (n={p.n})  {p.title}")
    return 0


def cmd_proposals(args, ctx) -> int:
    out = ctx.output_file(args.file, (".xlsx",))
    with ctx.db.read() as s:
        rows = evaluation.export_series_texts(s, args.series, out)
    ctx.print(_("Exported {rows} rows to {file}").format(rows=rows, file=out))
    return 0
