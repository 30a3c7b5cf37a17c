"""The closing path, driven by clicks and keys: from an open vote to the signed minutes, then a
reopening that asks for a reason."""

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit, QMessageBox, QPushButton, QTableView

from p311desk import votes
from p311desk.models import AuditEvent, ParticipationSession
from tests.core.votes.conftest import make_room


def _click(qtbot, window, wait_idle, widget):
    assert widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.LeftButton)
    wait_idle(window)


def test_the_closing_path_end_to_end(qtbot, window, db, wait_idle, tmp_path, monkeypatch):
    room = make_room(db, 2)
    with db.write() as s:
        qid = votes.create_question(s, room.session_id, "Aprovem l'acta anterior?").id
        votes.open_question(s, qid)
    window.ctx.set_current_session(room.session_id)
    page = window.go_to("votes")
    wait_idle(window)
    panel = page.findChild(QPushButton, "closing_count").parent()
    nxt = page.findChild(QLabel, "closingNext")
    button = {k: page.findChild(QPushButton, f"closing_{k}") for k in ("count", "results", "minutes", "signed")}
    assert nxt.text() == "1 vote is still open: close it, then record the count."
    assert [k for k, b in button.items() if b.isEnabled()] == ["count"]

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)  # "Close the vote" asks first
    _click(qtbot, window, wait_idle, page.findChild(QPushButton, "votes_close"))
    assert nxt.text() == "Next: record the count (every vote is closed)."
    _click(qtbot, window, wait_idle, button["count"])
    assert [k for k, b in button.items() if b.isEnabled()] == ["results"]
    _click(qtbot, window, wait_idle, button["results"])
    assert "generate the minutes" in nxt.text()
    assert [k for k, b in button.items() if b.isEnabled()] == ["minutes"]

    # Generate minutes opens the print preview of the minutes
    _click(qtbot, window, wait_idle, button["minutes"])
    assert window.current_page_id() == "print"
    printing_page = window.go_to("print")
    assert printing_page.kind_id == "minutes"
    qtbot.waitUntil(lambda: printing_page._current is not None, timeout=15000)
    wait_idle(window)
    saved = tmp_path / "acta.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(saved), ""))
    _click(qtbot, window, wait_idle, printing_page.findChild(QPushButton, "printSave"))
    assert saved.exists()

    page = window.go_to("votes")
    wait_idle(window)
    stages = page.findChild(QLabel, "votesStages").text()
    assert "✓ Minutes generated" in stages and "· Minutes signed" in stages
    assert "signed on paper" in nxt.text()
    assert button["signed"].isEnabled()

    # "Minutes signed…" asks first: Cancel changes nothing
    _click(qtbot, window, wait_idle, button["signed"])
    dialog = panel.signed_dialog
    assert dialog.isVisible() and "closes the session" in dialog.findChild(QLabel, "minutesSignedText").text()
    _click(qtbot, window, wait_idle, dialog.findChild(QPushButton, "minutesSignedCancel"))
    with db.read() as s:
        assert s.get(ParticipationSession, room.session_id).status == "open"

    scan = tmp_path / "acta-signada.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    _click(qtbot, window, wait_idle, button["signed"])
    dialog = panel.signed_dialog
    qtbot.keyClicks(dialog.findChild(QLineEdit, "minutesSignedScan"), str(scan))
    _click(qtbot, window, wait_idle, dialog.findChild(QPushButton, "minutesSignedOk"))
    qtbot.waitUntil(lambda: "closed" in nxt.text(), timeout=10000)
    with db.read() as s:
        assert s.get(ParticipationSession, room.session_id).status == "closed"
    assert list((db.path.parent / "attachments").glob("*.png"))
    assert not any(b.isEnabled() for k, b in button.items() if k != "minutes")  # a copy can still be printed

    # Reopening a session with signed minutes warns and asks for the reason
    sessions_page = window.go_to("sessions")
    wait_idle(window)
    table = sessions_page.findChild(QTableView, "sessionsTable")
    qtbot.waitUntil(lambda: table.model().rowCount() == 1)
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=table.visualRect(table.model().index(0, 0)).center())
    _click(qtbot, window, wait_idle, sessions_page.findChild(QPushButton, "openSession"))
    reopen = sessions_page.reopen_dialog
    assert reopen.isVisible() and "are signed" in reopen.findChild(QLabel, "reopenWarning").text()
    ok = reopen.findChild(QPushButton, "reopenOk")
    assert not ok.isEnabled()
    qtbot.keyClicks(reopen.findChild(QLineEdit, "reopenReason"), "Faltava una persona al cens")
    _click(qtbot, window, wait_idle, ok)
    with db.read() as s:
        assert s.get(ParticipationSession, room.session_id).status == "open"
        event = s.query(AuditEvent).filter_by(kind="session.reopened").one()
        assert json.loads(event.payload)["reason"] == "Faltava una persona al cens"
