"""The Evaluation page, driven through real widgets: attach the template, key paper forms in the
keying box (form id, Enter, digits, Enter; a form id twice refused), close, read the results
chart and the free texts, the series trend, and the room display; the series field on the
Sessions page."""

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QListWidget, QPushButton

from p311desk import evaluation, sessions
from tests.core.evaluation.conftest import make_room


def _click(qtbot, page, name):
    button = page.findChild(QPushButton, name)
    assert button is not None and button.isEnabled(), name
    qtbot.mouseClick(button, Qt.LeftButton)


def test_key_paper_forms_close_and_read_the_results(qtbot, window, db, wait_idle, typist, monkeypatch):
    # an earlier session of the same series, closed, for the trend
    old = make_room(db, 2, title="Octubre", series="Dijous GOmunicipal",
                    starts=dt.datetime(2026, 10, 29, 10, tzinfo=dt.timezone.utc), prefix="O")
    with db.write() as s:
        evaluation.answer_paper(s, old.session_id, ["3", "3", "2", "2"])
        evaluation.close_evaluation(s, old.session_id)
    room = make_room(db, 4, title="Novembre", series="Dijous GOmunicipal", template=None)
    window.ctx.set_current_session(room.session_id)
    page = window.go_to("evaluation")
    wait_idle(window)
    assert "No evaluation form yet" in page.findChild(QLabel, "evaluationStatus").text()
    assert not page.findChild(QLineEdit, "evaluationDigits").isEnabled()

    # Form…: the dialog offers the built-in template; OK attaches it
    def accept_dialog(dialog):
        combo = dialog.findChild(QComboBox, "evaluationTemplate")
        assert combo.currentText() == "Dijous GOmunicipal"
        dialog.accept()
        return QDialog.Accepted

    monkeypatch.setattr("ui.pages.evaluation.TemplateDialog.exec", accept_dialog)
    _click(qtbot, page, "evaluation_form")
    wait_idle(window)
    assert "Dijous GOmunicipal" in page.findChild(QLabel, "evaluationStatus").text()
    with db.write() as s:
        ids = evaluation.issue_slips(s, room.session_id, 3)

    form_id = page.findChild(QLineEdit, "evaluationFormId")
    digits = page.findChild(QLineEdit, "evaluationDigits")
    text = page.findChild(QLineEdit, "evaluationText")
    feedback = page.findChild(QLabel, "evaluationKeyFeedback")
    assert digits.isEnabled()
    for fid, typed, words in ((ids[0], "4344", "Més exemples"), (ids[1].lower(), "5 4 3 3", ""), ("", "2233", "")):
        form_id.setFocus()
        qtbot.keyClicks(form_id, fid)
        qtbot.keyClick(form_id, Qt.Key_Return)
        assert digits.hasFocus()
        qtbot.keyClicks(digits, typed)
        if words:
            typist(text, words)
        qtbot.keyClick(digits, Qt.Key_Return)
        wait_idle(window)
        assert "Saved form" in feedback.text(), feedback.text()
        assert form_id.text() == "" and digits.text() == "" and form_id.hasFocus()
    # the same form id again: refused, said so, the form id selected for retyping
    qtbot.keyClicks(form_id, ids[0])
    qtbot.keyClick(form_id, Qt.Key_Return)
    qtbot.keyClicks(digits, "1111")
    qtbot.keyClick(digits, Qt.Key_Return)
    wait_idle(window)
    assert "has been answered already" in feedback.text() and form_id.hasFocus()
    # a wrong digit: refused, the digits selected
    form_id.clear()
    digits.clear()
    qtbot.keyClicks(digits, "4394")
    qtbot.keyClick(digits, Qt.Key_Return)
    wait_idle(window)
    assert "1 to 4" in feedback.text() and digits.hasFocus()
    with db.read() as s:
        assert evaluation.get_form(s, room.session_id).answers == 3
    status = page.findChild(QLabel, "evaluationStatus").text()
    assert "3 answers" in status and "4 present" in status and "75 %" in status
    assert page.chart.categories == []  # nothing shown while it takes answers

    # the room display shows only the count while answers come in
    _click(qtbot, page, "evaluation_room")
    wait_idle(window)
    view = page.room_view()
    assert window.room_display().current_view() is view and not view.showing_chart()
    assert view.count.text() == "3 / 4"

    _click(qtbot, page, "evaluation_close")
    wait_idle(window)
    assert not digits.isEnabled()
    # content 4,5,2 -> mean 3.67, n 3 (top category is question 1)
    assert page.chart.categories[-1].startswith("1. Què us ha semblat el contingut")
    assert "3.7" in page.chart.categories[-1] and "n=3" in page.chart.categories[-1]
    texts = page.findChild(QListWidget, "evaluationTexts")
    assert texts.count() == 1 and "Més exemples" in texts.item(0).text()
    assert view.showing_chart() and len(view.chart.categories) == 4 and "(mean 3.7 · n=3)" in view.chart.categories[-1]
    lines = page.trend_chart.lines
    assert len(lines) == 4 and [(p.x(), p.y()) for p in lines[0].points()] == [(0, 3.0), (1, 3.67)]

    page.resize(1024, 560)
    page.tabs.setCurrentIndex(0)
    page.grab().save("/tmp/i18-evaluation-results.png")
    page.tabs.setCurrentIndex(2)
    page.grab().save("/tmp/i18-evaluation-trend.png")
    window.room_display().grab().save("/tmp/i18-room-evaluation.png")


def test_series_field_on_the_sessions_page(qtbot, window, db, wait_idle):
    page = window.go_to("sessions")
    wait_idle(window)
    qtbot.keyClicks(page.findChild(QLineEdit, "sessionTitle"), "Dijous de desembre")
    series = page.findChild(QLineEdit, "sessionSeries")
    qtbot.keyClicks(series, "Dijous GOmunicipal")
    qtbot.keyClick(series, Qt.Key_Return)
    wait_idle(window)
    with db.read() as s:
        rows = sessions.list_sessions(s)
    assert [(r.title, r.series) for r in rows] == [("Dijous de desembre", "Dijous GOmunicipal")]


def test_print_page_generates_evaluation_forms_only_on_request(qtbot, window, db, wait_idle):
    from PySide6.QtWidgets import QSpinBox

    from tests.ui.test_print_page import _pick

    room = make_room(db, 2)
    window.ctx.set_current_session(room.session_id)
    page = window.go_to("print")
    wait_idle(window)
    _pick(qtbot, page.findChild(QComboBox, "printKind"), "evaluation")
    qtbot.wait(600)
    wait_idle(window)
    assert page._current is None  # no live preview: generating issues form ids
    count = page.count
    assert isinstance(count, QSpinBox) and count.isVisible()
    count.setValue(3)
    qtbot.mouseClick(page.findChild(QPushButton, "printGenerate"), Qt.LeftButton)
    qtbot.waitUntil(lambda: page._current is not None, timeout=15000)
    wait_idle(window)
    assert page.document.pageCount() == 3
    with db.read() as s:
        assert evaluation.get_form(s, room.session_id).slips == 3
