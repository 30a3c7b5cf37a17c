"""Usable at 1024×600 (netbooks, projectors): on every page, every visible button lies inside the
window and shows its whole text."""

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QAbstractButton, QApplication, QPushButton

from p311desk import demo, sessions
from ui.main_window import PAGES


@pytest.fixture
def demo_window(window, wait_idle):
    demo.create_demo(window.ctx.db)
    with window.ctx.db.read() as s:
        current = next(r for r in sessions.list_sessions(s) if r.status == "open")
    window.ctx.set_current_session(current.id)
    window.ctx.data_changed.emit("*")
    wait_idle(window)
    return window


def _problems(window):
    inside = QRect(QPoint(0, 0), window.size())
    found = []
    for b in window.findChildren(QAbstractButton):
        if not b.isVisibleTo(window) or b.window() is not window:
            continue
        top_left = b.mapTo(window, QPoint(0, 0))
        where = QRect(top_left, b.size())
        name = b.objectName() or b.text() or b.toolTip()
        if not inside.contains(where):
            found.append(f"{name!r} at {where.getRect()} outside the window")
        elif isinstance(b, QPushButton) and b.text() and b.width() + 2 < b.sizeHint().width():
            found.append(f"{name!r} cut: {b.width()} px for a text needing {b.sizeHint().width()} px")
    return found


@pytest.mark.parametrize("lang", ["ca", "en"])
def test_every_page_fits_1024x600(demo_window, qtbot, wait_idle, lang):
    window = demo_window
    if lang != "en":
        window.ctx.set_language(lang)
        wait_idle(window)
    window.resize(1024, 600)
    qtbot.waitUntil(lambda: window.size().width() == 1024 and window.size().height() == 600)
    problems = {}
    for page_id, _label, _target in PAGES:
        window.go_to(page_id)
        wait_idle(window)
        QApplication.processEvents()
        found = _problems(window)
        if found:
            problems[page_id] = found
    assert window.width() == 1024 and window.height() == 600
    assert not problems, problems
    window.ctx.set_language("en")
    wait_idle(window)
