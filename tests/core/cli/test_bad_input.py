"""Bad input on the command line: one sentence, exit 1 (refused) or 2 (unexpected, naming the log
file), never a traceback — issue 7 §6, each case a test."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from p311desk.cli import main
from p311desk.db import open_database
from p311desk.models import Participant

CLI = Path(sys.executable).with_name("p311desk-cli")


@pytest.fixture
def cli(tmp_path, capsys):
    data = tmp_path / "data"

    def run(*args, data_dir=None):
        code = main(["--data-dir", str(data_dir or data), *args])
        out = capsys.readouterr()
        assert "Traceback" not in out.out + out.err
        return code, out.out, out.err

    run.data = data
    return run


def new_session(cli, title="Consell de barri"):
    code, out, _err = cli("sessions", "create", title)
    assert code == 0
    return out.strip().split()[-1]


# --- exports never overwrite the database, and write only what their extension says ------------


@pytest.mark.parametrize("target", ["db", "in_data", "wrong_ext", "no_folder", "folder"])
def test_exports_refuse_bad_targets(cli, tmp_path, target):
    sid = new_session(cli)
    cli("proposals", "add", sid[:8], "Més ombra a la plaça del mercat")
    db_file = cli.data / "p311desk.db"
    before = db_file.read_bytes()
    (tmp_path / "afolder.xlsx").mkdir()
    paths = {"db": (db_file, db_file), "in_data": (cli.data / "whole.xlsx", cli.data / "props.xlsx"),
             "wrong_ext": (tmp_path / "whole.csv", tmp_path / "props.pdf"),
             "no_folder": (tmp_path / "missing" / "whole.xlsx", tmp_path / "missing" / "p.xlsx"),
             "folder": (tmp_path / "afolder.xlsx", tmp_path / "afolder.xlsx")}[target]
    expected = {"db": "This export writes .xlsx files, not “p311desk.db”",
                "in_data": "is inside the data folder",
                "wrong_ext": "This export writes .xlsx files, not “whole.csv”",
                "no_folder": "The folder " + str(tmp_path / "missing") + " does not exist",
                "folder": "is a folder. Give the name of a file to write."}[target]
    code, _out, err = cli("export", str(paths[0]))
    assert code == 1 and expected in err
    code, _out, err = cli("proposals", "export", sid[:8], str(paths[1]), *(
        ["--format", "xlsx"] if target == "wrong_ext" else []))
    assert code == 1, err
    assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1
    code, _out, err = cli("participants", "export", str(paths[0].with_suffix(".ods")
                                                         if target == "wrong_ext" else paths[0]))
    assert code == 1, err
    assert db_file.read_bytes() == before
    assert sorted(p.name for p in cli.data.iterdir() if p.is_file()) == ["p311desk.db"] or target != "in_data"
    assert not (cli.data / "whole.xlsx").exists() and not (cli.data / "props.xlsx").exists()


def test_export_to_a_good_place_still_works(cli, tmp_path):
    new_session(cli)
    code, out, _err = cli("export", str(tmp_path / "whole.xlsx"))
    assert code == 0 and (tmp_path / "whole.xlsx").stat().st_size > 0


# --- input that used to break things ---------------------------------------------------------


def test_control_characters_in_imported_names_are_stripped(cli, tmp_path):
    src = tmp_path / "people.csv"
    src.write_text("Nom;Cognoms;Correu\nJo\x01ana;Puig\x7f Bosch;joana\x0b@exemple.cat\n"
                   "Pe\x1bre;Vila;pere@exemple.cat\n", encoding="utf-8")
    code, out, err = cli("participants", "import", str(src), "--yes")
    assert code == 0, out + err
    db = open_database(cli.data)
    try:
        with db.read() as s:
            people = sorted((p.given_name, p.family_name, p.email) for p in s.query(Participant))
    finally:
        db.close()
    assert people == [("Joana", "Puig Bosch", "joana@exemple.cat"), ("Pere", "Vila", "pere@exemple.cat")]
    # Every XLSX export still works afterwards (openpyxl refuses control characters).
    assert cli("export", str(tmp_path / "whole.xlsx"))[0] == 0
    assert cli("participants", "export", str(tmp_path / "people.xlsx"))[0] == 0


@pytest.mark.parametrize("args", [("--supports", "1e30"), ("--supports", "2.5"), ("--supports", "99999999999")])
def test_absurd_supports_are_refused(cli, args):
    sid = new_session(cli)
    code, _out, err = cli("proposals", "add", sid[:8], "Més ombra a la plaça del mercat", *args)
    assert code == 1
    assert err.strip() in ("Error: Supports must be a whole number.", "Error: Too many supports.")
    code, out, _err = cli("proposals", "add", sid[:8], "Més ombra a la plaça del mercat")
    code, _out, err = cli("proposals", "supports", out.split()[-1][:8], "1e30")
    assert code == 1 and err.strip() == "Error: Supports must be a whole number."


def test_supports_of_1e30_in_a_file_are_a_row_error(cli, tmp_path):
    sid = new_session(cli)
    src = tmp_path / "p.csv"
    src.write_text("title/ca;body/ca;supports;author_kind\nMés ombra a la plaça del mercat;Text;1e30;session\n",
                   encoding="utf-8")
    code, out, _err = cli("proposals", "import", str(src), "--session", sid[:8], "--yes")
    assert code == 1 and "Too many supports." in out and "Nothing was imported" in out


def test_utf16_csv_with_an_odd_byte_count(cli, tmp_path):
    sid = new_session(cli)
    cut = tmp_path / "cut.csv"
    cut.write_bytes("Nom;Cognoms\nJoana;Puig\n".encode("utf-16")[:-1])
    for args in (("participants", "import", str(cut)), ("proposals", "import", str(cut), "--session", sid[:8])):
        code, _out, err = cli(*args)
        assert code == 1
        assert err.startswith("Error: The file says it is UTF-16 text but it is damaged or cut short")


def test_data_dir_pointing_at_a_file(cli, tmp_path):
    afile = tmp_path / "notes.txt"
    afile.write_text("hola", encoding="utf-8")
    code, _out, err = cli("sessions", "list", data_dir=afile)
    assert code == 1
    assert err.strip() == f"Error: The data folder {afile} is a file, not a folder. Choose a folder with --data-dir."
    assert afile.read_text(encoding="utf-8") == "hola"


def test_a_database_file_that_is_not_a_database(cli, tmp_path):
    cli.data.mkdir()
    junk = b"This is a shopping list, not a database.\n" * 200
    (cli.data / "p311desk.db").write_bytes(junk)
    code, _out, err = cli("sessions", "list")
    assert code == 1
    assert "is not a p311desk database, or it is damaged" in err
    assert (cli.data / "p311desk.db").read_bytes() == junk


def test_messages_are_in_the_users_language(cli, tmp_path):
    afile = tmp_path / "f"
    afile.write_text("x", encoding="utf-8")
    code, _out, err = cli("--lang", "ca", "export", str(tmp_path / "whole.csv"))
    assert code == 1 and "Aquesta exportació escriu fitxers .xlsx" in err
    code = main(["--lang", "es", "--data-dir", str(afile), "sessions", "list"])
    assert code == 1


def test_ambiguous_id_prefixes_list_the_candidates(cli):
    ids: dict[str, list[str]] = {}
    while not any(len(v) > 1 for v in ids.values()):
        sid = new_session(cli, f"Sessió {sum(len(v) for v in ids.values()) + 1}")
        ids.setdefault(sid[0], []).append(sid)
    prefix, both = next((k, v) for k, v in ids.items() if len(v) > 1)
    code, _out, err = cli("sessions", "open", prefix)
    assert code == 1
    assert f"“{prefix}” matches 2 sessions; type more characters of the id:" in err
    assert all(sid[:8] in err for sid in both)
    assert cli("sessions", "open", both[0][:8])[0] == 0

    session = both[0][:8]
    pids: dict[str, list[str]] = {}
    while not any(len(v) > 1 for v in pids.values()):
        _c, out, _e = cli("proposals", "add", session, f"Proposta número {sum(map(len, pids.values())) + 1} per a la plaça")
        pid = out.split()[-1]
        pids.setdefault(pid[0], []).append(pid)
    prefix, both = next((k, v) for k, v in pids.items() if len(v) > 1)
    code, _out, err = cli("proposals", "supports", prefix, "3")
    assert code == 1 and f"“{prefix}” matches 2 proposals" in err and all(p[:8] in err for p in both)


def test_a_wrong_command_line_is_refused_with_exit_1(cli):
    code, _out, err = cli("sessions", "lis")
    assert code == 1 and "Error: argument ACTION: invalid choice: 'lis'" in err


def test_an_unexpected_error_exits_2_naming_the_log_without_secrets(cli, monkeypatch):
    from p311desk.cli import core_commands

    def broken(args, ctx):
        ctx.db
        raise RuntimeError("token=s3cr3t-value and key " + "ab" * 32)

    monkeypatch.setattr(core_commands, "cmd_sessions_list", broken)
    code, _out, err = cli("sessions", "list")
    log = cli.data / "logs" / "p311desk.log"
    assert code == 2
    assert err.strip() == f"Unexpected error (RuntimeError). Nothing more was done; the details are in {log}."
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "unexpected error in sessions list" in text
    assert "s3cr3t" not in text and "ab" * 32 not in text


def test_broken_pipe_through_the_real_cli(cli, tmp_path):
    """``p311desk-cli participants list | head``: the reader goes away; no traceback."""
    assert cli("demo")[0] == 0
    env = {**os.environ, "P311DESK_DATA_DIR": str(cli.data)}
    proc = subprocess.Popen([str(CLI), "participants", "list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    proc.stdout.close()  # like `head` that has read its lines and quit
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0
    assert err == ""
