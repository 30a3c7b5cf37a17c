"""Screenshots of the accountability page and of the plan on the room display (offscreen), from
the demo data and an invented PAM spreadsheet:

    python tools/accountability_screens.py OUT_DIR [lang]

writes ``accountability-page-{1366x768,1024x600}.png`` and ``room-accountability-{1366x768,1024x600,1024x768}.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(out: Path, lang: str = "ca") -> None:
    from PySide6.QtWidgets import QApplication

    from p311desk import accountability, sessions
    from tests.fixtures.accountability.pam import write_pam
    from tools.screenshot import open_demo, settle

    app = QApplication.instance() or QApplication([])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db, window, current = open_demo(tmp, lang)
        with db.write() as s:
            plan = accountability.commit(s, accountability.preview_file(s, write_pam(Path(tmp) / "pam.xlsx")),
                                         accept_warnings=True).plan_id
            accountability.link_session(s, current.id, plan)
            accountability.ask(s, current.id, "2", "Quan arribarà el carril bici fins a l'estació?")
        window.ctx.data_changed.emit("*")
        for size in ((1366, 768), (1024, 600)):
            window.resize(*size)
            window.show()
            page = window.go_to("accountability")
            settle(app, window)
            window.grab().save(str(out / f"accountability-page-{size[0]}x{size[1]}.png"))
        page.show_on_room()
        settle(app, window)
        display = window.room_display()
        for size in ((1366, 768), (1024, 600), (1024, 768)):
            display.showNormal()
            display.resize(*size)
            settle(app, window)
            display.grab().save(str(out / f"room-accountability-{size[0]}x{size[1]}.png"))
        page.view.handle_key(0x01000014)  # → : the next objective
        settle(app, window)
        display.grab().save(str(out / "room-accountability-next.png"))
        display.close()
        window.close()
        db.close()
        del sessions


if __name__ == "__main__":
    main(Path(sys.argv[1]), *(sys.argv[2:3] or ["ca"]))
