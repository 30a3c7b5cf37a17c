"""``p311desk-cli evaluation``, ``sessions create --series``, ``print evaluation``, run in-process."""

import json

import pytest

from p311desk.cli import main

pypdf = pytest.importorskip("pypdf")


def _run(capsys, tmp_path, *args):
    code = main(["--data-dir", str(tmp_path / "data"), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _session(capsys, tmp_path, title, series="Dijous GOmunicipal", starts="2026-11-26 10:00"):
    code, text, _ = _run(capsys, tmp_path, "sessions", "create", title, "--series", series, "--starts", starts)
    assert code == 0
    sid = text.split(": ")[1].strip()[:8]
    assert _run(capsys, tmp_path, "sessions", "open", sid)[0] == 0
    return sid


def test_attach_print_key_paper_forms_and_read_results(tmp_path, capsys):
    sid = _session(capsys, tmp_path, "GOmunicipal novembre")
    code, text, _ = _run(capsys, tmp_path, "evaluation", "form", sid)
    assert code == 0 and "5 questions" in text
    pdf = tmp_path / "avaluacio.pdf"
    code, text, _ = _run(capsys, tmp_path, "print", "evaluation", sid, "-o", str(pdf), "--count", "3")
    assert code == 0 and "3 pages" in text
    reader = pypdf.PdfReader(pdf)
    page1 = reader.pages[0].extract_text()
    assert "Què us ha semblat el contingut de la sessió?" in page1 and "Gens" in page1 and "Força" in page1
    form_ids = [p.extract_text().split("Formulari ")[1].split()[0] for p in reader.pages]
    assert all(f.startswith("EV") for f in form_ids) and len(set(form_ids)) == 3

    code, text, _ = _run(capsys, tmp_path, "evaluation", "answer", sid, "4", "3", "4", "4",
                         "--form-id", form_ids[0], "--text", "Més exemples pràctics")
    assert code == 0 and "(1 in all)" in text
    code, _text, err = _run(capsys, tmp_path, "evaluation", "answer", sid, "1", "1", "1", "1", "--form-id", form_ids[0])
    assert code == 1 and "has been answered already" in err and "Traceback" not in err
    code, _text, err = _run(capsys, tmp_path, "evaluation", "answer", sid, "1", "1", "9", "1")
    assert code == 1 and "number from 1 to 4" in err
    code, _text, err = _run(capsys, tmp_path, "evaluation", "answer", sid, "100000000000000000000", "1", "1", "1")
    assert code == 1 and err.count("\n") == 1
    assert _run(capsys, tmp_path, "evaluation", "answer", sid, "5244", "--form-id", form_ids[1].lower())[0] == 0
    # while open, only the count
    code, text, _ = _run(capsys, tmp_path, "evaluation", "results", sid, "--json")
    data = json.loads(text)
    assert code == 0 and data["answers"] == 2 and data["closed"] is False and data["questions"] == []
    assert _run(capsys, tmp_path, "evaluation", "close", sid)[0] == 0
    code, text, _ = _run(capsys, tmp_path, "evaluation", "results", sid, "--json")
    data = json.loads(text)
    content = data["questions"][0]
    assert content["counts"] == [0, 0, 0, 1, 1] and content["mean"] == 4.5 and content["n"] == 2
    assert data["questions"][4]["texts"] == ["Més exemples pràctics"]
    code, text, _ = _run(capsys, tmp_path, "evaluation", "results", sid)
    assert "mean 4.50" in text and "Answers: 2 of 0 present" in text

    out = tmp_path / "resultats.xlsx"
    assert _run(capsys, tmp_path, "evaluation", "export", sid, str(out))[0] == 0
    from openpyxl import load_workbook

    wb = load_workbook(out)
    assert wb.sheetnames == ["Summary", "Distribution", "Free texts", "Answers"]
    assert [c.value for c in wb["Free texts"][2]] == ["Voleu fer una proposta per a les properes sessions?",
                                                      "Més exemples pràctics"]


def test_trend_and_series_proposals(tmp_path, capsys):
    for title, starts, digits, text in (("Octubre", "2026-10-29 10:00", ["2", "4", "3", "3"], "=HYPERLINK(\"x\")"),
                                        ("Novembre", "2026-11-26 10:00", ["4", "4", "4", "4"], "Més sessions")):
        sid = _session(capsys, tmp_path, title, starts=starts)
        _run(capsys, tmp_path, "evaluation", "form", sid, "--template", "gomunicipal")
        assert _run(capsys, tmp_path, "evaluation", "answer", sid, *digits, "--text", text)[0] == 0
        assert _run(capsys, tmp_path, "evaluation", "answer", sid, "3", "3", "3", "3")[0] == 0
        _run(capsys, tmp_path, "evaluation", "close", sid)
    code, text, _ = _run(capsys, tmp_path, "evaluation", "trend", "dijous gomunicipal", "--json")
    data = json.loads(text)
    assert code == 0 and [s["title"] for s in data["sessions"]] == ["Octubre", "Novembre"]
    content = data["questions"][0]
    assert [p["mean"] for p in content["sessions"]] == [2.5, 3.5] and [p["n"] for p in content["sessions"]] == [2, 2]
    code, text, _ = _run(capsys, tmp_path, "evaluation", "trend", "Dijous GOmunicipal")
    assert "2.50" in text and "3.50" in text
    out = tmp_path / "propostes.xlsx"
    assert _run(capsys, tmp_path, "evaluation", "proposals", "Dijous GOmunicipal", str(out))[0] == 0
    from openpyxl import load_workbook

    rows = [[c.value for c in r] for r in load_workbook(out).active.iter_rows(min_row=2)]
    assert [(r[0], r[3]) for r in rows] == [("Octubre", "'=HYPERLINK(\"x\")"), ("Novembre", "Més sessions")]
    code, _text, err = _run(capsys, tmp_path, "evaluation", "trend", "Cap cicle")
    assert code == 1 and "No session belongs" in err
    code, text, _ = _run(capsys, tmp_path, "sessions", "series", text_prefix(capsys, tmp_path, "Octubre"), "")
    assert code == 0 and "belongs to no series" in text


def text_prefix(capsys, tmp_path, title):
    _code, text, _ = _run(capsys, tmp_path, "sessions", "list")
    return next(line.split()[0] for line in text.splitlines() if line.endswith(title))


def test_bad_template_file_is_one_sentence(tmp_path, capsys):
    sid = _session(capsys, tmp_path, "Prova")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe garbage")
    code, _text, err = _run(capsys, tmp_path, "evaluation", "form", sid, "--template", str(bad))
    assert code == 1 and "is not a form template" in err
