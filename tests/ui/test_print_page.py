"""The Print page: live preview in a worker, options, Save as PDF/ODT, ballots on request, printing."""

import zipfile

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton

from p311desk import votes
from tests.core.printing.conftest import make_sample

pypdf = pytest.importorskip("pypdf")


def _pick(qtbot, combo: QComboBox, data) -> None:
    combo.setFocus()
    index = combo.findData(data)
    assert index >= 0
    while combo.currentIndex() != index:
        qtbot.keyClick(combo, Qt.Key_Down if combo.currentIndex() < index else Qt.Key_Up)


def test_preview_save_and_print(window, qtbot, wait_idle, tmp_path):
    sample = make_sample(window.ctx.db)
    window.ctx.set_current_session(sample.session_id)
    page = window.go_to("print")
    qtbot.waitUntil(lambda: page._current is not None, timeout=15000)  # the live preview is generated
    assert page.kind_id == "credentials" and page.document.pageCount() == 2
    assert "pages" in page.status.text()

    _pick(qtbot, page.findChild(QComboBox, "printPerPage"), 24)
    qtbot.waitUntil(lambda: page._current is not None and page.kind_id == "credentials", timeout=15000)
    wait_idle(window)
    assert page.document.pageCount() == 1

    out = tmp_path / "credencials.pdf"
    page.save_pdf(str(out))
    wait_idle(window)
    assert len(pypdf.PdfReader(out).pages) == 1

    from PySide6.QtPrintSupport import QPrinter

    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert page.print_to(printer) == 1
    assert (tmp_path / "printed.pdf").stat().st_size > 1000

    _pick(qtbot, page.findChild(QComboBox, "printKind"), "minutes")
    odt = tmp_path / "acta.odt"
    page.save_odt(str(odt))
    wait_idle(window)
    assert zipfile.is_zipfile(odt)
    window.grab().save("/tmp/print_page.png")


def test_ballots_only_on_request(window, qtbot, wait_idle):
    sample = make_sample(window.ctx.db)
    with window.ctx.db.write() as s:
        q = votes.create_question(s, sample.session_id, "Fem la plaça per a vianants?", method="yes_no")
        votes.open_question(s, q.id)
    window.ctx.set_current_session(sample.session_id)
    page = window.go_to("print")
    wait_idle(window)
    _pick(qtbot, page.findChild(QComboBox, "printKind"), "ballots")
    qtbot.wait(600)
    wait_idle(window)
    assert page._current is None  # no live preview: generating issues serials
    page.count.setValue(3)
    qtbot.mouseClick(page.findChild(QPushButton, "printGenerate"), Qt.LeftButton)
    qtbot.waitUntil(lambda: page._current is not None, timeout=15000)
    wait_idle(window)
    assert page.document.pageCount() == 1


def test_settings_logo(window, qtbot, wait_idle, tmp_path):
    from p311desk import settings as settings_service
    from tests.core.printing.conftest import SVG_LOGO

    page = window.go_to("settings")
    (tmp_path / "escut.svg").write_bytes(SVG_LOGO)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    page.choose_logo(str(tmp_path / "broken.png"))
    assert page.logo == "" and "cannot be read" in window.message_bar.findChild(QLabel, "messageText").text()
    page.choose_logo(str(tmp_path / "escut.svg"))
    assert "SVG" in page.findChild(QLabel, "logoStatus").text()
    qtbot.mouseClick(page.findChild(QPushButton, "saveSettings"), Qt.LeftButton)
    wait_idle(window)
    with window.ctx.db.read() as s:
        assert settings_service.load(s).municipality_logo.startswith("data:image/svg+xml;base64,")
    window.grab().save("/tmp/settings_page.png")


def test_a_long_job_can_be_cancelled(window, qtbot, wait_idle):
    sample = make_sample(window.ctx.db)
    window.ctx.set_current_session(sample.session_id)
    page = window.go_to("print")
    _pick(qtbot, page.findChild(QComboBox, "printKind"), "forms")
    page.count.setValue(5000)
    qtbot.mouseClick(page.findChild(QPushButton, "printGenerate"), Qt.LeftButton)
    cancel = page.findChild(QPushButton, "printCancel")
    assert cancel.isVisible() and page.progress.isVisible()
    qtbot.mouseClick(cancel, Qt.LeftButton)
    wait_idle(window)
    assert page._current is None and not cancel.isVisible()
    assert "cancelled" in page.status.text()
