"""The attendance CLI, run in-process."""

from pathlib import Path

from p311desk.cli import main
from p311desk.db import open_database
from p311desk.models import Attendance, Participant

FIX = Path(__file__).parents[2] / "fixtures" / "attendance"


def _run(capsys, *args):
    code = main(["--data-dir", str(_run.dir), *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def _session(capsys, open_it=True):
    code, out = _run(capsys, "sessions", "create", "Consell de barri")
    assert code == 0
    sid = out.strip().split()[-1][:8]
    if open_it:
        code, out = _run(capsys, "sessions", "open", sid)
        assert code == 0, out
    return sid


def _count(model):
    db = open_database(_run.dir)
    try:
        with db.read() as s:
            return s.query(model).count()
    finally:
        db.close()


def test_import_errors_write_nothing(tmp_path, capsys):
    _run.dir = tmp_path
    sid = _session(capsys)
    code, out = _run(capsys, "participants", "import", str(FIX / "invalid.csv"), "--session", sid, "--yes")
    assert code == 1
    assert "Row 3, column “Data de naixement”: error" in out
    assert "Nothing was imported" in out
    assert _count(Participant) == 0


def test_import_warnings_need_yes(tmp_path, capsys):
    _run.dir = tmp_path
    sid = _session(capsys)
    code, out = _run(capsys, "participants", "import", str(FIX / "titled_merged.xlsx"), "--session", sid)
    assert code == 1 and "--yes" in out and "Row 9" in out
    assert _count(Participant) == 0
    code, out = _run(capsys, "participants", "import", str(FIX / "titled_merged.xlsx"), "--session", sid, "--yes")
    assert code == 0 and "4 new" in out
    assert _count(Participant) == 4
    code, out = _run(capsys, "participants", "list", "--search", "marcelli")
    assert code == 0 and "Marcel·lí Puig i Bosch" in out


def test_import_with_explicit_mapping_and_checkin_by_code_and_name(tmp_path, capsys):
    _run.dir = tmp_path
    sid = _session(capsys)
    code, out = _run(capsys, "participants", "import", str(FIX / "decidim" / "meeting_registrations_export.csv"),
                     "--session", sid, "--mapping",
                     '{"full_name": "user/name", "email": "user/email", "code": "code", "registration_id": "id"}')
    assert code == 0, out
    code, out = _run(capsys, "checkin", sid, "G7PTGEUG")
    assert code == 0 and "Welcome, Joana Fictícia Puig" in out and "1 of 4" in out
    code, out = _run(capsys, "checkin", sid, "G7PTGEUG")
    assert code == 0 and "already checked in" in out
    code, out = _run(capsys, "checkin", sid, "pere inventat")  # part of a name: the candidates, no check-in
    assert code == 1 and "does not name exactly one registered person" in out and "Pere Inventat Soler" in out
    code, out = _run(capsys, "checkin", sid, "PERE  inventat soler")  # the whole name of one registered person
    assert code == 0 and "Welcome, Pere Inventat Soler" in out
    code, out = _run(capsys, "checkin", sid, "example")  # several people match
    assert code == 1 and "give the code" in out
    code, out = _run(capsys, "checkin", sid, "NOPE1234")
    assert code == 1 and "Unknown code" in out
    assert _count(Attendance) == 2
    export = tmp_path.parent / f"{tmp_path.name}-att.xlsx"  # outside the data folder
    code, out = _run(capsys, "participants", "export", str(export), "--session", sid)
    assert code == 0 and export.exists() and "4 rows" in out


def test_bad_mapping_json_and_missing_file(tmp_path, capsys):
    _run.dir = tmp_path
    code, out = _run(capsys, "participants", "import", str(FIX / "invalid.csv"), "--mapping", "{nope")
    assert code == 1 and "not valid JSON" in out
    code, out = _run(capsys, "participants", "import", str(tmp_path / "missing.xlsx"))
    assert code == 1 and "does not exist" in out


def test_catalan_messages(tmp_path, capsys):
    _run.dir = tmp_path
    sid = _session(capsys)
    code, out = _run(capsys, "--lang", "ca", "checkin", sid, "NOPE1234")
    assert code == 1 and "Codi desconegut" in out


def test_checkin_never_guesses(tmp_path, capsys):
    """A code fragment, a draft session, and a person not on the list are never silent welcomes."""
    _run.dir = tmp_path
    draft = _session(capsys, open_it=False)
    sid = _session(capsys)
    code, out = _run(capsys, "participants", "import", str(FIX / "decidim" / "meeting_registrations_export.csv"),
                     "--session", sid, "--mapping",
                     '{"full_name": "user/name", "email": "user/email", "code": "code", "registration_id": "id"}')
    assert code == 0, out
    code, out = _run(capsys, "checkin", sid, "G7PT")  # a fragment of Joana's registration code
    assert code == 1 and "Joana Fictícia Puig" in out and "Welcome" not in out
    code, out = _run(capsys, "checkin", draft, "G7PTGEUG")
    assert code == 1 and "not open yet" in out
    assert _count(Attendance) == 0
    db = open_database(_run.dir)
    try:
        with db.read() as s:
            joana = s.query(Participant).filter_by(given_name="Joana").one().checkin_code
    finally:
        db.close()
    code, out = _run(capsys, "sessions", "open", draft)
    assert code == 0
    code, out = _run(capsys, "checkin", draft, joana.lower())  # her own code, in a session she is not on
    assert code == 0 and "Welcome, Joana" in out and "(not on the registration list)" in out
    code, out = _run(capsys, "checkin", draft, "Joana Fictícia Puig")  # by name: not registered there
    assert code == 1 and "(not on the registration list)" in out
