"""UI fixtures: the real main window on a fresh database, offscreen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture
def qsettings(tmp_path):
    return QSettings(str(tmp_path / "ui.ini"), QSettings.IniFormat)


@pytest.fixture
def window(qtbot, db, qsettings):
    from ui.app import create_window

    win = create_window(db, lang="en", qsettings=qsettings)
    win.ctx.probed = []
    win.ctx.probe = lambda host: win.ctx.probed.append(host) or False
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.ctx.pools.wait()
    win.close()


@pytest.fixture
def wait_idle(qtbot):
    """Wait until the window's workers have finished and their signals were delivered."""

    def wait(win, timeout=10000):
        qtbot.waitUntil(lambda: not win.ctx.pools.busy, timeout=timeout)

    return wait


@pytest.fixture(autouse=True)
def _no_running_workers(qtbot):
    yield
    from PySide6.QtCore import QThreadPool

    pool = QThreadPool.globalInstance()
    assert pool.waitForDone(10000), "a test left a worker running"


def type_text(qtbot, widget, text: str) -> None:
    """Type like a person, accents included.

    ``qtbot.keyClicks`` goes through QTest, which aborts on characters outside ASCII (Qt's
    qasciikey.cpp asserts); Catalan is full of them, so those are sent as key events carrying
    their text, as a keyboard layout would."""
    from PySide6.QtCore import QEvent, Qt
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            for kind in (QEvent.KeyPress, QEvent.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key_unknown, Qt.NoModifier, ch))


@pytest.fixture
def typist(qtbot):
    return lambda widget, text: type_text(qtbot, widget, text)
