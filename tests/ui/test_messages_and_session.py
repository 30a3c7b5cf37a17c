"""Messages never cover work, clear when the page or session changes; the current session
belongs to its database; every page follows the session chosen at the top (issue 21 §2)."""

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListWidget

from p311desk import sessions, votes
from p311desk.participants import add_participant, register


def _rect(widget, window) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _room(window, title="Consell de la Vila", code="ANNA2345"):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title=title).id
        sessions.open_session(s, sid)
        p = add_participant(s, given_name="Anna", family_name="Serra", checkin_code=code, birth_year=1980)
        register(s, sid, p.id)
    return sid


def test_the_message_area_never_overlaps_the_input_or_the_counter(window, qtbot, wait_idle):
    for size in ((1366, 768), (1024, 600)):
        window.resize(*size)
        code = f"ANNA{size[0]}"
        sid = _room(window, f"Sessió {size[0]}", code)
        window.ctx.set_current_session(sid)
        page = window.go_to("checkin")
        wait_idle(window)
        field = page.findChild(QLineEdit, "checkinInput")
        counter = page.findChild(QLabel, "checkinCounter")
        before = _rect(field, window), _rect(counter, window)
        qtbot.keyClicks(field, code)
        qtbot.keyClick(field, Qt.Key_Return)
        wait_idle(window)
        window.ctx.notify("Una frase prou llarga per ocupar la línia sencera del missatge, i una mica més, "
                          "perquè es vegi si en fa dues a 1024 píxels d'amplada.", "warning")
        qtbot.waitUntil(window.message_bar.isVisible)
        qtbot.wait(50)
        bar = _rect(window.message_bar, window)
        for widget in (field, counter, page.findChild(QLabel, "checkinCounterCaption")):
            assert widget.isVisible()
            assert not bar.intersects(_rect(widget, window)), (size, widget.objectName())
        assert (_rect(field, window), _rect(counter, window)) == before or bar.height() > 40  # one line moves nothing
        window.message_bar.hide()


def test_messages_clear_when_the_page_or_the_session_changes(window, qtbot, wait_idle):
    first, second = _room(window, "Primera", "PRIM2345"), _room(window, "Segona", "SEGO2345")
    window.ctx.set_current_session(first)
    window.go_to("checkin")
    wait_idle(window)
    window.ctx.notify("Sessió desada.", "success")
    assert window.message_bar.isVisible()
    window.go_to("votes")
    assert not window.message_bar.isVisible()
    window.ctx.notify("Alguna cosa ha fallat.", "error")
    window.ctx.set_current_session(second)
    assert not window.message_bar.isVisible()
    wait_idle(window)


def test_every_page_follows_the_session_chosen_at_the_top(window, qtbot, wait_idle):
    first, second = _room(window, "Primera", "PRIM2345"), _room(window, "Segona", "SEGO2345")
    with window.ctx.db.write() as s:
        votes.create_question(s, first, "Pregunta de la primera?")
        votes.create_question(s, second, "Pregunta de la segona?")
    window.ctx.set_current_session(first)
    page = window.go_to("votes")
    wait_idle(window)
    questions = page.findChild(QListWidget, "votesList")
    assert "primera" in questions.item(0).text()
    picker = window.findChild(QComboBox, "currentSession")
    qtbot.waitUntil(lambda: picker.findData(str(second)) >= 0)
    picker.setFocus()
    index = picker.findData(str(second))
    while picker.currentIndex() != index:  # as a technician would, with the keyboard
        qtbot.keyClick(picker, Qt.Key_Down if picker.currentIndex() < index else Qt.Key_Up)
    wait_idle(window)
    assert window.ctx.current_session_id == second
    qtbot.waitUntil(lambda: questions.count() == 1 and "segona" in questions.item(0).text())
    for page_id in ("checkin", "print", "proposals"):
        window.go_to(page_id)
        wait_idle(window)
    assert "Segona" in window.go_to("checkin").findChild(QLabel, "checkinTitle").text()
    assert "Segona" in window.go_to("print").findChild(QLabel, "printSession").text()


def test_the_current_session_belongs_to_its_database(qtbot, tmp_path, qsettings):
    from p311desk.db import open_database
    from ui.app import create_window

    dbs = [open_database(tmp_path / name) for name in ("a", "b")]
    ids = []
    for db, title in zip(dbs, ("A", "B"), strict=True):
        with db.write() as s:
            ids.append(sessions.create_session(s, title=title).id)  # drafts: nothing open to start on
    windows = []
    try:
        for db, sid in zip(dbs, ids, strict=True):
            win = create_window(db, lang="en", qsettings=qsettings)
            win.ctx.probe = lambda host: False
            qtbot.addWidget(win)
            windows.append(win)
            qtbot.waitUntil(lambda w=win: not w.ctx.pools.busy)
            win.ctx.set_current_session(sid)
        for db, sid in zip(dbs, ids, strict=True):  # each folder remembers its own
            win = create_window(db, lang="en", qsettings=qsettings)
            win.ctx.probe = lambda host: False
            qtbot.addWidget(win)
            windows.append(win)
            qtbot.waitUntil(lambda w=win: not w.ctx.pools.busy)
            assert win.ctx.current_session_id == sid
    finally:
        for win in windows:
            win.ctx.pools.wait()
            win.close()
        for db in dbs:
            db.close()


def test_a_demo_starts_on_its_open_session(qtbot, tmp_path, qsettings):
    from p311desk.db import open_database
    from ui.app import create_window

    db = open_database(tmp_path / "demo")
    win = create_window(db, lang="ca", demo=True, qsettings=qsettings)
    win.ctx.probe = lambda host: False
    qtbot.addWidget(win)
    try:
        qtbot.waitUntil(lambda: win.ctx.current_session_id is not None, timeout=60000)
        with db.read() as s:
            assert sessions.get_session(s, win.ctx.current_session_id).status == "open"
        picker = win.findChild(QComboBox, "currentSession")
        qtbot.waitUntil(lambda: picker.currentData() == str(win.ctx.current_session_id))
        assert "cap" not in picker.currentText()
    finally:
        win.ctx.pools.wait()
        win.close()
        db.close()
