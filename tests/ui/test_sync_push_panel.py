"""The Sync page's push part driven through its widgets against a fake Decidim 0.32: the waiting
count, "Push now" in a worker, the result in a sentence and the sync log."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QTableView

from sync.fake_decidim import start
from tests.sync.conftest import MemoryKeyring, fast_client
from tests.sync.test_push import TITLES, room


@pytest.fixture
def keyring_in_memory():
    import keyring

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


def test_push_now_sends_and_the_log_shows_each_step(window, qtbot, wait_idle, keyring_in_memory, tmp_path):
    with start("0.32", proposals=10) as fake:
        room(window.ctx.db, fake)
        page = window.go_to("sync")
        page.activate()
        page.client_factory = fast_client
        waiting = page.findChild(QLabel, "pushWaiting")
        assert waiting.text().startswith("5 changes to send")
        qtbot.mouseClick(page.findChild(QPushButton, "pushNow"), Qt.LeftButton)
        wait_idle(window, timeout=30000)
        result = page.findChild(QLabel, "pushResult")
        qtbot.waitUntil(lambda: " sent, " in result.text())
        sent, found = (int(x) for x in __import__("re").search(r"(\d+) sent, (\d+) found", result.text()).groups())
        assert sent + found == 5 and "0 refused, 0 still to send" in result.text()
        assert waiting.text().startswith("0 changes to send")
        assert sum(1 for p in fake.store.proposals.values() if p.title.get("ca") in TITLES) == len(TITLES)
        log = page.findChild(QTableView, "syncLog").model()
        texts = [log.index(r, 2).data() for r in range(log.rowCount())]
        assert texts.count("sent") == 5 and "sending" in texts  # found after a lost answer is "sent" too
        assert log.index(0, 1).data() in ("Meeting closure", "New proposal")
        page.resize(1024, 600)
        page.findChild(QPushButton, "pushNow").parentWidget().parentWidget().grab().save(
            str(tmp_path / "push_panel.png"))
        Path("/tmp/sync2").mkdir(exist_ok=True)
        page.findChild(QPushButton, "pushNow").parentWidget().parentWidget().grab().save("/tmp/sync2/push_panel.png")
