"""The application object: builds the context (database, settings, worker pools) and starts the GUI."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QSettings, QTimer, QTranslator, Signal
from PySide6.QtWidgets import QApplication

from p311desk import i18n
from p311desk.i18n import _
from ui.workers import Pools, Worker

if TYPE_CHECKING:
    from p311desk.db import Database

log = logging.getLogger(__name__)

ORG, APP = "p311desk", "p311desk"


class AppContext(QObject):
    """What every page needs: the database, the current session, worker pools and notifications.

    Signals:
        session_changed(object): the current session id (UUID or None) changed.
        data_changed(str): something was written; the argument names what ("sessions", "attendance",
            "proposals", "settings", "*"). Pages refresh, the status bar recounts.
        language_changed(str): the interface language changed; the window rebuilds its pages.
        message(str, str): text and level ("info", "success", "warning", "error") for the message bar.
        audit_checked(object): an audit check finished (``audit.ChainReport``, kept in ``audit_report``).
    """

    session_changed = Signal(object)
    data_changed = Signal(str)
    language_changed = Signal(str)
    message = Signal(str, str)
    audit_checked = Signal(object)

    def __init__(self, db: Database, settings: QSettings | None = None) -> None:  # noqa: F821
        super().__init__()
        self.db = db
        self.pools = Pools()
        from sync.connectivity import probe

        self.probe = probe  # replaceable (tests never reach a real host)
        self.qsettings = settings or QSettings(ORG, APP)
        self._current_session: uuid.UUID | None = None
        self.audit_report = None  # the last audit check's ChainReport
        raw = self.qsettings.value(self._session_key(), "")
        if raw:
            try:
                self._current_session = uuid.UUID(str(raw))
            except ValueError:
                self._current_session = None

    def _session_key(self) -> str:
        """The current session belongs to its database: remembered per data folder."""
        import hashlib

        try:
            where = str(self.db.path.resolve())
        except (AttributeError, OSError):  # pragma: no cover - a database without a file
            where = ""
        return "session/current/" + hashlib.sha256(where.encode("utf-8")).hexdigest()[:16]

    @property
    def current_session_id(self) -> uuid.UUID | None:
        return self._current_session

    def set_current_session(self, session_id: uuid.UUID | None) -> None:
        if session_id == self._current_session:
            return
        self._current_session = session_id
        self.qsettings.setValue(self._session_key(), str(session_id) if session_id else "")
        self.session_changed.emit(session_id)

    def notify(self, text: str, level: str = "info") -> None:
        self.message.emit(text, level)

    def check_audit(self, then=None, *, incremental: bool = True) -> None:
        """Verify the audit log in a worker (at start, before a session closes or the database
        is exported); the outcome goes to ``audit_checked``, then ``then()`` runs either way: a
        broken log is a persistent warning, never a blocked or crashed action."""
        from p311desk import audit
        from ui.workers import Op

        def work(progress, _cancel):
            with self.db.read() as s:
                return audit.verify(s, progress, incremental=incremental)

        def done(report) -> None:
            self.audit_report = report
            self.audit_checked.emit(report)
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            from ui.workers import error_text

            self.notify(_("The audit log could not be checked: {error}").format(error=error_text(exc)), "warning")
            if then is not None:
                then()

        Op(self, work, write=False).on_success(done).on_failure(failed).run()

    def set_language(self, lang: str) -> None:
        lang = i18n.set_language(lang)
        self.qsettings.setValue("ui/language", lang)
        install_qt_translator(lang)
        self.language_changed.emit(lang)


_qt_translator: QTranslator | None = None


def install_qt_translator(lang: str) -> None:
    """Qt's own dialogs (file pickers, buttons) in the user's language."""
    global _qt_translator
    app = QApplication.instance()
    if app is None:
        return
    if _qt_translator is not None:
        app.removeTranslator(_qt_translator)
        _qt_translator = None
    if lang == "en":
        return
    translator = QTranslator()
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(QLocale(lang), "qtbase", "_", path):
        app.installTranslator(translator)
        _qt_translator = translator


def initial_language(qsettings: QSettings, requested: str | None) -> str:
    if requested:
        return requested
    saved = qsettings.value("ui/language", "")
    if saved in i18n.LANGUAGES:
        return saved
    system = QLocale.system().name().split("_")[0]
    return system if system in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE


def database_is_empty(db: Database) -> bool:
    from sqlalchemy import select

    from p311desk.models import ParticipationSession

    with db.read() as s:
        return s.scalar(select(ParticipationSession.id).limit(1)) is None


DEMO_DECLINED = "firststart/demo_declined"


def demo_declined(qsettings: QSettings) -> bool:
    return str(qsettings.value(DEMO_DECLINED, "false")).lower() in ("true", "1")


def apply_base_font(app: QApplication) -> None:
    font = app.font()
    if font.pointSizeF() < 10.5:  # technicians read this at arm's length in a busy room
        font.setPointSizeF(10.5)
        app.setFont(font)


def create_window(db: Database, *, lang: str | None = None, demo: bool = False,
                  qsettings: QSettings | None = None):
    """Build the context and the main window at once (tests and tools; ``run`` opens lazily)."""
    from ui.main_window import MainWindow

    apply_base_font(QApplication.instance())
    settings = qsettings or QSettings(ORG, APP)
    language = initial_language(settings, lang)
    i18n.set_language(language)
    install_qt_translator(language)
    window = MainWindow()
    window.attach(AppContext(db, settings))
    if demo and database_is_empty(db):
        window.create_demo_data()
    return window


def run(*, data_dir: str | None = None, demo: bool = False, lang: str | None = None,
        quit_after: float | None = None, qt_args: list[str] | None = None) -> int:
    """Show the window at once, open the database in a worker, then fill the window.

    Importing SQLAlchemy and checking migrations takes longer than showing a window; doing it
    off the UI thread keeps start-up quick and the window responsive.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(["p311desk", *(qt_args or [])])
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationDisplayName("p311desk")
    apply_base_font(app)
    from ui.main_window import MainWindow

    settings = QSettings(ORG, APP)
    language = initial_language(settings, lang)
    i18n.set_language(language)
    install_qt_translator(language)
    window = MainWindow()
    window.show()
    state: dict = {}

    def open_db(_progress, _cancel):
        from p311desk import logs, paths
        from p311desk.db import open_database

        # The window logs to the same scrubbed, rotating file as the CLI (data folder's logs/).
        state["log"] = logs.setup_file_logging(paths.data_dir(data_dir))
        db = open_database(data_dir)
        return db, database_is_empty(db)

    def opened(result) -> None:
        db, empty = result
        state["db"] = db
        window.attach(AppContext(db, settings))
        if not empty:  # an empty database has nothing to keep yet
            from ui.backups import start_automatic_backup

            start_automatic_backup(window.ctx, "daily")  # at most one a day; the last 7 kept
        if demo and empty:
            window.create_demo_data()
        elif empty and not demo_declined(settings):
            # Until the technician answers, an empty database offers the demo at every start
            # (quitting with the question open is no answer).
            QTimer.singleShot(0, window.offer_demo_data)

    worker = Worker(open_db)
    worker.signals.succeeded.connect(opened)
    worker.signals.failed.connect(window.show_startup_error)
    pools = Pools()
    pools.start(worker, write=True)
    if quit_after is not None:
        QTimer.singleShot(int(quit_after * 1000), window.close)
    code = app.exec()
    pools.wait()
    if window.ctx is not None:
        window.ctx.pools.wait()
    if "db" in state:
        state["db"].close()
    if "log" in state:
        from p311desk import logs

        logs.stop_file_logging(state["log"])
    return code
