"""The fixed-mask QR codes still decode: many random payloads of every kind, drawn at the
smallest size we print (20 mm code) and read back from a 150 dpi rasterisation."""

from __future__ import annotations

import io
import uuid

import pytest

from p311desk import codes, qr
from p311desk.printing.template import MM, Job, draw_qr, make_canvas, qr_size_for

pdfium = pytest.importorskip("pypdfium2")
zxingcpp = pytest.importorskip("zxingcpp")


def test_smallest_codes_of_every_kind_decode():
    key, question = b"k" * 32, uuid.uuid4()
    payloads = ([qr.checkin_payload(codes.new_code()) for _ in range(16)]
                + [qr.form_payload() for _ in range(16)]
                + [qr.option_payload(key, question, qr.new_serial(), i % 5) for i in range(16)]
                + [qr.ballot_payload(key, question, qr.new_serial()) for _ in range(8)])
    buf = io.BytesIO()
    c = make_canvas(Job(lang="en"), buf, decorated=False)
    for i, payload in enumerate(payloads):
        side = qr_size_for(payload, 20)
        col, row = i % 7, i // 7
        draw_qr(c, payload, 5 * MM + col * 29 * MM, 290 * MM - (row + 1) * 34 * MM, side)
    c.showPage()
    c.save()
    doc = pdfium.PdfDocument(buf.getvalue())
    image = doc[0].render(scale=150 / 72, grayscale=True).to_pil()
    found = {r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}
    doc.close()
    assert found == set(payloads)
