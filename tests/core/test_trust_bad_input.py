"""Bad input from issue 16 §7: each a sentence and exit 1, nothing stored; text cleaning drops
bidirectional overrides and terminal escape sequences from every typed or imported text."""

import pytest
from sqlalchemy import select

from p311desk import sessions
from p311desk import proposals as P
from p311desk.cli import main
from p311desk.models import ParticipationSession, Proposal
from p311desk.participants import add_participant
from p311desk.text import clean, strip_controls


@pytest.fixture
def cli(tmp_path, capsys):
    data = tmp_path / "data"

    def run(*args):
        code = main(["--data-dir", str(data), *args])
        out = capsys.readouterr()
        assert "Traceback" not in out.out + out.err
        return code, out.out, out.err

    run.data = data
    return run


def test_print_credentials_per_page_zero_is_refused(cli, tmp_path):
    code, out, _err = cli("sessions", "create", "Consell")
    sid = out.split()[-1]
    for bad in ("0", "-3"):
        code, _out, err = cli("print", "credentials", sid[:8], "-o", str(tmp_path / "c.pdf"), "--per-page", bad)
        assert code == 1 and "--per-page" in err and "at least 1" in err
        assert not (tmp_path / "c.pdf").exists()


def test_backup_into_an_unwritable_place_is_a_sentence(cli):
    cli("init")
    code, _out, err = cli("backup", "/proc/x.db")
    assert code == 1 and err.startswith("Error: The backup could not be written to /proc/x.db")
    assert not list((cli.data / "backups").glob("*")) if (cli.data / "backups").exists() else True


@pytest.mark.parametrize("raw, expected", [
    ("Més \x1b[31mvermell\x1b[0m arbres", "Més vermell arbres"),
    ("\x1b[1;32;40mverd", "verd"),
    ("factura\u202efdp.exe", "facturafdp.exe"),
    ("\u2066a\u2069 \u202ab\u202c \u202bc\u202c \u202dd\u202c", "a b c d"),
    ("\x1b]0;títol de finestra\x07ok", "ok"),
    ("\x1b]8;;http://exemple.cat\x1b\\enllaç\x1b]8;;\x1b\\", "enllaç"),
    ("\x9b2Jnet", "net"),
    ("a\x1b(Bb", "ab"),
    ("Pe\x1bre", "Pere"),
    ("línia\tamb\ttabs\ni salt", "línia\tamb\ttabs\ni salt"),
    ("L·l àèò ñ 😀 العربية", "L·l àèò ñ 😀 العربية"),  # right-to-left text itself is kept
])
def test_strip_controls_drops_escapes_and_bidi_overrides(raw, expected):
    assert strip_controls(raw) == expected


def test_typed_titles_and_names_are_stored_clean(db):
    with db.write() as s:
        sid = sessions.create_session(s, title="Assemblea \u202eabc\u202c \x1b[31mroja\x1b[0m").id
        person = add_participant(s, given_name="N\u202eúria", family_name="\x1b]0;x\x07Puig")
        prop = P.add_proposal(s, sid, title="Arbres\x1b[5m a la plaça\u2066")
    with db.write() as s:
        sessions.update_session(s, sid, place="Sala \u202dgran")
    with db.read() as s:
        row = s.get(ParticipationSession, sid)
        assert (row.title, row.place) == ("Assemblea abc roja", "Sala gran")
        assert s.scalar(select(Proposal.title).where(Proposal.id == prop.id)) == {"ca": "Arbres a la plaça"}
    assert clean(person.given_name) == "Núria" and person.family_name == "Puig"


def test_cli_typed_title_is_stored_clean(cli):
    code, out, _err = cli("sessions", "create", "Consell \u202edolent\x1b[2J")
    assert code == 0
    code, out, _err = cli("sessions", "list")
    assert "Consell dolent" in out and "\x1b" not in out and "\u202e" not in out


def test_imported_names_are_stored_clean(cli, tmp_path):
    sheet = tmp_path / "people.csv"
    sheet.write_text("Nom;Cognoms;Correu\n"
                     "\x1b[31mNúria\x1b[0m;Puig\u202e;nuria@example.org\n"
                     "Pere;\u2066Soler\u2069;pere@example.org\n", encoding="utf-8")
    code, out, err = cli("participants", "import", str(sheet), "--yes")
    assert code == 0, err
    code, out, _err = cli("participants", "list")
    assert "Núria Puig" in out and "Pere Soler" in out
    assert not any(ch in out for ch in "\x1b\u202e\u2066\u2069") and "[31m" not in out


def test_a_translation_made_only_of_escape_sequences_is_no_translation(db):
    # hypothesis (the proposals export/import round trip) found {"ca": ""} stored for a body made
    # only of an escape sequence, read back as {} from the file.
    from p311desk import proposals as P
    from p311desk import sessions

    with db.write() as s:
        sid = sessions.create_session(s, title="T").id
        sessions.open_session(s, sid)
        P.add_proposal(s, sid, title="Bancs a la plaça Major", body="\x1b[31m")
    with db.read() as s:
        assert P.list_proposals(s, sid)[0].body == {}
