"""Render the README screenshot offscreen from the demo data: ``python tools/screenshot.py [out.png] [page] [lang]``."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshot.png"
    page = sys.argv[2] if len(sys.argv) > 2 else "sessions"
    lang = sys.argv[3] if len(sys.argv) > 3 else "ca"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["P311DESK_CACHE_DIR"] = os.path.join(tmp, "cache")
        from p311desk.db import open_database
        from p311desk import demo
        from p311desk import sessions
        from ui.app import create_window

        db = open_database(tmp)
        demo.create_demo(db)
        with db.read() as s:
            current = next(r for r in sessions.list_sessions(s) if r.status == "open")
        window = create_window(db, lang=lang, qsettings=QSettings(os.path.join(tmp, "ui.ini"), QSettings.IniFormat))
        window.ctx.set_current_session(current.id)
        window.resize(1280, 800)
        window.show()
        shown = window.go_to(page)
        if page == "sessions":
            shown.reload(select=current.id)
        import time

        for _ in range(3):  # let page workers (loading lists, search indexes) finish and deliver
            window.ctx.pools.wait()
            deadline = time.monotonic() + 0.3
            while time.monotonic() < deadline:
                app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(out))
        window.ctx.pools.wait()
        window.close()
        db.close()
    print(out)


if __name__ == "__main__":
    main()
