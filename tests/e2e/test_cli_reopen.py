"""Reopening a session with signed minutes from the command line needs --reason (issue 21 §4)."""

import json

from p311desk.cli import main


def test_reopen_after_signed_minutes_needs_a_reason(tmp_path, capsys):
    def cli(*args, code=0):
        got = main(["--data-dir", str(tmp_path), *args])
        out = capsys.readouterr()
        assert got == code, out.err + out.out
        return out

    sid = cli("sessions", "create", "Consell de barri").out.strip().split()[-1][:8]
    cli("sessions", "open", sid)
    cli("closing", sid, "count")
    cli("closing", sid, "results")
    cli("print", "minutes", sid, "-o", str(tmp_path.parent / f"{tmp_path.name}-acta.pdf"))
    cli("closing", sid, "minutes-signed")
    refused = cli("sessions", "open", sid, code=1)
    assert "give the reason" in refused.err
    cli("sessions", "open", sid, "--reason", "Faltava una persona al cens")
    from p311desk.db import open_database
    from p311desk.models import AuditEvent

    db = open_database(tmp_path)
    with db.read() as s:
        event = s.query(AuditEvent).filter_by(kind="session.reopened").one()
        assert json.loads(event.payload)["reason"] == "Faltava una persona al cens"
    db.close()
