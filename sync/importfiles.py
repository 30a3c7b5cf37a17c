"""The files an administrator uploads to Decidim when its API cannot write (up to 0.31), or for
what no API version can do (answers on servers where the user is not an admin, validating
registration codes).

:func:`write_session_files` writes into a folder, for one session and one platform:

* ``proposals-import.csv|json|xlsx`` — Decidim's admin "Import proposals from a file": the
  session's proposals not yet on the platform (``title/<l>``, ``body/<l>``, ``category/id`` up to
  0.30 or ``taxonomies/ids`` from 0.31, ``scope/id``, ``address``, ``latitude``, ``longitude``;
  CSV is ``;``-separated UTF-8 without BOM). A proposal already matched on the platform, or
  already handed over in an earlier file and waiting for the upload, is never written again
  (unless ``include_waiting``): uploading two files must not create duplicates.
* ``proposal-answers.csv`` — "Import answers": prioritisation and vote outcomes of the session's
  proposals already on the platform (``id;state;answer/<l>``).
* ``accountability-results.csv`` — the results CSV, for proposals a vote approved or selected.
* ``closing-report-<locale>.txt`` — the ready-to-paste closing report in each platform locale,
  and ``closing-numbers.txt`` with the numbers the meeting's close form asks for.
* ``registration-codes.csv`` and ``registration-codes.pdf`` — the checked-in Decidim registration
  codes, for validating them in the meeting's admin.
* ``README.txt`` — what to upload where, in the session's language.

The outbox items handed over this way move to ``waiting_upload``; ``sync reconcile`` ends them
once the platform shows the proposals (and the meeting closed).
"""

from __future__ import annotations

import csv
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from p311desk import outbox, publishing
from p311desk import proposals as P
from p311desk.errors import ValidationError
from p311desk.i18n import format_local, load_translations
from p311desk.models import ParticipationSession

PROPOSAL_FORMATS = {"csv": "decidim-csv", "json": "decidim-json", "xlsx": "decidim-xlsx"}
# Outbox operations that reach the platform through the meeting's closure.
CLOSURE_OPERATIONS = ("close_meeting", "result")


@dataclass(frozen=True)
class WrittenFile:
    kind: str  # proposals | answers | results | report | numbers | codes | codes_pdf | readme
    path: str
    rows: int


@dataclass(frozen=True)
class HandOver:
    directory: str
    files: tuple[WrittenFile, ...]
    proposals: int
    waiting: int  # outbox items now waiting for the upload
    formula_rows: tuple[int, ...] = ()
    skipped_waiting: int = 0  # proposals left out: already in an earlier file, not yet matched
    notes: tuple[str, ...] = field(default_factory=tuple)

    def path(self, kind: str) -> str | None:
        return next((f.path for f in self.files if f.kind == kind), None)


def proposals_to_hand_over(s: Session, session_id: uuid.UUID, host: str, *,
                           include_waiting: bool = False) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """(proposal ids to write, their create items); and never one the platform already has."""
    known = outbox.remote_ids(s, host, "proposal")
    states = (outbox.PENDING, outbox.FAILED) + ((outbox.WAITING_UPLOAD,) if include_waiting else ())
    ids, items = [], []
    for item in outbox.session_items(s, session_id, entity_type="proposal",
                                     operation="create_proposal", states=states):
        if item.entity_id in known or item.entity_id in ids:
            continue
        ids.append(item.entity_id)
        items.append(item.id)
    return ids, items


def write_session_files(
    s: Session,
    session_id: uuid.UUID,
    directory: str | Path,
    *,
    host: str,
    version: str,
    locales: list[str],
    fmt: str = "csv",
    include_waiting: bool = False,
    mark_waiting: bool = True,
    proposals_by_api: bool = False,
    closure_by_api: bool = False,
) -> HandOver:
    """Write the session's files for the administrator into ``directory`` (created if needed)."""
    if fmt not in PROPOSAL_FORMATS:
        raise ValidationError("Unknown export format: {format}", format=fmt)
    session = s.get(ParticipationSession, session_id)
    if session is None:
        raise ValidationError("No single session matches “{ref}”.", ref=str(session_id))
    locales = _locales(locales, session.language)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    files: list[WrittenFile] = []
    waiting = 0
    formula: tuple[int, ...] = ()
    notes: list[str] = []

    ids, create_items = ([], []) if proposals_by_api else proposals_to_hand_over(
        s, session_id, host, include_waiting=include_waiting)
    _, all_waiting = proposals_to_hand_over(s, session_id, host, include_waiting=True)
    skipped = 0 if include_waiting or proposals_by_api else len(all_waiting) - len(create_items)
    if ids:
        target = out / f"proposals-import.{fmt}"
        # The organisation's default language and the session's, as ``proposals export`` writes
        # them for the same session and line (p311desk.proposals.files.import_target).
        res = P.export_session(s, session_id, target, PROPOSAL_FORMATS[fmt], decidim_version=version,
                               only=ids)
        written = [c.split("/", 1)[1] for c in res.columns if c.startswith("title/")]
        files.append(WrittenFile("proposals", str(target), res.rows))
        formula = tuple(res.formula_rows)
        if mark_waiting:
            for proposal_id, item_id in zip(ids, create_items):
                outbox.mark_waiting_upload(s, item_id, host, f"written to {target.name}",
                                           request=_as_written(s, proposal_id, written, target.name))
                waiting += 1

    facts = publishing.closing_facts(s, session_id, host)
    columns, rows = publishing.answer_rows(facts, locales)
    if rows:
        target = out / "proposal-answers.csv"
        P.write_table(target, columns, rows, "decidim-csv")
        files.append(WrittenFile("answers", str(target), len(rows)))
    columns, rows = publishing.result_rows(s, facts, host, locales)
    if rows:
        target = out / "accountability-results.csv"
        P.write_table(target, columns, rows, "decidim-csv")
        files.append(WrittenFile("results", str(target), len(rows)))

    if session.status == "closed":
        for loc in locales:
            target = out / f"closing-report-{loc}.txt"
            _write_text(target, publishing.closing_report(facts, loc))
            files.append(WrittenFile("report", str(target), 1))
        target = out / "closing-numbers.txt"
        _write_text(target, _numbers_text(facts, session.language))
        files.append(WrittenFile("numbers", str(target), 1))
        if mark_waiting and not closure_by_api:
            # Vote results travel inside the closing report (no Decidim API or import takes them).
            for op in CLOSURE_OPERATIONS:
                for item in outbox.session_items(s, session_id, operation=op,
                                                 states=(outbox.PENDING, outbox.FAILED)):
                    outbox.mark_waiting_upload(s, item.id, host,
                                               "closing report written for the administrator")
                    waiting += 1
    else:
        notes.append("session not closed: no closing report yet")

    codes = publishing.checked_in_codes(s, session_id)
    if codes:
        target = out / "registration-codes.csv"
        _write_codes_csv(target, codes)
        files.append(WrittenFile("codes", str(target), len(codes)))
        target = out / "registration-codes.pdf"
        publishing.write_codes_pdf(target, codes, session_title=session.title, locale=session.language)
        files.append(WrittenFile("codes_pdf", str(target), len(codes)))
        if mark_waiting:
            for item in outbox.session_items(s, session_id, operation="validate_registration_code",
                                             states=(outbox.PENDING, outbox.FAILED)):
                outbox.mark_waiting_upload(s, item.id, host, "listed in registration-codes.csv")
                waiting += 1

    target = out / "README.txt"
    _write_text(target, _readme(files, session.language, version, skipped))
    files.append(WrittenFile("readme", str(target), 1))
    outbox.log_event(s, None, "files", f"{len(files)} files written to {out} "
                     f"({len(ids)} proposals, {waiting} items waiting for the upload)",
                     platform=host, session_id=session_id)
    return HandOver(str(out), tuple(files), len(ids), waiting, formula, skipped, tuple(notes))


def _as_written(s: Session, proposal_id: uuid.UUID, locales: list[str], file_name: str) -> dict:
    """The proposal's text as the import file carries it (a body falls back to the title, as
    in the file), for reconcile to recognise it on the platform."""
    payload = P.platform_payload(s, proposal_id)
    title, body = payload["title"], payload["body"]
    return {"file": file_name,
            "title": {loc: title[loc] for loc in locales if title.get(loc)},
            "body": {loc: body.get(loc) or title[loc] for loc in locales if title.get(loc)}}


def _locales(locales: list[str], first: str) -> list[str]:
    out = [loc for loc in dict.fromkeys(locales or []) if loc]
    if not out:
        out = [first]
    return out


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _write_codes_csv(path: Path, codes: list[publishing.CheckedInCode]) -> None:
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\n")
        writer.writerow(["code", "registration_id", "checked_in_at"])
        for c in codes:
            writer.writerow([c.code, c.decidim_registration_id or "",
                             c.checked_in_at.isoformat(timespec="seconds")])
    tmp.replace(path)


def _numbers_text(facts: publishing.ClosingFacts, lang: str) -> str:
    tr = load_translations(lang)
    _ = tr.gettext
    lines = [
        _("Numbers for the meeting's close form"),
        "",
        _("Number of attendees: {n}").format(n=facts.attendees_count),
        _("Number of contributions: {n}").format(n=facts.contributions_count),
        _("Attending organisations: {names}").format(names=", ".join(facts.attending_organisations) or "—"),
        _("Proposals created in the meeting (platform ids): {ids}").format(
            ids=", ".join(facts.linked_remote_ids) or "—"),
    ]
    if facts.closed_at:
        lines.append(_("Closed at: {time}").format(time=format_local(facts.closed_at)))
    return "\n".join(lines) + "\n"


def _readme(files: list[WrittenFile], lang: str, version: str, skipped: int) -> str:
    tr = load_translations(lang)
    _ = tr.gettext
    what = {
        "proposals": _("Proposals component → Import from a file: upload it as it is (do not open "
                       "it in a spreadsheet program first). Then run “sync reconcile”."),
        "answers": _("Proposals component → Import answers."),
        "results": _("Accountability component → Import results from CSV."),
        "report": _("The meeting → Close: paste this report into the closing report field of "
                    "its language."),
        "numbers": _("The meeting → Close: the numbers to type into the form."),
        "codes": _("The meeting → Registrations → Validate registration code: one code per line."),
        "codes_pdf": _("The same codes, to print and tick."),
    }
    lines = [_("Files for the platform's administrator (Decidim {version})").format(version=version), ""]
    for f in files:
        if f.kind in what:
            lines.append(f"{Path(f.path).name}: {what[f.kind]}")
    if skipped:
        lines += ["", tr.ngettext(
            "{n} proposal is not in this file: it went in an earlier file that is waiting to be "
            "uploaded and matched. Run “sync reconcile” after the upload.",
            "{n} proposals are not in this file: they went in an earlier file that is waiting to be "
            "uploaded and matched. Run “sync reconcile” after the upload.", skipped).format(n=skipped)]
    return "\n".join(lines) + "\n"
