"""Paper ballots: every sheet different, option codes decoded from the rasterised PDF are
accepted by the votes scan once and refused the second time; the minutes carry the result."""

from __future__ import annotations

import io

import pytest

from p311desk import printing, qr, votes
from tests.core.printing.test_documents import assert_inside_pages, qr_codes, texts


@pytest.fixture
def question(db, sample):
    with db.write() as s:
        q = votes.create_question(s, sample.session_id, "Aprovem la plaça de l'Església com a zona de vianants?",
                                  method="yes_no")
        votes.open_question(s, q.id)
    return q


def test_ballots_scan_once(db, sample, question):
    buf = io.BytesIO()
    with db.write() as s:
        pages = printing.render(s, sample.session_id, printing.PrintOptions(
            "ballots", question_id=question.id, count=10, lang="ca"), buf)
    pdf = buf.getvalue()
    assert pages == 3  # 4 per A4: each code is printed as text under its QR too
    body = texts(pdf)
    assert "Aprovem la plaça" in body[0] and "Papereta núm. 1" in body[0] and "Papereta núm. 10" in body[2]
    codes = qr_codes(pdf, 0, dpi=150)
    assert len(codes) == 12  # 4 ballots × (yes, no, abstain)
    decoded = [qr.decode(c) for c in codes]
    assert all(d.kind == "option" for d in decoded)
    assert len({d.serial for d in decoded}) == 4  # never two identical sheets
    assert all(c in body[0].replace("\n", "").replace(" ", "") for c in codes)
    assert_inside_pages(pdf)

    yes = next(c for c, d in zip(codes, decoded) if d.option == 0)
    with db.write() as s:
        assert votes.scan(s, question.id, yes).ballots == 1
    with db.write() as s, pytest.raises(votes.VoteRefused):
        votes.scan(s, question.id, yes)

    with db.write() as s:
        votes.close_question(s, question.id)
    out = io.BytesIO()
    with db.read() as s:
        printing.render(s, sample.session_id, printing.PrintOptions("minutes", lang="ca"), out)
    minutes = " ".join(texts(out.getvalue())).replace("\n", " ")
    assert "zona de vianants" in minutes and "Votacions" in minutes


def test_cancelled_ballots_issue_nothing(db, sample, question):
    import threading

    from p311desk.errors import Cancelled

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled), db.write() as s:
        printing.render(s, sample.session_id, printing.PrintOptions("ballots", question_id=question.id, count=5),
                        io.BytesIO(), cancel=cancel)
    buf = io.BytesIO()
    with db.write() as s:
        printing.render(s, sample.session_id, printing.PrintOptions(
            "ballots", question_id=question.id, count=1, per_page=1), buf)
    code = qr_codes(buf.getvalue(), 0)[0]
    with db.write() as s:
        votes.scan(s, question.id, code)  # the one issued after the cancelled job counts


def test_minutes_record_the_closing_stage(db, sample, tmp_path):
    path = tmp_path / "acta.pdf"
    with db.read() as s:
        printing.render(s, sample.session_id, printing.PrintOptions("minutes"), path)
    with db.write() as s:  # a draft before the count and the results: nothing recorded, no error
        printing.record_minutes_generated(s, sample.session_id, path)
        assert not next(x for x in votes.closing_stages(s, sample.session_id) if x.stage == "minutes_generated").done
        votes.advance_closing(s, sample.session_id, "count")
        votes.advance_closing(s, sample.session_id, "results")
    with db.write() as s:
        printing.record_minutes_generated(s, sample.session_id, path)
        stage = next(x for x in votes.closing_stages(s, sample.session_id) if x.stage == "minutes_generated")
    assert stage.done and stage.document_name == "acta.pdf" and len(stage.document_sha256) == 64


LONG = "Reurbanització integral del passeig Marítim amb arbrat, bancs i un carril bici segregat"


@pytest.mark.parametrize("per_page", [0, 1])
def test_long_labels_wrap_whole_and_every_code_is_printed_as_text(db, sample, per_page):
    """Issue 21 §3: labels wrap at one size and are never cut (an 80-character Catalan label
    fits); each option's code is printed as text beside its QR; the PDF text is read back."""
    assert len(LONG) >= 80
    with db.write() as s:
        q = votes.create_question(s, sample.session_id, "Quins projectes?", method="multiple",
                                  options=[LONG, "Biblioteca", "Pista de petanca"])
        votes.open_question(s, q.id)
    buf = io.BytesIO()
    with db.write() as s:
        printing.render(s, sample.session_id, printing.PrintOptions(
            "ballots", question_id=q.id, count=2, per_page=per_page, lang="ca"), buf)
    pdf = buf.getvalue()
    body = " ".join(texts(pdf))
    flat = " ".join(body.split())
    assert LONG in flat  # every word of the label, in order, nothing cut off
    assert "…" not in body
    codes = qr_codes(pdf, 0, dpi=150)
    assert codes
    compact = body.replace("\n", "").replace(" ", "")
    for code in codes:
        assert code in compact  # the code under its QR, as text
    assert_inside_pages(pdf)
