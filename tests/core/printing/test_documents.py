"""Every document kind rendered and read back: text (pypdf), QR codes (pypdfium2 + zxing-cpp),
page counts, nothing empty and nothing outside the page."""

from __future__ import annotations

import io
import threading
import unicodedata
import zipfile

import pytest

from p311desk import printing
from p311desk.errors import Cancelled, ValidationError

pypdf = pytest.importorskip("pypdf")
pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")


def render(db, sample, kind, **kw) -> tuple[bytes, int]:
    buf = io.BytesIO()
    with db.read() as s:
        pages = printing.render(s, sample.session_id, printing.PrintOptions(kind, **kw), buf)
    return buf.getvalue(), pages


def texts(pdf: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [unicodedata.normalize("NFC", p.extract_text() or "") for p in reader.pages]


def qr_codes(pdf: bytes, page: int = 0, dpi: int = 150) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    image = doc[page].render(scale=dpi / 72, grayscale=True).to_pil()
    found = [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]
    doc.close()
    return found


def assert_inside_pages(pdf: bytes) -> None:
    """No character is drawn outside its page (text that overflows a cell or the page)."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            assert page.chars, f"page {page.page_number} has no text"
            for ch in page.chars:
                assert -0.5 <= ch["x0"] and ch["x1"] <= page.width + 0.5, (page.page_number, ch["text"])
                assert -0.5 <= ch["top"] and ch["bottom"] <= page.height + 0.5, (page.page_number, ch["text"])


def test_credentials_names_qr_and_pages(db, sample):
    pdf, pages = render(db, sample, "credentials", lang="en")
    assert pages == 2  # 12 people, 8 per page
    body = texts(pdf)
    assert len(body) == 2 and all(body)
    joined = "\n".join(body)
    for name in ("Núria Vallès i Gràcia", "Marçal Pujol Llull", "Íñigo Muñoz Peña", "Castellà «la Petita»"):
        assert name in joined.replace("\n", " ")
    assert "Sant Llorenç d'Hortons" in joined and "Page 1 of 2" in body[0] and "Page 2 of 2" in body[1]
    # Every code on page 1 decodes to the check-in code of someone on that page.
    decoded = qr_codes(pdf, 0)
    assert len(decoded) == 8
    assert set(decoded) <= set(sample.codes.values())
    assert len(qr_codes(pdf, 1)) == 4
    assert_inside_pages(pdf)


def test_credentials_sorted_and_label_sheet(db, sample):
    pdf, pages = render(db, sample, "credentials", per_page=24, sort="organisation")
    assert pages == 1
    text = texts(pdf)[0]
    assert "Page 1" not in text  # label sheets carry no footer: it would print on a label
    # Members of the association come first.
    assert text.index("Núria") < text.index("Marçal")
    assert len(qr_codes(pdf, 0, dpi=200)) == 12
    assert "Sant Llorenç" in text
    assert_inside_pages(pdf)


def test_handout_qr_is_the_url(db, sample):
    url = "https://participa311.diba.cat/processes/pressupostos-2027"
    pdf, pages = render(db, sample, "handout", url=url, per_page=4, count=4, lang="es")
    assert pages == 1 and qr_codes(pdf) == [url] * 4
    assert "Escanea" in texts(pdf)[0] or "escanea" in texts(pdf)[0].lower()
    with pytest.raises(ValidationError):
        render(db, sample, "handout")  # no space linked and no address given
    assert_inside_pages(pdf)


def test_forms_have_unique_ids_accepted_as_paper_form(db, sample):
    from p311desk import proposals, qr

    pdf, pages = render(db, sample, "forms", count=6, per_page=2)
    assert pages == 3
    ids = qr_codes(pdf, 0) + qr_codes(pdf, 1) + qr_codes(pdf, 2)
    assert len(ids) == len(set(ids)) == 6
    assert all(qr.decode(i).kind == "form" for i in ids)
    assert all(i in "".join(texts(pdf)) for i in ids)
    # The scanned id is the proposal's paper form id, and the same form is refused a second time.
    with db.write() as s:
        row = proposals.add_proposal(s, sample.session_id, title="Una proposta escrita a mà",
                                     paper_form_id=ids[0].lower())
        assert row.paper_form_id == ids[0]
    with db.write() as s, pytest.raises(proposals.DuplicatePaperForm):
        proposals.add_proposal(s, sample.session_id, title="La mateixa, dues vegades", paper_form_id=ids[0])
    assert_inside_pages(pdf)


def test_signature_sheet_and_absent(db, sample):
    pdf, pages = render(db, sample, "signatures", blank_rows=30)
    assert pages == 2  # 12 people + 30 blank rows
    joined = "\n".join(texts(pdf))
    assert all(name in joined for name in sample.codes)
    assert "42" in joined  # the last blank row is numbered
    assert_inside_pages(pdf)

    pdf, pages = render(db, sample, "absent", lang="en")
    text = "\n".join(texts(pdf))
    absent = set(sample.codes) - sample.present
    assert all(name in text for name in absent)
    assert not any(name in text for name in sample.present)
    assert "7 of 12" in text
    assert_inside_pages(pdf)


def test_minutes_pdf_and_odt(db, sample):
    from p311desk import audit

    pdf, pages = render(db, sample, "minutes", lang="ca")
    assert pages >= 1
    text = "\n".join(texts(pdf)).replace("\n", " ")
    with db.read() as s:
        head = audit.head(s)
        count, last = head.count, head.hash
    assert last in text and str(count) in text
    assert "Il·luminació del carrer Major: 2.000 €" in text
    assert "Acta" in text
    assert_inside_pages(pdf)

    odt, pages = render(db, sample, "minutes", format="odt", lang="ca")
    assert pages == 0
    with zipfile.ZipFile(io.BytesIO(odt)) as z:
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        content = z.read("content.xml").decode("utf-8")
    assert "Il·luminació del carrer Major" in content and last in content and "Taula 3" in content


def test_progress_and_cancel(db, sample):
    seen = []
    with db.read() as s:
        printing.render(s, sample.session_id, printing.PrintOptions("credentials"), io.BytesIO(),
                        progress=lambda d, t, m: seen.append((d, t)))
    assert seen == [(0, 2), (1, 2)]
    cancel = threading.Event()
    cancel.set()
    with db.read() as s, pytest.raises(Cancelled):
        printing.render(s, sample.session_id, printing.PrintOptions("credentials"), io.BytesIO(), cancel=cancel)


def test_refusals(db, sample):
    with pytest.raises(ValidationError):
        render(db, sample, "credentials", per_page=7)
    with pytest.raises(ValidationError):
        render(db, sample, "credentials", per_page=24, paper="A5")
    with pytest.raises(ValidationError):
        render(db, sample, "signatures", format="odt")
    with pytest.raises(ValidationError):
        render(db, sample, "nonsense")
    with pytest.raises(ValidationError):
        printing.logo_data_uri(b"not an image", "logo.png")
    with pytest.raises(ValidationError):
        printing.logo_data_uri(b"x", "logo.gif")


def test_svg_logo_and_a5(db):
    from tests.core.printing.conftest import SVG_LOGO, make_sample

    sample = make_sample(db, logo=SVG_LOGO, logo_name="escut.svg")
    pdf, pages = render(db, sample, "signatures", paper="A5")
    assert pages >= 2
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert abs(float(page.mediabox.width) - 419.5) < 1  # A5
    # The SVG logo is drawn as vector paths in red at the top left.
    image = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB")
    reds = [image.getpixel((x, y)) for x in range(20, 120) for y in range(10, 50)]
    assert any(r > 180 and g < 80 and b < 80 for r, g, b in reds)
