"""Votes and assemblies: bodies and delegations, questions and their rules, ways to vote (show
of hands, paper ballots, kiosk, roll call), secret ballots unlinkable by design, tallies and
participatory budgets, results that explain themselves, and the stages of closing a session.

This is the package's public surface; other packages, the CLI and the UI use only these names.
Pure tallying lives in :mod:`p311desk.votes.tally` (no database): import it directly.

Closing a session in stages (count → results → minutes generated → minutes signed):
``closing_stages``, ``advance_closing`` (count, results), ``record_minutes_generated`` and
``record_minutes_signed`` (which closes the session; a closed session is read-only).

For the minutes (issue 10): when the minutes document of a session is generated, call
``votes.record_minutes_generated(s, session_id, document_name, sha256, by="")`` in the same unit
of work (``sha256``: hex digest of the file). It records the "minutes generated" stage, audited,
and returns the stages; it refuses (InvalidTransition) until "count" and "results" are recorded
and if minutes were already recorded. The roll-call table for the minutes: ``roll_call``;
each question's frozen result: ``results``.
"""

from __future__ import annotations

from p311desk.votes.bodies import (
    BodyInfo,
    DelegationInfo,
    MemberImportPlan,
    MemberInfo,
    add_delegation,
    add_member,
    commit_members,
    create_body,
    find_body,
    list_bodies,
    list_delegations,
    member_report_lines,
    members,
    preview_members,
    revoke_delegation,
)
from p311desk.votes.closing import (
    STAGE_NAMES,
    STAGES,
    StageInfo,
    record_minutes_generated,
    record_minutes_signed,
)
from p311desk.votes.closing import advance as advance_closing
from p311desk.votes.closing import stages as closing_stages
from p311desk.votes.box import BallotBoxDamaged
from p311desk.votes.explain import RULE_NAMES, money
from p311desk.votes.service import (
    BATCH_MAX,
    LIMIT,
    METHOD_NAMES,
    STATUS_NAMES,
    WAY_NAMES,
    CastResult,
    IssuedBallot,
    LiveCount,
    OptionResult,
    QuestionInfo,
    Results,
    VoteRefused,
    ballot_digest,
    carried,
    cast,
    cast_proxy,
    close_question,
    create_question,
    electorate,
    find_question,
    hand,
    in_range,
    is_ballot_code,
    issue_ballots,
    kiosk_voter,
    labels_for,
    list_questions,
    live_count,
    open_question,
    paper_outstanding,
    parse_choice,
    parse_counts,
    record_casting_vote,
    results,
    roll_call,
    save_count,
    scan,
    sheet,
    validate_choice,
    VoterRow,
    voters,
)

__all__ = [
    "BATCH_MAX",
    "LIMIT",
    "STAGES",
    "STAGE_NAMES",
    "StageInfo",
    "advance_closing",
    "closing_stages",
    "record_minutes_generated",
    "record_minutes_signed",
    "METHOD_NAMES",
    "RULE_NAMES",
    "STATUS_NAMES",
    "WAY_NAMES",
    "BallotBoxDamaged",
    "BodyInfo",
    "CastResult",
    "DelegationInfo",
    "IssuedBallot",
    "LiveCount",
    "MemberImportPlan",
    "MemberInfo",
    "OptionResult",
    "QuestionInfo",
    "Results",
    "VoteRefused",
    "add_delegation",
    "add_member",
    "ballot_digest",
    "carried",
    "cast",
    "cast_proxy",
    "close_question",
    "commit_members",
    "create_body",
    "create_question",
    "electorate",
    "find_body",
    "find_question",
    "hand",
    "in_range",
    "paper_outstanding",
    "sheet",
    "is_ballot_code",
    "issue_ballots",
    "kiosk_voter",
    "labels_for",
    "list_bodies",
    "list_delegations",
    "list_questions",
    "live_count",
    "member_report_lines",
    "members",
    "money",
    "open_question",
    "parse_choice",
    "parse_counts",
    "preview_members",
    "record_casting_vote",
    "results",
    "revoke_delegation",
    "roll_call",
    "save_count",
    "scan",
    "validate_choice",
    "VoterRow",
    "voters",
]
