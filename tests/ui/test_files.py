"""Save dialogs start in the user's Documents folder, then where that kind of file went last,
with a file name in the UI language."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

from p311desk import sessions
from ui import files


def test_documents_folder_is_the_systems(monkeypatch, tmp_path):
    from PySide6.QtCore import QStandardPaths

    docs = tmp_path / "Documents"
    docs.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda _kind: str(docs))
    assert files.documents_dir() == docs
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda _kind: str(tmp_path / "gone"))
    assert files.documents_dir() == Path.home()  # a folder that does not exist is no start


def test_print_page_saves_start_in_documents_then_where_the_kind_went(qtbot, db, qsettings, wait_idle,
                                                                      monkeypatch, tmp_path):
    from ui.app import create_window

    docs = tmp_path / "Documents"
    docs.mkdir()
    monkeypatch.setattr(files, "documents_dir", lambda: docs)
    with db.write() as s:
        sid = sessions.create_session(s, title="Consell de barri").id
        sessions.open_session(s, sid)
    window = create_window(db, lang="ca", qsettings=qsettings)
    window.ctx.probe = lambda host: False
    qtbot.addWidget(window)
    window.show()
    try:
        window.ctx.set_current_session(sid)
        page = window.go_to("print")
        page.show_kind("minutes")
        qtbot.waitUntil(lambda: page._current is not None, timeout=15000)
        asked = []
        elsewhere = tmp_path / "actes"
        elsewhere.mkdir()

        def dialog(_parent, _title, start, _filter):
            asked.append(start)
            return str(elsewhere / "acta.pdf"), ""

        monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
        qtbot.mouseClick(page.findChild(QPushButton, "printSave"), Qt.LeftButton)
        wait_idle(window)
        assert asked[-1] == str(docs / "Acta - Consell de barri.pdf")
        assert (elsewhere / "acta.pdf").exists()
        qtbot.mouseClick(page.findChild(QPushButton, "printSave"), Qt.LeftButton)
        wait_idle(window)
        assert asked[-1] == str(elsewhere / "Acta - Consell de barri.pdf")  # remembered for the minutes
        page.show_kind("signatures")
        qtbot.waitUntil(lambda: page._current is not None, timeout=15000)
        qtbot.mouseClick(page.findChild(QPushButton, "printSave"), Qt.LeftButton)
        wait_idle(window)
        assert Path(asked[-1]).parent == docs  # another kind starts in Documents
    finally:
        window.ctx.pools.wait()
        window.close()


def test_the_preview_never_shows_the_previous_document(qtbot, window, db, wait_idle):
    with db.write() as s:
        sid = sessions.create_session(s, title="Consell de barri").id
        sessions.open_session(s, sid)
    window.ctx.set_current_session(sid)
    page = window.go_to("print")
    page.show_kind("minutes")
    qtbot.waitUntil(lambda: page._current is not None, timeout=15000)
    assert page.document.pageCount() > 0
    page.show_kind("signatures")  # until the new one is ready, nothing is shown
    assert page.document.pageCount() == 0 and page._current is None
    assert not page.findChild(QPushButton, "printSave").isEnabled()
    qtbot.waitUntil(lambda: page._current is not None, timeout=15000)
    wait_idle(window)
