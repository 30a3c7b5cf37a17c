"""The Participants page: list, filter, import wizard, export."""

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QTableView, QTableWidget, QWizard

from p311desk.models import Participant, Registration
from p311desk import sessions

FIX = Path(__file__).parent.parent / "fixtures" / "attendance"


def _wizard(window, qtbot, wait_idle, path):
    page = window.go_to("participants")
    wait_idle(window)
    page.open_import()
    wizard = page.wizard
    qtbot.waitExposed(wizard)
    edit = wizard.findChild(QLineEdit, "importPath")
    edit.setText(str(path))
    qtbot.keyClick(edit, Qt.Key_Return)
    wait_idle(window)
    qtbot.waitUntil(lambda: wizard.table is not None)
    return page, wizard


def test_import_wizard_with_warnings_into_current_session(window, qtbot, wait_idle):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title="Consell").id
    window.ctx.set_current_session(sid)
    page, wizard = _wizard(window, qtbot, wait_idle, FIX / "titled_merged.xlsx")
    assert "header is row 4" in wizard.findChild(QLabel, "importFileInfo").text()
    wizard.next()  # → mapping
    assert wizard.findChild(QComboBox, "map_email").currentData() == "Correu electrònic"
    wizard.next()  # runs the preview in a worker, then moves on
    wait_idle(window)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page)
    preview = wizard.findChild(QTableWidget, "importPreview")
    assert preview.rowCount() == 4 and preview.item(0, 1).text() == "Warning"
    assert not wizard.preview_page.isComplete()  # warnings not accepted yet
    wizard.findChild(QCheckBox, "importAcceptWarnings").setChecked(True)
    assert wizard.preview_page.isComplete()
    qtbot.mouseClick(wizard.button(QWizard.FinishButton), Qt.LeftButton)
    wait_idle(window)
    with window.ctx.db.read() as s:
        assert s.query(Participant).count() == 4
        assert s.query(Registration).filter_by(session_id=sid).count() == 4
    assert "Imported: 4 new" in window.message_bar.label.text()
    wait_idle(window)
    table = page.findChild(QTableView, "participantsTable")
    qtbot.waitUntil(lambda: table.model().rowCount() == 4)
    qtbot.keyClicks(page.findChild(QLineEdit, "participantsFilter"), "marcelli")
    assert table.model().rowCount() == 1


def test_import_wizard_refuses_a_file_with_errors(window, qtbot, wait_idle):
    _page, wizard = _wizard(window, qtbot, wait_idle, FIX / "invalid.csv")
    wizard.next()
    wizard.next()
    wait_idle(window)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page)
    assert "4 with errors" in wizard.findChild(QLabel, "importSummary").text()
    assert not wizard.preview_page.isComplete()
    with window.ctx.db.read() as s:
        assert s.query(Participant).count() == 0
    wizard.reject()


def test_export_registry(window, qtbot, wait_idle, tmp_path):
    from p311desk.participants import add_participant

    with window.ctx.db.write() as s:
        add_participant(s, given_name="=cmd", family_name="Puig")
    page = window.go_to("participants")
    page.export_to(str(tmp_path / "p.csv"))
    wait_idle(window)
    text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig")
    assert "'=cmd;Puig" in text
