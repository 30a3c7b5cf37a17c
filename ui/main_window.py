"""The main window: navigation, current-session picker, message bar, status bar."""

from __future__ import annotations

import importlib
import logging
import uuid

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from p311desk.i18n import LANGUAGES, N_, _, current_language, ngettext
from ui.pages import ComingPage, Page
from ui.widgets.audit_banner import AuditBanner
from ui.widgets.message_bar import MessageBar
from ui.workers import Op

log = logging.getLogger(__name__)

# Visible focus everywhere (EN 301 549 / WCAG 2.4.7): the keyboard's place is always seen, in the
# window and in its dialogs (a style sheet set here reaches every child). Only colours and a
# border of the same width as the unfocused one change, so nothing moves when the focus does.
FOCUS_STYLE = """
QLineEdit:focus, QPlainTextEdit:focus, QTextEdit:focus, QAbstractSpinBox:focus, QComboBox:focus {
    border: 2px solid #f2a900; border-radius: 3px; }
QPushButton:focus { background: #ffe08a; }
QCheckBox:focus, QRadioButton:focus { background: #fff3cd; border-radius: 3px; }
QAbstractItemView:focus { border: 2px solid #f2a900; }
"""

# (page id, navigation label, "module:Class" or None while the feature is coming)
PAGES: list[tuple[str, str, str | None]] = [
    ("sessions", N_("Sessions"), "ui.pages.sessions:SessionsPage"),
    ("participants", N_("Participants"), "ui.pages.participants:ParticipantsPage"),
    ("checkin", N_("Check-in"), "ui.pages.checkin:CheckinPage"),
    ("proposals", N_("Proposals"), "ui.pages.proposals:ProposalsPage"),
    ("votes", N_("Votes"), "ui.pages.votes:VotesPage"),
    ("evaluation", N_("Evaluation"), "ui.pages.evaluation:EvaluationPage"),
    ("accountability", N_("Action plan"), "ui.pages.accountability:AccountabilityPage"),
    ("print", N_("Print"), "ui.pages.print:PrintPage"),
    ("sync", N_("Sync"), "ui.pages.sync:SyncPage"),
    ("settings", N_("Settings"), "ui.pages.settings:SettingsPage"),
]

CONNECTIVITY_INTERVAL_MS = 30_000


def page_shortcut(index: int) -> str:
    """The key of the page at ``index``: Ctrl+1 … Ctrl+9, then Ctrl+0 for the tenth (the keyboard's
    digit row; Qt cannot bind "Ctrl+10"). Pages past the tenth have none."""
    if index < 9:
        return f"Ctrl+{index + 1}"
    return "Ctrl+0" if index == 9 else ""


def default_size() -> QSize:
    """1280×800, or less: never larger than the screen's available area."""
    from PySide6.QtGui import QGuiApplication

    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(1280, 800)
    area = screen.availableGeometry()
    return QSize(min(1280, area.width()), min(800, area.height() - 40))


class MainWindow(QMainWindow):
    """The one window. Rebuilds its pages when the interface language changes."""

    def __init__(self) -> None:
        super().__init__()
        self.ctx = None
        self.setObjectName("mainWindow")
        self.setMinimumSize(800, 560)  # netbooks and projectors: everything works at 1024×600
        self.setWindowTitle(_("Participation sessions"))  # Qt adds " — p311desk"
        self.pages: dict[str, Page] = {}
        self._room_display = None
        self._online: bool | None = None
        self._probing = False
        self._timer = QTimer(self)
        self.loading_label = QLabel(_("Opening the database…"))
        self.loading_label.setObjectName("loadingLabel")
        self.loading_label.setAlignment(Qt.AlignCenter)
        self.loading_label.setWordWrap(True)
        self.loading_label.setStyleSheet("font-size: 16pt; color: #1f3b57;")
        self.setCentralWidget(self.loading_label)
        self.resize(default_size())

    def show_startup_error(self, exc: BaseException) -> None:
        from ui.workers import error_text

        self.loading_label.setText(_("p311desk could not open its database.") + "\n\n" + error_text(exc))
        self.loading_label.setStyleSheet("font-size: 14pt; color: #8c1d18;")

    def attach(self, ctx) -> None:
        """Connect the window to an opened database and build the pages."""
        self.ctx = ctx
        self._forget_missing_current_session()
        ctx.message.connect(self._show_message)
        ctx.data_changed.connect(self._on_data_changed)
        ctx.session_changed.connect(self._on_session_changed)
        ctx.language_changed.connect(lambda _lang: self._build())
        ctx.audit_checked.connect(lambda report: self.audit_banner.show_report(report))
        self._build()
        geometry = ctx.qsettings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes):
            self.restoreGeometry(geometry)
        self._timer.timeout.connect(self.check_connectivity)
        self._timer.start(CONNECTIVITY_INTERVAL_MS)
        QTimer.singleShot(0, self.check_connectivity)
        ctx.check_audit(incremental=False)  # the whole chain, once, in a worker

    # --- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        current = self.current_page_id() if self.pages else self.ctx.qsettings.value("window/page", "sessions")
        self.setStyleSheet(FOCUS_STYLE)
        self.setWindowTitle(_("Participation sessions"))  # Qt adds " — p311desk"
        self._build_menus()
        central = QWidget()
        root = QHBoxLayout(central)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(180)
        self.nav.setStyleSheet(
            "QListWidget { background: #1f3b57; color: white; border: none; font-size: 13pt; padding-top: 8px; }"
            "QListWidget::item { padding: 10px 14px; }"
            "QListWidget::item:selected { background: #f2a900; color: #1b1b1b; }"
        )
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        old_pages = self.pages
        self.pages = {}
        for index, (page_id, label, _target) in enumerate(PAGES):
            item = QListWidgetItem(_(label))
            item.setData(Qt.UserRole, page_id)
            item.setToolTip(page_shortcut(index))
            self.nav.addItem(item)
            holder = QWidget()
            holder.setObjectName(f"holder_{page_id}")
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            self.stack.addWidget(holder)
        old_central = self.centralWidget()
        if old_central is self.loading_label:
            self.loading_label = QLabel()  # the old one goes with the replaced central widget
        if old_central is not None:  # detach now so nothing finds the old pages any more
            old_central.setParent(None)
            old_central.deleteLater()
        for page in old_pages.values():  # workers still running for them drop their results
            page.retired = True
        del old_pages
        self.nav.currentRowChanged.connect(self._show_page)

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(16, 12, 16, 8)
        header = QHBoxLayout()
        self.session_label = QLabel(_("Current session:"))
        self.session_label.setStyleSheet("font-size: 11pt;")
        self.session_picker = QComboBox()
        self.session_picker.setObjectName("currentSession")
        self.session_picker.setMinimumWidth(420)
        self.session_picker.activated.connect(self._session_picked)
        header.addWidget(self.session_label)
        header.addWidget(self.session_picker, 1)
        header.addStretch(1)
        column.addLayout(header)
        self.audit_banner = AuditBanner()
        column.addWidget(self.audit_banner)
        self.audit_banner.show_report(self.ctx.audit_report)  # kept across a language switch
        # The message area has its own place above the page: a message never covers what the
        # user works with, and its place is kept while it is empty, so nothing moves either.
        self.message_bar = MessageBar(right)
        column.addWidget(self.message_bar)
        column.addWidget(self.stack, 1)

        root.addWidget(self.nav)
        root.addWidget(right, 1)
        self.setCentralWidget(central)

        for index in range(len(PAGES)):
            if not page_shortcut(index):
                continue
            shortcut = QShortcut(QKeySequence(page_shortcut(index)), central)
            shortcut.activated.connect(lambda i=index: self.nav.setCurrentRow(i))

        bar = self.statusBar()
        for old in (getattr(self, "connectivity_label", None), getattr(self, "unsynced_label", None),
                    getattr(self, "platform_label", None)):
            if old is not None:  # rebuilt after a language switch: drop the previous labels
                bar.removeWidget(old)
                old.setParent(None)
                old.deleteLater()
        self.connectivity_label = QLabel()
        self.connectivity_label.setObjectName("connectivity")
        self.unsynced_label = QLabel()
        self.unsynced_label.setObjectName("unsynced")
        self.platform_label = QLabel()
        self.platform_label.setObjectName("platformStatus")
        self.platform_label.setStyleSheet("padding: 0 12px;")
        self.platform_label.hide()
        bar.addPermanentWidget(self.platform_label)
        bar.addPermanentWidget(self.unsynced_label)
        bar.addPermanentWidget(self.connectivity_label)
        self._render_connectivity()
        self._refresh_unsynced()
        self._refresh_session_picker()
        ids = [p[0] for p in PAGES]
        self.nav.setCurrentRow(ids.index(current) if current in ids else 0)

    def _build_menus(self) -> None:
        menubar = self.menuBar()
        menubar.clear()
        file_menu = menubar.addMenu(_("&File"))
        export = QAction(_("Export the whole database to XLSX…"), self)
        export.triggered.connect(self.export_database)
        file_menu.addAction(export)
        backup = QAction(_("Back up now…"), self)
        backup.setObjectName("actionBackUp")
        backup.setStatusTip(_("Copy the whole database to a file you choose"))
        backup.triggered.connect(lambda: self._backups().back_up_now(self, self.ctx))
        file_menu.addAction(backup)
        restore = QAction(_("Restore…"), self)
        restore.setObjectName("actionRestore")
        restore.setStatusTip(_("Replace the database with a backup (the current one is kept as a backup first)"))
        restore.triggered.connect(lambda: self._backups().choose_and_restore(self, self.ctx))
        file_menu.addAction(restore)
        file_menu.addSeparator()
        quit_action = QAction(_("&Quit"), self)
        quit_action.setShortcut(QKeySequence.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        view_menu = menubar.addMenu(_("&View"))
        room = QAction(_("Room display"), self)
        room.setObjectName("actionRoomDisplay")
        room.setShortcut(QKeySequence(Qt.Key_F5))
        room.setStatusTip(_("Show the session title and the live counter on the room's screen or projector"))
        room.triggered.connect(lambda: self.room_display().show_on_room_screen())
        view_menu.addAction(room)
        self.room_action = room
        leave = QAction(_("Room display: leave full screen"), self)
        leave.setObjectName("actionRoomDisplayWindowed")
        leave.setShortcut(QKeySequence("Shift+F5"))
        leave.setStatusTip(_("The room display becomes an ordinary window again (Esc on it does the same)"))
        leave.triggered.connect(lambda: self._room_display is not None and self._room_display.leave_full_screen())
        view_menu.addAction(leave)
        lang_menu = menubar.addMenu(_("&Language"))
        group = QActionGroup(self)
        for code, name in LANGUAGES.items():
            action = QAction(name, self, checkable=True)
            action.setObjectName(f"lang_{code}")
            action.setChecked(code == current_language())
            action.triggered.connect(lambda _checked=False, c=code: self.ctx.set_language(c))
            group.addAction(action)
            lang_menu.addAction(action)
        help_menu = menubar.addMenu(_("&Help"))
        keys = QAction(_("Keyboard shortcuts"), self)
        keys.setObjectName("actionShortcuts")
        keys.setShortcut(QKeySequence(QKeySequence.HelpContents))
        keys.triggered.connect(self.show_shortcuts)
        help_menu.addAction(keys)

    # --- pages -------------------------------------------------------------------------------
    def _page_for(self, index: int) -> Page:
        page_id, label, target = PAGES[index]
        page = self.pages.get(page_id)
        if page is None:
            if target:
                module_name, class_name = target.split(":")
                cls = getattr(importlib.import_module(module_name), class_name)
                page = cls(self.ctx)
            else:
                page = ComingPage(self.ctx, page_id, _(label))
            self.stack.widget(index).layout().addWidget(page)
            self.pages[page_id] = page
        return page

    def _show_page(self, index: int) -> None:
        if index < 0:
            return
        self.message_bar.hide()  # it was about the page just left
        page = self._page_for(index)
        self.stack.setCurrentIndex(index)
        page.activate()

    def current_page_id(self) -> str:
        row = self.nav.currentRow()
        return PAGES[row][0] if row >= 0 else "sessions"

    def go_to(self, page_id: str) -> Page:
        index = [p[0] for p in PAGES].index(page_id)
        self.nav.setCurrentRow(index)
        return self._page_for(index)

    # --- session picker ----------------------------------------------------------------------
    def _forget_missing_current_session(self) -> None:
        """A remembered session this database no longer has is forgotten; with none, the window
        starts on the database's open session (the most recently opened), as a demo does."""
        from sqlalchemy import select

        from p311desk.models import ParticipationSession

        sid = self.ctx.current_session_id

        def work():
            with self.ctx.db.read() as s:
                if sid is not None and s.get(ParticipationSession, sid) is not None:
                    return sid
                return s.scalar(select(ParticipationSession.id).where(ParticipationSession.status == "open")
                                .order_by(ParticipationSession.opened_at.desc()).limit(1))

        def done(chosen) -> None:
            if self.ctx.current_session_id == sid and chosen != sid:
                self.ctx.set_current_session(chosen)

        Op(self.ctx, work, write=False).bound_to(self).on_success(done).run()

    def _refresh_session_picker(self) -> None:
        """Re-read the sessions in a worker; the picker is filled when they arrive."""
        from p311desk import sessions

        def work():
            with self.ctx.db.read() as s:
                return sessions.list_sessions(s)

        Op(self.ctx, work, write=False).bound_to(self).on_success(self._fill_session_picker).run()

    def _fill_session_picker(self, rows) -> None:
        from p311desk import sessions

        picker = self.session_picker
        picker.blockSignals(True)
        picker.clear()
        picker.addItem(_("— none —"), None)
        current = self.ctx.current_session_id
        for row in rows:
            if row.status == "closed" and row.id != current:
                continue
            status = _(sessions.STATUSES[row.status])
            picker.addItem(f"{row.title}  ·  {status}", str(row.id))
        index = picker.findData(str(current)) if current else 0
        picker.setCurrentIndex(max(index, 0))
        picker.blockSignals(False)

    def _on_session_changed(self, _sid) -> None:
        self.message_bar.hide()  # it was about the session just left
        self._refresh_session_picker()

    def _session_picked(self, index: int) -> None:
        data = self.session_picker.itemData(index)
        self.ctx.set_current_session(uuid.UUID(data) if data else None)

    # --- status bar --------------------------------------------------------------------------
    def _on_data_changed(self, what: str) -> None:
        self._refresh_unsynced()
        if what in ("sessions", "*"):
            self._refresh_session_picker()
        if what in ("settings", "platforms", "spaces", "sync", "*"):  # after every sync action
            self.check_connectivity()

    def _refresh_unsynced(self) -> None:
        from p311desk import outbox

        def work():
            with self.ctx.db.read() as s:
                return outbox.unsynced_count(s)

        def done(count: int) -> None:
            self.unsynced_label.setText(_("Not yet synced: {n}").format(n=count))
            self.unsynced_label.setStyleSheet("padding: 0 12px; color: %s;" % ("#7a4f01" if count else "#0d5223"))

        Op(self.ctx, work, write=False).bound_to(self).on_success(done).run()

    def check_connectivity(self) -> None:
        """Read the platform profiles (the default one first; else the settings' address) in a
        worker, show who is signed in and what waits, then probe the platform."""
        from p311desk import settings as settings_service

        def work():
            from sync import platforms

            try:
                profiles = platforms.status(self.ctx.db)
            except Exception:  # noqa: BLE001 - a broken keyring or profile is no reason to lose the bar
                log.warning("platform status unavailable", exc_info=True)
                profiles = []
            with self.ctx.db.read() as s:
                host = settings_service.load(s).platform_host
            default = next((p for p in profiles if p["default"]), profiles[0] if profiles else None)
            return (default["host"] if default else host), default, len(profiles)

        def done(result) -> None:
            host, default, count = result
            self._render_platform(default, count)
            self._probe(host)

        Op(self.ctx, work, write=False).bound_to(self).on_success(done).run()

    def _render_platform(self, default: dict | None, count: int) -> None:
        """The default platform profile: its name, whether someone is signed in, what waits."""
        if default is None:
            self.platform_label.hide()
            return
        if default["account"] and default["secret_remembered"]:
            who = _("signed in as {account}").format(account=default["account"])
        elif default["account"]:
            who = _("sign in again ({account})").format(account=default["account"])
        else:
            who = _("not signed in")
        waiting = default["outbox"]["pending"] + default["outbox"]["waiting"]
        failed = default["outbox"]["failed"]
        parts = [f"{default['name']}: {who}"]
        if waiting:
            parts.append(ngettext("{n} item to send", "{n} items to send", waiting).format(n=waiting))
        if failed:
            parts.append(ngettext("{n} refused", "{n} refused", failed).format(n=failed))
        if count > 1:
            parts.append(ngettext("{n} more platform", "{n} more platforms", count - 1).format(n=count - 1))
        self.platform_label.setText(" · ".join(parts))
        self.platform_label.setToolTip(default["url"])
        self.platform_label.show()

    def _probe(self, host: str) -> None:
        if not host:
            self._online = None
            self._render_connectivity()
            return
        if self._probing:
            return
        self._probing = True
        probe = self.ctx.probe

        def done(result: bool) -> None:
            self._probing = False
            self._online = bool(result)
            self._render_connectivity()

        def failed(_exc: BaseException) -> None:
            done(False)

        Op(self.ctx, lambda: probe(host), write=False).on_success(done).on_failure(failed).run()

    def _render_connectivity(self) -> None:
        if self._online is None:
            text, color = _("● Offline (no platform set)"), "#555"
        elif self._online:
            text, color = _("● Online"), "#0d5223"
        else:
            text, color = _("● Offline"), "#8c1d18"
        self.connectivity_label.setText(text)
        self.connectivity_label.setStyleSheet(f"padding: 0 12px; color: {color}; font-weight: bold;")

    def _show_message(self, text: str, level: str) -> None:
        self.message_bar.show_message(text, level)

    def show_shortcuts(self) -> None:
        """Help ▸ Keyboard shortcuts: every shortcut of the window, where it works."""
        from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTableWidget, QTableWidgetItem

        rows = [(_("Everywhere"), "Ctrl+1 … " + page_shortcut(min(len(PAGES), 10) - 1), _("Go to a page (in the order of the list)")),
                (_("Everywhere"), "F5", _("Room display")),
                (_("Everywhere"), "Shift+F5", _("Room display: leave full screen")),
                (_("Everywhere"), QKeySequence(QKeySequence.HelpContents).toString(QKeySequence.NativeText),
                 _("Keyboard shortcuts")),
                (_("Everywhere"), QKeySequence(QKeySequence.Quit).toString(QKeySequence.NativeText), _("Quit")),
                (_("Check-in"), _("Enter"), _("Check in an exact code, or the whole name of one registered person")),
                (_("Check-in"), "↓ ↑", _("Move through the people found")),
                (_("Check-in"), "Esc", _("Clear the input")),
                (_("Check-in"), "Ctrl+Z", _("Undo the last check-in")),
                (_("Check-in"), "Ctrl+N", _("Walk-in: register and check in")),
                (_("Check-in"), _("Delete"), _("Undo the check-in selected in the list")),
                (_("Proposals"), "Ctrl+Enter", _("Save the proposal")),
                (_("Proposals"), "Ctrl+N", _("New proposal")),
                (_("Proposals"), "Ctrl+F", _("Search")),
                (_("Proposals"), "Ctrl++ / Ctrl+-", _("One support more / fewer")),
                (_("Room display"), "F11 / Esc", _("Full screen on / off"))]
        dialog = QDialog(self)
        dialog.setObjectName("shortcutsDialog")
        dialog.setWindowTitle(_("Keyboard shortcuts"))
        table = QTableWidget(len(rows), 3, dialog)
        table.setObjectName("shortcutsTable")
        table.setHorizontalHeaderLabels([_("Where"), _("Keys"), _("What it does")])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.NoEditTriggers)
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                table.setItem(r, c, QTableWidgetItem(text))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, dialog)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(table)
        layout.addWidget(buttons)
        dialog.resize(min(760, self.width()), min(520, self.height()))
        self.shortcuts_dialog = dialog
        dialog.open()

    # --- the room's screen --------------------------------------------------------------------
    def room_display(self):
        """The one room display (ui.room.display.RoomDisplay), created on first use; not shown."""
        if self._room_display is None:
            from ui.room.display import RoomDisplay

            self._room_display = RoomDisplay(self.ctx, self)
        return self._room_display

    # --- actions -----------------------------------------------------------------------------
    @staticmethod
    def _backups():
        import ui.backups

        return ui.backups

    def create_demo_data(self) -> None:
        from p311desk import demo

        def done(result: dict) -> None:
            self._forget_missing_current_session()  # the demo starts on its open session
            if result.get("created"):
                self.ctx.notify(_("Demo data loaded: a fictional municipality with two sessions and 300 people."), "success")
            else:
                self.ctx.notify(_("The demo data is already loaded."), "info")

        (Op(self.ctx, lambda: demo.create_demo(self.ctx.db), parent=self)
         .with_progress(_("Creating the demo data…")).changes("*").on_success(done).run())

    def offer_demo_data(self) -> None:
        """Ask once on an empty database; "No" is remembered, closing the question is not an answer."""
        from ui.app import DEMO_DECLINED

        box = QMessageBox(QMessageBox.Question, _("Welcome to p311desk"),
                          _("The database is empty. Load the demo data (a fictional municipality with two sessions "
                            "and 300 people) to explore the application?"),
                          QMessageBox.Yes | QMessageBox.No, self)
        box.setObjectName("demoOffer")
        box.button(QMessageBox.Yes).setText(_("Load the demo data"))
        box.button(QMessageBox.No).setText(_("Start with an empty database"))

        def answered(button) -> None:
            if box.standardButton(button) == QMessageBox.Yes:
                self.create_demo_data()
            elif box.standardButton(button) == QMessageBox.No:
                self.ctx.qsettings.setValue(DEMO_DECLINED, "true")

        box.buttonClicked.connect(answered)
        self.demo_offer = box
        box.open()

    def export_database(self) -> None:
        from p311desk import backups

        from ui.files import save_path

        path = save_path(self, "export-database", _("Export the whole database"), "p311desk.xlsx",
                         _("Excel workbook (*.xlsx)"), self.ctx.qsettings)
        if not path:
            return
        self.ctx.check_audit(then=lambda: (
            Op(self.ctx, lambda progress, cancel: backups.export_database(self.ctx.db, path, progress=progress, cancel=cancel),
               write=False, parent=self)
            .with_progress(_("Exporting…"))
            .on_success(lambda counts: self.ctx.notify(
                _("Exported {rows} rows to {file}").format(rows=sum(counts.values()), file=path), "success"))
            .run()))

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self._timer.stop()
        if self._room_display is not None:
            self._room_display.close()
        if self.ctx is not None:
            self.ctx.qsettings.setValue("window/geometry", self.saveGeometry())
            self.ctx.qsettings.setValue("window/page", self.current_page_id())
            self.ctx.pools.wait(15000)
        super().closeEvent(event)
