"""Results that explain themselves, in the user's language.

:func:`sentence` words a :class:`~p311desk.votes.tally.Decision` as one sentence, e.g.
"Approved: 14 yes of 25 present; an absolute majority of members needs 13." Plain data in, a
translated string out (the active language of :mod:`p311desk.i18n`).
"""

from __future__ import annotations

from collections.abc import Sequence

from p311desk.i18n import N_, _, ngettext
from p311desk.votes.tally import NO, YES, Counts, Decision

MAJORITY_NAMES = {"simple": N_("a simple majority"), "absolute": N_("an absolute majority"),
                  "two_thirds": N_("a two-thirds majority")}
BASE_NAMES = {"cast": N_("of votes cast"), "present": N_("of those present"), "members": N_("of members")}
RULE_NAMES = {"greedy": N_("Decidim's rule (most votes first while the budget allows)"),
              "equal_shares": N_("the Method of Equal Shares")}


CURRENCY = "EUR"  # budgets of the municipalities the app is made for


def money(amount: int, *, currency: bool = False) -> str:
    """An integer amount with thousands separators in the user's language; with ``currency``,
    as an amount of euros (``12.500 €``), whole units."""
    from babel import Locale
    from babel.numbers import format_currency, format_decimal

    from p311desk.i18n import current_language

    locale = current_language() or "en"
    if currency:
        pattern = Locale.parse(locale).currency_formats["standard"].pattern.split(";")[0].replace("0.00", "0")
        return format_currency(amount, CURRENCY, format=pattern, locale=locale, currency_digits=False)
    return format_decimal(amount, locale=locale)


def _need(d: Decision) -> str:
    if d.majority_required is None:
        return ""
    return _("{majority} {base} needs {n}").format(
        majority=_(MAJORITY_NAMES[d.majority]), base=_(BASE_NAMES[d.majority_of]), n=d.majority_required)


def sentence(d: Decision, counts: Counts, labels: Sequence[str], *, method: str, present: int) -> str:
    """One sentence saying what happened and why."""
    if d.outcome == "no_quorum":
        return _("No quorum: {present} present of the {required} needed; nothing was decided.").format(
            present=d.quorum_present, required=d.quorum_required)
    if d.outcome == "selected":
        return ngettext(
            "{n} project selected, costing {spent} of {budget}, by {rule}.",
            "{n} projects selected, costing {spent} of {budget}, by {rule}.", len(d.selected)).format(
            n=len(d.selected), spent=money(d.spent), budget=money(int(d.extra.get("budget", 0))),
            rule=_(RULE_NAMES.get(d.rule, d.rule)))
    if d.outcome == "ranking":
        if d.winner is None:
            return _("No votes were cast.")
        n = counts.votes[d.winner]
        what = (ngettext("{n} point", "{n} points", n) if method == "points" else ngettext("{n} vote", "{n} votes", n))
        return _("“{option}” comes first with {votes}.").format(option=labels[d.winner], votes=what.format(n=n))
    if method == "yes_no" and d.outcome in ("approved", "rejected", "tie"):
        yes, no = counts.votes[YES], counts.votes[NO]
        head = {"approved": _("Approved"), "rejected": _("Rejected"), "tie": _("Tie")}[d.outcome]
        if d.casting_vote is not None:
            return _("{head} by the chair's casting vote after a tie: {yes} yes, {no} no.").format(
                head=head, yes=yes, no=no)
        if d.outcome == "tie":
            return _("Tie: {yes} yes, {no} no; the chair's casting vote can decide it.").format(yes=yes, no=no)
        if d.majority_required is None:
            return _("{head}: {yes} yes, {no} no; a simple majority needs more yes than no.").format(
                head=head, yes=yes, no=no)
        return _("{head}: {yes} yes of {present} present; {need}.").format(
            head=head, yes=yes, present=present, need=_need(d))
    if d.outcome == "elected":
        votes = counts.votes[d.winner]
        tail = (_("; {need}").format(need=_need(d)) if d.majority_required is not None else "")
        if d.casting_vote is not None:
            return _("“{option}” wins by the chair's casting vote after a tie at {votes}.").format(
                option=labels[d.winner], votes=votes)
        return _("“{option}” wins with {votes} of {cast} votes cast{tail}.").format(
            option=labels[d.winner], votes=votes, cast=sum(counts.votes), tail=tail)
    if d.outcome == "tie":
        tied = ", ".join(f"“{labels[i]}”" for i in d.extra.get("tied", ()))
        return _("Tie between {options}; the chair's casting vote can decide it.").format(options=tied)
    # no_majority
    if not any(counts.votes):
        return _("No votes were cast.")
    top = d.ranking[0]
    return _("No option reached the majority: “{option}” has {votes}; {need}.").format(
        option=labels[top], votes=counts.votes[top], need=_need(d))


def budget_difference(costs: Sequence[int], budget: int, ballots, selections: dict, labels: Sequence[str]) -> str:
    """Why Decidim's rule and equal shares fund different projects, in words: which projects
    only one of them funds, who asked for them (how many voters), and what each leaves unspent."""
    greedy, shares = set(selections.get("greedy", ())), set(selections.get("equal_shares", ()))
    left = {k: budget - sum(costs[i] for i in v) for k, v in (("greedy", greedy), ("equal_shares", shares))}
    if greedy == shares:
        return _("Both rules fund the same projects; {left} is left unspent.").format(left=money(left["greedy"]))
    supporters = [0] * len(costs)
    for choice, weight in ballots or ():
        for c in set(choice):
            if 0 <= c < len(costs):
                supporters[c] += weight

    def names(ids) -> str:
        return ", ".join(ngettext("“{label}” ({n} voter)", "“{label}” ({n} voters)", supporters[i]).format(
            label=labels[i], n=supporters[i]) for i in sorted(ids))

    parts = []
    if greedy - shares:
        parts.append(_("Only Decidim's rule funds {projects}: the most voted first, while money is left.").format(
            projects=names(greedy - shares)))
    if shares - greedy:
        parts.append(_("Only equal shares funds {projects}: their voters' equal shares of the budget pay for them, "
                       "so smaller groups get their projects too.").format(projects=names(shares - greedy)))
    parts.append(_("Unspent: {greedy} by Decidim's rule, {shares} by equal shares.").format(
        greedy=money(left["greedy"]), shares=money(left["equal_shares"])))
    return " ".join(parts)
