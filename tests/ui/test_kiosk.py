"""The voting kiosk, driven by keys and clicks: unlock with a code, choose, confirm; the same code
again is refused; leaving needs the PIN."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from p311desk import votes
from tests.core.votes.conftest import make_room


@pytest.fixture
def kiosk(qtbot, window, db):
    room = make_room(db, 3)
    with db.write() as s:
        q = votes.create_question(s, room.session_id, "On fem la festa major?", method="single",
                                  options=["Plaça", "Parc", "Platja"], secret=True)
        votes.open_question(s, q.id)
    from ui.kiosk import Kiosk

    k = Kiosk(window.ctx, q.id, "4321")
    qtbot.addWidget(k)
    k.show()
    qtbot.waitExposed(k)
    return k, room, q.id


def _find(k, cls, name):
    w = k.findChild(cls, name)
    assert w is not None, name
    return w


def test_vote_once_then_refused_and_pin_to_leave(qtbot, kiosk, db, wait_idle, window):
    k, room, qid = kiosk
    code = _find(k, QLineEdit, "kioskCode")
    qtbot.keyClicks(code, room.codes[0].lower())
    qtbot.keyClick(code, Qt.Key_Return)
    wait_idle(window)
    assert k.stack.currentIndex() == 1, _find(k, QLabel, "kioskFeedback").text()
    parc = _find(k, QPushButton, "kioskOption_1")
    assert parc.accessibleName() == "Parc"
    qtbot.mouseClick(parc, Qt.LeftButton)
    qtbot.mouseClick(_find(k, QPushButton, "kioskNext"), Qt.LeftButton)
    assert "Parc" in k.summary.text()
    qtbot.keyClick(_find(k, QPushButton, "kioskConfirm"), Qt.Key_Space)
    wait_idle(window)
    assert k.stack.currentIndex() == 3  # thank you
    with db.read() as s:
        assert votes.live_count(s, qid).voted == 1
    k._thanks_timer.timeout.emit()  # the thank-you screen returns to the welcome screen by itself
    assert k.stack.currentIndex() == 0

    # the same code again: refused, and the kiosk stays on the welcome screen
    qtbot.keyClicks(code, room.codes[0])
    qtbot.keyClick(code, Qt.Key_Return)
    wait_idle(window)
    assert k.stack.currentIndex() == 0
    assert "already voted" in _find(k, QLabel, "kioskFeedback").text()

    # closing without the PIN locks instead; a wrong PIN keeps it locked; the right one leaves
    k.close()
    assert k.isVisible() and k.is_locked()
    pin = _find(k, QLineEdit, "kioskPin")
    qtbot.keyClicks(pin, "1111")
    qtbot.mouseClick(_find(k, QPushButton, "kioskLeave"), Qt.LeftButton)
    assert k.isVisible() and "Wrong PIN" in k.pin_feedback.text()
    with qtbot.waitSignal(k.left, timeout=2000):
        qtbot.keyClicks(pin, "4321")
        qtbot.mouseClick(_find(k, QPushButton, "kioskLeave"), Qt.LeftButton)
    assert not k.isVisible()
    with db.read() as s:
        r = votes.results(s, qid)
    assert r.cast == 1 and all(o.votes is None for o in r.options)  # secret and still open


def test_blank_vote_and_technician_lock(qtbot, kiosk, db, wait_idle, window):
    k, room, qid = kiosk
    code = _find(k, QLineEdit, "kioskCode")
    qtbot.keyClicks(code, room.codes[1])
    qtbot.keyClick(code, Qt.Key_Return)
    wait_idle(window)
    qtbot.mouseClick(_find(k, QPushButton, "kioskNext"), Qt.LeftButton)
    assert "Blank vote" in k.hint.text()  # nothing chosen: it says how to vote blank
    qtbot.mouseClick(_find(k, QPushButton, "kioskBlank"), Qt.LeftButton)
    qtbot.mouseClick(_find(k, QPushButton, "kioskConfirm"), Qt.LeftButton)
    wait_idle(window)
    with db.write() as s:
        r = votes.close_question(s, qid)
    assert r.blank == 1 and r.cast == 1
    qtbot.keyClick(k, Qt.Key_L, Qt.ControlModifier)
    assert k.is_locked()
    qtbot.keyClicks(_find(k, QLineEdit, "kioskPin"), "4321")
    qtbot.mouseClick(_find(k, QPushButton, "kioskUnlock"), Qt.LeftButton)
    assert k.stack.currentIndex() == 0


def test_one_time_code_unlocks_one_anonymous_ballot(qtbot, kiosk, db, wait_idle, window):
    k, room, qid = kiosk
    with db.write() as s:
        slip = votes.issue_ballots(s, qid, 1)[0]
    code = _find(k, QLineEdit, "kioskCode")
    qtbot.keyClicks(code, slip.serial_payload)
    qtbot.keyClick(code, Qt.Key_Return)
    wait_idle(window)
    assert k.stack.currentIndex() == 1 and slip.serial in k.voter_label.text()
    qtbot.mouseClick(_find(k, QPushButton, "kioskOption_2"), Qt.LeftButton)
    qtbot.mouseClick(_find(k, QPushButton, "kioskNext"), Qt.LeftButton)
    qtbot.mouseClick(_find(k, QPushButton, "kioskConfirm"), Qt.LeftButton)
    wait_idle(window)
    assert k.stack.currentIndex() == 3
    k._thanks_timer.timeout.emit()
    qtbot.keyClicks(code, slip.serial_payload)
    qtbot.keyClick(code, Qt.Key_Return)
    wait_idle(window)
    assert k.stack.currentIndex() == 0 and "already been counted" in _find(k, QLabel, "kioskFeedback").text()
    with db.write() as s:
        r = votes.close_question(s, qid)
    assert [o.votes for o in r.options] == [0, 0, 1]


def test_borda_ranking_follows_the_order_of_touches(qtbot, window, db, wait_idle):
    room = make_room(db, 1)
    with db.write() as s:
        q = votes.create_question(s, room.session_id, "Ordeneu les prioritats", method="points",
                                  options=["Verd", "Mobilitat", "Cultura"], points="borda")
        votes.open_question(s, q.id)
    from ui.kiosk import Kiosk

    k = Kiosk(window.ctx, q.id, "4321")
    qtbot.addWidget(k)
    k.show()
    code = _find(k, QLineEdit, "kioskCode")
    qtbot.keyClicks(code, room.codes[0])
    qtbot.keyClick(code, Qt.Key_Return)
    wait_idle(window)
    for i in (2, 0, 1):
        qtbot.mouseClick(_find(k, QPushButton, f"kioskOption_{i}"), Qt.LeftButton)
    qtbot.mouseClick(_find(k, QPushButton, "kioskNext"), Qt.LeftButton)
    assert "Cultura, Verd, Mobilitat" in k.summary.text()
    qtbot.mouseClick(_find(k, QPushButton, "kioskConfirm"), Qt.LeftButton)
    wait_idle(window)
    with db.read() as s:
        r = votes.results(s, q.id)
    assert [o.votes for o in r.options] == [1, 0, 2]  # Borda: 2, 1, 0 points by rank
