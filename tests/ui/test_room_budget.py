"""The room display's budget result (issue 21 §6): whole labels, costs and the budget line."""

from PySide6.QtWidgets import QLabel, QWidget

from p311desk import votes
from tests.core.votes.conftest import make_room

LONG = "Reurbanització integral del passeig Marítim amb arbrat, bancs i un carril bici segregat"


def test_budget_result_shows_whole_labels_costs_and_the_budget_line(qtbot, db):
    room = make_room(db, 4)
    with db.write() as s:
        q = votes.create_question(s, room.session_id, "Pressupost participatiu 2027", method="budget",
                                  options=[LONG, "Biblioteca", "Horts urbans"], costs=[60_000, 30_000, 20_000],
                                  budget=90_000)
        votes.open_question(s, q.id)
        for code, choice in zip(room.codes, (["1"], ["1", "2"], ["3"], ["2"]), strict=True):
            votes.cast(s, q.id, code, choice)
        r = votes.close_question(s, q.id)
    from ui.room.vote_views import ResultView

    view = ResultView()
    qtbot.addWidget(view)
    view.resize(1024, 600)
    view.setStyleSheet("background: #10263b;")
    view.show_result(r, (60_000, 30_000, 20_000))
    view.show()
    qtbot.waitExposed(view)
    view.grab().save("/tmp/room-budget.png")
    assert not view.chart_view.isVisible() and view.budget_chart.isVisible()
    first = view.findChild(QLabel, "roomBudgetProject_0")
    assert first.text().endswith(LONG) and first.wordWrap()  # whole, wrapped, never elided
    assert first.heightForWidth(first.width()) <= first.height()  # every wrapped line is shown
    costs = [view.findChild(QLabel, f"roomBudgetCost_{i}").text() for i in range(3)]
    assert costs == ["€60,000 · 2 votes", "€30,000 · 2 votes", "€20,000 · 1 vote"]
    line = view.findChild(QWidget, "roomBudgetLine")
    spent = sum(c for c, label in zip((60_000, 30_000, 20_000), (LONG, "Biblioteca", "Horts urbans"), strict=True)
                if label in r.selected)
    assert (line.value, line.line) == (spent, 90_000)
    assert "of the €90,000 budget" in view.findChild(QLabel, "roomBudgetTotal").text()
