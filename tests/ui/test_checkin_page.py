"""The Check-in page, driven like a door: a scanner types a code and Enter."""

import datetime as dt

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListWidget, QPushButton

from p311desk.models import Attendance, AuditEvent, Participant
from p311desk import sessions
from p311desk.participants import add_participant, register


START = dt.datetime(2026, 11, 23, 18, 0, tzinfo=dt.timezone.utc)


def _room(window):
    with window.ctx.db.write() as s:
        # A fixed date: Pol (born 2016) is 10 on it, whatever year the tests run in.
        sid = sessions.create_session(s, title="Assemblea de la Riera", starts_at=START).id
        sessions.open_session(s, sid)
        people = {}
        for given, family, born in (("Núria", "Puig i Bosch", dt.date(1980, 1, 1)),
                                    ("Marcel·lí", "Gal·la", dt.date(1975, 5, 5)),
                                    ("Pol", "Petit", dt.date(2016, 1, 1))):
            p = add_participant(s, given_name=given, family_name=family, birth_date=born)
            register(s, sid, p.id)
            people[given] = (p.id, p.checkin_code)
    window.ctx.set_current_session(sid)
    return sid, people


def _page(window, qtbot, wait_idle):
    page = window.go_to("checkin")
    wait_idle(window)
    qtbot.waitUntil(lambda: page.index is not None)
    return page


def _feedback(page):
    label = page.findChild(QLabel, "checkinFeedback")
    return label.property("kind"), label.text()


def test_scanner_code_enter_checks_in_then_already(window, qtbot, wait_idle):
    sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    counter = page.findChild(QLabel, "checkinCounter")
    assert counter.text() == "0 / 3"
    pid, code = people["Núria"]
    qtbot.keyClicks(field, code)  # a keyboard-wedge scanner types the characters...
    qtbot.keyClick(field, Qt.Key_Return)  # ...then Enter
    wait_idle(window)
    with window.ctx.db.read() as s:
        att = s.query(Attendance).one()
        assert att.participant_id == pid and att.session_id == sid and att.method == "qr"
        assert s.query(AuditEvent).filter_by(kind="attendance.checked_in", session_id=sid).count() == 1
    assert counter.text() == "1 / 3"
    kind, text = _feedback(page)
    assert kind == "welcome" and "Welcome, Núria Puig i Bosch" in text
    assert field.text() == "" and field.hasFocus()

    qtbot.keyClicks(field, code.lower())
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    kind, text = _feedback(page)
    assert kind == "already" and "already checked in at" in text
    assert counter.text() == "1 / 3"
    with window.ctx.db.read() as s:
        assert s.query(Attendance).count() == 1


def test_typed_name_search_and_enter_on_result(window, qtbot, wait_idle):
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    qtbot.keyClicks(field, "marcelli GAL")
    results = page.findChild(QListWidget, "checkinResults")
    assert results.count() == 1 and "Marcel·lí Gal·la" in results.item(0).text()
    qtbot.keyClick(field, Qt.Key_Return)  # part of a name: Enter offers, never guesses
    wait_idle(window)
    assert _feedback(page)[0] == "choose" and field.hasFocus() and results.currentRow() == -1
    with window.ctx.db.read() as s:
        assert s.query(Attendance).count() == 0
    qtbot.keyClick(field, Qt.Key_Return)  # nothing highlighted: Enter again still guesses nobody
    wait_idle(window)
    with window.ctx.db.read() as s:
        assert s.query(Attendance).count() == 0
    qtbot.keyClick(field, Qt.Key_Down)  # the technician highlights the one shown, and confirms
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    assert _feedback(page)[0] == "welcome"
    with window.ctx.db.read() as s:
        assert s.query(Attendance).one().participant_id == people["Marcel·lí"][0]


def test_name_typed_with_accents_and_middle_dot(window, qtbot, wait_idle, typist):
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    typist(field, "Marcel·lí Gal·la")
    results = page.findChild(QListWidget, "checkinResults")
    assert results.count() == 1 and "Marcel·lí Gal·la" in results.item(0).text()
    field.clear()
    typist(field, "NÚRIA puig")
    assert results.count() == 1 and "Núria Puig i Bosch" in results.item(0).text()


def test_unknown_code_and_under_14_are_red(window, qtbot, wait_idle):
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    qtbot.keyClicks(field, "ZZZZ9999")
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    assert _feedback(page) == ("unknown", "Unknown code “ZZZZ9999”.")
    qtbot.keyClicks(field, people["Pol"][1])
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    kind, text = _feedback(page)
    assert kind == "under_age" and "under 14" in text
    with window.ctx.db.read() as s:
        assert s.query(Attendance).count() == 0


def test_undo_last_check_in(window, qtbot, wait_idle):
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    qtbot.keyClicks(field, people["Núria"][1])
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    qtbot.mouseClick(page.findChild(QPushButton, "checkinUndo"), Qt.LeftButton)
    wait_idle(window)
    assert page.findChild(QLabel, "checkinCounter").text() == "0 / 3"
    with window.ctx.db.read() as s:
        assert s.query(Attendance).one().cancelled_at is not None


def test_walk_in_dialog(window, qtbot, wait_idle):
    _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    qtbot.keyClicks(field, "Roser Nova Vila")
    qtbot.keyClick(field, Qt.Key_N, Qt.ControlModifier)  # the walk-in shortcut (not Ctrl+W)
    dialog = page.findChild(QDialog, "walkInDialog")
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.given.text() == "Roser" and dialog.family.text() == "Nova Vila"  # the typed name, split
    dialog.adult.setChecked(True)
    qtbot.mouseClick(dialog.findChild(QPushButton, "walkInOk"), Qt.LeftButton)
    wait_idle(window)
    # No consent yet: the refusal is said in the dialog, which keeps everything typed.
    assert dialog.isVisible() and "consent" in dialog.findChild(QLabel, "walkInError").text()
    assert dialog.given.text() == "Roser" and dialog.family.text() == "Nova Vila"
    dialog.consent_check.setChecked(True)
    qtbot.mouseClick(dialog.findChild(QPushButton, "walkInOk"), Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert _feedback(page)[0] == "welcome"
    assert page.findChild(QLabel, "checkinCounter").text() == "1 / 3"
    with window.ctx.db.read() as s:
        p = s.query(Participant).filter_by(given_name="Roser").one()
        assert p.source == "walkin" and p.consent_version == "v1/en" and p.family_name == "Nova Vila"
    qtbot.keyClicks(page.findChild(QLineEdit, "checkinInput"), "roser")
    assert "Roser Nova" in page.findChild(QListWidget, "checkinResults").item(0).text()


@pytest.mark.multimedia
def test_camera_is_unavailable_without_qtmultimedia_or_a_camera():
    """Without libpulse0 QtMultimedia does not import: no camera, no error."""
    from ui.widgets import camera_scanner

    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:
        assert camera_scanner.camera_available() is False
    else:
        import importlib.util

        expected = bool(QMediaDevices.videoInputs()) and importlib.util.find_spec("zxingcpp") is not None
        assert camera_scanner.camera_available() is expected


def test_no_camera_is_not_a_problem(window, qtbot, wait_idle, monkeypatch):
    _room(window)
    page = _page(window, qtbot, wait_idle)
    from ui.widgets import camera_scanner

    monkeypatch.setattr(camera_scanner, "camera_available", lambda: False)
    button = page.findChild(QPushButton, "checkinCamera")
    qtbot.mouseClick(button, Qt.LeftButton)
    assert not button.isChecked()
    assert window.message_bar.level == "warning" and "No camera" in window.message_bar.label.text()
    assert page.findChild(QLineEdit, "checkinInput").isEnabled()


def test_qr_decoding_of_a_camera_frame(tmp_path):
    import qrcode

    from ui.widgets.camera_scanner import decode_image

    path = tmp_path / "qr.png"
    qrcode.make("G7PTGEUG").save(path)
    image = QImage(str(path))
    assert decode_image(image) == "G7PTGEUG"
    blank = QImage(200, 200, QImage.Format_RGB32)
    blank.fill(Qt.white)
    assert decode_image(blank) is None


def test_no_current_session_disables_input(window, qtbot, wait_idle):
    page = window.go_to("checkin")
    wait_idle(window)
    assert not page.findChild(QLineEdit, "checkinInput").isEnabled()
    assert "Choose the current session" in page.findChild(QLabel, "checkinFeedback").text()
