"""``p311desk-cli print``, run in-process on a sample session."""

import zipfile

import pytest

from p311desk.cli import main
from p311desk.db import open_database
from tests.core.printing.conftest import make_sample

pypdf = pytest.importorskip("pypdf")


@pytest.fixture
def session_prefix(tmp_path):
    db = open_database(tmp_path / "data")
    try:
        return str(make_sample(db).session_id)[:8]
    finally:
        db.close()


def _run(capsys, tmp_path, *args):
    code = main(["--data-dir", str(tmp_path / "data"), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_print_kinds_to_files(tmp_path, capsys, session_prefix):
    out = tmp_path / "credentials.pdf"
    code, text, _err = _run(capsys, tmp_path, "print", "credentials", session_prefix, "-o", str(out),
                            "--per-page", "24", "--sort", "organisation")
    assert code == 0 and "1 page" in text
    assert len(pypdf.PdfReader(out).pages) == 1
    out = tmp_path / "acta.odt"
    code, _text, _err = _run(capsys, tmp_path, "print", "minutes", session_prefix, "-o", str(out), "--lang", "es")
    assert code == 0 and zipfile.is_zipfile(out)
    out = tmp_path / "forms.pdf"
    code, text, _err = _run(capsys, tmp_path, "print", "forms", session_prefix, "-o", str(out), "--count", "3",
                            "--paper", "A5")
    assert code == 0 and len(pypdf.PdfReader(out).pages) == 3


def test_print_refusals_leave_no_file(tmp_path, capsys, session_prefix):
    out = tmp_path / "handout.pdf"
    code, _text, err = _run(capsys, tmp_path, "print", "handout", session_prefix, "-o", str(out))
    assert code == 1 and "web address" in err
    assert not out.exists() and not list(tmp_path.glob(".p311desk-*"))
    code, _text, err = _run(capsys, tmp_path, "print", "signatures", session_prefix, "-o", str(tmp_path / "x.odt"))
    assert code == 1 and "ODT" in err
    code, _text, err = _run(capsys, tmp_path, "print", "forms", session_prefix, "-o", str(tmp_path / "data" / "f.pdf"))
    assert code == 1 and "data folder" in err


def test_print_help_lists_the_kinds(capsys):
    try:
        assert main(["print", "--help"]) == 0
    except SystemExit as done:
        assert done.code == 0
    text = capsys.readouterr().out
    for kind in ("handout", "credentials", "forms", "signatures", "absent", "minutes"):
        assert kind in text


def test_printed_ballot_is_counted_once_by_votes_scan(tmp_path, capsys, session_prefix):
    import pypdfium2
    import zxingcpp

    from p311desk import votes

    db = open_database(tmp_path / "data")
    try:
        with db.write() as s:
            from p311desk import sessions

            sid = sessions.find_session(s, session_prefix).id
            q = votes.create_question(s, sid, "Pressupost aprovat?", method="yes_no")
            votes.open_question(s, q.id)
    finally:
        db.close()
    out = tmp_path / "paperetes.pdf"
    code, text, err = _run(capsys, tmp_path, "print", "ballots", session_prefix, "--question", str(q.id)[:8],
                           "--count", "2", "--per-page", "1", "-o", str(out))
    assert code == 0, err
    doc = pypdfium2.PdfDocument(str(out))
    image = doc[0].render(scale=150 / 72, grayscale=True).to_pil()
    doc.close()
    payload = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)[0].text
    code, text, err = _run(capsys, tmp_path, "votes", "scan", str(q.id)[:8], payload)
    assert code == 0 and "counted" in text
    code, text, err = _run(capsys, tmp_path, "votes", "scan", str(q.id)[:8], payload)
    assert code == 1 and "already been counted" in err
