"""The Votes page and the room display's vote views, driven through real widgets."""

from PySide6.QtCharts import QChartView
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QMessageBox, QPushButton

from p311desk import votes
from tests.core.votes.conftest import make_room


def test_open_scan_close_and_show_the_result_in_the_room(qtbot, window, db, wait_idle, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)  # "Close the vote" asks
    room = make_room(db, 5)
    with db.write() as s:
        qid = votes.create_question(s, room.session_id, "Tanquem el carrer els diumenges?", secret=True).id
    window.ctx.set_current_session(room.session_id)
    page = window.go_to("votes")
    wait_idle(window)
    questions = page.findChild(QListWidget, "votesList")
    assert questions.count() == 1 and "Tanquem" in questions.item(0).text()
    qtbot.mouseClick(page.findChild(QPushButton, "votes_open"), Qt.LeftButton)
    wait_idle(window)
    assert page.current.status == "open"
    with db.write() as s:
        ballots = votes.issue_ballots(s, qid, 3)

    qtbot.mouseClick(page.findChild(QPushButton, "votes_room"), Qt.LeftButton)
    wait_idle(window)
    display = window.room_display()
    question_view, result_view = page.room_views()
    assert display.current_view() is question_view

    scan = page.findChild(QLineEdit, "votesScan")
    feedback = page.findChild(QLabel, "votesScanFeedback")
    for ballot, mark in zip(ballots, (0, 0, 1), strict=True):
        qtbot.keyClicks(scan, ballot.options[mark][1])
        qtbot.keyClick(scan, Qt.Key_Return)
        wait_idle(window)
        assert "counted" in feedback.text()
    qtbot.keyClicks(scan, ballots[0].options[1][1])
    qtbot.keyClick(scan, Qt.Key_Return)
    wait_idle(window)
    assert "already been counted" in feedback.text()
    # while the secret vote is open the room sees how many voted, never how
    assert question_view.count.text() == "3 / 5"
    assert "—" in page.findChild(QLabel, "votesResult").text()

    qtbot.mouseClick(page.findChild(QPushButton, "votes_close"), Qt.LeftButton)
    wait_idle(window)
    assert display.current_view() is result_view
    assert result_view.explanation.text() == "Approved: 2 yes, 1 no; a simple majority needs more yes than no."
    chart = result_view.findChild(QChartView, "roomResultChart").chart()
    (series,) = chart.series()
    assert [series.barSets()[0].at(i) for i in range(3)] == [2.0, 1.0, 0.0]  # yes, no, abstain
    assert "Approved" in page.findChild(QLabel, "votesResult").text()


def test_closing_stages_from_the_page(qtbot, window, db, wait_idle, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)  # "Close the vote" asks
    room = make_room(db, 2)
    with db.write() as s:
        qid = votes.create_question(s, room.session_id, "Aprovem l'acta anterior?").id
        votes.open_question(s, qid)
    window.ctx.set_current_session(room.session_id)
    page = window.go_to("votes")
    wait_idle(window)
    count = page.findChild(QPushButton, "closing_count")
    qtbot.mouseClick(count, Qt.LeftButton)
    wait_idle(window)
    assert "Close every open vote" in window.findChild(QLabel, "messageText").text()
    qtbot.mouseClick(page.findChild(QPushButton, "votes_close"), Qt.LeftButton)
    wait_idle(window)
    qtbot.mouseClick(count, Qt.LeftButton)
    wait_idle(window)
    results = page.findChild(QPushButton, "closing_results")
    assert not count.isEnabled() and results.isEnabled()
    qtbot.mouseClick(results, Qt.LeftButton)
    wait_idle(window)
    stages = page.findChild(QLabel, "votesStages").text()
    assert "✓ Count" in stages and "✓ Results" in stages and "· Minutes generated" in stages
    assert not page.findChild(QPushButton, "closing_signed").isEnabled()  # the minutes come first
