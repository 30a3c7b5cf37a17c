"""Backups in the window: File ▸ Back up now… and File ▸ Restore…, and the automatic copies
(once a day when the app opens, and when a session closes).

Everything that touches the disk runs in a worker; the restore dialog shows what the chosen
backup holds (when it was taken, sessions, people, check-ins, proposals) before anything changes,
and says that the current database is kept as a backup first.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from p311desk import backups
from p311desk.i18n import _, format_local
from p311desk.sessions import STATUSES
from ui.workers import Op, error_text

log = logging.getLogger(__name__)

FILE_FILTER = "{backups} (*.db *.sqlite *.sqlite3 *.bak);;{all} (*)"


def _filter() -> str:
    return FILE_FILTER.format(backups=_("p311desk backups"), all=_("All files"))


# --- automatic copies ---------------------------------------------------------------------------


def start_automatic_backup(ctx, kind: str) -> None:
    """Take the day's copy (``daily``) or the closed session's (``session-closed``) in the
    background; quiet when it works, a warning in the message bar when it does not."""

    def failed(exc: BaseException) -> None:
        ctx.notify(_("The automatic backup could not be taken: {reason}").format(reason=error_text(exc)), "warning")

    def done(path) -> None:
        if path is not None:
            log.info("automatic %s backup: %s", kind, path)

    Op(ctx, lambda: backups.automatic_backup(ctx.db, kind), write=False).on_success(done).on_failure(failed).run()


# --- back up now ----------------------------------------------------------------------------------


def back_up_now(window: QWidget, ctx) -> None:
    folder = backups.backups_folder(ctx.db)
    folder.mkdir(parents=True, exist_ok=True)
    suggested = backups.default_backup_path(ctx.db)
    path, _chosen = QFileDialog.getSaveFileName(window, _("Back up the whole database"), str(suggested), _filter())
    if not path:
        return
    # The file dialog already asked before replacing an existing file.
    (Op(ctx, lambda: backups.take_backup(ctx.db, path, overwrite=True), write=False, parent=window)
     .with_progress(_("Backing up…"))
     .on_success(lambda written: ctx.notify(_("Backup saved: {path}").format(path=written), "success"))
     .run())


# --- restore --------------------------------------------------------------------------------------


class RestoreDialog(QDialog):
    """Shows what a backup holds and asks before restoring it. Accepted means "restore"."""

    def __init__(self, summary: backups.BackupSummary, kept_in: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restoreDialog")
        self.setWindowTitle(_("Restore a backup"))
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)

        title = QLabel(_("Backup taken on {when}").format(when=format_local(summary.taken_at)))
        title.setObjectName("restoreTakenAt")
        title.setStyleSheet("font-size: 15pt; font-weight: 600; color: #1f3b57;")
        title.setWordWrap(True)
        layout.addWidget(title)
        file_label = QLabel(str(summary.path))
        file_label.setStyleSheet("color: #555;")
        file_label.setWordWrap(True)
        file_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(file_label)

        holds = QLabel(_("It holds {what}.").format(what=summary.holds()))
        holds.setObjectName("restoreHolds")
        holds.setWordWrap(True)
        holds.setStyleSheet("font-size: 12pt;")
        layout.addWidget(holds)
        if summary.last_change:
            layout.addWidget(QLabel(_("Last change recorded in it: {when}.").format(when=format_local(summary.last_change))))
        if summary.needs_upgrade:
            note = QLabel(_("It was made by an older version of p311desk: restoring it also upgrades it."))
            note.setWordWrap(True)
            layout.addWidget(note)

        self.sessions = QListWidget()
        self.sessions.setObjectName("restoreSessions")
        self.sessions.setFocusPolicy(Qt.NoFocus)
        self.sessions.setWordWrap(True)  # long Catalan titles wrap instead of hiding behind a scroll bar
        self.sessions.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        for line in summary.sessions:
            self.sessions.addItem(f"{format_local(line.starts_at, empty='—')}   ·   "
                                  f"{_(STATUSES.get(line.status, line.status))}   ·   {line.title}")
        if summary.session_count > len(summary.sessions):
            self.sessions.addItem(_("… and {n} more.").format(n=summary.session_count - len(summary.sessions)))
        if not summary.session_count:
            self.sessions.addItem(_("No sessions."))
        self.sessions.setMaximumHeight(170)
        layout.addWidget(self.sessions)

        warning = QFrame()
        warning.setObjectName("restoreWarning")
        warning.setStyleSheet("#restoreWarning { background: #fef7e0; border: 1px solid #7a4f01; border-radius: 6px; }")
        inner = QVBoxLayout(warning)
        text = QLabel(_("Restoring replaces everything in the database with this backup. The database as it is "
                        "now is kept as a backup first, in {folder}.").format(folder=kept_in))
        text.setWordWrap(True)
        text.setStyleSheet("color: #7a4f01;")
        inner.addWidget(text)
        layout.addWidget(warning)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setObjectName("restoreCancel")
        self.restore_button = QPushButton(_("Restore this backup"))
        self.restore_button.setObjectName("restoreButton")
        # A destructive action is never one Enter away: Enter cancels, the restore needs a click.
        self.restore_button.setAutoDefault(False)
        self.cancel_button.setDefault(True)
        self.cancel_button.clicked.connect(self.reject)
        self.restore_button.clicked.connect(self.accept)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.restore_button)
        layout.addLayout(buttons)
        self.cancel_button.setFocus()


def choose_and_restore(window: QWidget, ctx, path: str | None = None) -> None:
    """File ▸ Restore…: pick a file, read what it holds in a worker, confirm, restore in a worker."""
    folder = backups.backups_folder(ctx.db)
    if path is None:
        start = str(folder) if folder.is_dir() else str(ctx.db.path.parent)
        path, _chosen = QFileDialog.getOpenFileName(window, _("Restore a backup"), start, _filter())
    if not path:
        return

    def confirm(summary: backups.BackupSummary) -> None:
        dialog = RestoreDialog(summary, str(folder), window)
        window.restore_dialog = dialog  # tests and screenshots reach it while it is open
        dialog.finished.connect(lambda result: _confirmed(window, ctx, path) if result == QDialog.Accepted else None)
        dialog.open()

    (Op(ctx, lambda: backups.describe_backup(path), write=False, parent=window)
     .with_progress(_("Reading the backup…"))
     .on_success(confirm)
     .run())


def _confirmed(window: QWidget, ctx, path: str) -> None:
    from p311desk.models import ParticipationSession

    current = ctx.current_session_id

    def work():
        result = backups.restore_backup(ctx.db, path)
        with ctx.db.read() as s:
            still_there = current is None or s.get(ParticipationSession, current) is not None
        return result, still_there

    def done(outcome) -> None:
        result, still_there = outcome
        if not still_there:
            ctx.set_current_session(None)
        ctx.data_changed.emit("*")  # every page and the status bar reload
        ctx.notify(_("Backup of {when} restored: {what}. The database as it was before is kept in {path}").format(
            when=format_local(result.restored.taken_at), what=result.restored.holds(), path=result.kept),
            "success")
        ctx.check_audit(incremental=False)

    # In the write pool: no other write of this window runs meanwhile.
    (Op(ctx, work, parent=window)
     .with_progress(_("Restoring…"))
     .on_success(done)
     .run())
