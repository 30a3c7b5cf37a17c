"""The room display: the room's screen follows the door, and other views can take its place."""

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from p311desk import sessions
from p311desk.participants import add_participant, register


def _session(window, n=3):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title="Assemblea del Poble-sec").id
        sessions.open_session(s, sid)
        codes = []
        for i in range(n):
            p = add_participant(s, given_name=f"Persona{i}", family_name="Prova", birth_date=dt.date(1980, 1, 1))
            register(s, sid, p.id)
            codes.append(p.checkin_code)
    return sid, codes


def test_room_display_follows_checkins(window, qtbot, wait_idle):
    sid, codes = _session(window)
    window.ctx.set_current_session(sid)
    window.room_action.trigger()  # View ▸ Room display (F5)
    display = window.room_display()
    assert display is window.room_display()  # one instance
    qtbot.waitUntil(display.isVisible)
    counter = display.findChild(QLabel, "roomCounter")
    qtbot.waitUntil(lambda: counter.text() == "0 / 3")
    assert display.findChild(QLabel, "roomTitle").text() == "Assemblea del Poble-sec"
    assert display.isWindow() and display.windowTitle() == "Room display"

    page = window.go_to("checkin")
    wait_idle(window)
    qtbot.waitUntil(lambda: page.index is not None)
    field = page.findChild(QLineEdit, "checkinInput")
    qtbot.keyClicks(field, codes[0])
    qtbot.keyClick(field, Qt.Key_Return)
    qtbot.waitUntil(lambda: counter.text() == "1 / 3")

    window.ctx.set_current_session(None)
    qtbot.waitUntil(lambda: counter.text() == "—")
    assert display.findChild(QLabel, "roomTitle").text() == "No session chosen"
    wait_idle(window)


def test_room_display_shows_another_view_and_returns(window, qtbot, wait_idle):
    sid, _codes = _session(window, 2)
    window.ctx.set_current_session(sid)
    display = window.room_display()
    display.show_on_room_screen()
    question = QLabel("Aprovem el pressupost?")
    seen = []
    display.view_changed.connect(seen.append)
    display.set_view(question)
    assert display.current_view() is question and question.isVisible()
    assert not display.findChild(QLabel, "roomCounter").isVisible()
    display.set_view(None)
    assert display.current_view() is None and not question.isVisible()
    assert question.parent() is None  # detached, not deleted: the caller may reuse it
    assert display.findChild(QLabel, "roomCounter").isVisible()
    assert seen == [question, None]
    qtbot.waitUntil(lambda: display.findChild(QLabel, "roomCounter").text() == "0 / 2")
    wait_idle(window)


def test_room_display_keeps_language_with_window(window, qtbot, wait_idle):
    display = window.room_display()
    window.ctx.set_language("ca")
    assert display.windowTitle() == "Pantalla de la sala"
    assert display.findChild(QLabel, "roomCounterCaption").text() == "presents / esperades"
    window.ctx.set_language("en")
    wait_idle(window)
