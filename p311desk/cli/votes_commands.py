"""CLI commands of votes: bodies, delegations, votes (create, open, cast, proxy, count, ballots,
scan, close, results) and the closing stages of a session."""

from __future__ import annotations

import getpass
import json

from p311desk import sessions, votes
from p311desk.cli.options import column_mapping
from p311desk.errors import ValidationError
from p311desk.i18n import _, format_local

METHODS = {"yes-no": "yes_no", "single": "single", "multiple": "multiple", "points": "points", "budget": "budget"}


def register(sub) -> None:
    p = sub.add_parser("bodies", help=_("bodies (councils) and their members"))
    pp = p.add_subparsers(dest="action", metavar="ACTION")
    pp.required = True
    q = pp.add_parser("create", help=_("create a body"))
    q.add_argument("name")
    q.add_argument("--description", default="")
    q.set_defaults(func=cmd_body_create)
    q = pp.add_parser("import", help=_("import a body's members (name, code, role, weight) from XLSX or CSV"))
    q.add_argument("body", help=_("body name or id"))
    q.add_argument("file")
    q.add_argument("--yes", action="store_true", help=_("accept the warnings and import"))
    q.add_argument("--mapping", help=_('column mapping as JSON, e.g. {"name": "Entitat", "weight": "Vots"}'))
    q.add_argument("--sheet", help=_("sheet name (default: the first sheet with data)"))
    q.set_defaults(func=cmd_body_import)
    q = pp.add_parser("list", help=_("list bodies, or the members of one"))
    q.add_argument("body", nargs="?")
    q.set_defaults(func=cmd_body_list)

    p = sub.add_parser("delegations", help=_("delegations of vote between members of a body"))
    pp = p.add_subparsers(dest="action", metavar="ACTION")
    pp.required = True
    q = pp.add_parser("add", help=_("a member delegates their vote to another member for one session"))
    q.add_argument("session")
    q.add_argument("giver", metavar="FROM", help=_("the member who delegates (check-in code or name)"))
    q.add_argument("holder", metavar="TO", help=_("the member who carries the vote (check-in code or name)"))
    q.add_argument("--body", help=_("the body, if the member belongs to several"))
    q.add_argument("--by", default="", help=_("who entered the delegation (default: this computer's user)"))
    q.add_argument("--max-held", type=int, default=1, help=_("delegations one member may hold (default 1)"))
    q.set_defaults(func=cmd_delegation_add)
    q = pp.add_parser("list", help=_("list a session's delegations"))
    q.add_argument("session")
    q.set_defaults(func=cmd_delegation_list)

    p = sub.add_parser("votes", help=_("questions put to the vote"))
    pp = p.add_subparsers(dest="action", metavar="ACTION")
    pp.required = True
    q = pp.add_parser("create", help=_("create a question (prints its id on the last line)"))
    q.add_argument("session")
    q.add_argument("title", metavar="QUESTION")
    q.add_argument("--method", choices=sorted(METHODS), default="yes-no")
    q.add_argument("--options", default="", help=_('options separated by ";", e.g. "A;B;C"'))
    q.add_argument("--description", default="")
    q.add_argument("--secret", action="store_true")
    q.add_argument("--body", help=_("the body whose members vote (default: those checked in)"))
    q.add_argument("--weighted", action="store_true", help=_("apply the members' vote weights"))
    q.add_argument("--min", type=int, help=_("at least this many selections"))
    q.add_argument("--max", type=int, help=_("at most this many selections"))
    q.add_argument("--points", help=_("borda, or dots:N (N dots per voter), or dots:N:K (at most K on one option)"))
    q.add_argument("--budget", type=int, help=_("the budget, a whole amount"))
    q.add_argument("--costs", help=_('project costs, e.g. "A=1000;B=2500"'))
    q.add_argument("--spending-limit", type=int, help=_("a voter's projects may cost at most this"))
    q.add_argument("--rule", choices=["greedy", "equal-shares"], default="greedy")
    q.add_argument("--quorum", help=_("a fraction of the members, e.g. 1/2 or 0.6"))
    q.add_argument("--quorum-by", choices=["headcount", "weight"], default="headcount")
    q.add_argument("--majority", choices=["simple", "absolute", "two-thirds"], default="simple")
    q.add_argument("--of", dest="majority_of", choices=["cast", "present", "members"], default="cast")
    q.add_argument("--abstentions-count", action="store_true",
                   help=_("abstentions and blank ballots count in the votes cast"))
    q.add_argument("--way", choices=["hands", "paper", "kiosk", "roll-call"],
                   help=_("how the vote is taken (the Votes page shows that way's controls)"))
    q.add_argument("--tie", choices=["tie", "casting"], default="tie",
                   help=_("what a tie gives: tie, or the chair's casting vote"))
    q.set_defaults(func=cmd_create)
    for verb, helptext, fn in (("open", _("open a question (takes the list of who may vote)"), cmd_open),
                               ("close", _("close a question for good and freeze its result"), cmd_close)):
        q = pp.add_parser(verb, help=helptext)
        q.add_argument("question")
        q.set_defaults(func=fn)
    q = pp.add_parser("list", help=_("list a session's questions"))
    q.add_argument("session")
    q.set_defaults(func=cmd_list)
    q = pp.add_parser("cast", help=_("record a voter's ballot (kiosk, roll call)"))
    q.add_argument("question")
    q.add_argument("code", help=_("the voter's check-in code"))
    q.add_argument("choice", nargs="*", metavar="CHOICE",
                   help=_("option labels or numbers; yes, no, abstain; nothing or blank for a blank ballot"))
    q.add_argument("--for", dest="on_behalf_of", help=_("an absent member whose vote CODE carries"))
    q.add_argument("--roll-call", action="store_true", help=_("recorded by the technician at a roll call"))
    q.set_defaults(func=cmd_cast, trailing="choice")
    q = pp.add_parser("proxy", help=_("a delegate's carried votes in aggregate, e.g. yes=3 no=1"))
    q.add_argument("question")
    q.add_argument("code")
    q.add_argument("counts", nargs="+", metavar="OPTION=N")
    q.set_defaults(func=cmd_proxy, trailing="counts")
    q = pp.add_parser("count", help=_("counts of a batch (show of hands, a pile of ballots); saving again replaces"))
    q.add_argument("question")
    q.add_argument("counts", nargs="*", metavar="OPTION=N")
    q.add_argument("--batch", required=True)
    q.add_argument("--blank", type=int, default=0)
    q.add_argument("--invalid", type=int, default=0)
    q.add_argument("--abstain", type=int, default=0)
    q.add_argument("--total", type=int,
                   help=_("ballots or hands in the batch, blank and spoilt ones included (needed for multiple "
                          "choice, points and budgets)"))
    q.set_defaults(func=cmd_count, trailing="counts")
    q = pp.add_parser("ballots", help=_("issue signed paper ballots"))
    q.add_argument("question")
    q.add_argument("--count", type=int, required=True)
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_ballots)
    q = pp.add_parser("hand", help=_("record that a present person received a paper ballot (they vote on paper)"))
    q.add_argument("question")
    q.add_argument("code", help=_("the voter's check-in code"))
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_hand)
    q = pp.add_parser("scan", help=_("count one paper ballot: the codes beside its marked boxes, or its serial"))
    q.add_argument("question")
    q.add_argument("payload", nargs="+", metavar="CODE",
                   help=_("the codes of one sheet's marked boxes (Borda: first preference first), or its serial"))
    q.add_argument("--choice", action="append", help=_("the marked option, for a scanned serial (blank, invalid)"))
    q.add_argument("--blank", action="store_true", help=_("a blank sheet (scan its serial)"))
    q.add_argument("--spoilt", action="store_true", help=_("a spoilt sheet (scan its serial)"))
    q.set_defaults(func=cmd_scan)
    q = pp.add_parser("results", help=_("the result and why"))
    q.add_argument("question")
    q.add_argument("--json", action="store_true")
    q.add_argument("--compare", action="store_true", help=_("budgets: both rules side by side"))
    q.set_defaults(func=cmd_results)
    q = pp.add_parser("casting", help=_("record the chair's casting vote after a tie"))
    q.add_argument("question")
    q.add_argument("option")
    q.set_defaults(func=cmd_casting)
    q = pp.add_parser("roll-call", help=_("the roll-call table of an open vote"))
    q.add_argument("question")
    q.set_defaults(func=cmd_roll_call)

    p = sub.add_parser("closing", help=_("close a session in stages: count, results, minutes generated, minutes signed"))
    p.add_argument("session")
    p.add_argument("stage", nargs="?", choices=["count", "results", "minutes-signed"],
                   help=_("the stage to record (without it: list the stages)"))
    p.add_argument("--attach", help=_("a photo or scan (PDF, JPEG, PNG) of the signed minutes"))
    p.add_argument("--by", default="", help=_("who records the stage (default: this computer's user)"))
    p.add_argument("--note", default="")
    p.set_defaults(func=cmd_closing)


def _session(ctx, ref):
    with ctx.db.read() as s:
        return sessions.find_session(s, ref).id


def _question(ctx, ref):
    with ctx.db.read() as s:
        return votes.find_question(s, ref)


def _body(ctx, ref):
    if not ref:
        return None
    with ctx.db.read() as s:
        return votes.find_body(s, ref).id


def cmd_body_create(args, ctx) -> int:
    with ctx.db.write() as s:
        b = votes.create_body(s, args.name, args.description)
    ctx.print(_("Body created: {name}").format(name=b.name))
    ctx.print(b.id)
    return 0


def cmd_body_import(args, ctx) -> int:
    from p311desk.spreadsheets.reader import read_table

    mapping = column_mapping(args.mapping)
    body_id = _body(ctx, args.body)
    table = read_table(args.file, sheet=args.sheet)
    # The check is a read: a dry run takes no write lock and never makes another writer wait.
    with ctx.db.read() as s:
        plan = votes.preview_members(s, body_id, table, mapping)
    for line in votes.member_report_lines(plan):
        ctx.print(line)
    if plan.errors:
        ctx.print(_("Nothing was imported: correct the errors first."))
        return 1
    if plan.warnings and not args.yes:
        ctx.print(_("Nothing was imported: check the warnings and run again with --yes to accept them."))
        return 1
    if not args.yes:
        ctx.print(_("Nothing was imported yet: run again with --yes to import."))
        return 0
    with ctx.db.write() as s:  # checked again under the write lock, then written
        plan = votes.preview_members(s, body_id, table, mapping)
        n = votes.commit_members(s, plan, accept_warnings=True)
    ctx.print(_("Imported: {n} members added or changed.").format(n=n))
    return 0


def cmd_body_list(args, ctx) -> int:
    with ctx.db.read() as s:
        if args.body:
            body = votes.find_body(s, args.body)
            ctx.print(_("{name}: {n} members, {w} votes").format(name=body.name, n=body.members, w=body.weight))
            for m in votes.members(s, body.id):
                ctx.print(f"  {m.code:<10} {m.weight:>3}  {m.name}  {m.role}".rstrip())
            return 0
        rows = votes.list_bodies(s)
    if not rows:
        ctx.print(_("No bodies."))
    for b in rows:
        ctx.print(_("{id}  {name}: {n} members, {w} votes").format(id=b.id.hex[:8], name=b.name, n=b.members, w=b.weight))
    return 0


def _who(by: str) -> str:
    if by:
        return by
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name on this system: leave it empty
        return ""


def cmd_delegation_add(args, ctx) -> int:
    sid = _session(ctx, args.session)
    body_id = _body(ctx, args.body)
    by = _who(args.by)
    with ctx.db.write() as s:
        d = votes.add_delegation(s, sid, args.giver, args.holder, body_id=body_id, entered_by=by,
                                 max_held=args.max_held)
    ctx.print(_("{giver} delegates their vote to {holder}.").format(giver=d.from_name, holder=d.to_name))
    return 0


def cmd_delegation_list(args, ctx) -> int:
    sid = _session(ctx, args.session)
    with ctx.db.read() as s:
        rows = votes.list_delegations(s, sid)
    if not rows:
        ctx.print(_("No delegations."))
    for d in rows:
        ctx.print(f"{d.from_code:<10} {d.from_name} → {d.to_code:<10} {d.to_name}  ({d.entered_by})")
    return 0


def _parse_costs(text: str) -> tuple[list[str], list[int]]:
    labels, costs = [], []
    for part in text.split(";"):
        if not part.strip():
            continue
        label, sep, amount = part.rpartition("=")
        if not sep or not label.strip():
            raise ValidationError("“{value}” is not PROJECT=COST.", value=part.strip())
        try:
            costs.append(int(amount.strip().replace(".", "").replace(" ", "")))
        except ValueError:
            raise ValidationError("“{value}” is not PROJECT=COST.", value=part.strip()) from None
        labels.append(label.strip())
    return labels, costs


def cmd_create(args, ctx) -> int:
    sid = _session(ctx, args.session)
    body_id = _body(ctx, args.body)
    method = METHODS[args.method]
    options = [o.strip() for o in args.options.split(";") if o.strip()]
    costs: list[int] = []
    if args.costs:
        cost_labels, costs = _parse_costs(args.costs)
        if not options:
            options = cost_labels
        elif [o.casefold() for o in options] != [c.casefold() for c in cost_labels]:
            by_label = {c.casefold(): v for c, v in zip(cost_labels, costs, strict=True)}
            if set(by_label) != {o.casefold() for o in options}:
                raise ValidationError("Every project needs a cost, a whole amount greater than 0.")
            costs = [by_label[o.casefold()] for o in options]
    points, dots, dots_max = "", 0, 0
    if args.points:
        spec = args.points.split(":")
        points = spec[0]
        try:
            dots = int(spec[1]) if len(spec) > 1 else 0
            dots_max = int(spec[2]) if len(spec) > 2 else 0
        except ValueError:
            raise ValidationError("Points are Borda or dots.") from None
    with ctx.db.write() as s:
        q = votes.create_question(
            s, sid, args.title, method=method, options=options, description=args.description, secret=args.secret,
            weighted=args.weighted, body_id=body_id, min_selections=args.min, max_selections=args.max,
            points=points, dots=dots, dots_max=dots_max, costs=costs, budget=args.budget,
            spending_limit=args.spending_limit, rule=args.rule.replace("-", "_"), quorum=args.quorum,
            quorum_by=args.quorum_by, majority=args.majority.replace("-", "_"), majority_of=args.majority_of,
            abstentions_count=args.abstentions_count, tie_rule=args.tie,
            way=args.way.replace("-", "_") if args.way else None)
    ctx.print(_("Question created: {title}").format(title=q.title))
    ctx.print(q.id)
    return 0


def cmd_open(args, ctx) -> int:
    qid = _question(ctx, args.question).id
    with ctx.db.write() as s:
        votes.open_question(s, qid)
        el = votes.electorate(s, qid)
    ctx.print(_("The vote is open: {present} of {members} may vote.").format(present=el.present, members=el.members))
    return 0


def _print_results(ctx, r) -> None:
    ctx.print(f"{r.title}")
    for o in r.options:
        ctx.print(f"  {o.label}: {'-' if o.votes is None else o.votes}")
    ctx.print(_("Cast {cast}, blank {blank}, abstentions {abstain}, invalid {invalid}; eligible {eligible}, "
                "present {present}.").format(cast=r.cast, blank=r.blank, abstain=r.abstain, invalid=r.invalid,
                                             eligible=r.eligible, present=r.present))
    if r.method == "budget" and r.compare:
        for rule, chosen in r.compare.items():
            ctx.print(f"  {rule}: {', '.join(chosen) or '-'} ({r.spent.get(rule, 0)})")
    if r.explanation:
        ctx.print(r.explanation)


def cmd_close(args, ctx) -> int:
    qid = _question(ctx, args.question).id
    with ctx.db.write() as s:
        r = votes.close_question(s, qid)
    _print_results(ctx, r)
    return 0


def cmd_list(args, ctx) -> int:
    sid = _session(ctx, args.session)
    with ctx.db.read() as s:
        rows = votes.list_questions(s, sid)
    if not rows:
        ctx.print(_("No questions."))
    for q in rows:
        ctx.print(f"{q.id.hex[:8]}  {_(votes.STATUS_NAMES[q.status]):<8} {q.title}")
    return 0


def cmd_cast(args, ctx) -> int:
    qid = _question(ctx, args.question).id
    with ctx.db.write() as s:
        q = votes.find_question(s, qid)
        choice = votes.parse_choice(q, args.choice)
        r = votes.cast(s, qid, args.code, choice, on_behalf_of=args.on_behalf_of,
                       via="roll_call" if args.roll_call else "kiosk")
    ctx.print(r.message)
    return 0


def cmd_proxy(args, ctx) -> int:
    qid = _question(ctx, args.question).id
    counts = votes.parse_counts(args.counts)
    with ctx.db.write() as s:
        r = votes.cast_proxy(s, qid, args.code, counts)
    ctx.print(r.message)
    return 0


def cmd_count(args, ctx) -> int:
    qid = _question(ctx, args.question).id
    counts = votes.parse_counts(args.counts)
    with ctx.db.write() as s:
        votes.save_count(s, qid, args.batch, counts, blank=args.blank, invalid=args.invalid, abstain=args.abstain,
                         total=args.total)
    ctx.print(_("Counts of batch “{batch}” saved.").format(batch=args.batch))
    return 0


def cmd_ballots(args, ctx) -> int:
    qid = _question(ctx, args.question).id
    with ctx.db.write() as s:
        issued = votes.issue_ballots(s, qid, args.count)
    if args.json:
        ctx.print(json.dumps([b.as_json() for b in issued], ensure_ascii=False))
        return 0
    for b in issued:
        ctx.print(f"{b.serial}  {b.serial_payload}")
        for label, payload in b.options:
            ctx.print(f"    {payload}  {label}")
    return 0


def cmd_hand(args, ctx) -> int:
    qid = _question(ctx, args.question).id
    with ctx.db.write() as s:
        r = votes.hand(s, qid, args.code)
    if args.json:
        ctx.print(json.dumps({"voter": r.voter, "weight": r.ballots,
                              "ballot": r.ballot.as_json() if r.ballot else None}, ensure_ascii=False))
        return 0
    ctx.print(r.message)
    if r.ballot is not None:
        ctx.print(f"{r.ballot.serial}  {r.ballot.serial_payload}")
        for label, payload in r.ballot.options:
            ctx.print(f"    {payload}  {label}")
    return 0


def cmd_scan(args, ctx) -> int:
    qid = _question(ctx, args.question).id
    with ctx.db.write() as s:
        r = votes.scan(s, qid, args.payload, args.choice, blank=args.blank, spoilt=args.spoilt)
    ctx.print(r.message)
    return 0


def cmd_results(args, ctx) -> int:
    qid = _question(ctx, args.question).id
    with ctx.db.read() as s:
        r = votes.results(s, qid, compare=args.compare)
    if args.json:
        ctx.print(json.dumps(r.as_json(), ensure_ascii=False))
        return 0
    _print_results(ctx, r)
    return 0


def cmd_casting(args, ctx) -> int:
    qid = _question(ctx, args.question).id
    with ctx.db.write() as s:
        r = votes.record_casting_vote(s, qid, args.option)
    ctx.print(r.explanation)
    return 0


def cmd_roll_call(args, ctx) -> int:
    qid = _question(ctx, args.question).id
    with ctx.db.read() as s:
        rows = votes.roll_call(s, qid)
    for name, code, weight, what, how in rows:
        ctx.print(f"{code:<10} {weight:>3}  {name:<30} {what}  {how}".rstrip())
    return 0


def cmd_closing(args, ctx) -> int:
    sid = _session(ctx, args.session)
    with ctx.db.write() as s:
        if args.stage in ("count", "results"):
            rows = votes.advance_closing(s, sid, args.stage, by=_who(args.by), note=args.note)
        elif args.stage == "minutes-signed":
            from p311desk.paths import data_dir

            rows = votes.record_minutes_signed(s, sid, attachment=args.attach,
                                               store_dir=data_dir(ctx.data_dir) / "attachments",
                                               by=_who(args.by), note=args.note)
        else:
            rows = votes.closing_stages(s, sid)
    for r in rows:
        mark = "✓" if r.done else "·"
        when = format_local(r.done_at) if r.done_at else ""
        doc = f"  {r.document_name} ({r.document_sha256[:12]})" if r.document_sha256 else ""
        ctx.print(f"{mark} {_(votes.STAGE_NAMES[r.stage]):<22} {when:<16} {r.done_by}{doc}".rstrip())
    return 0
