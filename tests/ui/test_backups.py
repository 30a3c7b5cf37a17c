"""File ▸ Back up now… and File ▸ Restore…, driven through the window; automatic copies."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableView,
)

from p311desk import backups, sessions
from p311desk.models import ParticipationSession


def _add_session(window, title):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title=title).id
    window.ctx.data_changed.emit("sessions")
    return sid


def _titles(window):
    with window.ctx.db.read() as s:
        return sorted(r.title for r in s.query(ParticipationSession))


def _file_menu_action(window, name) -> QAction:
    action = window.findChild(QAction, name)
    assert action is not None and action in window.menuBar().actions()[0].menu().actions()
    return action


def test_back_up_now_writes_the_file_chosen(window, qtbot, wait_idle, monkeypatch, tmp_path):
    _add_session(window, "Consell de barri")
    target = tmp_path / "elsewhere" / "copia.db"
    target.parent.mkdir()
    offered = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _parent, _title, start, _filter: offered.append(start) or (str(target), ""))
    _file_menu_action(window, "actionBackUp").trigger()
    qtbot.waitUntil(lambda: getattr(window, "backup_dialog", None) is not None and window.backup_dialog.isVisible())
    dialog = window.backup_dialog
    assert dialog.findChild(QRadioButton, "backupHere").isChecked()
    assert not dialog.findChild(QLineEdit, "backupPassphrase").isEnabled()
    qtbot.mouseClick(dialog.findChild(QPushButton, "backupOk"), Qt.LeftButton)
    wait_idle(window)
    assert Path(offered[0]).parent == window.ctx.db.path.parent / "backups"
    assert window.message_bar.level == "success" and str(target) in window.message_bar.label.text()
    assert backups.describe_backup(target).sessions[0].title == "Consell de barri"


def test_restore_shows_what_the_backup_holds_then_restores(window, qtbot, wait_idle, monkeypatch, tmp_path):
    kept_sid = _add_session(window, "Assemblea de la Riera")
    copy = backups.take_backup(window.ctx.db, tmp_path / "divendres.db")
    newer_sid = _add_session(window, "Consell de participació")
    window.ctx.set_current_session(newer_sid)  # will not exist after the restore
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(copy), ""))

    _file_menu_action(window, "actionRestore").trigger()
    qtbot.waitUntil(lambda: getattr(window, "restore_dialog", None) is not None and window.restore_dialog.isVisible())
    dialog = window.restore_dialog
    assert "1 session, 0 people, 0 check-ins, 0 proposals" in dialog.findChild(QLabel, "restoreHolds").text()
    assert "Backup taken on" in dialog.findChild(QLabel, "restoreTakenAt").text()
    listed = dialog.findChild(QListWidget, "restoreSessions")
    assert "Assemblea de la Riera" in listed.item(0).text()
    assert dialog.findChild(QPushButton, "restoreCancel").isDefault()
    dialog.grab().save(str(tmp_path / "restore_dialog.png"))

    qtbot.mouseClick(dialog.findChild(QPushButton, "restoreButton"), Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: window.message_bar.level == "success" and "restored" in window.message_bar.label.text())
    assert _titles(window) == ["Assemblea de la Riera"]
    (kept,) = [b for b in backups.list_backups(window.ctx.db) if b.kind == "before-restore"]
    assert str(kept.path) in window.message_bar.label.text()
    assert window.ctx.current_session_id is None
    table = window.go_to("sessions").findChild(QTableView, "sessionsTable")
    qtbot.waitUntil(lambda: table.model().rowCount() == 1)
    assert kept_sid is not None
    wait_idle(window)
    assert window.ctx.audit_report.ok


def test_cancelling_the_restore_changes_nothing(window, qtbot, wait_idle, monkeypatch, tmp_path):
    _add_session(window, "Abans")
    copy = backups.take_backup(window.ctx.db, tmp_path / "copy.db")
    _add_session(window, "Després")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(copy), ""))
    _file_menu_action(window, "actionRestore").trigger()
    qtbot.waitUntil(lambda: getattr(window, "restore_dialog", None) is not None and window.restore_dialog.isVisible())
    qtbot.keyClick(window.restore_dialog, Qt.Key_Escape)
    wait_idle(window)
    assert _titles(window) == ["Abans", "Després"]
    assert not [b for b in backups.list_backups(window.ctx.db) if b.kind == "before-restore"]


def test_restoring_a_file_that_is_not_a_backup_says_so(window, qtbot, wait_idle, monkeypatch, tmp_path):
    _add_session(window, "Intacta")
    junk = tmp_path / "llista.db"
    junk.write_text("nom;cognoms\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(junk), ""))
    _file_menu_action(window, "actionRestore").trigger()
    wait_idle(window)
    qtbot.waitUntil(lambda: window.message_bar.level == "error")
    assert "“llista.db” is not a p311desk database." in window.message_bar.label.text()
    assert getattr(window, "restore_dialog", None) is None
    assert _titles(window) == ["Intacta"]


def test_closing_a_session_in_the_window_takes_a_backup(window, qtbot, wait_idle, monkeypatch):
    sid = _add_session(window, "Consell")
    with window.ctx.db.write() as s:
        sessions.open_session(s, sid)
    page = window.go_to("sessions")
    page.reload(select=sid)
    wait_idle(window)  # the list is read in a worker
    qtbot.waitUntil(lambda: page.current is not None and page.current.id == sid)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    qtbot.mouseClick(page.findChild(QPushButton, "closeSession"), Qt.LeftButton)
    qtbot.waitUntil(lambda: any(b.kind == "session-closed" for b in backups.list_backups(window.ctx.db)))
    wait_idle(window)


def test_the_daily_copy_is_taken_once(window, wait_idle, qtbot):
    from ui.backups import start_automatic_backup

    for _ in range(2):
        start_automatic_backup(window.ctx, "daily")
        wait_idle(window)
    qtbot.waitUntil(lambda: len(backups.list_backups(window.ctx.db)) == 1)
    assert backups.list_backups(window.ctx.db)[0].kind == "daily"


def test_a_busy_database_is_a_sentence_in_the_message_bar(window, qtbot, wait_idle, monkeypatch):
    """Another program holds the write lock: the window's write waits, then says so."""
    import sqlite3

    from p311desk import db as db_module

    monkeypatch.setattr(db_module, "BUSY_TIMEOUT_S", 0.3)
    window.ctx.db.engine.dispose()  # new connections pick up the shorter wait
    blocker = sqlite3.connect(window.ctx.db.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        page = window.go_to("sessions")
        qtbot.mouseClick(page.findChild(QPushButton, "newSession"), Qt.LeftButton)
        qtbot.keyClicks(page.findChild(QLineEdit, "sessionTitle"), "Assemblea")
        qtbot.mouseClick(page.findChild(QPushButton, "saveSession"), Qt.LeftButton)
        wait_idle(window)
        qtbot.waitUntil(lambda: window.message_bar.level == "error")
        assert "The database is busy" in window.message_bar.label.text()
    finally:
        blocker.rollback()
        blocker.close()
    assert _titles(window) == []


PASS = "correct horse battery staple"


def test_back_up_now_offers_a_portable_backup_and_restore_asks_its_passphrase(window, qtbot, wait_idle,
                                                                            monkeypatch, tmp_path):
    _add_session(window, "Assemblea de la Riera")
    target = tmp_path / "usb" / "per-a-l-altre-portàtil.p311bak"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), ""))
    _file_menu_action(window, "actionBackUp").trigger()
    qtbot.waitUntil(lambda: getattr(window, "backup_dialog", None) is not None and window.backup_dialog.isVisible())
    dialog = window.backup_dialog
    qtbot.mouseClick(dialog.findChild(QRadioButton, "backupPortable"), Qt.LeftButton)
    first = dialog.findChild(QLineEdit, "backupPassphrase")
    again = dialog.findChild(QLineEdit, "backupPassphraseAgain")
    assert first.isEnabled() and first.echoMode() == QLineEdit.Password
    qtbot.keyClicks(first, PASS)
    qtbot.keyClicks(again, PASS + "x")
    qtbot.mouseClick(dialog.findChild(QPushButton, "backupOk"), Qt.LeftButton)
    problem = dialog.findChild(QLabel, "backupProblem")
    assert dialog.isVisible() and "not the same" in problem.text()
    again.clear()
    qtbot.keyClicks(again, PASS)
    dialog.grab().save(str(tmp_path / "backup_dialog.png"))
    qtbot.mouseClick(dialog.findChild(QPushButton, "backupOk"), Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: window.message_bar.level == "success" and "Portable backup saved" in
                    window.message_bar.label.text())
    assert backups.describe_backup(target, passphrase=PASS).sealed == "portable"

    _add_session(window, "Consell de participació")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(target), ""))
    _file_menu_action(window, "actionRestore").trigger()
    qtbot.waitUntil(lambda: getattr(window, "passphrase_dialog", None) is not None
                    and window.passphrase_dialog.isVisible())
    asking = window.passphrase_dialog
    qtbot.keyClicks(asking.findChild(QLineEdit, "passphraseInput"), PASS)
    qtbot.mouseClick(asking.findChild(QPushButton, "passphraseOk"), Qt.LeftButton)
    qtbot.waitUntil(lambda: getattr(window, "restore_dialog", None) is not None and window.restore_dialog.isVisible())
    restore = window.restore_dialog
    assert "1 session" in restore.findChild(QLabel, "restoreHolds").text()
    qtbot.mouseClick(restore.findChild(QPushButton, "restoreButton"), Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: window.message_bar.level == "success" and "restored" in window.message_bar.label.text())
    assert _titles(window) == ["Assemblea de la Riera"]


def test_a_wrong_passphrase_is_a_sentence_and_changes_nothing(window, qtbot, wait_idle, monkeypatch, tmp_path):
    _add_session(window, "Abans")
    portable = backups.take_backup(window.ctx.db, tmp_path / "p.p311bak", passphrase=PASS)
    _add_session(window, "Després")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(portable), ""))
    _file_menu_action(window, "actionRestore").trigger()
    qtbot.waitUntil(lambda: getattr(window, "passphrase_dialog", None) is not None
                    and window.passphrase_dialog.isVisible())
    asking = window.passphrase_dialog
    qtbot.keyClicks(asking.findChild(QLineEdit, "passphraseInput"), "not the passphrase")
    qtbot.keyClick(asking.findChild(QLineEdit, "passphraseInput"), Qt.Key_Return)
    wait_idle(window)
    qtbot.waitUntil(lambda: "passphrase does not open" in window.message_bar.label.text())
    assert _titles(window) == ["Abans", "Després"]
