"""A trailing list after the options, in the order the README documents
(``votes count QUESTION --batch NAME OPTION=N…``), is the command's list, not refused input."""

import json

from p311desk.cli import main


def _cli(tmp_path, capsys, *args, code=0):
    got = main(["--data-dir", str(tmp_path), *args])
    out = capsys.readouterr()
    assert got == code, out.err + out.out
    return out


def test_counts_after_the_batch_option_are_counted(tmp_path, capsys):
    people = tmp_path / "people.csv"
    people.write_text("Nom;Cognoms;Codi\n" + "".join(f"Persona {i};Puig;P{i:04d}\n" for i in range(1, 6)),
                      encoding="utf-8")
    sid = _cli(tmp_path, capsys, "sessions", "create", "Assemblea").out.split()[-1][:8]
    _cli(tmp_path, capsys, "sessions", "open", sid)
    _cli(tmp_path, capsys, "participants", "import", str(people), "--session", sid, "--yes")
    for i in range(1, 6):
        _cli(tmp_path, capsys, "checkin", sid, f"P{i:04d}")
    q = _cli(tmp_path, capsys, "votes", "create", sid, "Aprovem-ho?", "--method", "yes-no").out.split()[-1]
    _cli(tmp_path, capsys, "votes", "open", q)
    _cli(tmp_path, capsys, "votes", "count", q, "--batch", "mans", "yes=3", "no=1")
    result = json.loads(_cli(tmp_path, capsys, "votes", "results", q, "--json").out)
    assert result["cast"] == 4, result
    # an unknown option after the list is still refused input: exit 1 and a sentence, nothing stored
    refused = _cli(tmp_path, capsys, "votes", "count", q, "--batch", "altres", "yes=1", "--bogus", code=1)
    assert "--bogus" in refused.err and "Traceback" not in refused.err
    assert json.loads(_cli(tmp_path, capsys, "votes", "results", q, "--json").out)["cast"] == 4
