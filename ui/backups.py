"""Backups in the window: File ▸ Back up now… and File ▸ Restore…, and the automatic copies
(once a day when the app opens, and when a session closes).

Everything that touches the disk runs in a worker; the restore dialog shows what the chosen
backup holds (when it was taken, sessions, people, check-ins, proposals) before anything changes,
and says that the current database is kept as a backup first.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from p311desk import backups
from p311desk.i18n import _, format_local
from p311desk.sessions import STATUSES
from ui.workers import Op, error_text

log = logging.getLogger(__name__)

FILE_FILTER = "{backups} (*.p311bak *.db *.sqlite *.sqlite3 *.bak);;{all} (*)"


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


class BackupDialog(QDialog):
    """Which backup: one that stays with this computer (encrypted with its key), or a portable
    one for another computer or the archive (the database and its keys, behind a passphrase).
    Accepted with ``portable`` and ``passphrase`` set."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backupDialog")
        self.setWindowTitle(_("Back up the whole database"))
        self.setMinimumWidth(560)
        self.passphrase = None
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        self.here = QRadioButton(_("For this computer"))
        self.here.setObjectName("backupHere")
        self.here.setChecked(True)
        self.portable = QRadioButton(_("Portable"))
        self.portable.setObjectName("backupPortable")
        for radio, text in (
                (self.here, _("Encrypted with this computer's key: it opens only here.")),
                (self.portable, _("For another computer or the archive: the database and its keys, protected "
                                  "by a passphrase."))):
            radio.setStyleSheet("QRadioButton { font-size: 11pt; font-weight: 600; }")
            layout.addWidget(radio, 0, Qt.AlignLeft)  # clicks land on it, not on empty width
            explained = QLabel(text)
            explained.setWordWrap(True)
            explained.setContentsMargins(24, 0, 0, 4)
            layout.addWidget(explained)
        form = QFormLayout()
        self.first = QLineEdit()
        self.first.setObjectName("backupPassphrase")
        self.again = QLineEdit()
        self.again.setObjectName("backupPassphraseAgain")
        for edit in (self.first, self.again):
            edit.setEchoMode(QLineEdit.Password)
            edit.setEnabled(False)
        form.addRow(_("Passphrase:"), self.first)
        form.addRow(_("Again:"), self.again)
        layout.addLayout(form)
        note = QLabel(_("Keep the passphrase apart from the file: without it nobody can open the backup, "
                        "not even you."))
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout.addWidget(note)
        self.problem = QLabel("")
        self.problem.setObjectName("backupProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #a11;")
        layout.addWidget(self.problem)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        cancel = QPushButton(_("Cancel"))
        cancel.setObjectName("backupCancel")
        self.ok = QPushButton(_("Choose the file…"))
        self.ok.setObjectName("backupOk")
        self.ok.setDefault(True)
        cancel.clicked.connect(self.reject)
        self.ok.clicked.connect(self._confirm)
        buttons.addWidget(cancel)
        buttons.addWidget(self.ok)
        layout.addLayout(buttons)
        self.portable.toggled.connect(self._portable_toggled)

    def _portable_toggled(self, on: bool) -> None:
        for edit in (self.first, self.again):
            edit.setEnabled(on)
        if on:
            self.first.setFocus()
        self.problem.setText("")

    def _confirm(self) -> None:
        if not self.portable.isChecked():
            self.passphrase = None
            self.accept()
            return
        first, again = self.first.text(), self.again.text()
        if len(first) < backups.MIN_PASSPHRASE:
            self.problem.setText(_("A portable backup needs a passphrase of at least {n} characters.")
                                 .format(n=backups.MIN_PASSPHRASE))
            return
        if first != again:
            self.problem.setText(_("The two passphrases are not the same."))
            return
        self.passphrase = first
        self.accept()


def back_up_now(window: QWidget, ctx) -> None:
    """File ▸ Back up now…: which kind (this computer / portable), then the file, then a worker."""
    dialog = BackupDialog(window)
    window.backup_dialog = dialog  # tests and screenshots reach it while it is open

    def chosen(result) -> None:
        if result == QDialog.Accepted:
            _save_backup(window, ctx, dialog.passphrase)

    dialog.finished.connect(chosen)
    dialog.open()


def _save_backup(window: QWidget, ctx, passphrase: str | None) -> None:
    folder = backups.backups_folder(ctx.db)
    folder.mkdir(parents=True, exist_ok=True)
    if passphrase is None:
        suggested = backups.default_backup_path(ctx.db)
    else:
        suggested = Path.home() / backups.default_backup_path(ctx.db, "manual").name.replace("manual", "portable")
    path, _chosen = QFileDialog.getSaveFileName(window, _("Back up the whole database"), str(suggested), _filter())
    if not path:
        return
    if passphrase is not None:
        done = _("Portable backup saved: {path}. It opens with the passphrase on any computer.")
    else:
        done = _("Backup saved: {path}")
    # The file dialog already asked before replacing an existing file.
    (Op(ctx, lambda: backups.take_backup(ctx.db, path, overwrite=True, passphrase=passphrase), write=False,
        parent=window)
     .with_progress(_("Backing up…"))
     .on_success(lambda written: ctx.notify(done.format(path=written), "success"))
     .run())


class PassphraseDialog(QDialog):
    """Asks the passphrase of a portable backup before it is opened."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("passphraseDialog")
        self.setWindowTitle(_("Restore a backup"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        label = QLabel(_("“{name}” is a portable backup. Its passphrase:").format(name=name))
        label.setWordWrap(True)
        layout.addWidget(label)
        self.edit = QLineEdit()
        self.edit.setObjectName("passphraseInput")
        self.edit.setEchoMode(QLineEdit.Password)
        layout.addWidget(self.edit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        cancel = QPushButton(_("Cancel"))
        cancel.setObjectName("passphraseCancel")
        ok = QPushButton(_("Open"))
        ok.setObjectName("passphraseOk")
        ok.setDefault(True)
        cancel.clicked.connect(self.reject)
        ok.clicked.connect(self.accept)
        buttons.addWidget(cancel)
        buttons.addWidget(ok)
        layout.addLayout(buttons)
        self.edit.setFocus()


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
    if backups.kind_of(path) == backups.PORTABLE:
        asking = PassphraseDialog(Path(path).name, window)
        window.passphrase_dialog = asking
        asking.finished.connect(lambda result: _describe_then_confirm(window, ctx, path, asking.edit.text())
                                if result == QDialog.Accepted else None)
        asking.open()
        return
    _describe_then_confirm(window, ctx, path, None)


def _describe_then_confirm(window: QWidget, ctx, path: str, passphrase: str | None) -> None:
    folder = backups.backups_folder(ctx.db)

    def confirm(summary: backups.BackupSummary) -> None:
        dialog = RestoreDialog(summary, str(folder), window)
        window.restore_dialog = dialog  # tests and screenshots reach it while it is open
        dialog.finished.connect(lambda result: _confirmed(window, ctx, path, passphrase)
                                if result == QDialog.Accepted else None)
        dialog.open()

    (Op(ctx, lambda: backups.describe_backup(path, passphrase=passphrase, work_dir=folder), write=False,
        parent=window)
     .with_progress(_("Reading the backup…"))
     .on_success(confirm)
     .run())


def _confirmed(window: QWidget, ctx, path: str, passphrase: str | None = None) -> None:
    from p311desk.models import ParticipationSession

    current = ctx.current_session_id

    def work():
        result = backups.restore_backup(ctx.db, path, passphrase=passphrase)
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
