"""The Sync page driven through its widgets against a fake Decidim: add a platform, see what it
can do, sign in, pull with progress; then the Sessions page shows the session's link and the
meeting's date."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QListWidget, QPushButton

from sync.fake_decidim import API_KEY, API_SECRET, start
from tests.sync.conftest import MemoryKeyring, fast_client, keyring_backend

SHOTS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def keyring_in_memory():
    with keyring_backend(MemoryKeyring()) as ring:
        yield ring


@pytest.fixture
def fake():
    server = start("0.32", proposals=60)
    yield server
    server.stop()


def test_add_sign_in_pull_and_see_the_link(window, qtbot, wait_idle, typist, fake, keyring_in_memory, tmp_path):
    page = window.go_to("sync")
    assert page.findChild(QLabel, "noPlatforms").isVisible()
    typist(page.findChild(QLineEdit, "newPlatformName"), "Vilaprova")
    typist(page.findChild(QLineEdit, "newPlatformUrl"), fake.url)
    qtbot.mouseClick(page.findChild(QPushButton, "addPlatform"), Qt.LeftButton)
    wait_idle(window)
    platforms = page.findChild(QListWidget, "platformList")
    qtbot.waitUntil(lambda: platforms.count() == 1)
    assert "★ Vilaprova" == platforms.item(0).text()
    assert "proposals and meeting closures directly" in page.findChild(QLabel, "capabilities").text()

    method = page.findChild(QComboBox, "signInMethod")
    method.setCurrentIndex(method.findData("api"))
    account = page.findChild(QLineEdit, "account")
    account.clear()
    typist(account, API_KEY)
    secret = page.findChild(QLineEdit, "secret")
    typist(secret, API_SECRET)
    qtbot.keyClick(secret, Qt.Key_Return)
    assert secret.text() == ""  # the secret never stays in the widget
    wait_idle(window)
    qtbot.waitUntil(lambda: "keyring" in page.findChild(QLabel, "signStatus").text())
    assert list(keyring_in_memory.data.values()) == [API_SECRET]

    qtbot.mouseClick(page.findChild(QPushButton, "pullNow"), Qt.LeftButton)
    wait_idle(window, timeout=30000)
    last = page.findChild(QLabel, "lastPull")
    qtbot.waitUntil(lambda: "Last pull" in last.text())
    assert "proposals: 101 new" in last.text()
    space = page.findChild(QComboBox, "pullSpace")
    assert space.count() == 4  # all spaces + the three pulled
    page.resize(1024, 600)
    page.grab().save(str(tmp_path / "sync_page.png"))

    # An error reaches the message bar as a sentence: the platform goes away.
    fake.stop()
    page.client_factory = fast_client
    qtbot.mouseClick(page.findChild(QPushButton, "pullNow"), Qt.LeftButton)
    wait_idle(window, timeout=30000)
    qtbot.waitUntil(lambda: "could not be reached" in window.findChild(QLabel, "messageText").text())


def test_sessions_page_shows_the_link_and_the_meeting_date(window, qtbot, wait_idle, fake, keyring_in_memory):
    from p311desk import sessions, spaces
    from sync.platforms import add_platform, login
    from sync.pull import pull

    add_platform(window.ctx.db, "Vilaprova", fake.url)
    login(window.ctx.db, "Vilaprova", "api", API_KEY, API_SECRET)
    pull(window.ctx.db, space="pressupostos-2027")
    with window.ctx.db.write() as s:
        info = sessions.create_session(s, title="Trobada enllaçada")
        host = spaces.get_platform(s).host
        sessions.update_session(s, info.id, **spaces.resolve_link(s, host, "11", "502"))
    page = window.go_to("sessions")
    page.reload(select=info.id)
    wait_idle(window)
    link = page.findChild(QLabel, "sessionLink")
    qtbot.waitUntil(lambda: "Neighbourhood session 2" in link.text())
    assert "Linked to Vilaprova" in link.text()
    assert "/2026" in link.text()  # the meeting's date is shown
    meeting = page.findChild(QComboBox, "sessionMeeting")
    assert meeting.currentData() == "502" and meeting.count() == 7
