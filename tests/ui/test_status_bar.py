"""The status bar reflects the platform profiles (online, who is signed in, what waits) and
refreshes after every sync action (issue 21 §5), driven through the Sync page's widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton

from sync.fake_decidim import API_KEY, API_SECRET, start
from tests.sync.conftest import MemoryKeyring, keyring_backend


@pytest.fixture
def keyring_in_memory():
    with keyring_backend(MemoryKeyring()) as ring:
        yield ring


@pytest.fixture
def fake():
    server = start("0.32", proposals=5)
    yield server
    server.stop()


def test_status_bar_follows_the_platform_profiles(window, qtbot, wait_idle, typist, fake, keyring_in_memory):
    window.ctx.probe = lambda host: window.ctx.probed.append(host) or True
    connectivity = window.findChild(QLabel, "connectivity")
    status = window.findChild(QLabel, "platformStatus")
    wait_idle(window)
    assert "no platform" in connectivity.text() and not status.isVisible()

    page = window.go_to("sync")
    typist(page.findChild(QLineEdit, "newPlatformName"), "Vilaprova")
    typist(page.findChild(QLineEdit, "newPlatformUrl"), fake.url)
    qtbot.mouseClick(page.findChild(QPushButton, "addPlatform"), Qt.LeftButton)
    wait_idle(window)
    qtbot.waitUntil(lambda: status.isVisible() and status.text() == "Vilaprova: not signed in")
    qtbot.waitUntil(lambda: connectivity.text() == "● Online")
    assert window.ctx.probed[-1] == fake.url.split("//", 1)[1].rstrip("/")

    method = page.findChild(QComboBox, "signInMethod")
    method.setCurrentIndex(method.findData("api"))
    account = page.findChild(QLineEdit, "account")
    account.clear()
    typist(account, API_KEY)
    secret = page.findChild(QLineEdit, "secret")
    typist(secret, API_SECRET)
    qtbot.keyClick(secret, Qt.Key_Return)
    wait_idle(window)
    qtbot.waitUntil(lambda: status.text() == f"Vilaprova: signed in as {API_KEY}")

    from p311desk import sessions

    with window.ctx.db.write() as s:  # a closed session queues its closure
        sid = sessions.create_session(s, title="Consell").id
        sessions.open_session(s, sid)
        sessions.close_session(s, sid)
    window.ctx.data_changed.emit("sessions")
    wait_idle(window)
    qtbot.mouseClick(page.findChild(QPushButton, "pullNow"), Qt.LeftButton)  # any sync action refreshes it
    wait_idle(window, timeout=30000)
    qtbot.waitUntil(lambda: "1 item to send" in status.text())

    window.ctx.probe = lambda host: False  # the platform goes away: the next check says so
    window.check_connectivity()
    wait_idle(window)
    qtbot.waitUntil(lambda: connectivity.text() == "● Offline")
