"""A whole session through the window: prepare, import, open, check in, capture proposals, close."""

from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, QTime, Qt
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QLabel, QLineEdit, QListWidget, QMessageBox,
                               QPushButton, QWizard)

from p311desk.models import Attendance, Participant, Proposal
from p311desk import audit

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "attendance"


def test_whole_session_through_the_window(window, qtbot, wait_idle, typist, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    window.ctx.set_language("ca")

    # 1. Sessions: create and open it.
    page = window.go_to("sessions")
    qtbot.mouseClick(page.findChild(QPushButton, "newSession"), Qt.LeftButton)
    title = page.findChild(QLineEdit, "sessionTitle")
    typist(title, "Assemblea de barri de la Riera")
    typist(page.findChild(QLineEdit, "sessionPlace"), "Casal de la Riera")
    # A fixed session date: the age rule measures Laia (born 2015) on it, not on today.
    page.findChild(QDateTimeEdit, "sessionEnds").setDateTime(QDateTime(QDate(2026, 11, 23), QTime(20, 0)))
    page.findChild(QDateTimeEdit, "sessionStarts").setDateTime(QDateTime(QDate(2026, 11, 23), QTime(18, 0)))
    title.setFocus()
    qtbot.keyClick(title, Qt.Key_Return)
    wait_idle(window)
    qtbot.mouseClick(page.findChild(QPushButton, "openSession"), Qt.LeftButton)
    wait_idle(window)
    sid = window.ctx.current_session_id
    assert sid is not None
    assert "Assemblea de barri de la Riera" in window.findChild(QComboBox, "currentSession").currentText()

    # 2. Participants: import the registrations file with the wizard.
    participants = window.go_to("participants")
    wait_idle(window)
    participants.open_import()
    wizard = participants.wizard
    path_edit = wizard.findChild(QLineEdit, "importPath")
    path_edit.setText(str(FIX / "titled_merged.xlsx"))
    qtbot.keyClick(path_edit, Qt.Key_Return)
    wait_idle(window)
    qtbot.waitUntil(lambda: wizard.table is not None)
    wizard.next()
    wizard.next()
    wait_idle(window)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page)
    from PySide6.QtWidgets import QCheckBox

    wizard.findChild(QCheckBox, "importAcceptWarnings").setChecked(True)
    qtbot.mouseClick(wizard.button(QWizard.FinishButton), Qt.LeftButton)
    wait_idle(window)
    with window.ctx.db.read() as s:
        codes = {p.given_name: p.checkin_code for p in s.query(Participant)}
    assert len(codes) == 4

    # 3. Check-in: a scanner, a typed name, a minor, the same code twice.
    checkin = window.go_to("checkin")
    wait_idle(window)
    qtbot.waitUntil(lambda: checkin.index is not None)
    field = checkin.findChild(QLineEdit, "checkinInput")
    feedback = checkin.findChild(QLabel, "checkinFeedback")
    qtbot.keyClicks(field, codes["Núria"])
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    assert feedback.property("kind") == "welcome" and "Núria" in feedback.text()
    typist(field, "Marcel·lí")
    results = checkin.findChild(QListWidget, "checkinResults")
    assert results.count() == 1
    qtbot.keyClick(field, Qt.Key_Return)  # part of a name: offered, not checked in
    assert feedback.property("kind") == "choose"
    qtbot.keyClick(field, Qt.Key_Down)  # the technician highlights the one offered and confirms
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    assert feedback.property("kind") == "welcome"
    qtbot.keyClicks(field, codes["Laia"])
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    assert feedback.property("kind") == "under_age"
    qtbot.keyClicks(field, codes["Núria"])
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    assert feedback.property("kind") == "already"
    assert checkin.findChild(QLabel, "checkinCounter").text() == "2 / 4"

    # 4. Proposals: two typed in Catalan. (The offscreen platform does not give activation back
    # to the window after the wizard closed, as a desktop does.)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    props = window.go_to("proposals")
    wait_idle(window)
    for text in ("Més ombra i bancs a la plaça", "Carril bici segregat fins a l'institut"):
        edit = props.findChild(QLineEdit, "proposalTitle_ca")
        qtbot.waitUntil(edit.hasFocus)
        typist(edit, text)
        qtbot.keyClick(edit, Qt.Key_Return)
        wait_idle(window)
    qtbot.waitUntil(lambda: props.model.rowCount() == 2)

    # 5. Close the session; everything is recorded, the audit chain holds.
    sessions_page = window.go_to("sessions")
    sessions_page.reload(select=sid)
    qtbot.mouseClick(sessions_page.findChild(QPushButton, "closeSession"), Qt.LeftButton)
    wait_idle(window)
    assert window.message_bar.label.text() == (
        "La sessió «Assemblea de barri de la Riera» s'ha tancat: hi han assistit 2 persones.")
    with window.ctx.db.read() as s:
        assert s.query(Attendance).filter_by(session_id=sid, cancelled_at=None).count() == 2
        assert s.query(Proposal).filter_by(session_id=sid).count() == 2
        assert audit.verify(s).ok
    assert window.findChild(QLabel, "unsynced").text().startswith("Pendent de sincronitzar:")
