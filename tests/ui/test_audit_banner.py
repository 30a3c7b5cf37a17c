"""A broken audit log is a clear, persistent warning naming the event or record — never a crash."""

import sqlite3
import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox, QPushButton, QTableView, QWidget

from p311desk import proposals, sessions
from p311desk.models import ParticipationSession


def _tamper(db, sql):
    con = sqlite3.connect(db.path)
    con.execute(sql)
    con.commit()
    con.close()


def _banner(window):
    return window.findChild(QWidget, "auditBanner"), window.findChild(QLabel, "auditWarning")


def test_start_with_a_tampered_proposal_shows_a_persistent_warning(qtbot, db, qsettings, wait_idle, tmp_path):
    from ui.app import create_window

    with db.write() as s:
        sid = sessions.create_session(s, title="Assemblea").id
        pid = proposals.add_proposal(s, sid, title="Més arbres a la plaça del mercat").id
    _tamper(db, f"UPDATE proposal SET supports = 500 WHERE id = '{uuid.UUID(str(pid)).hex}'")

    window = create_window(db, lang="en", qsettings=qsettings)
    window.ctx.probe = lambda host: False
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_idle(window)
    banner, label = _banner(window)
    assert banner.isVisible()
    assert "The audit log does not verify." in label.text()
    assert f"Proposal {str(pid)[:8]} was changed without an audit event" in label.text()
    window.resize(1024, 600)
    window.grab().save(str(tmp_path / "audit_banner.png"))

    # Other messages do not replace it, and a language switch keeps it (translated).
    window.ctx.notify("Settings saved.", "success")
    assert banner.isVisible()
    window.ctx.set_language("ca")
    banner, label = _banner(window)
    qtbot.waitUntil(banner.isVisible, timeout=3000)
    assert "El registre d’auditoria no es pot verificar." in label.text()
    assert f"Proposta {str(pid)[:8]}" in label.text()
    window.ctx.pools.wait()
    window.close()


def test_closing_a_session_checks_the_log_first(window, qtbot, wait_idle, monkeypatch):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title="Consell de barri").id
        sessions.open_session(s, sid)
    wait_idle(window)
    banner, _label = _banner(window)
    assert not banner.isVisible()  # the start-up check found the log intact
    _tamper(window.ctx.db, "DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)")

    window.ctx.data_changed.emit("sessions")
    page = window.go_to("sessions")
    wait_idle(window)
    table = page.findChild(QTableView, "sessionsTable")
    qtbot.waitUntil(lambda: table.model().rowCount() == 1)
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=table.visualRect(table.model().index(0, 0)).center())
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    qtbot.mouseClick(page.findChild(QPushButton, "closeSession"), Qt.LeftButton)
    wait_idle(window)
    banner, label = _banner(window)
    assert banner.isVisible() and "the last events were deleted" in label.text()
    with window.ctx.db.read() as s:  # the warning does not block the work
        assert s.get(ParticipationSession, sid).status == "closed"
