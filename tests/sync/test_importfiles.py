"""Decidim import files: exactly the samples' columns and separator; nothing handed over twice."""

import csv
import re
import json
import uuid
from pathlib import Path

import pytest

from p311desk import attendance, outbox, participants, publishing, sessions
from p311desk import proposals as P
from p311desk.models import Component, ParticipationSession, Registration, Space, Taxonomy
from sync import importfiles

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "decidim_imports"
HOST = "participa.example.org"


def header(path: Path) -> tuple[list[str], str]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "Decidim reads UTF-8 without a BOM"
    first = raw.decode("utf-8").split("\n", 1)[0]
    return first.split(";"), first


def json_keys(obj, prefix=""):
    out = []
    for key, value in obj.items():
        if isinstance(value, dict):
            out += json_keys(value, f"{prefix}{key}/")
        else:
            out.append(f"{prefix}{key}")
    return sorted(out)


@pytest.fixture
def room(db):
    """A linked session with three proposals and two check-ins (one with a Decidim code)."""
    with db.write() as s:
        space = Space(id=uuid.uuid4(), slug="pressupostos-prova-2025", title={"ca": "PP"},
                      platform_host=HOST)
        s.add(space)
        s.flush()
        comp = Component(id=uuid.uuid4(), space_id=space.id, decidim_id="12", manifest_name="proposals")
        s.add(comp)
        for kind, ref in (("category", "3"), ("scope", "5"), ("taxonomy", "7")):
            s.add(Taxonomy(id=uuid.uuid4(), space_id=space.id, kind=kind, decidim_id=ref, name={"ca": ref}))
        s.flush()
        info = sessions.create_session(s, title="Sessió de prova", language="ca")
        row = s.get(ParticipationSession, info.id)
        row.space_id, row.component_id = space.id, comp.id
        sessions.open_session(s, info.id)
        cat = s.query(Taxonomy).filter_by(kind="category").one().id
        P.add_proposal(s, info.id, title={"ca": "Bancs nous a la plaça Fictícia", "es": "Bancos nuevos en la plaza"},
                       body="Quatre bancs a l'ombra", category_id=cat, supports=5,
                       address="Plaça Fictícia 1", latitude=41.3851, longitude=2.1734)
        P.add_proposal(s, info.id, title="Carril bici fins a l'escola", supports=9)
        P.add_proposal(s, info.id, title="=Fonts d'aigua al parc de Mentida", supports=1)
        ana = participants.add_participant(s, given_name="Ana", family_name="Prova", organisation="AV Centre")
        joan = participants.add_participant(s, given_name="Joan", family_name="Exemple")
        s.add(Registration(id=uuid.uuid4(), session_id=info.id, participant_id=ana.id, code="G7PTGEUG",
                           decidim_registration_id="301", source="decidim"))
        s.flush()
        attendance.check_in(s, info.id, "G7PTGEUG")
        attendance.check_in(s, info.id, joan.id)
    return info.id


def write(db, sid, tmp_path, name, **kw):
    kw.setdefault("version", "0.27")
    kw.setdefault("locales", ["ca", "es"])
    with db.write() as s:
        return importfiles.write_session_files(s, sid, tmp_path / name, host=HOST, **kw)


def test_proposals_csv_has_the_sample_columns_for_each_version(db, room, tmp_path):
    old = write(db, room, tmp_path, "a", mark_waiting=False)
    new = write(db, room, tmp_path, "b", version="0.32", mark_waiting=False)
    for result, sample in ((old, "proposals_import.csv"), (new, "proposals_import.0.32.csv")):
        cols, line = header(Path(result.path("proposals")))
        assert cols == header(FIXTURES / sample)[0]
        assert line.count(";") == len(cols) - 1
    rows = list(csv.DictReader(Path(old.path("proposals")).read_text(encoding="utf-8").splitlines(),
                               delimiter=";"))
    assert len(rows) == 3 and old.proposals == 3
    bancs = next(r for r in rows if r["title/ca"].startswith("Bancs"))
    assert bancs["category/id"] == "3" and bancs["title/es"] == "Bancos nuevos en la plaza"
    assert bancs["latitude"] == "41.3851" and bancs["address"] == "Plaça Fictícia 1"
    assert old.formula_rows  # the "=..." title is reported, kept exact for Decidim
    assert any(r["title/ca"].startswith("=Fonts") for r in rows)


def test_proposals_json_and_xlsx_have_the_sample_shape(db, room, tmp_path):
    res = write(db, room, tmp_path, "j", fmt="json", mark_waiting=False)
    ours = json.loads(Path(res.path("proposals")).read_text(encoding="utf-8"))
    sample = json.loads((FIXTURES / "proposals_import.json").read_text(encoding="utf-8"))
    assert {tuple(json_keys(o)) for o in ours} == {tuple(json_keys(sample[0]))}
    res = write(db, room, tmp_path, "x", fmt="xlsx", mark_waiting=False)
    from openpyxl import load_workbook

    def first_row(path):
        ws = load_workbook(path, read_only=True).worksheets[0]
        return [c.value for c in next(ws.iter_rows(max_row=1))]

    assert first_row(res.path("proposals")) == first_row(FIXTURES / "proposals_import.xlsx")


def test_handed_over_once_then_waiting_then_matched(db, room, tmp_path):
    first = write(db, room, tmp_path, "1")
    assert first.proposals == 3 and first.waiting >= 4  # 3 creates + the registration code
    with db.read() as s:
        counts = outbox.counts_by_session(s)[room]
    assert counts == {"waiting_upload": 4}
    second = write(db, room, tmp_path, "2")
    assert second.path("proposals") is None and second.skipped_waiting == 3
    assert "sync reconcile" in Path(second.path("readme")).read_text(encoding="utf-8")
    again = write(db, room, tmp_path, "3", include_waiting=True, mark_waiting=False)
    assert again.proposals == 3
    # Reconcile matched two of them on the platform: they are never written again.
    with db.write() as s:
        items = outbox.session_items(s, room, operation="create_proposal")
        for item, remote in zip(items[:2], ("101", "102")):
            outbox.record_sent(s, item.id, remote, how="reconciled")
    after = write(db, room, tmp_path, "4", include_waiting=True, mark_waiting=False)
    assert after.proposals == 1


def test_answers_results_report_and_codes(db, room, tmp_path):
    with db.write() as s:
        for item, remote in zip(outbox.session_items(s, room, operation="create_proposal"), ("101", "102", "103")):
            outbox.remember(s, HOST, "proposal", item.entity_id, remote)
        sessions.close_session(s, room)
    res = write(db, room, tmp_path, "c")
    assert res.path("proposals") is None  # all three are on the platform already
    cols, _ = header(Path(res.path("answers")))
    assert cols == header(FIXTURES / "proposal_answers_import.csv")[0]
    rows = list(csv.DictReader(Path(res.path("answers")).read_text(encoding="utf-8").splitlines(), delimiter=";"))
    assert {r["id"] for r in rows} == {"101", "102", "103"} and {r["state"] for r in rows} == {"evaluating"}
    carril = next(r for r in rows if r["id"] == "102")
    assert "position 1 of 3" in carril["answer/ca"] or "posició 1 de 3" in carril["answer/ca"]
    with db.read() as s:
        facts = publishing.closing_facts(s, room, HOST)
        result_cols, _rows = publishing.result_rows(s, facts, HOST, ["ca", "es"])
        assert publishing.proposal_url(s, room, HOST, "7") == (
            f"https://{HOST}/processes/pressupostos-prova-2025/f/12/proposals/7")
    assert result_cols == header(FIXTURES / "accountability_results.csv")[0]
    assert facts.attendees_count == 2 and facts.walk_ins == 1 and facts.registered_present == 1
    assert facts.attending_organisations == ("AV Centre",) and facts.contributions_count == 3
    assert sorted(facts.linked_remote_ids) == ["101", "102", "103"]
    report_ca = Path(res.directory, "closing-report-ca.txt").read_text(encoding="utf-8")
    report_es = Path(res.directory, "closing-report-es.txt").read_text(encoding="utf-8")
    assert "Sessió de prova" in report_ca and "2" in report_ca
    # The head when the report was written: the items marked waiting in the same unit of work are
    # sealed by the event after it (outbox states are audited), so it is an event of the chain.
    from sqlalchemy import select as sa_select

    from p311desk.models import AuditEvent

    with db.read() as s:
        hashes = set(s.scalars(sa_select(AuditEvent.hash)))
    assert re.search(r"\b[0-9a-f]{64}\b", report_ca).group(0) in hashes
    assert report_ca != report_es  # each in its own language
    assert "Ana" not in report_ca and "Joan" not in report_ca  # counted, never named
    numbers = Path(res.path("numbers")).read_text(encoding="utf-8")
    assert "101" in numbers
    codes = Path(res.path("codes")).read_text(encoding="utf-8-sig").splitlines()
    assert codes[0] == "code;registration_id;checked_in_at" and codes[1].startswith("G7PTGEUG;301;")
    from pypdf import PdfReader

    assert "G7PTGEUG" in PdfReader(res.path("codes_pdf")).pages[0].extract_text()
    with db.read() as s:
        states = {(i.operation, i.status) for i in outbox.session_items(s, room)}
    assert ("close_meeting", "waiting_upload") in states
    assert ("validate_registration_code", "waiting_upload") in states


def test_votes_reach_the_report_answers_and_results(db, room, tmp_path):
    from p311desk import votes

    with db.write() as s:
        carril = next(p for p in P.list_proposals(s, room) if p.title["ca"].startswith("Carril"))
        q = votes.create_question(s, room, "Fem el carril bici?")
        votes.open_question(s, q.id)
        votes.save_count(s, q.id, "mans", {"Yes": 2, "No": 0})
        P.link_vote_question(s, carril.id, q.id)
        votes.close_question(s, q.id)
        for item, remote in zip(outbox.session_items(s, room, operation="create_proposal"), ("101", "102", "103")):
            outbox.remember(s, HOST, "proposal", item.entity_id, remote)
        sessions.close_session(s, room)
    res = write(db, room, tmp_path, "v")
    with db.read() as s:
        facts = publishing.closing_facts(s, room, HOST)
    [vote] = facts.votes
    assert vote.outcome == "approved" and vote.explanation
    report = Path(res.directory, "closing-report-ca.txt").read_text(encoding="utf-8")
    assert vote.explanation in report and "Fem el carril bici?" in report
    answers = {r["id"]: r for r in csv.DictReader(
        Path(res.path("answers")).read_text(encoding="utf-8").splitlines(), delimiter=";")}
    remote = outbox_remote(db, carril.id)
    assert answers[remote]["state"] == "accepted" and vote.explanation in answers[remote]["answer/ca"]
    results = list(csv.DictReader(Path(res.path("results")).read_text(encoding="utf-8").splitlines(),
                                  delimiter=";"))
    assert [r["title/ca"] for r in results] == [carril.title["ca"]]
    assert results[0]["proposal_urls"].endswith(f"/f/12/proposals/{remote}")
    with db.read() as s:  # the vote result travels with the closure: waiting with it
        assert {i.status for i in outbox.session_items(s, room, operation="result")} == {"waiting_upload"}


def outbox_remote(db, proposal_id):
    with db.read() as s:
        return outbox.remote_id(s, HOST, "proposal", proposal_id)
