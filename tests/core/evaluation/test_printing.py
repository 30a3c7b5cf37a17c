"""Paper evaluation forms (boxes, the form id as QR and text) and the evaluation section of the
minutes, both read back from the PDF."""

import io
import unicodedata

import pytest

from p311desk import evaluation, printing
from p311desk.errors import NotFound, ValidationError
from tests.core.evaluation.conftest import make_room

pypdf = pytest.importorskip("pypdf")


def _render(db, sid, kind, write=False, **kw):
    buf = io.BytesIO()
    with (db.write() if write else db.read()) as s:
        pages = printing.render(s, sid, printing.PrintOptions(kind, **kw), buf)
    return buf.getvalue(), pages


def _texts(pdf):
    return [unicodedata.normalize("NFC", p.extract_text() or "") for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_paper_forms_carry_the_questions_boxes_and_a_scannable_form_id(db):
    import pypdfium2 as pdfium
    import zxingcpp

    from tests.core.printing.test_documents import assert_inside_pages

    room = make_room(db, 3)
    pdf, pages = _render(db, room.session_id, "evaluation", write=True, count=3, lang="ca")
    assert pages == 3
    with db.read() as s:
        form = evaluation.get_form(s, room.session_id)
    assert (form.slips, form.slips_used) == (3, 0)
    first = _texts(pdf)[0].replace("\n", " ")
    for words in ("Avaluació de la sessió", "Què us ha semblat el contingut de la sessió?", "Molt malament",
                  "Podeu aplicar el que heu après a la feina?", "Gens", "Poc", "Força", "Molt",
                  "Voleu fer una proposta per a les properes sessions?", "no hi escriviu el vostre nom"):
        assert words in first, words
    image = pdfium.PdfDocument(pdf)[0].render(scale=150 / 72, grayscale=True).to_pil()
    codes = [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    assert len(codes) == 1 and codes[0].startswith("EV") and codes[0] in first
    assert_inside_pages(pdf)
    # the scanned id keys that form once
    with db.write() as s:
        evaluation.answer_paper(s, room.session_id, ["4", "4", "4", "4"], form_id=codes[0])
    with db.write() as s, pytest.raises(evaluation.EvaluationRefused, match="answered already"):
        evaluation.answer_paper(s, room.session_id, ["4", "4", "4", "4"], form_id=codes[0])
    pdf2, pages2 = _render(db, room.session_id, "evaluation", write=True, count=4, per_page=2, lang="es")
    assert pages2 == 2 and "¿Podéis aplicar lo aprendido en el trabajo?" in _texts(pdf2)[0]
    assert_inside_pages(pdf2)


def test_no_form_or_a_wrong_layout_is_refused(db):
    room = make_room(db, 1, template=None)
    with pytest.raises(NotFound, match="no evaluation form"):
        _render(db, room.session_id, "evaluation", write=True)
    with db.write() as s:
        evaluation.attach_form(s, room.session_id)
    with pytest.raises(ValidationError, match="1 or 2 per page"):
        _render(db, room.session_id, "evaluation", write=True, per_page=8)
    with pytest.raises(ValidationError, match="between 1 and"):
        _render(db, room.session_id, "evaluation", write=True, count=10**20)


def test_minutes_section_read_back_from_the_pdf(db):
    room = make_room(db, 8)
    for values in ([5, 4, 4, 4, "Més casos pràctics <b>ja</b>"], [4, 3, 3, 3, None], [3, None, 4, 2, None],
                   [4, 5, 4, 4, "Fer-les a la tarda"]):
        with db.write() as s:
            evaluation.answer(s, room.session_id, values)
    pdf, _pages = _render(db, room.session_id, "minutes", lang="ca")
    text = " ".join(_texts(pdf)).replace("\n", " ")
    assert "Avaluació de la sessió" in text and "encara admetia respostes" in text
    assert "Fer-les a la tarda" not in text  # nothing of an evaluation still taking answers
    with db.write() as s:
        evaluation.close_evaluation(s, room.session_id)
    pdf, _pages = _render(db, room.session_id, "minutes", lang="ca")
    text = " ".join(_texts(pdf)).replace("\n", " ")
    section = text[text.index("Avaluació de la sessió"):]
    assert "Respostes 4" in section and "Persones presents 8" in section and "Taxa de resposta 50 %" in section
    # content 5,4,3,4: mean 4.00; duration 4,3,5: 4.00 (n 3); understood 4,3,4,4: 3.75; apply 4,3,2,4: 3.25
    assert "Molt bé 1" in section and "Bé 2" in section and "Regular 1" in section
    for mean in ("4.00", "3.75", "3.25"):
        assert mean in section, mean
    assert "Més casos pràctics <b>ja</b>" in section and "Fer-les a la tarda" in section
    assert "no es poden vincular amb ningú" in section
