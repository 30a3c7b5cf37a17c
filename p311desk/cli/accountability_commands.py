"""CLI commands of accountability sessions: import, export and list a plan, link a session to it,
and record the questions asked per action."""

from __future__ import annotations

import json

from p311desk import accountability, sessions
from p311desk.errors import ValidationError
from p311desk.i18n import _, format_local


def register(sub) -> None:
    p = sub.add_parser("accountability", help=_("the municipal action plan: import, figures, questions per action"))
    pp = p.add_subparsers(dest="action", metavar="ACTION")
    pp.required = True

    q = pp.add_parser("import", help=_("import a PAM spreadsheet (XLSX, ODS, CSV) or Decidim's results CSV"))
    q.add_argument("file")
    q.add_argument("--yes", action="store_true", help=_("write the plan (without it, only check the file)"))
    q.set_defaults(func=cmd_import)

    q = pp.add_parser("export", help=_("export a plan to XLSX, or to the results CSV Decidim's accountability admin imports"))
    q.add_argument("file")
    q.add_argument("--format", choices=accountability.FORMATS, default=None,
                   help=_("default: from the file extension (.xlsx, or .csv for decidim-csv)"))
    q.add_argument("--plan", help=_("the plan (id, or part of its title); default: the only one"))
    q.set_defaults(func=cmd_export)

    q = pp.add_parser("list", help=_("the plans and their figures: progress per objective and overall, plan, deviation"))
    q.add_argument("--plan", help=_("only this plan (id, or part of its title)"))
    q.add_argument("--date", help=_("figures on this date, YYYY-MM-DD (default: today)"))
    q.add_argument("--actions", action="store_true", help=_("also one line per action"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_list)

    q = pp.add_parser("link", help=_("make a session an accountability session presenting a plan"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("plan", help=_("the plan (id, or part of its title)"))
    q.set_defaults(func=cmd_link)

    q = pp.add_parser("ask", help=_("record a question about an action of the session's plan"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("target", metavar="ACTION",
                   help=_("the action: its number in the plan, its platform id or reference, or a unique part of its title"))
    q.add_argument("question")
    who = q.add_mutually_exclusive_group()
    who.add_argument("--author", metavar="CODE",
                     help=_("the check-in code of the person asking, who agreed to be named"))
    who.add_argument("--anonymous", action="store_true", help=_("do not name the person (the default)"))
    q.set_defaults(func=cmd_ask)

    q = pp.add_parser("questions", help=_("the questions asked in a session, per action"))
    q.add_argument("session", help=_("session id (or the first characters of it)"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_questions)


def cmd_import(args, ctx) -> int:
    # The check is a read: a dry run takes no write lock.
    with ctx.db.read() as s:
        plan = accountability.preview_file(s, args.file)
    _print_preview(ctx, plan)
    if plan.errors:
        ctx.print(_("Nothing was imported: correct the errors first."))
        return 1
    if not args.yes:
        ctx.print(_("Nothing was imported yet: run again with --yes to write the plan."))
        return 0
    with ctx.db.write() as s:
        # Checked again under the write lock: another writer may have changed the plan since.
        plan = accountability.preview_file(s, args.file)
        result = accountability.commit(s, plan, accept_warnings=True)
    ctx.print(_("Imported “{title}”: {actions} actions ({created} rows new, {updated} updated, {removed} removed).").format(
        title=plan.title, actions=result.actions, created=result.created, updated=result.updated,
        removed=result.removed))
    return 0


def _print_preview(ctx, plan) -> None:
    ctx.print(_("Plan: {title}").format(title=plan.title))
    if plan.layout == "pam":
        ctx.print(_("Columns: {mapping}").format(mapping=", ".join(f"{k} ← {v}" for k, v in plan.mapping.items())))
    if plan.existing_plan_id:
        ctx.print(_("A plan with this title is already here: it will be updated."))
    for line in accountability.report_lines(plan):
        ctx.print(line)
    objectives = sum(1 for r in plan.rows if r.kind in ("objective", "specific"))
    ctx.print(_("{objectives} objectives and {actions} actions: {new} new, {update} to update, {warning} with "
                "warnings, {error} with errors.").format(objectives=objectives, actions=plan.actions, **plan.counts))
    if plan.removed:
        ctx.print(_("No longer in the file (will be removed): {titles}").format(titles="; ".join(plan.removed[:10])))


def cmd_export(args, ctx) -> int:
    fmt = args.format or ("xlsx" if args.file.lower().endswith(".xlsx") else "decidim-csv")
    out = ctx.output_file(args.file, (".xlsx",) if fmt == "xlsx" else (".csv",))
    with ctx.db.read() as s:
        plan = accountability.find_plan(s, args.plan)
        n = accountability.export_plan(s, plan.id, out, fmt)
    ctx.print(_("Exported {n} rows to {file}").format(n=n, file=out))
    if fmt == "decidim-csv":
        ctx.print(_("Upload it as it is in the accountability component's admin (Import CSV); do not open it in a "
                    "spreadsheet program first."))
    return 0


def _date(text: str | None):
    import datetime as dt

    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError("“{value}” is not a date (YYYY-MM-DD).", value=text) from None


def _figures_json(f) -> dict:
    return {"actions": f.actions, "progress": round(f.progress, 2),
            "planned": None if f.planned is None else round(f.planned, 2),
            "deviation": None if f.deviation is None else round(f.deviation, 2),
            "weighted_by": "budget" if f.by_budget else "action", "band": f.band, "bands": list(f.bands),
            "budget": f.budget, "without_progress": f.without_progress, "without_plan": f.without_plan}


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _dev(value) -> str:
    return "—" if value is None else f"{value:+.1f}"


def cmd_list(args, ctx) -> int:
    on = _date(args.date)
    with ctx.db.read() as s:
        summaries = [accountability.find_plan(s, args.plan)] if args.plan else accountability.list_plans(s)
        views = [accountability.plan_view(s, p.id, on=on) for p in summaries]
    if args.json:
        out = []
        for v in views:
            out.append({"id": str(v.id), "title": v.title, "source": v.source, "date": v.on.isoformat(),
                        "platform": v.platform_host, "component": v.decidim_component_id,
                        "figures": _figures_json(v.figures),
                        "objectives": [{"id": str(o.id) if o.id else None, "code": o.code, "title": o.title,
                                        "figures": _figures_json(o.figures),
                                        "actions": [{"number": a.number, "code": a.code, "title": a.title,
                                                     "responsible": a.responsible, "progress": a.progress,
                                                     "planned": None if a.planned is None else round(a.planned, 2),
                                                     "band": a.band, "budget": a.budget, "sdgs": list(a.sdgs),
                                                     "start_date": a.start_date.isoformat() if a.start_date else None,
                                                     "end_date": a.end_date.isoformat() if a.end_date else None,
                                                     "platform_id": a.decidim_id, "reference": a.reference}
                                                    for a in o.actions]}
                                       for o in v.objectives]})
        ctx.print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if not views:
        ctx.print(_("No plans yet."))
        return 0
    for v in views:
        f = v.figures
        ctx.print(f"{str(v.id)[:8]}  {v.title}")
        ctx.print("  " + _("On {date}: {progress} done, {planned} planned, deviation {deviation} points "
                           "({n} actions, weighted by {basis}).").format(
            date=v.on.strftime("%d/%m/%Y"), progress=_pct(f.progress), planned=_pct(f.planned),
            deviation=_dev(f.deviation), n=f.actions, basis=_("budget") if f.by_budget else _("action")))
        for o in v.objectives:
            g = o.figures
            name = f"{o.code} {o.title}".strip()
            ctx.print(f"    {_pct(g.progress):>8}  {_pct(g.planned):>8}  {_dev(g.deviation):>7}  "
                      f"{'■' * g.band}{'□' * (4 - g.band)}  {name}")
            if args.actions:
                for a in o.actions:
                    ctx.print(f"      #{a.number:<4} {_pct(a.progress):>8}  {'■' * a.band}{'□' * (4 - a.band)}  "
                              f"{a.title}" + (f"  ({a.responsible})" if a.responsible else ""))
    return 0


def cmd_link(args, ctx) -> int:
    with ctx.db.write() as s:
        session = sessions.find_session(s, args.session)
        plan = accountability.find_plan(s, args.plan)
        accountability.link_session(s, session.id, plan.id)
    ctx.print(_("“{session}” is an accountability session presenting “{plan}” ({n} actions).").format(
        session=session.title, plan=plan.title, n=plan.actions))
    return 0


def cmd_ask(args, ctx) -> int:
    with ctx.db.write() as s:
        session = sessions.find_session(s, args.session)
        q = accountability.ask(s, session.id, args.target, args.question, author_code=args.author,
                               consent=bool(args.author))
    ctx.print(_("Question recorded about action {number}, “{title}”.").format(number=q.action_number,
                                                                            title=q.action_title))
    if q.to_platform:
        ctx.print(_("It will be posted on the platform as a comment on that result at the next push."))
    else:
        ctx.print(_("This action is not on a platform: the question goes to the minutes and the export."))
    return 0


def cmd_questions(args, ctx) -> int:
    with ctx.db.read() as s:
        session = sessions.find_session(s, args.session)
        rows = accountability.list_questions(s, session.id)
    if args.json:
        ctx.print(json.dumps([{"id": str(q.id), "action": q.action_number, "action_title": q.action_title,
                               "question": q.text, "author": q.author_name or None,
                               "asked_at": q.asked_at.isoformat(), "to_platform": q.to_platform,
                               "status": q.status or None} for q in rows], ensure_ascii=False, indent=2))
        return 0
    if not rows:
        ctx.print(_("No questions yet."))
        return 0
    for q in rows:
        who = q.author_name or _("anonymous")
        ctx.print(f"#{q.action_number:<4} {format_local(q.asked_at, '%H:%M')}  {q.text}  — {who}"
                  + (f"  [{q.status}]" if q.status else ""))
    return 0
