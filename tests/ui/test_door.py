"""At the door (issue 8): never the wrong person, open sessions only, walk-ins, undo, the lists
beside the input, and feedback that clears — all driven through the real widgets."""

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFrame, QLabel, QLineEdit, QListWidget, QPushButton, QTabWidget

from p311desk import sessions
from p311desk.models import Attendance, Participant
from p311desk.participants import add_participant, register

ADULT = dt.date(1980, 1, 1)


def _room(window, status="open"):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title="Consell de la Vila").id
        if status != "draft":
            sessions.open_session(s, sid)
        people = {}
        for given, family in (("Pau", "Font Sala"), ("Pau", "Ribas"), ("Paula", "Vidal"), ("Anna", "Serra"),
                              ("Jordi", "Pauner")):
            p = add_participant(s, given_name=given, family_name=family, birth_date=ADULT)
            register(s, sid, p.id)
            people[f"{given} {family}"] = (p.id, p.checkin_code)
        outsider = add_participant(s, given_name="Oriol", family_name="Forà", birth_date=ADULT)
        people["Oriol Forà"] = (outsider.id, outsider.checkin_code)
        if status == "closed":
            sessions.close_session(s, sid)
    window.ctx.set_current_session(sid)
    return sid, people


def _page(window, qtbot, wait_idle, indexed=True):
    page = window.go_to("checkin")
    wait_idle(window)
    if indexed:
        qtbot.waitUntil(lambda: page.index is not None)
    return page


def _kind(page):
    return page.findChild(QLabel, "checkinFeedback").property("kind")


def _attendance(window):
    with window.ctx.db.read() as s:
        return [a.participant_id for a in s.query(Attendance).filter(Attendance.cancelled_at.is_(None))]


def _enter(qtbot, window, wait_idle, field, text):
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)


def test_enter_on_a_partial_name_or_code_fragment_welcomes_nobody(window, qtbot, wait_idle):
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    results = page.findChild(QListWidget, "checkinResults")
    _enter(qtbot, window, wait_idle, field, "pau")  # Pau Font Sala, Pau Ribas, Paula, Jordi Pauner
    assert _kind(page) == "choose" and _attendance(window) == []
    assert results.count() == 4 and field.hasFocus() and results.currentRow() == -1  # nobody highlighted
    assert "4 people match" in page.findChild(QLabel, "checkinFeedback").text()
    qtbot.keyClick(field, Qt.Key_Escape)
    assert field.hasFocus() and field.text() == ""

    _enter(qtbot, window, wait_idle, field, people["Anna Serra"][1][:4])  # a code fragment
    assert _kind(page) == "choose" and _attendance(window) == []
    qtbot.keyClick(field, Qt.Key_Escape)

    _enter(qtbot, window, wait_idle, field, "Oriol Forà".replace("à", "a"))  # whole name, not on the list
    assert _kind(page) == "choose" and _attendance(window) == []
    assert "not on the list" in results.item(0).text()
    qtbot.keyClick(field, Qt.Key_Escape)

    _enter(qtbot, window, wait_idle, field, "pau font sala")  # the whole name of one registered person
    assert _kind(page) == "welcome" and _attendance(window) == [people["Pau Font Sala"][0]]


def test_draft_session_offers_to_open_and_closed_is_read_only(window, qtbot, wait_idle):
    _sid, people = _room(window, status="draft")
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    state = page.findChild(QFrame, "checkinState")
    open_button = page.findChild(QPushButton, "checkinOpenSession")
    assert state.isVisible() and "not open yet" in page.findChild(QLabel, "checkinStateText").text()
    assert not field.isEnabled() and not page.findChild(QPushButton, "checkinWalkIn").isEnabled()
    qtbot.mouseClick(open_button, Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(field.isEnabled)
    assert not state.isVisible()
    _enter(qtbot, window, wait_idle, field, people["Anna Serra"][1])
    assert _kind(page) == "welcome"

    with window.ctx.db.write() as s:
        sessions.close_session(s, window.ctx.current_session_id)
    window.ctx.data_changed.emit("sessions")
    wait_idle(window)
    qtbot.waitUntil(state.isVisible)
    assert not field.isEnabled() and not open_button.isVisible()
    assert "closed" in page.findChild(QLabel, "checkinStateText").text()
    assert not page.findChild(QPushButton, "checkinUndo").isEnabled()


def test_walk_in_offers_the_known_person_and_asks_about_an_empty_surname(window, qtbot, wait_idle):
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    qtbot.mouseClick(page.findChild(QPushButton, "checkinWalkIn"), Qt.LeftButton)
    dialog = page.findChild(QDialog, "walkInDialog")
    qtbot.waitUntil(dialog.isVisible)
    ok = dialog.findChild(QPushButton, "walkInOk")
    qtbot.keyClicks(dialog.given, "Oriol")
    dialog.adult.setChecked(True)
    dialog.consent_check.setChecked(True)
    qtbot.mouseClick(ok, Qt.LeftButton)
    error = dialog.findChild(QLabel, "walkInError")
    assert error.isVisible() and "surname is empty" in error.text()  # not created by accident
    qtbot.keyClicks(dialog.family, "Fora")
    qtbot.mouseClick(ok, Qt.LeftButton)
    wait_idle(window)
    similar = dialog.findChild(QListWidget, "walkInSimilar")
    qtbot.waitUntil(similar.isVisible)
    assert similar.count() == 1 and "Oriol Forà" in similar.item(0).text()
    assert ok.text() == "Register a new person"
    qtbot.mouseClick(dialog.findChild(QPushButton, "walkInUseSimilar"), Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert _attendance(window) == [people["Oriol Forà"][0]]
    with window.ctx.db.read() as s:
        assert s.query(Participant).count() == 6  # nobody created twice

    qtbot.mouseClick(page.findChild(QPushButton, "checkinWalkIn"), Qt.LeftButton)
    dialog = page.findChildren(QDialog, "walkInDialog")[-1]
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyClicks(dialog.given, "Nil")
    dialog.findChild(QLineEdit, "walkInFamily").clear()
    dialog.no_family.setChecked(True)  # knowingly without a surname
    dialog.year.setValue(2020)  # six years old: refused, and the dialog keeps what was typed
    dialog.consent_check.setChecked(True)
    qtbot.mouseClick(dialog.findChild(QPushButton, "walkInOk"), Qt.LeftButton)
    wait_idle(window)
    error = dialog.findChild(QLabel, "walkInError")
    qtbot.waitUntil(error.isVisible)
    assert "under 14" in error.text() and dialog.isVisible() and dialog.given.text() == "Nil"
    dialog.year.setValue(1990)
    qtbot.mouseClick(dialog.findChild(QPushButton, "walkInOk"), Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    with window.ctx.db.read() as s:
        assert s.query(Participant).filter_by(given_name="Nil", family_name="").count() == 1


def test_ctrl_z_in_the_input_undoes_the_last_check_in_and_names_it(window, qtbot, wait_idle):
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    _enter(qtbot, window, wait_idle, field, people["Anna Serra"][1])
    _enter(qtbot, window, wait_idle, field, people["Paula Vidal"][1])
    undo = page.findChild(QPushButton, "checkinUndo")
    assert undo.text() == "Undo: Paula Vidal"
    qtbot.keyClicks(field, "ann")  # half-typed next name: Ctrl+Z still means the check-in
    qtbot.keyClick(field, Qt.Key_Z, Qt.ControlModifier)
    wait_idle(window)
    assert _attendance(window) == [people["Anna Serra"][0]]
    assert "Check-in of Paula Vidal undone." in page.findChild(QLabel, "checkinFeedback").text()
    assert page.findChild(QLabel, "checkinCounter").text() == "1 / 5"
    assert undo.text() == "Undo: Anna Serra"


def test_recent_list_undo_and_who_has_not_arrived(window, qtbot, wait_idle, tmp_path):
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    _enter(qtbot, window, wait_idle, field, people["Anna Serra"][1])
    _enter(qtbot, window, wait_idle, field, "jordi pauner")
    recent = page.findChild(QListWidget, "checkinRecent")
    assert recent.count() == 2
    assert "Jordi Pauner" in recent.item(0).text() and "name" in recent.item(0).text()
    assert "Anna Serra" in recent.item(1).text() and "code" in recent.item(1).text()
    recent.setCurrentRow(1)
    qtbot.mouseClick(page.findChild(QPushButton, "checkinUndoSelected"), Qt.LeftButton)  # not the last one
    wait_idle(window)
    assert _attendance(window) == [people["Jordi Pauner"][0]]
    assert recent.count() == 1

    tabs = page.findChild(QTabWidget, "checkinSide")
    tabs.setCurrentIndex(1)
    wait_idle(window)
    absent = page.findChild(QListWidget, "checkinAbsent")
    qtbot.waitUntil(lambda: absent.count() == 4)
    assert tabs.tabText(1) == "Not arrived (4)"
    qtbot.keyClicks(page.findChild(QLineEdit, "checkinAbsentFilter"), "pau")
    assert [absent.item(i).text().split("   ")[0] for i in range(absent.count())] == ["Pau Font Sala", "Pau Ribas",
                                                                                      "Paula Vidal"]
    page.export_absent_to(str(tmp_path / "absent.csv"))
    wait_idle(window)
    assert (tmp_path / "absent.csv").read_text(encoding="utf-8-sig").count("\n") == 5  # header + 4


def test_feedback_clears_on_keystroke_after_a_while_and_on_session_change(window, qtbot, wait_idle, monkeypatch):
    from ui.pages import checkin

    monkeypatch.setattr(checkin, "FEEDBACK_MS", 300)
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    _enter(qtbot, window, wait_idle, field, people["Anna Serra"][1])
    assert _kind(page) == "welcome"
    qtbot.keyClicks(field, "p")  # the next person is being typed
    assert _kind(page) == "idle"
    field.clear()
    _enter(qtbot, window, wait_idle, field, "ZZZZ9999")
    assert _kind(page) == "unknown"
    qtbot.waitUntil(lambda: _kind(page) == "idle", timeout=3000)
    _enter(qtbot, window, wait_idle, field, people["Paula Vidal"][1])
    assert _kind(page) == "welcome"
    window.ctx.set_current_session(None)
    assert _kind(page) == "idle"
    wait_idle(window)
