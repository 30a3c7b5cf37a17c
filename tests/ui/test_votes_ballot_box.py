"""The Votes page over one ballot box (issue 15 §10, issue 21 §4): a paper sheet scanned mark by
mark is one ballot; blank and spoilt sheets; handing a paper ballot; counts that keep what was
typed when refused; "Close the vote" asks first and warns about paper not counted; a scan
message does not stay for the next question. Driven by keys and clicks."""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QLineEdit, QListWidget, QMessageBox, QPushButton, \
    QSpinBox

from p311desk import votes
from tests.core.votes.conftest import make_room


def _page(window, room, wait_idle):
    window.ctx.set_current_session(room.session_id)
    page = window.go_to("votes")
    wait_idle(window)
    return page


def _scan(qtbot, window, wait_idle, page, code):
    scan = page.findChild(QLineEdit, "votesScan")
    qtbot.keyClicks(scan, code)
    qtbot.keyClick(scan, Qt.Key_Return)
    wait_idle(window)


def test_a_sheet_scanned_mark_by_mark_is_one_ballot(qtbot, window, db, wait_idle):
    room = make_room(db, 4)
    with db.write() as s:
        qid = votes.create_question(s, room.session_id, "Quins projectes?", method="multiple",
                                    options=["Parc", "Biblioteca", "Carril bici"]).id
        votes.open_question(s, qid)
        a, b, c = votes.issue_ballots(s, qid, 3)
    page = _page(window, room, wait_idle)
    sheet = page.findChild(QLabel, "votesSheet")
    feedback = page.findChild(QLabel, "votesScanFeedback")
    _scan(qtbot, window, wait_idle, page, dict(a.options)["Parc"])
    _scan(qtbot, window, wait_idle, page, dict(a.options)["Carril bici"])
    assert "2 marks scanned" in sheet.text()
    qtbot.mouseClick(page.findChild(QPushButton, "votes_sheet"), Qt.LeftButton)
    wait_idle(window)
    assert "counted" in feedback.text() and sheet.text() == ""
    # a code of another sheet counts the sheet before it first
    _scan(qtbot, window, wait_idle, page, dict(b.options)["Biblioteca"])
    _scan(qtbot, window, wait_idle, page, c.serial_payload)
    assert "1 mark scanned" in sheet.text()
    qtbot.mouseClick(page.findChild(QPushButton, "votes_blank"), Qt.LeftButton)
    wait_idle(window)
    with db.read() as s:
        r = votes.results(s, qid)
    assert [o.votes for o in r.options] == [1, 1, 1] and (r.cast, r.blank) == (3, 1)
    assert "Voted: 3 of 4" in page.findChild(QLabel, "votesResult").text()


def test_a_scan_message_does_not_stay_for_the_next_question(qtbot, window, db, wait_idle):
    room = make_room(db, 2)
    with db.write() as s:
        first = votes.create_question(s, room.session_id, "Primera?").id
        votes.create_question(s, room.session_id, "Segona?")
        votes.open_question(s, first)
        (ballot,) = votes.issue_ballots(s, first, 1)
    page = _page(window, room, wait_idle)
    _scan(qtbot, window, wait_idle, page, ballot.options[0][1])
    feedback = page.findChild(QLabel, "votesScanFeedback")
    assert "counted" in feedback.text()
    questions = page.findChild(QListWidget, "votesList")
    qtbot.mouseClick(questions.viewport(), Qt.LeftButton, pos=questions.visualItemRect(questions.item(1)).center())
    wait_idle(window)
    assert page.current.title == "Segona?" and feedback.text() == ""


def test_hand_a_paper_ballot_then_the_kiosk_refuses_and_close_warns(qtbot, window, db, wait_idle, monkeypatch):
    room = make_room(db, 3)
    with db.write() as s:
        qid = votes.create_question(s, room.session_id, "Aprovem?", secret=True).id
        votes.open_question(s, qid)
    page = _page(window, room, wait_idle)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (room.codes[0], True))
    qtbot.mouseClick(page.findChild(QPushButton, "votes_hand"), Qt.LeftButton)
    wait_idle(window)
    assert "Paper ballot handed to" in page.findChild(QLabel, "votesScanFeedback").text()
    with db.write() as s:
        try:
            votes.cast(s, qid, room.codes[0], ["yes"])
            raise AssertionError("the kiosk took a person who has a paper ballot")
        except votes.VoteRefused as err:
            assert "paper" in err.message()
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.No)
    qtbot.mouseClick(page.findChild(QPushButton, "votes_close"), Qt.LeftButton)
    wait_idle(window)
    assert "1 paper ballot was handed out and has not been counted yet." in asked[0]
    assert page.current.status == "open"  # "No" keeps it open
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    qtbot.mouseClick(page.findChild(QPushButton, "votes_close"), Qt.LeftButton)
    wait_idle(window)
    assert page.current.status == "closed"


def test_refused_counts_keep_what_was_typed(qtbot, window, db, wait_idle):
    room = make_room(db, 5)
    with db.write() as s:
        qid = votes.create_question(s, room.session_id, "Quins?", method="multiple", options=["A", "B", "C"]).id
        votes.open_question(s, qid)
    page = _page(window, room, wait_idle)
    seen = []

    def fill():
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.objectName() != "countDialog":
            QTimer.singleShot(20, fill)
            return
        spin = dialog.findChild(QSpinBox, "count_0")
        spin.selectAll()
        qtbot.keyClicks(spin, "4")
        total = dialog.findChild(QSpinBox, "countTotal")
        total.selectAll()
        qtbot.keyClicks(total, "3")  # 4 votes for A from 3 ballots: refused
        QTimer.singleShot(0, again)
        qtbot.keyClick(dialog, Qt.Key_Return)

    def again():
        dialog = QApplication.activeModalWidget()
        error = dialog.findChild(QLabel, "countError") if dialog is not None else None
        if dialog is None or not error.isVisible():
            QTimer.singleShot(20, again)
            return
        seen.append((error.text(), dialog.findChild(QSpinBox, "count_0").value(),
                     dialog.findChild(QSpinBox, "countTotal").value()))
        dialog.reject()

    QTimer.singleShot(0, fill)
    qtbot.mouseClick(page.findChild(QPushButton, "votes_count"), Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    assert seen == [("3 ballots cannot give these counts.", 4, 3)]
    with db.read() as s:
        assert votes.results(s, qid).cast == 0


def test_the_way_chosen_at_creation_decides_the_controls_and_paper_prints_ballots(qtbot, window, db, wait_idle,
                                                                                 monkeypatch, tmp_path):
    """Issue 21 §4: show of hands, paper, kiosk or roll call is chosen when the vote is created;
    the page shows that way's controls, "Print ballots" on a paper vote."""
    room = make_room(db, 3)
    page = _page(window, room, wait_idle)

    def create(title, way_text):
        def fill():
            dialog = QApplication.activeModalWidget()
            if dialog is None or dialog.objectName() != "newQuestionDialog":
                QTimer.singleShot(20, fill)
                return
            qtbot.keyClicks(dialog.findChild(QLineEdit, "questionTitle"), title)
            from PySide6.QtWidgets import QComboBox

            way = dialog.findChild(QComboBox, "questionWay")
            way.setFocus()
            while way.currentText() != way_text:
                qtbot.keyClick(way, Qt.Key_Down)
            qtbot.keyClick(dialog.findChild(QLineEdit, "questionTitle"), Qt.Key_Return)

        QTimer.singleShot(0, fill)
        qtbot.mouseClick(page.findChild(QPushButton, "votesNew"), Qt.LeftButton)
        wait_idle(window)

    create("Mans enlaire?", "Show of hands")
    create("En paper?", "Paper ballots")
    with db.read() as s:
        ways = {q.title: q.way for q in votes.list_questions(s, room.session_id)}
    assert ways == {"Mans enlaire?": "hands", "En paper?": "paper"}
    questions = page.findChild(QListWidget, "votesList")

    def select(title):
        row = next(i for i in range(questions.count()) if questions.item(i).text().startswith(title))
        qtbot.mouseClick(questions.viewport(), Qt.LeftButton, pos=questions.visualItemRect(questions.item(row)).center())
        wait_idle(window)
        return {k: page.findChild(QPushButton, f"votes_{k}").isVisibleTo(page)
                for k in ("count", "hand", "print", "kiosk", "rollcall")}

    assert select("Mans enlaire?") == {"count": True, "hand": False, "print": False, "kiosk": False,
                                      "rollcall": False}
    assert not page.findChild(QLineEdit, "votesScan").isVisibleTo(page)
    assert select("En paper?") == {"count": True, "hand": True, "print": True, "kiosk": False, "rollcall": False}
    assert page.findChild(QLineEdit, "votesScan").isVisibleTo(page)
    target = tmp_path / "paperetes.pdf"
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (3, True))
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PDF (*.pdf)"))
    qtbot.mouseClick(page.findChild(QPushButton, "votes_print"), Qt.LeftButton)
    wait_idle(window)
    assert target.read_bytes().startswith(b"%PDF")
    with db.read() as s:
        from sqlalchemy import func, select as sql_select

        from p311desk.models import PaperBallot

        assert s.scalar(sql_select(func.count()).select_from(PaperBallot)) == 3


def test_roll_call_search_and_everyone_not_yet_recorded(qtbot, window, db, wait_idle):
    room = make_room(db, 5)
    with db.write() as s:
        qid = votes.create_question(s, room.session_id, "Nominal?", way="roll_call").id
        votes.open_question(s, qid)
        votes.cast(s, qid, room.codes[4], ["yes"])
    page = _page(window, room, wait_idle)
    seen = {}

    def drive():
        dialog = QApplication.activeModalWidget()
        if dialog is None or dialog.objectName() != "rollCallDialog":
            QTimer.singleShot(20, drive)
            return
        from PySide6.QtWidgets import QComboBox, QTableWidget

        table = dialog.findChild(QTableWidget, "rollCallTable")
        qtbot.keyClicks(dialog.findChild(QLineEdit, "rollCallSearch"), "persona01")
        seen["visible"] = [table.item(i, 0).text() for i in range(table.rowCount()) if not table.isRowHidden(i)]
        dialog.findChild(QLineEdit, "rollCallSearch").clear()
        first = dialog.findChild(QComboBox, "rollCall_0")
        first.setCurrentIndex(first.findData("No"))
        rest = dialog.findChild(QComboBox, "rollCallRest")
        rest.setCurrentIndex(rest.findData("Yes"))
        qtbot.mouseClick(dialog.findChild(QPushButton, "rollCallApplyRest"), Qt.LeftButton)
        dialog.accept()

    QTimer.singleShot(0, drive)
    qtbot.mouseClick(page.findChild(QPushButton, "votes_rollcall"), Qt.LeftButton)
    wait_idle(window)
    assert seen["visible"] == ["Persona01 Vilaró"]
    with db.read() as s:
        r = votes.results(s, qid)
    assert [o.votes for o in r.options] == [4, 1] and r.cast == 5  # the one who voted already is kept
