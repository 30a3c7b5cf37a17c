"""Render screenshots offscreen from the demo data.

    python tools/screenshot.py [out.png] [page] [lang]   # one page (default: the README screenshot)
    python tools/screenshot.py --docs [lang]             # every screenshot under docs/

``--docs`` writes every page of the window (``docs/page-<page>-<size>.png``), the check-in page
with its recent check-ins, the participants editor, and the room display at 1366×768 and
1024×600 (a laptop and a netbook or projector).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DOCS = ROOT / "docs"


def settle(app, window) -> None:
    """Let page workers (lists, search indexes, counters) finish and deliver their results."""
    for _ in range(3):
        window.ctx.pools.wait()
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            app.processEvents()


def open_demo(tmp: str, lang: str):
    from PySide6.QtCore import QSettings

    os.environ["P311DESK_CACHE_DIR"] = os.path.join(tmp, "cache")
    os.environ.setdefault("P311DESK_KEY_DIR", os.path.join(tmp, "keys"))
    from p311desk import demo, sessions
    from p311desk.db import open_database
    from ui.app import create_window

    db = open_database(tmp)
    demo.create_demo(db)
    with db.read() as s:
        current = next(r for r in sessions.list_sessions(s) if r.status == "open")
    window = create_window(db, lang=lang, qsettings=QSettings(os.path.join(tmp, "ui.ini"), QSettings.IniFormat))
    window.ctx.set_current_session(current.id)
    return db, window, current


def one_page(out: Path, page: str, lang: str) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        db, window, current = open_demo(tmp, lang)
        window.resize(1280, 800)
        window.show()
        shown = window.go_to(page)
        if page == "sessions":
            shown.reload(select=current.id)
        settle(app, window)
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        window.ctx.pools.wait()
        window.close()
        db.close()
    print(out)


def docs(lang: str) -> None:
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    DOCS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db, window, current = open_demo(tmp, lang)
        window.resize(1366, 768)
        window.show()
        for name, build in _pages() + SCENES:
            build(app, window, current)
            settle(app, window)
            target = build.widget(window) if hasattr(build, "widget") else window
            out = DOCS / f"{name}.png"
            image = target.grab()
            dialog = getattr(build, "dialog", None)
            if dialog is not None and dialog(window) is not None:
                # A dialog is its own window: paint it where it would sit, over the main window.
                from PySide6.QtGui import QPainter

                shot = dialog(window).grab()
                painter = QPainter(image)
                painter.drawPixmap((image.width() - shot.width()) // 2, (image.height() - shot.height()) // 2, shot)
                painter.end()
                dialog(window).reject()
            image.save(str(out))
            print(out)
        window.ctx.pools.wait()
        window.close()
        db.close()


def _room(size):
    def build(app, window, current):
        display = window.room_display()
        display.show_on_room_screen()
        display.showNormal()
        display.resize(*size)
        display.refresh()

    build.widget = lambda window: window.room_display()
    return build


def _checkin(size):
    def build(app, window, current):
        from p311desk import attendance

        window.resize(*size)
        page = window.go_to("checkin")
        settle(app, window)
        with window.ctx.db.read() as s:
            waiting = attendance.not_arrived(s, current.id)
        page.input.setText(waiting[0].checkin_code)  # what a scanner types, then Enter
        page.submit()
        settle(app, window)
        page.input.setText("mar")  # the next person's name, half typed
        settle(app, window)

    return build


def _participants(size):
    def build(app, window, current):
        window.resize(*size)
        page = window.go_to("participants")
        settle(app, window)
        page.filter_edit.setText("martí")
        settle(app, window)
        page.table.selectRow(0)
        page.edit_selected()
        settle(app, window)

    build.dialog = lambda window: getattr(window.pages.get("participants"), "person_dialog", None)
    return build


def _page(page_id, size):
    def build(app, window, current):
        window.resize(*size)
        page = window.go_to(page_id)
        if page_id == "sessions":
            page.reload(select=current.id)
        settle(app, window)

    return build


def _pages():
    from ui.main_window import PAGES

    return [(f"page-{page_id}-{w}x{h}", _page(page_id, (w, h)))
            for page_id, _label, _target in PAGES for (w, h) in ((1366, 768), (1024, 600))]


SCENES = [
    ("participants-editor-1366x768", _participants((1366, 768))),
    ("participants-editor-1024x600", _participants((1024, 600))),
    ("checkin-1366x768", _checkin((1366, 768))),
    ("checkin-1024x600", _checkin((1024, 600))),
    ("room-display-1366x768", _room((1366, 768))),
    ("room-display-1024x600", _room((1024, 600))),
]


def main() -> None:
    if sys.argv[1:2] == ["--docs"]:
        docs(sys.argv[2] if len(sys.argv) > 2 else "ca")
        return
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS / "screenshot.png"
    page = sys.argv[2] if len(sys.argv) > 2 else "sessions"
    lang = sys.argv[3] if len(sys.argv) > 3 else "ca"
    one_page(out, page, lang)


if __name__ == "__main__":
    main()
