"""The evaluation kiosk, driven by keys and clicks: a check-in code unlocks one answer, the
questions come one at a time (digits or clicks, a free text), the answer goes in anonymously; the
same code again, an absent person and a used one-time code are refused; leaving needs the PIN."""

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from p311desk import evaluation
from tests.core.evaluation.conftest import make_room


@pytest.fixture
def kiosk(qtbot, window, db):
    room = make_room(db, 3, 1)
    from ui.kiosk_evaluation import EvaluationKiosk

    k = EvaluationKiosk(window.ctx, room.session_id, "4321")
    qtbot.addWidget(k)
    k.show()
    qtbot.waitExposed(k)
    return k, room


def _find(k, cls, name):
    w = k.findChild(cls, name)
    assert w is not None, name
    return w


def _box(db):
    with db.read() as s:
        from p311desk.models import EvaluationBox

        return [v for _k, v in s.query(EvaluationBox).one().answers]


def test_answer_by_keys_and_clicks_once_then_refused(qtbot, kiosk, db, wait_idle, window, typist):
    k, room = kiosk
    code = _find(k, QLineEdit, "kioskCode")
    qtbot.keyClicks(code, room.codes[0].lower())
    qtbot.keyClick(code, Qt.Key_Return)
    wait_idle(window)
    assert k.stack.currentIndex() == 1, _find(k, QLabel, "kioskFeedback").text()
    assert k.wording.text() == "Què us ha semblat el contingut de la sessió?"
    # question 1 by a digit on the keyboard, question 2 by a click
    qtbot.keyClick(k.focusWidget(), Qt.Key_4)
    assert k.wording.text() == "Què us ha semblat la durada?"
    b = _find(k, QPushButton, "kioskLevel_3")
    assert b.accessibleName() == "Regular"
    qtbot.mouseClick(b, Qt.LeftButton)
    # question 3: change of mind — Back to question 2, then 5 with a click; 3: Força; 4: skipped
    qtbot.mouseClick(_find(k, QPushButton, "kioskBack"), Qt.LeftButton)
    assert k.wording.text() == "Què us ha semblat la durada?" and k.level_buttons[2].isChecked()
    qtbot.mouseClick(_find(k, QPushButton, "kioskLevel_5"), Qt.LeftButton)
    assert _find(k, QPushButton, "kioskLevel_3").text() == "3\nForça"
    qtbot.keyClick(k.focusWidget(), Qt.Key_3)
    qtbot.mouseClick(_find(k, QPushButton, "kioskSkip"), Qt.LeftButton)
    # the free text, then Enter sends
    text = _find(k, QLineEdit, "kioskEvaluationText")
    assert text.isVisible() and k.next_button.text() == "Send my answers"
    typist(text, "Més pràctica")
    qtbot.keyClick(text, Qt.Key_Return)
    wait_idle(window)
    assert k.stack.currentIndex() == 2  # thank you
    assert _box(db) == [[4, 5, 3, None, "Més pràctica"]]
    k._thanks_timer.timeout.emit()
    assert k.stack.currentIndex() == 0

    # the same code again, someone not checked in, an unknown code: refused on the welcome screen
    for typed, message in ((room.codes[0], "answered the evaluation already"),
                           (room.codes[3], "has not checked in"), ("ZZZZ9999", "Unknown code")):
        qtbot.keyClicks(code, typed)
        qtbot.keyClick(code, Qt.Key_Return)
        wait_idle(window)
        assert k.stack.currentIndex() == 0 and message in _find(k, QLabel, "kioskFeedback").text()

    # a one-time code (a printed form's id) answers once
    with db.write() as s:
        slip = evaluation.issue_slips(s, room.session_id, 1)[0]
    for attempt in range(2):
        qtbot.keyClicks(code, slip.lower())
        qtbot.keyClick(code, Qt.Key_Return)
        wait_idle(window)
        if attempt:
            assert k.stack.currentIndex() == 0 and "answered already" in k.feedback.text()
            break
        assert k.stack.currentIndex() == 1, k.feedback.text()
        for digit in (Qt.Key_1, Qt.Key_2, Qt.Key_3, Qt.Key_4):
            qtbot.keyClick(k.focusWidget(), digit)
        assert k.index == 4, (k.index, k.focusWidget())
        qtbot.mouseClick(_find(k, QPushButton, "kioskConfirm"), Qt.LeftButton)
        wait_idle(window)
        assert k.stack.currentIndex() == 2
        k._thanks_timer.timeout.emit()
    assert sorted(_box(db), key=json.dumps) == sorted([[4, 5, 3, None, "Més pràctica"], [1, 2, 3, 4, None]],
                                                      key=json.dumps)

    # closing without the PIN locks; a wrong PIN keeps it; the right one leaves
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


def test_cancel_half_way_records_nothing_and_lock_forgets_the_code(qtbot, kiosk, db, wait_idle, window):
    k, room = kiosk
    code = _find(k, QLineEdit, "kioskCode")
    qtbot.keyClicks(code, room.codes[1])
    qtbot.keyClick(code, Qt.Key_Return)
    wait_idle(window)
    qtbot.keyClick(k.focusWidget(), Qt.Key_5)
    qtbot.mouseClick(_find(k, QPushButton, "kioskCancel"), Qt.LeftButton)
    assert k.stack.currentIndex() == 0 and _box(db) == []
    qtbot.keyClicks(code, room.codes[1])
    qtbot.keyClick(code, Qt.Key_Return)
    wait_idle(window)
    assert k.stack.currentIndex() == 1 and not any(b.isChecked() for b in k.level_buttons[: k.shown_levels])
    qtbot.keyClick(k, Qt.Key_L, Qt.ControlModifier)
    assert k.is_locked() and k.code == ""
    qtbot.keyClicks(_find(k, QLineEdit, "kioskPin"), "4321")
    qtbot.mouseClick(_find(k, QPushButton, "kioskUnlock"), Qt.LeftButton)
    assert k.stack.currentIndex() == 0 and _box(db) == []
