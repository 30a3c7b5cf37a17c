"""People can be corrected (issue 8 §6): edit, merge, remove; the import preview shows dates as
read and lets the technician leave single rows out."""

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QDialog, QLabel, QLineEdit, QMessageBox, QPushButton, QRadioButton, \
    QTableView, QTableWidget, QWizard

from p311desk import attendance, sessions
from p311desk.models import Attendance, Participant
from p311desk.participants import add_participant, register
from tests.ui.test_participants_page import _wizard as open_wizard


def _people(window):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title="Consell").id
        sessions.open_session(s, sid)
        a = add_participant(s, given_name="Joan", family_name="Prat", email="joan@example.org",
                            birth_date=dt.date(1980, 4, 3)).id
        b = add_participant(s, given_name="Joan", family_name="Prat Soler", birth_year=1980).id
        c = add_participant(s, given_name="Pere", family_name="Roca").id
        register(s, sid, b)
        attendance.check_in(s, sid, b)
    return sid, a, b, c


def _page(window, qtbot, wait_idle, rows):
    page = window.go_to("participants")
    wait_idle(window)
    table = page.findChild(QTableView, "participantsTable")
    qtbot.waitUntil(lambda: table.model().rowCount() == rows)
    return page, table


def _select(page, qtbot, name):
    filt = page.findChild(QLineEdit, "participantsFilter")
    filt.clear()
    qtbot.keyClicks(filt, name)
    table = page.findChild(QTableView, "participantsTable")
    table.selectAll()


def test_edit_a_person_from_the_list(window, qtbot, wait_idle):
    _sid, a, _b, _c = _people(window)
    page, table = _page(window, qtbot, wait_idle, 3)
    headers = [table.model().headerData(i, Qt.Horizontal) for i in range(table.model().columnCount())]
    assert "Age" in headers
    ages = {table.model().index(r, 1).data(): table.model().index(r, headers.index("Age")).data()
            for r in range(3)}
    assert ages["Prat Soler"] == "born 1980" and ages["Prat"].isdigit()
    _select(page, qtbot, "joan@example")
    qtbot.mouseClick(page.findChild(QPushButton, "participantsEdit"), Qt.LeftButton)
    wait_idle(window)
    dialog = page.findChild(QDialog, "personDialog")
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.birth.text() == "03/04/1980" and "Apr" in dialog.findChild(QLabel, "personBirthDateShown").text()
    dialog.email.clear()
    qtbot.keyClicks(dialog.email, "not an e-mail")
    qtbot.mouseClick(dialog.findChild(QPushButton, "personSave"), Qt.LeftButton)
    wait_idle(window)
    error = dialog.findChild(QLabel, "personError")
    qtbot.waitUntil(error.isVisible)
    assert "not a valid e-mail" in error.text() and dialog.isVisible()
    dialog.email.clear()
    qtbot.keyClicks(dialog.email, "jprat@example.org")
    qtbot.keyClicks(dialog.family, " i Vives")
    qtbot.mouseClick(dialog.findChild(QPushButton, "personSave"), Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    with window.ctx.db.read() as s:
        p = s.get(Participant, a)
        assert p.email == "jprat@example.org" and p.family_name == "Prat i Vives"


def test_merge_says_who_stays_and_keeps_attendance(window, qtbot, wait_idle):
    sid, a, b, _c = _people(window)
    page, _table = _page(window, qtbot, wait_idle, 3)
    _select(page, qtbot, "joan prat")
    merge = page.findChild(QPushButton, "participantsMerge")
    assert merge.isEnabled() and not page.findChild(QPushButton, "participantsEdit").isEnabled()
    qtbot.mouseClick(merge, Qt.LeftButton)
    dialog = page.findChild(QDialog, "mergeDialog")
    qtbot.waitUntil(dialog.isVisible)
    keep_a = next(r for r in dialog.findChildren(QRadioButton) if "joan@example.org" in r.text())
    keep_a.setChecked(True)
    outcome = dialog.findChild(QLabel, "mergeOutcome").text()
    assert outcome.startswith("Joan Prat (") and "Joan Prat Soler" in outcome and "removed" in outcome
    qtbot.mouseClick(dialog.findChild(QPushButton, "mergeOk"), Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    with window.ctx.db.read() as s:
        assert s.get(Participant, b) is None
        assert s.query(Attendance).one().participant_id == a
        assert attendance.counter(s, sid).present == 1


def test_remove_only_who_never_attended(window, qtbot, wait_idle):
    _sid, _a, b, c = _people(window)
    page, _table = _page(window, qtbot, wait_idle, 3)
    for name, gone in (("prat soler", False), ("pere roca", True)):
        _select(page, qtbot, name)
        qtbot.mouseClick(page.findChild(QPushButton, "participantsRemove"), Qt.LeftButton)
        box = page.remove_box
        assert box.objectName() == "removeConfirm"
        qtbot.waitUntil(box.isVisible)
        qtbot.mouseClick(box.button(QMessageBox.Yes), Qt.LeftButton)
        wait_idle(window)
        qtbot.waitUntil(lambda: not box.isVisible())
        with window.ctx.db.read() as s:
            assert (s.get(Participant, c if gone else b) is None) == gone
        if not gone:
            assert window.message_bar.level == "error" and "has attended" in window.message_bar.label.text()


def test_preview_shows_dates_as_read_and_skips_a_row(window, qtbot, wait_idle, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Nom;Cognoms;Data de naixement\nAnna;Vidal;03/04/1980\nPol;Petit;05/06/2014\n", encoding="utf-8")
    _page, wizard = open_wizard(window, qtbot, wait_idle, path)
    wizard.next()
    wizard.next()
    wait_idle(window)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.preview_page)
    preview = wizard.findChild(QTableWidget, "importPreview")
    rows = {preview.item(i, 2).text(): i for i in range(preview.rowCount())}
    assert preview.item(rows["Anna Vidal"], 3).text() == "03/04/1980 · 3 Apr 1980"
    assert not wizard.preview_page.isComplete()  # the 12-year-old is a warning
    pol = preview.item(rows["Pol Petit"], 0)
    pol.setCheckState(Qt.Unchecked)  # leave that row out instead of "import anyway"
    assert wizard.preview_page.isComplete()
    assert not wizard.findChild(QCheckBox, "importAcceptWarnings").isVisible()
    qtbot.mouseClick(wizard.button(QWizard.FinishButton), Qt.LeftButton)
    wait_idle(window)
    with window.ctx.db.read() as s:
        assert [p.given_name for p in s.query(Participant)] == ["Anna"]
    assert "1 skipped" in window.message_bar.label.text()
