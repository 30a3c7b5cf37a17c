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


def test_progress_and_cancel(window, wait_idle):
    import threading

    seen = []
    started = threading.Event()

    def long_job(progress, cancel):
        started.set()
        for i in range(1000):
            if cancel.is_set():
                return "cancelled"
            progress(i, 1000, "")
            cancel.wait(0.005)
        return "done"

    worker = Op(window.ctx, long_job, write=False).on_success(seen.append).run()
    started.wait(5)
    worker.cancel.set()
    wait_idle(window)
    assert seen == ["cancelled"]


def test_status_bar_shows_offline_without_platform(window):
    assert "no platform" in window.findChild(QLabel, "connectivity").text()
    assert window.findChild(QLabel, "unsynced").text() == "Not yet synced: 0"


def test_startup_error_is_shown(qtbot):
    from p311desk.errors import DatabaseTooNew
    from ui.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show_startup_error(DatabaseTooNew())
    assert "newer version" in win.loading_label.text()
