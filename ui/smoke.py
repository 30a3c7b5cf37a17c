"""``p311desk --smoke``: does this build start? For installers and CI, not for users.

Starts the real app (``ui.app.run``) offscreen on the given data folder with the demo data, waits
until the database is open and the demo is in, shows every page once and paints it, then quits.
It fails (exit 1, the reasons on stderr and in the log) on any error: a Python log record of
level ERROR or above (a failed worker logs one), an exception reaching the event loop, a critical
Qt message, an error shown in the message bar, a page that does not paint, Qt's own Catalan or
Spanish catalog missing, or no window after ``timeout`` seconds. Qt warnings are printed, not
fatal (offscreen and sound-less machines have many harmless ones). With ``P311DESK_SMOKE_SHOTS``
set to a folder, each page's paint is saved there as PNG (to look at what a build renders).
"""

from __future__ import annotations

import logging
import os
import sys
import time

log = logging.getLogger(__name__)

TIMEOUT_S = 120.0
SETTLE_S = 0.8


class _Problems(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.items: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.items.append(f"log {record.levelname}: {record.name}: {record.getMessage().splitlines()[0]}")


def run(*, data_dir: str | None, lang: str | None = None, qt_args: list[str] | None = None,
        timeout: float = TIMEOUT_S) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    problems = _Problems()
    logging.getLogger().addHandler(problems)

    from PySide6.QtCore import QTimer, QtMsgType, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    def on_qt_message(kind, _context, message: str) -> None:
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            problems.items.append(f"Qt: {message}")
        elif kind == QtMsgType.QtWarningMsg:
            print(f"smoke: Qt warning (not fatal): {message}", file=sys.stderr)

    qInstallMessageHandler(on_qt_message)
    QApplication.instance() or QApplication(["p311desk", *(qt_args or [])])  # run() reuses it
    previous_hook = sys.excepthook

    def on_exception(kind, value, tb) -> None:
        problems.items.append(f"exception: {kind.__name__}: {value}")
        previous_hook(kind, value, tb)

    sys.excepthook = on_exception

    import ui.main_window as main_window
    from ui import app as app_module

    started = time.monotonic()
    painted: list[str] = []
    state = {"window": None}

    class SmokeWindow(main_window.MainWindow):
        def attach(self, ctx) -> None:
            super().attach(ctx)
            state["window"] = self
            ctx.message.connect(lambda text, level: level == "error" and problems.items.append(f"message bar: {text}"))

    def finish(reason: str | None = None) -> None:
        if reason:
            problems.items.append(reason)
        logging.getLogger().removeHandler(problems)  # the outcome goes to the data folder's log too
        for item in problems.items:
            log.error("smoke: FAILED: %s", item)
        if not problems.items:
            log.info("smoke: ok: %d pages painted with the demo data in %.1f s", len(painted),
                     time.monotonic() - started)
        window = state["window"] or QApplication.activeWindow()
        for widget in QApplication.topLevelWidgets():
            if widget is not window:
                widget.close()
        if window is not None:
            window.close()
        QApplication.quit()

    def demo_loaded(window) -> bool:
        from sqlalchemy import select

        from p311desk.models import ParticipationSession

        with window.ctx.db.read() as s:  # one indexed row: a smoke check, not the app's UI thread
            return s.scalar(select(ParticipationSession.id).limit(1)) is not None

    pending = list(main_window.PAGES)

    def step() -> None:
        if problems.items:
            return finish()
        if time.monotonic() - started > timeout:
            return finish(f"timed out after {timeout:.0f} s (pages painted: {', '.join(painted) or 'none'})")
        window = state["window"]
        if window is None or window.ctx is None or window.ctx.pools.busy or QApplication.activeModalWidget():
            state["idle_since"] = None
            return QTimer.singleShot(100, step)
        if not painted and not demo_loaded(window):
            return QTimer.singleShot(100, step)
        if len(painted) < len(pending):
            page_id = pending[len(painted)][0]
            if window.current_page_id() != page_id or page_id not in window.pages:
                window.go_to(page_id)
                state["idle_since"] = None
                return QTimer.singleShot(50, step)  # let the page start its reads
            # Paint once the page has had no work running for SETTLE_S: a page may start its work
            # on a timer (the print preview waits 450 ms), and that work is part of the check.
            now = time.monotonic()
            if state.get("idle_since") is None or now - state["idle_since"] < SETTLE_S:
                state["idle_since"] = state.get("idle_since") or now
                return QTimer.singleShot(100, step)
            image = window.grab()  # paints the window with this page
            if image.isNull() or image.width() < 400:
                return finish(f"page {page_id} did not paint")
            painted.append(page_id)
            if os.environ.get("P311DESK_SMOKE_SHOTS"):
                image.save(os.path.join(os.environ["P311DESK_SMOKE_SHOTS"], f"{page_id}.png"))
            print(f"smoke: page {page_id} painted ({image.width()}x{image.height()})", flush=True)
            return QTimer.singleShot(0, step)
        if app_module._qt_translator is None and app_module.i18n.current_language() != "en":
            return finish(f"Qt's own {app_module.i18n.current_language()} catalog (qtbase) did not load")
        finish()

    original = main_window.MainWindow
    main_window.MainWindow = SmokeWindow
    try:
        QTimer.singleShot(0, step)  # runs once the event loop of run() starts
        app_module.run(data_dir=data_dir, demo=True, lang=lang)
    finally:
        main_window.MainWindow = original
        sys.excepthook = previous_hook
        qInstallMessageHandler(None)
        logging.getLogger().removeHandler(problems)
    if problems.items:
        for item in problems.items:
            print(f"smoke: FAILED: {item}", file=sys.stderr)
        return 1
    if len(painted) < len(pending):
        print(f"smoke: FAILED: only {len(painted)} of {len(pending)} pages painted", file=sys.stderr)
        return 1
    print(f"smoke: ok: {len(painted)} pages painted with the demo data in {time.monotonic() - started:.1f} s",
          flush=True)
    return 0


def startup_probe(*, data_dir: str | None, lang: str | None = None, qt_args: list[str] | None = None) -> int:
    """For ``bench/startup.py``: the real start-up, printing ``shown`` once the window is shown
    and painted, ``ready`` once it is filled from the database, then quitting. The same code runs
    from source and in a build, so the two are timed alike."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import ui.main_window as main_window
    from ui import app as app_module

    original = main_window.MainWindow

    class ProbeWindow(original):
        def show(self) -> None:
            super().show()
            QApplication.processEvents()
            print("shown", flush=True)

        def attach(self, ctx) -> None:
            super().attach(ctx)
            QApplication.processEvents()
            print("ready", flush=True)
            QTimer.singleShot(0, self.close)

    main_window.MainWindow = ProbeWindow
    try:
        return app_module.run(data_dir=data_dir, lang=lang, qt_args=qt_args)
    finally:
        main_window.MainWindow = original
