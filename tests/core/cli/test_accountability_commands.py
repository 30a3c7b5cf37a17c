"""The accountability CLI end to end: import (dry run, then --yes), list --json, link, ask,
export, the handout and the minutes' questions section."""

import json

import pypdfium2

from p311desk.cli import main
from p311desk.db import open_database
from p311desk.models import AccountabilityItem, AccountabilityQuestion
from tests.fixtures.accountability.pam import write_pam


def _run(capsys, *args):
    code = main(["--data-dir", str(_run.dir), *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def _count(model):
    db = open_database(_run.dir)
    try:
        with db.read() as s:
            return s.query(model).count()
    finally:
        db.close()


def _text(path):
    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def test_a_whole_accountability_session(tmp_path, capsys):
    _run.dir = tmp_path / "data"
    pam = write_pam(tmp_path / "pam.xlsx")
    code, out = _run(capsys, "accountability", "import", str(pam))
    assert code == 0 and "10 actions" in out and "Nothing was imported yet" in out
    assert _count(AccountabilityItem) == 0
    code, out = _run(capsys, "accountability", "import", str(pam), "--yes")
    assert code == 0, out
    code, out = _run(capsys, "accountability", "list", "--json", "--date", "2026-09-30")
    (plan,) = json.loads(out)
    assert plan["figures"]["weighted_by"] == "budget" and len(plan["objectives"]) == 3
    assert [a["number"] for o in plan["objectives"] for a in o["actions"]] == list(range(1, 11))
    code, out = _run(capsys, "sessions", "create", "Retiment de comptes", "--kind", "accountability",
                     "--starts", "2026-10-08 18:00")
    sid = out.strip().split()[-1][:8]
    code, out = _run(capsys, "accountability", "ask", sid, "2", "Quan?")
    assert code == 1 and "accountability link" in out
    assert _run(capsys, "accountability", "link", sid, "Fictícia")[0] == 0
    assert _run(capsys, "sessions", "open", sid)[0] == 0
    code, out = _run(capsys, "accountability", "ask", sid, "carril bici", "Quan arribarà fins a l'estació?")
    assert code == 0 and "action 2" in out
    code, out = _run(capsys, "accountability", "ask", sid, "barri", "Quan?")
    assert code == 1 and "matches 2 actions" in out
    code, out = _run(capsys, "accountability", "ask", sid, "5", "I el dissabte?", "--author", "NOPE", )
    assert code == 1 and "Unknown participant code" in out
    assert _count(AccountabilityQuestion) == 1
    code, out = _run(capsys, "accountability", "questions", sid, "--json")
    assert [q["action"] for q in json.loads(out)] == [2]
    code, out = _run(capsys, "accountability", "export", str(tmp_path / "results.csv"))
    assert code == 0 and "18 rows" in out
    code, out = _run(capsys, "accountability", "export", str(tmp_path / "results.txt"))
    assert code == 1
    code, out = _run(capsys, "print", "accountability", sid, "-o", str(tmp_path / "pam.pdf"))
    assert code == 0, out
    text = _text(tmp_path / "pam.pdf")
    assert "Pacificar els carrers del nucli antic" in text and "44,4 %" in text.replace("\r", "")
    code, out = _run(capsys, "print", "minutes", sid, "-o", str(tmp_path / "acta.pdf"))
    assert code == 0, out
    assert "Quan arribarà fins a l'estació?" in _text(tmp_path / "acta.pdf").replace("\r\n", " ").replace("\n", " ") \
        or "Quan arribarà fins a" in _text(tmp_path / "acta.pdf")


def test_a_broken_file_is_one_sentence(tmp_path, capsys):
    _run.dir = tmp_path / "data"
    bad = tmp_path / "pam.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    code, out = _run(capsys, "accountability", "import", str(bad), "--yes")
    assert code == 1 and "Traceback" not in out and out.count("\n") <= 2
