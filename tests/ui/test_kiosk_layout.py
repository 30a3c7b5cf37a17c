"""The kiosk at 1024×600 and 800×480 (issue 21 §6): nothing overlaps or leaves the window, and
the budget kiosk shows the limit, the running total and the currency as projects are touched."""

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from p311desk import i18n, votes
from tests.core.votes.conftest import make_room

PROJECTS = ["Parc infantil de la plaça", "Biblioteca del barri", "Carril bici segregat",
            "Pista de petanca", "Horts urbans", "Fonts d'aigua potable"]


def _visible_rects(k):
    page = k.stack.currentWidget()
    out = []
    for w in page.findChildren(QPushButton) + page.findChildren(QLabel) + [k.title]:
        if w.isVisible() and (not isinstance(w, QLabel) or w.text()):
            top_left = w.mapTo(k, w.rect().topLeft())
            out.append((w.objectName(), QRect(top_left, w.size()), w))
    return out


@pytest.mark.parametrize("size", [(1024, 600), (800, 480)])
def test_budget_kiosk_fits_and_shows_the_running_total(qtbot, window, db, wait_idle, size):
    room = make_room(db, 2)
    with db.write() as s:
        q = votes.create_question(s, room.session_id, "Quins projectes del pressupost participatiu voleu?",
                                  method="budget", options=PROJECTS,
                                  costs=[40_000, 25_000, 60_000, 8_000, 12_000, 15_000], budget=100_000,
                                  spending_limit=70_000)
        votes.open_question(s, q.id)
    from ui.kiosk import Kiosk

    k = Kiosk(window.ctx, q.id, "4321")
    qtbot.addWidget(k)
    k.resize(*size)
    k.show()
    qtbot.waitExposed(k)
    code = k.findChild(QLineEdit, "kioskCode")
    qtbot.keyClicks(code, room.codes[0])
    qtbot.keyClick(code, Qt.Key_Return)
    wait_idle(window)
    assert k.stack.currentIndex() == 1
    spending = k.findChild(QLabel, "kioskSpending")
    qtbot.mouseClick(k.findChild(QPushButton, "kioskOption_0"), Qt.LeftButton)
    qtbot.mouseClick(k.findChild(QPushButton, "kioskOption_3"), Qt.LeftButton)
    assert spending.text() == "Chosen: €48,000 of the €70,000 you may spend."
    qtbot.mouseClick(k.findChild(QPushButton, "kioskOption_1"), Qt.LeftButton)  # 73,000: over the limit
    assert "€73,000" in spending.text() and "b3261e" in spending.styleSheet()
    k.grab().save(f"/tmp/kiosk-{size[0]}x{size[1]}.png")
    assert (k.width(), k.height()) == size

    window_rect = QRect(0, 0, k.width(), k.height())
    rects = _visible_rects(k)
    assert {name for name, _r, _w in rects} >= {"kioskOption_0", "kioskOption_5", "kioskNext", "kioskSpending"}
    for name, r, w in rects:
        assert window_rect.contains(r), f"{name} leaves the window at {size}: {r}"
        if isinstance(w, QPushButton):  # a button shows its whole text
            assert w.fontMetrics().horizontalAdvance(w.text()) <= r.width(), f"{name} cut at {size}"
    for i, (a, ra, _wa) in enumerate(rects):
        for b, rb, _wb in rects[i + 1:]:
            assert not ra.intersects(rb), f"{a} overlaps {b} at {size}"
    assert i18n.current_language() == "en"
