"""Sync tells the truth (issue 21 §5, the Sync page), driven by clicks against the fake Decidim:
the push summary counts what was sent, found, waiting and refused; an expired sign-in asks to
sign in again and keeps the queue; a closed session is linked to its meeting without reopening
it (the meeting on the session's date proposed first); spaces are told apart; no developer hint."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton

from p311desk import outbox, sessions
from p311desk import proposals as P
from sync.fake_decidim import API_KEY, API_SECRET, start
from tests.sync.conftest import MemoryKeyring, fast_client
from tests.sync.test_push import room

SHOTS = Path("/tmp/i20-shots")


@pytest.fixture
def keyring_in_memory():
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


def _page(window, fake):
    page = window.go_to("sync")
    page.client_factory = fast_client
    page.activate()
    return page


def test_the_push_summary_counts_what_happened(window, qtbot, wait_idle, keyring_in_memory):
    with start("0.32", proposals=10) as fake:
        room(window.ctx.db, fake)
        page = _page(window, fake)
        push = page.findChild(QPushButton, "pushNow")
        result = page.findChild(QLabel, "pushResult")
        qtbot.mouseClick(push, Qt.LeftButton)
        wait_idle(window, timeout=30000)
        qtbot.waitUntil(lambda: "still to send" in result.text(), timeout=30000)
        assert result.text().startswith("Pushed to Vilaprova: ") and "0 refused, 0 still to send" in result.text()
        qtbot.mouseClick(push, Qt.LeftButton)  # again: nothing happened, and it says so
        wait_idle(window, timeout=30000)
        qtbot.waitUntil(lambda: result.text().startswith("Nothing to push"), timeout=30000)
        assert "sent" not in result.text().split("\n")[0]


def test_an_expired_sign_in_asks_to_sign_in_again_and_keeps_the_queue(window, qtbot, wait_idle, keyring_in_memory,
                                                                       tmp_path):
    with start("0.32", proposals=10) as fake:
        sid = room(window.ctx.db, fake)
        fake.store.api_users[API_KEY]["secret"] = "revoked"
        fake.expire_all()
        page = _page(window, fake)
        qtbot.mouseClick(page.findChild(QPushButton, "pushNow"), Qt.LeftButton)
        wait_idle(window, timeout=30000)
        status = page.findChild(QLabel, "signStatus")
        qtbot.waitUntil(lambda: "sign in again" in status.text(), timeout=30000)
        assert page.findChild(QLabel, "pushWaiting").text().startswith("5 changes to send")
        with window.ctx.db.read() as s:
            assert outbox.counts_by_session(s)[sid] == {"pending": 5}  # nothing refused
        assert "0 refused, 5 still to send" in page.findChild(QLabel, "pushResult").text()
        # Signing in again (typed, Enter) and pushing sends everything.
        fake.store.api_users[API_KEY]["secret"] = API_SECRET
        secret = page.findChild(QLineEdit, "secret")
        qtbot.waitUntil(secret.hasFocus, timeout=5000) if window.isActiveWindow() else None
        qtbot.keyClicks(secret, API_SECRET)
        qtbot.keyClick(secret, Qt.Key_Return)
        wait_idle(window, timeout=30000)
        qtbot.mouseClick(page.findChild(QPushButton, "pushNow"), Qt.LeftButton)
        wait_idle(window, timeout=30000)
        qtbot.waitUntil(lambda: page.findChild(QLabel, "pushWaiting").text().startswith("0 changes"), timeout=30000)
        SHOTS.mkdir(exist_ok=True)
        page.resize(1024, 600)
        page.grab().save(str(SHOTS / "sync-after-sign-in.png"))


def test_a_closed_session_is_linked_to_its_meeting_without_reopening(window, qtbot, wait_idle, keyring_in_memory):
    with start("0.32", proposals=10) as fake:
        room(window.ctx.db, fake)  # signs in, pulls; its session is linked and closed
        db = window.ctx.db
        day = dt.datetime.fromisoformat(fake.store.meetings["503"].start.replace("Z", "+00:00"))
        with db.write() as s:
            info = sessions.create_session(s, title="Taller sense enllaçar", starts_at=day)
            sessions.open_session(s, info.id)
            P.add_proposal(s, info.id, title="Un banc a l'ombra del plàtan gran", body="Dita a la sala.")
            sessions.close_session(s, info.id)
        page = _page(window, fake)
        combo = page.findChild(QComboBox, "linkSession")
        combo.setFocus()
        qtbot.keyClicks(combo, "Taller sense")  # typing picks the item, as a user does
        assert combo.currentData() == str(info.id)
        component = page.findChild(QComboBox, "linkComponent")
        labels = [component.itemText(i) for i in range(component.count())]
        assert len(labels) == len(set(labels)) and all(" · " in x for x in labels)  # told apart
        component.setFocus()
        qtbot.keyClick(component, Qt.Key_Home)
        for _ in range(component.count()):  # the arrow keys, as a user goes down the list
            if "Participatory budget 2027" in component.currentText():
                break
            qtbot.keyClick(component, Qt.Key_Down)
        assert "Participatory budget 2027" in component.currentText()
        meeting = page.findChild(QComboBox, "linkMeeting")
        assert meeting.currentData() == "503" and "same day" in meeting.currentText(), _debug(page)  # proposed first
        qtbot.mouseClick(page.findChild(QPushButton, "linkNow"), Qt.LeftButton)
        wait_idle(window, timeout=30000)
        qtbot.waitUntil(lambda: "is linked to" in page.findChild(QLabel, "linkStatus").text(), timeout=30000)
        with db.read() as s:
            got = sessions.get_session(s, info.id)
            closures = outbox.session_items(s, info.id, operation="close_meeting")
        assert got.status == "closed" and got.decidim_meeting_id == "503"
        assert [c.status for c in closures] == ["pending"]  # the queued closure, not superseded
        qtbot.mouseClick(page.findChild(QPushButton, "pushNow"), Qt.LeftButton)
        wait_idle(window, timeout=30000)
        qtbot.waitUntil(lambda: fake.store.meetings["503"].closed, timeout=30000)


def test_spaces_are_told_apart_and_no_developer_hint_shows(window, qtbot, keyring_in_memory):
    page = window.go_to("sync")
    page.activate()
    assert "fake_decidim" not in page.findChild(QLabel, "noPlatforms").text()
    with start("0.30", proposals=5) as fake:
        room(window.ctx.db, fake)
        page.activate()
        space = page.findChild(QComboBox, "pullSpace")
        labels = [space.itemText(i) for i in range(1, space.count())]
        assert len(labels) == len(set(labels)) == 3
        assert any(x.startswith("Assembly · ") for x in labels)
        assert any(x.startswith("Process · ") and "01/09/2026–30/06/2027" in x for x in labels)
        assert "Decidim 0.30 line" in page.findChild(QLabel, "capabilities").text()
        SHOTS.mkdir(exist_ok=True)
        page.resize(1024, 600)
        page.grab().save(str(SHOTS / "sync-top-1024.png"))
        box = page.findChild(QComboBox, "linkSession").parentWidget()
        box.grab().save(str(SHOTS / "sync-link-box.png"))
        from PySide6.QtWidgets import QScrollArea

        scroll = page.findChild(QScrollArea)
        assert scroll.horizontalScrollBar().maximum() == 0  # nothing wider than the page at 1024x600


def _debug(page):
    m = page.findChild(QComboBox, "linkMeeting")
    return [m.itemText(i) for i in range(m.count())], page.findChild(QComboBox, "linkComponent").currentText(), page._session_row()
