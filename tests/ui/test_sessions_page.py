"""The Sessions page, driven through its real widgets."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QMessageBox, QPushButton, QTableView

from p311desk.models import AuditEvent, ParticipationSession
from p311desk import sessions


def _page(window):
    """The page with its list read (reads run in workers: the window never waits on the disk)."""
    page = window.go_to("sessions")
    _settle(window)
    return page


def _settle(window):
    import time

    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        QApplication.processEvents()
        if not window.ctx.pools.busy:
            QApplication.processEvents()
            if not window.ctx.pools.busy:
                return
        time.sleep(0.01)


def test_create_session_with_keyboard(window, qtbot, wait_idle):
    page = _page(window)
    qtbot.mouseClick(page.findChild(QPushButton, "newSession"), Qt.LeftButton)
    title = page.findChild(QLineEdit, "sessionTitle")
    qtbot.keyClicks(title, "Assemblea de barri de la Riera")
    qtbot.keyClicks(page.findChild(QLineEdit, "sessionPlace"), "Casal de la Riera")
    title.setFocus()
    qtbot.keyClick(title, Qt.Key_Return)
    wait_idle(window)
    table = page.findChild(QTableView, "sessionsTable")
    assert table.model().rowCount() == 1
    assert table.model().index(0, 0).data() == "Assemblea de barri de la Riera"
    with window.ctx.db.read() as s:
        row = s.query(ParticipationSession).one()
        assert row.place == "Casal de la Riera" and row.status == "draft"
        assert s.query(AuditEvent).filter_by(kind="session.created").count() == 1
    assert "saved" in window.message_bar.label.text()


def test_empty_title_shows_error_and_changes_nothing(window, qtbot, wait_idle):
    page = _page(window)
    qtbot.mouseClick(page.findChild(QPushButton, "saveSession"), Qt.LeftButton)
    wait_idle(window)
    assert window.message_bar.isVisible() and window.message_bar.level == "error"
    assert "title" in window.message_bar.label.text()
    with window.ctx.db.read() as s:
        assert s.query(ParticipationSession).count() == 0


def test_open_then_close_session(window, qtbot, wait_idle, monkeypatch):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title="Consell de barri").id
    window.ctx.data_changed.emit("sessions")
    page = _page(window)
    table = page.findChild(QTableView, "sessionsTable")
    _settle(window)
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=table.visualRect(table.model().index(0, 0)).center())
    assert page.current.id == sid
    qtbot.mouseClick(page.findChild(QPushButton, "openSession"), Qt.LeftButton)
    wait_idle(window)
    _settle(window)
    assert window.ctx.current_session_id == sid
    picker = window.findChild(QComboBox, "currentSession")
    assert picker.currentData() == str(sid)
    assert page.findChild(QPushButton, "closeSession").isEnabled()

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    qtbot.mouseClick(page.findChild(QPushButton, "closeSession"), Qt.LeftButton)
    wait_idle(window)
    _settle(window)
    with window.ctx.db.read() as s:
        assert s.get(ParticipationSession, sid).status == "closed"
    assert not page.findChild(QLineEdit, "sessionTitle").isEnabled()
    assert page.findChild(QPushButton, "openSession").text() == "Reopen session"
    assert window.findChild(QLabel, "unsynced").text() == "Not yet synced: 1"


def test_declining_close_keeps_session_open(window, qtbot, wait_idle, monkeypatch):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title="Consell").id
        sessions.open_session(s, sid)
    page = _page(window)
    page.reload(select=sid)
    _settle(window)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.No)
    qtbot.mouseClick(page.findChild(QPushButton, "closeSession"), Qt.LeftButton)
    wait_idle(window)
    with window.ctx.db.read() as s:
        assert s.get(ParticipationSession, sid).status == "open"


def test_filter_sessions(window, qtbot):
    with window.ctx.db.write() as s:
        sessions.create_session(s, title="Assemblea Nord", place="Casal Nord")
        sessions.create_session(s, title="Consell Sud", place="Escola")
    page = _page(window)
    page.reload()
    _settle(window)
    qtbot.keyClicks(page.findChild(QLineEdit, "sessionSearch"), "nord")
    assert page.findChild(QTableView, "sessionsTable").model().rowCount() == 1


def test_language_switch_is_remembered(window, qtbot, qsettings):
    window.findChild(type(window.menuBar().actions()[0]), "lang_ca").trigger()
    _settle(window)
    assert window.nav.item(0).text() == "Sessions"
    assert window.nav.item(window.nav.count() - 1).text() == "Configuració"
    assert qsettings.value("ui/language") == "ca"
    assert window.findChild(QPushButton, "newSession").text() == "Nova sessió"
    # the status bar is rebuilt, not doubled
    labels = [w for w in window.statusBar().findChildren(QLabel) if w.objectName() in ("unsynced", "connectivity")]
    assert sorted(w.objectName() for w in labels) == ["connectivity", "unsynced"]
    assert window.findChild(QLabel, "unsynced").text() == "Pendent de sincronitzar: 0"


def test_link_new_session_to_space(window, qtbot, wait_idle):
    from p311desk import demo

    demo.create_demo(window.ctx.db, people=5)
    page = _page(window)
    qtbot.mouseClick(page.findChild(QPushButton, "newSession"), Qt.LeftButton)
    _settle(window)
    space_combo = page.findChild(QComboBox, "sessionSpace")
    component_combo = page.findChild(QComboBox, "sessionComponent")
    assert not component_combo.isEnabled()
    space_combo.setCurrentIndex(1)
    assert component_combo.isEnabled() and component_combo.currentText() == "Proposals"
    title = page.findChild(QLineEdit, "sessionTitle")
    qtbot.keyClicks(title, "Taller de mobilitat")
    qtbot.keyClick(title, Qt.Key_Return)
    wait_idle(window)
    with window.ctx.db.read() as s:
        row = s.query(ParticipationSession).filter_by(title="Taller de mobilitat").one()
        assert row.space_id is not None and row.component_id is not None


def test_selecting_a_linked_session_shows_its_links(window, qtbot):
    from p311desk import demo

    demo.create_demo(window.ctx.db, people=5)
    page = _page(window)
    page.reload()
    _settle(window)
    page.table.selectRow(0)
    _settle(window)
    assert page.findChild(QComboBox, "sessionSpace").currentText() == "Participatory budgeting 2027"
    assert page.findChild(QComboBox, "sessionComponent").currentText() == "Proposals"
