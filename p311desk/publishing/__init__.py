"""What leaves the laptop for the platform when a session is over: the closing facts and the
ready-to-paste closing report (in each platform locale), the proposal answers and accountability
results rows, and the checked-in Decidim registration codes (rows and a printable PDF).

This is the package's public surface; ``sync`` and the UI use only these names. Nothing here
talks to the network: the sync engine sends, or ``sync.importfiles`` writes the files.
"""

from __future__ import annotations

from p311desk.publishing.codes_pdf import write_codes_pdf
from p311desk.publishing.report import (
    ClosingFacts,
    ProposalLine,
    VoteLine,
    closing_facts,
    closing_report,
    closing_reports,
)
from p311desk.publishing.rows import (
    CheckedInCode,
    answer_rows,
    answer_text,
    checked_in_codes,
    proposal_url,
    result_rows,
)

__all__ = [
    "CheckedInCode",
    "ClosingFacts",
    "ProposalLine",
    "VoteLine",
    "answer_rows",
    "answer_text",
    "checked_in_codes",
    "closing_facts",
    "closing_report",
    "closing_reports",
    "proposal_url",
    "result_rows",
    "write_codes_pdf",
]
