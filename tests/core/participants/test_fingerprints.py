"""Document ids (DNI/NIE) are kept as a keyed fingerprint; the key and any salt stay out of the
database and out of every export; older salted fingerprints are re-keyed by migration 0006."""

import csv
import hashlib
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from p311desk import attendance, audit, backups, keys, sessions
from p311desk import participants as pi
from p311desk.db import Database
from p311desk.models import Participant, Setting
from p311desk.spreadsheets.reader import read_table

FIX = Path(__file__).parents[2] / "fixtures" / "attendance"
DNI = "12345678Z"


def _add(db, **kw):
    with db.write() as s:
        return pi.add_participant(s, given_name="Marcel", family_name="Puig", document_id=DNI, **kw).id


def test_fingerprint_needs_the_key_and_matches_across_imports(db):
    pid = _add(db)
    with db.read() as s:
        stored = s.get(Participant, pid).document_hash
        assert stored == pi.document_fingerprint(s, "12.345.678-z")  # normalised
        assert s.get(Participant, pid).document_id is None
        # What the old code stored (and what an attacker can try 10^8 times) is not it.
        assert stored != hashlib.sha256((":" + DNI).encode()).hexdigest()
        assert not [r.key for r in s.scalars(select(Setting)) if "salt" in r.key]
    # The same number from a file is recognised as the same person (an update, not a new row).
    with db.write() as s:
        table = read_table(FIX / "titled_merged.xlsx")
        plan = pi.preview(s, table, None)
        dnis = [r for r in plan.rows if r.values.get("document_hash") == stored]
    assert len(dnis) == 1 and dnis[0].status == "update"


def test_another_key_gives_other_fingerprints(db, tmp_path, monkeypatch):
    with db.read() as s:
        mine = pi.document_fingerprint(s, DNI)
    monkeypatch.setenv("P311DESK_KEY_DIR", str(tmp_path / "other-laptop"))
    keys.forget_cache()
    with db.read() as s:
        assert pi.document_fingerprint(s, DNI) != mine


@pytest.mark.parametrize("with_document", [True, False])
def test_migration_rekeys_salted_fingerprints_and_removes_the_salt(tmp_path, with_document):
    path = tmp_path / "old.db"
    db = Database(path)
    with db.write() as s:
        pid = pi.add_participant(s, given_name="Marcel", family_name="Puig").id
    device = db.device_id
    db.close()
    # Turn it into a database as release 0005 left it: salt in the settings, salted SHA-256.
    salt = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    con = sqlite3.connect(path)
    con.execute("INSERT INTO setting (key, value) VALUES ('app.document_salt', ?)", (f'"{salt}"',))
    if with_document:  # (the demo data has a salt but no document ids)
        con.execute("UPDATE participant SET document_hash = ?",
                    (hashlib.sha256(f"{salt}:{DNI}".encode()).hexdigest(),))
    con.execute("UPDATE alembic_version SET version_num = '0005'")
    con.commit()
    con.close()

    db = Database(path)
    try:
        with db.read() as s:
            assert s.get(Setting, "app.document_salt") is None
            assert s.get(Participant, pid).document_hash == (
                pi.document_fingerprint(s, DNI) if with_document else None)
            assert audit.verify(s).ok
        assert keys.get_value(f"document-salt:{device}") == salt
    finally:
        db.close()
    assert salt.encode() not in path.read_bytes()  # not even in a free page


def _all_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        wb = load_workbook(path, read_only=True)
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                         for c in row if c is not None)
    return path.read_text(encoding="utf-8-sig")


def test_exports_contain_no_fingerprints_keys_or_salts(db, tmp_path):
    with db.write() as s:
        sid = sessions.create_session(s, title="Assemblea").id
        sessions.open_session(s, sid)
    pid = _add(db)
    with db.write() as s:
        pi.register(s, sid, pid)
        code = s.get(Participant, pid).checkin_code
    with db.write() as s:
        attendance.check_in(s, sid, code)
    with db.read() as s:
        fingerprint = s.get(Participant, pid).document_hash
        device = audit.database_device(s)
    secrets_ = [fingerprint, keys.secret(f"documents:{device}").hex(), keys.secret(f"audit:{device}").hex()]
    import base64

    secrets_ += [base64.b64encode(keys.secret(f"documents:{device}")).decode(),
                 base64.b64encode(keys.secret(f"audit:{device}")).decode()]

    whole = tmp_path / "whole.xlsx"
    backups.export_database(db, whole)
    wb = load_workbook(whole, read_only=True)
    header = [c.value for c in next(wb["participant"].iter_rows(max_row=1))]
    assert "document_hash" not in header and "given_name" in header
    setting_keys = [r[0] for r in wb["setting"].iter_rows(min_row=2, values_only=True)]
    assert not [k for k in setting_keys if "salt" in k or "key" in k]
    outputs = [whole]
    with db.read() as s:
        for name in ("registry.xlsx", "registry.csv"):
            attendance.export_registry(s, tmp_path / name)
            outputs.append(tmp_path / name)
        for name in ("attendance.xlsx", "attendance.csv"):
            attendance.export_attendance(s, sid, tmp_path / name)
            outputs.append(tmp_path / name)
    for out in outputs:
        text = _all_text(out)
        assert "Marcel" in text, out
        for secret in secrets_:
            assert secret not in text, (out, secret[:8])
        assert DNI not in text
