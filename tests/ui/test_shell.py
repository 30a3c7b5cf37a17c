"""The window shell: workers, message bar, status bar, table models, start-up states."""

from PySide6.QtWidgets import QLabel

from p311desk.errors import ValidationError
from p311desk import sessions
from ui.models.sessions_model import SessionsTableModel
from ui.workers import Op


def test_sessions_model_is_a_valid_qt_model(qtmodeltester, db):
    with db.write() as s:
        for i in range(3):
            sessions.create_session(s, title=f"Sessió {i}")
    model = SessionsTableModel()
    with db.read() as s:
        model.set_rows(sessions.list_sessions(s))
    qtmodeltester.check(model)
    assert model.rowCount() == 3


def test_domain_error_in_worker_reaches_message_bar_translated(window, wait_idle):
    window.ctx.set_language("ca")

    def fail():
        raise ValidationError("A session needs a title.")

    Op(window.ctx, fail).run()
    wait_idle(window)
    assert window.message_bar.level == "error"
    assert window.message_bar.label.text() == "Una sessió necessita un títol."


def test_unexpected_error_is_reported_without_traceback(window, wait_idle, caplog):
    def crash():
        raise KeyError("boom")

    Op(window.ctx, crash).run()
    wait_idle(window)
    assert window.message_bar.level == "error"
    assert "nothing was changed" in window.message_bar.label.text()
    assert "Traceback" in caplog.text  # the details go to the log, not to the user


def test_progress_and_cancel(window, qtbot, wait_idle):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QProgressDialog, QPushButton

    seen, reported = [], []

    def long_job(progress, cancel):
        for i in range(1, 1001):
            if cancel.is_set():
                return f"cancelled after {i - 1}"
            progress(i, 1000, f"row {i}")
            cancel.wait(0.005)
        return "done"

    worker = Op(window.ctx, long_job, write=False, parent=window).with_progress("Working…") \
        .on_success(seen.append).run()
    worker.signals.progress.connect(lambda done, total, _m: reported.append((done, total)))
    dialog = window.findChild(QProgressDialog, "progressDialog")
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.value() >= 5, timeout=5000)
    # The dialog shows how far the work is, with the job's own message.
    assert dialog.maximum() == 1000 and 5 <= dialog.value() < 1000
    assert dialog.labelText().startswith("Working…\nrow ")
    done = [d for d, _t in reported]
    assert done == sorted(done) and all(t == 1000 for _d, t in reported)
    # The user presses Cancel: the job stops where it was, long before the end.
    qtbot.mouseClick(dialog.findChild(QPushButton), Qt.LeftButton)
    wait_idle(window)
    assert len(seen) == 1 and seen[0].startswith("cancelled after ")
    assert int(seen[0].rsplit(" ", 1)[1]) < 1000


def test_status_bar_shows_offline_without_platform(window, qtbot, wait_idle):
    wait_idle(window)  # the status bar reads its counts in workers
    qtbot.waitUntil(lambda: window.findChild(QLabel, "unsynced").text() == "Not yet synced: 0")
    assert "no platform" in window.findChild(QLabel, "connectivity").text()


def test_startup_error_is_shown(qtbot):
    from p311desk.errors import DatabaseTooNew
    from ui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show_startup_error(DatabaseTooNew())
    assert "newer version" in win.loading_label.text()


def test_every_page_has_a_key_and_the_tenth_is_ctrl_0(window, qtbot, wait_idle):
    """Qt cannot bind "Ctrl+10": the tenth page (Settings) answers Ctrl+0, the others Ctrl+1…9."""
    from PySide6.QtCore import Qt
    from ui.main_window import PAGES, page_shortcut

    wait_idle(window)
    keys = [Qt.Key_1, Qt.Key_2, Qt.Key_3, Qt.Key_4, Qt.Key_5, Qt.Key_6, Qt.Key_7, Qt.Key_8, Qt.Key_9, Qt.Key_0]
    for index, key in enumerate(keys[:len(PAGES)]):
        window.nav.setFocus()
        qtbot.keyClick(window.nav, key, Qt.ControlModifier)
        assert window.nav.currentRow() == index, (index, page_shortcut(index))
    assert window.nav.item(len(PAGES) - 1).toolTip() == page_shortcut(len(PAGES) - 1) != ""
    assert "Ctrl+10" not in {window.nav.item(i).toolTip() for i in range(window.nav.count())}
