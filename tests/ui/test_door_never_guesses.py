"""The door never guesses (issue 21 §1): namesakes told apart, nothing highlighted until ↓, Enter
checks in exactly the highlighted row; an unknown code offers near codes; the walk-in dialog
flags an under-age birth year as it is typed. Driven by keys and clicks."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QListWidget, QPushButton, QSpinBox, QTabWidget

from p311desk import sessions
from p311desk import settings as settings_service
from p311desk.models import Attendance
from p311desk.participants import add_participant, register


def _room(window):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title="Consell de la Vila").id
        sessions.open_session(s, sid)
        people = {}
        for given, family, year, postal, org, code in (
                ("Laia", "Ballester Martínez", 1984, "08301", "AV Can Mas", "KLMN2345"),
                ("Laia", "Ballester Pujol", 1991, "08302", None, "KLMN7777"),
                ("Pere", "Soler", 1970, None, None, "PQRS2345")):
            p = add_participant(s, given_name=given, family_name=family, birth_year=year, postal_code=postal,
                                organisation=org, checkin_code=code, email=f"{given}.{year}@example.cat".lower())
            register(s, sid, p.id)
            people[f"{given} {family}"] = p.id
    window.ctx.set_current_session(sid)
    return sid, people


def _page(window, qtbot, wait_idle):
    page = window.go_to("checkin")
    wait_idle(window)
    qtbot.waitUntil(lambda: page.index is not None)
    return page


def _present(window):
    with window.ctx.db.read() as s:
        return [a.participant_id for a in s.query(Attendance).filter(Attendance.cancelled_at.is_(None))]


def test_namesakes_down_enter_checks_in_the_first_and_enter_on_the_second_the_second(window, qtbot, wait_idle):
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    results = page.findChild(QListWidget, "checkinResults")
    qtbot.keyClicks(field, "Laia Ballester")
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    assert _present(window) == [] and results.count() == 2
    assert results.currentRow() == -1 and not results.selectedItems()  # nothing chosen for the technician
    first, second = results.item(0).text(), results.item(1).text()
    assert "Martínez" in first and "born 1984" in first and "08301" in first and "AV Can Mas" in first
    assert "Pujol" in second and "born 1991" in second and "08302" in second
    assert "@" not in first + second  # no e-mail shown to the queue unless the settings ask

    qtbot.keyClick(field, Qt.Key_Down)  # ↓ highlights the first…
    assert results.currentRow() == 0
    qtbot.keyClick(field, Qt.Key_Return)  # …and Enter checks in exactly that one
    wait_idle(window)
    assert _present(window) == [people["Laia Ballester Martínez"]]

    qtbot.keyClicks(field, "Laia Ballester")
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    qtbot.keyClick(field, Qt.Key_Down)
    qtbot.keyClick(field, Qt.Key_Down)
    assert results.currentRow() == 1
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    assert set(_present(window)) == {people["Laia Ballester Martínez"], people["Laia Ballester Pujol"]}


def test_focus_on_the_list_highlights_nothing_and_enter_there_checks_in_the_highlighted_row(window, qtbot, wait_idle):
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    results = page.findChild(QListWidget, "checkinResults")
    qtbot.keyClicks(field, "Laia")
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    results.setFocus(Qt.TabFocusReason)  # as a Tab would
    assert results.currentRow() == -1
    qtbot.keyClick(results, Qt.Key_Return)  # nothing highlighted: nobody
    wait_idle(window)
    assert _present(window) == []
    qtbot.keyClick(results, Qt.Key_Down)  # ↓ in the list highlights the first, not the second
    assert results.currentRow() == 0
    qtbot.keyClick(results, Qt.Key_Down)
    qtbot.keyClick(results, Qt.Key_Return)  # Enter on the second checks in the second
    wait_idle(window)
    assert _present(window) == [people["Laia Ballester Pujol"]]


def test_the_email_shows_only_when_the_settings_ask(window, qtbot, wait_idle):
    _room(window)
    page = window.go_to("settings")
    wait_idle(window)
    box = page.findChild(QCheckBox, "doorShowEmail")
    qtbot.mouseClick(box, Qt.LeftButton)
    qtbot.mouseClick(page.findChild(QPushButton, "saveSettings"), Qt.LeftButton)
    wait_idle(window)
    with window.ctx.db.read() as s:
        assert settings_service.load(s).show_email_at_door
    page = _page(window, qtbot, wait_idle)
    qtbot.waitUntil(lambda: page.show_email)
    field = page.findChild(QLineEdit, "checkinInput")
    qtbot.keyClicks(field, "Laia")
    results = page.findChild(QListWidget, "checkinResults")
    assert "laia.1984@example.cat" in results.item(0).text()


def test_an_unknown_code_offers_near_codes_and_picks_none(window, qtbot, wait_idle):
    _sid, people = _room(window)
    page = _page(window, qtbot, wait_idle)
    field = page.findChild(QLineEdit, "checkinInput")
    results = page.findChild(QListWidget, "checkinResults")
    qtbot.keyClicks(field, "KLMN2354")  # two neighbours swapped in KLMN2345
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    feedback = page.findChild(QLabel, "checkinFeedback")
    assert feedback.property("kind") == "unknown" and "one slip away" in feedback.text()
    assert _present(window) == []
    assert results.count() == 1 and "Martínez" in results.item(0).text() and results.currentRow() == -1
    qtbot.keyClick(field, Qt.Key_Return)  # Enter again: still nobody
    wait_idle(window)
    assert _present(window) == []
    qtbot.keyClick(field, Qt.Key_Down)
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    assert _present(window) == [people["Laia Ballester Martínez"]]

    qtbot.keyClicks(field, "ZZZZ9999")  # nothing near: said, nothing offered
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    assert feedback.text() == "Unknown code “ZZZZ9999”." and results.count() == 0


def test_not_arrived_counts_down_as_people_check_in(window, qtbot, wait_idle):
    _sid, _people = _room(window)
    page = _page(window, qtbot, wait_idle)
    side = page.findChild(QTabWidget, "checkinSide")
    assert side.currentIndex() == 0  # the count shows on the other tab's title
    qtbot.waitUntil(lambda: side.tabText(1) == "Not arrived (3)")
    field = page.findChild(QLineEdit, "checkinInput")
    qtbot.keyClicks(field, "PQRS2345")
    qtbot.keyClick(field, Qt.Key_Return)
    wait_idle(window)
    qtbot.waitUntil(lambda: side.tabText(1) == "Not arrived (2)")


def test_walk_in_flags_under_age_as_the_birth_year_is_typed(window, qtbot, wait_idle):
    _room(window)
    page = _page(window, qtbot, wait_idle)
    qtbot.mouseClick(page.findChild(QPushButton, "checkinWalkIn"), Qt.LeftButton)
    dialog = page.walk_in_dialog
    year = dialog.findChild(QSpinBox, "walkInBirthYear")
    flag = dialog.findChild(QLabel, "walkInYearFlag")
    import datetime as dt

    young = dt.date.today().year - 10
    year.setFocus()
    year.selectAll()
    qtbot.keyClicks(year.lineEdit(), str(young))
    assert flag.isVisible() and f"Born in {young}: under 14" in flag.text()
    assert not dialog.findChild(QCheckBox, "walkInAgeConfirmed").isEnabled()
    year.selectAll()
    qtbot.keyClicks(year.lineEdit(), "1980")
    assert not flag.isVisible()
    dialog.reject()
