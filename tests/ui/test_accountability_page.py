"""The Accountability page: import with preview, present in the session, the fast question box
(keys and clicks), consent, and the plan on the room display walked with →, ← and Home."""

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton, QTreeWidget

from p311desk import accountability, participants, sessions
from p311desk.models import AccountabilityQuestion
from tests.fixtures.accountability.pam import write_pam


def _setup(window, tmp_path, link=True):
    with window.ctx.db.write() as s:
        plan = accountability.commit(s, accountability.preview_file(s, write_pam(tmp_path / "pam.xlsx")),
                                     accept_warnings=True).plan_id
        sid = sessions.create_session(s, title="Retiment de comptes").id
        sessions.open_session(s, sid)
        if link:
            accountability.link_session(s, sid, plan)
        adult = participants.add_participant(s, given_name="Marta", family_name="Fictícia",
                                             birth_date=dt.date(1980, 5, 1))
    window.ctx.set_current_session(sid)
    return sid, plan, adult.checkin_code


def _questions(window):
    with window.ctx.db.read() as s:
        return [(q.text, q.author_name) for q in s.query(AccountabilityQuestion).order_by(AccountabilityQuestion.asked_at)]


def test_import_preview_then_present_in_the_session(window, qtbot, wait_idle, tmp_path, monkeypatch):
    with window.ctx.db.write() as s:
        sid = sessions.create_session(s, title="Retiment de comptes").id
        sessions.open_session(s, sid)
    window.ctx.set_current_session(sid)
    page = window.go_to("accountability")
    wait_idle(window)
    path = str(write_pam(tmp_path / "pam.xlsx"))
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (path, ""))
    qtbot.mouseClick(page.findChild(QPushButton, "accountabilityImport"), Qt.LeftButton)
    qtbot.waitUntil(lambda: getattr(page, "preview_dialog", None) is not None and page.preview_dialog.isVisible())
    dialog = page.preview_dialog
    assert "10 actions" in dialog.findChild(QLabel, "planImportSummary").text()
    qtbot.mouseClick(dialog.import_button, Qt.LeftButton)
    wait_idle(window)
    tree = page.findChild(QTreeWidget, "accountabilityTree")
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 3)
    link = page.findChild(QPushButton, "accountabilityLink")
    assert link.isEnabled() and not page.findChild(QLineEdit, "askQuestion").isEnabled()
    qtbot.mouseClick(link, Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: page.findChild(QLineEdit, "askQuestion").isEnabled())
    with window.ctx.db.read() as s:
        assert sessions.get_session(s, sid).kind == "accountability"


def test_fast_question_box_by_number_and_by_search(window, qtbot, wait_idle, tmp_path, typist):
    _sid, _plan, code = _setup(window, tmp_path)
    page = window.go_to("accountability")
    wait_idle(window)
    action = page.findChild(QLineEdit, "askAction")
    question = page.findChild(QLineEdit, "askQuestion")
    qtbot.waitUntil(question.isEnabled)
    qtbot.keyClicks(action, "2")
    qtbot.keyClick(action, Qt.Key_Return)  # Enter in the action field goes on to the question
    assert question.hasFocus()
    typist(question, "Quan arribarà el carril bici fins a l'estació?")
    qtbot.keyClick(question, Qt.Key_Return)
    wait_idle(window)
    qtbot.waitUntil(lambda: len(_questions(window)) == 1)
    assert _questions(window) == [("Quan arribarà el carril bici fins a l'estació?", "")]  # anonymous by default
    assert action.text() == "" and question.text() == ""
    # Named, with consent: the code field opens only with the checkbox.
    author = page.findChild(QLineEdit, "askAuthor")
    assert not author.isEnabled()
    typist(action, "porta a porta")
    typist(question, "Arribarà al meu carrer?")
    qtbot.mouseClick(page.findChild(QCheckBox, "askConsent"), Qt.LeftButton)
    assert author.isEnabled() and author.hasFocus()
    qtbot.keyClicks(author, code)
    qtbot.keyClick(author, Qt.Key_Return)
    wait_idle(window)
    qtbot.waitUntil(lambda: len(_questions(window)) == 2)
    assert _questions(window)[1] == ("Arribarà al meu carrer?", "Marta Fictícia")
    assert not page.findChild(QCheckBox, "askConsent").isChecked()
    # An ambiguous action is one sentence, and nothing is recorded.
    qtbot.keyClicks(action, "barri")
    qtbot.keyClicks(question, "Quan?")
    qtbot.keyClick(question, Qt.Key_Return)
    wait_idle(window)
    feedback = page.findChild(QLabel, "askFeedback")
    qtbot.waitUntil(lambda: "matches 2 actions" in feedback.text())
    assert len(_questions(window)) == 2 and question.text() == "Quan?"


def test_presentation_walks_objectives_with_keys(window, qtbot, wait_idle, tmp_path):
    _setup(window, tmp_path)
    page = window.go_to("accountability")
    wait_idle(window)
    tree = page.findChild(QTreeWidget, "accountabilityTree")
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 3)
    qtbot.mouseClick(page.findChild(QPushButton, "accountabilityRoom"), Qt.LeftButton)
    display = window.room_display()
    view = display.current_view()
    assert view is page.view and view.isVisible()
    display.resize(1024, 768)
    assert view.describe().startswith("Objective 1 of 3: Una ciutat sostenible i verda")
    qtbot.keyClick(view, Qt.Key_Right)
    assert view.describe().startswith("Objective 2 of 3")
    qtbot.keyClick(display, Qt.Key_Right)  # the display forwards its keys to the view
    assert view.describe().startswith("Objective 3 of 3")
    qtbot.keyClick(view, Qt.Key_Right)  # the last one stays
    assert view.describe().startswith("Objective 3 of 3")
    qtbot.keyClick(view, Qt.Key_Left)
    assert view.describe().startswith("Objective 2 of 3")
    qtbot.keyClick(view, Qt.Key_Home)
    assert view.describe().startswith("Objective 1 of 3")
    # The page drives it too: the buttons, and the arrows on the plan list.
    qtbot.mouseClick(page.findChild(QPushButton, "accountabilityNext"), Qt.LeftButton)
    assert "Objective 2 of 3" in page.findChild(QLabel, "accountabilitySlide").text()
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key_Home)
    assert view.describe().startswith("Objective 1 of 3")
    # A question recorded meanwhile keeps the presentation where it was.
    qtbot.keyClick(tree, Qt.Key_Right)
    with window.ctx.db.write() as s:
        accountability.ask(s, window.ctx.current_session_id, "7", "I les obres?")
    window.ctx.data_changed.emit("accountability")
    wait_idle(window)
    assert view.describe().startswith("Objective 2 of 3")
    display.close()


def test_presentation_switches_fast_and_paginates_a_long_objective(qtbot):
    from ui.room.accountability_view import AccountabilityView

    plan = _big_plan(300, objectives=3)
    view = AccountabilityView()
    qtbot.addWidget(view)
    view.resize(1024, 768)
    view.show()
    view.set_plan(plan)
    assert len(view.slides) > 3  # 100 actions an objective do not fit on one slide
    for _ in range(len(view.slides)):  # (timings: bench/accountability.py)
        qtbot.keyClick(view, Qt.Key_Right)
        view.repaint()
    assert view.index == len(view.slides) - 1
    qtbot.keyClick(view, Qt.Key_End)
    qtbot.keyClick(view, Qt.Key_Home)
    assert view.index == 0 and "actions 1 to" in view.describe()


def _big_plan(n, objectives):
    from p311desk.db import Database

    import tempfile
    from pathlib import Path

    tmp = Path(tempfile.mkdtemp())
    db = Database(tmp / "big.db")
    try:
        results = []
        for o in range(objectives):
            results.append(accountability.RemoteResult(f"{o + 1}", None, {"ca": f"Objectiu {o + 1}"}))
        for i in range(n):
            results.append(accountability.RemoteResult(f"{1000 + i}", f"{i % objectives + 1}",
                                                       {"ca": f"Actuació número {i} amb un títol prou llarg"},
                                                       progress=float(i % 101)))
        with db.write() as s:
            accountability.apply_results(s, "h", "1", results)
        with db.read() as s:
            return accountability.plan_view(s, accountability.find_plan(s, None).id)
    finally:
        db.close()
