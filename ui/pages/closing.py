"""The closing path: the current session's closing stages, from the count to the signed minutes.

Shown under the Votes page's questions. It reads the stages of the session chosen at the top and
offers the next step as a button, saying what is still missing: close the open votes, record the
count, record the results, **Generate minutes** (opens the Print page's preview of the minutes;
saving them as PDF records them), then **Minutes signed…** — a dialog that says it closes the
session, takes the optional photo or scan, and asks before closing. Each write runs on the
write worker.

:class:`ReopenDialog` is what the Sessions page asks before it reopens a session whose minutes
are signed: a warning and the reason, which the audit log keeps.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from p311desk import votes
from p311desk.i18n import _, ngettext
from ui.workers import error_text, write_op

SCAN_FILTER_EXTENSIONS = "*.pdf *.jpg *.jpeg *.png *.tif *.tiff"


def _user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name on this system
        return ""


def next_step_text(stages: list[votes.StageInfo], open_votes: int) -> str:
    """One sentence: what the closing needs next (and what is missing for it)."""
    following = next((st.stage for st in stages if not st.done), None)
    if following == "count":
        if open_votes:
            return ngettext("{n} vote is still open: close it, then record the count.",
                            "{n} votes are still open: close them, then record the count.",
                            open_votes).format(n=open_votes)
        return _("Next: record the count (every vote is closed).")
    if following == "results":
        return _("Next: record the results; they are fixed as they stand now.")
    if following == "minutes_generated":
        return _("Next: generate the minutes, check them in the preview and save them as PDF; "
                 "saving records them.")
    if following == "minutes_signed":
        return _("Next: once the minutes are signed on paper, record them with a photo or scan. "
                 "This closes the session.")
    if stages:
        return _("The minutes are signed and the session is closed.")
    return ""


class ClosingPanel(QGroupBox):
    """The closing stages of the current session and a button for each next one.

    Signals:
        changed(): a stage was recorded (the page re-reads the session).
    """

    changed = Signal()

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(_("Closing the session"), parent)
        self.ctx = ctx
        self.setObjectName("votesClosing")
        self.stages: list[votes.StageInfo] = []
        self.signed_dialog: MinutesSignedDialog | None = None
        self.stages_label = QLabel("")
        self.stages_label.setObjectName("votesStages")
        self.stages_label.setWordWrap(True)
        self.next_label = QLabel("")
        self.next_label.setObjectName("closingNext")
        self.next_label.setWordWrap(True)
        self.next_label.setStyleSheet("color: #1a3e72;")
        self.buttons: dict[str, QPushButton] = {}
        crow = QHBoxLayout()
        for key, text, fn in (("count", _("Record the count"), lambda: self.advance("count")),
                              ("results", _("Record the results"), lambda: self.advance("results")),
                              ("minutes", _("Generate minutes"), self.generate_minutes),
                              ("signed", _("Minutes signed…"), self.minutes_signed)):
            b = QPushButton(text)
            b.setObjectName(f"closing_{key}")
            b.clicked.connect(fn)
            crow.addWidget(b)
            self.buttons[key] = b
        self.buttons["minutes"].setToolTip(_("Opens the preview of the minutes on the Print page"))
        crow.addStretch(1)
        box = QVBoxLayout(self)
        box.addWidget(self.stages_label)
        box.addWidget(self.next_label)
        box.addLayout(crow)
        self.clear()

    # --- loading -----------------------------------------------------------------------------
    def clear(self) -> None:
        self.stages = []
        self.stages_label.setText("")
        self.next_label.setText("")
        for b in self.buttons.values():
            b.setEnabled(False)

    def show_stages(self, stages: list[votes.StageInfo], questions: list[votes.QuestionInfo] = ()) -> None:
        self.stages = list(stages)
        self.stages_label.setText("   ".join(
            ("✓ " if st.done else "· ") + _(votes.STAGE_NAMES[st.stage]) for st in stages))
        done = {st.stage for st in stages if st.done}
        following = next((st.stage for st in stages if not st.done), None)
        self.next_label.setText(next_step_text(self.stages, sum(1 for q in questions if q.status == "open")))
        self.buttons["count"].setEnabled(following == "count")
        self.buttons["results"].setEnabled(following == "results")
        # The minutes can be generated (again, or as a copy) once the results are fixed.
        self.buttons["minutes"].setEnabled({"count", "results"} <= done)
        self.buttons["signed"].setEnabled(following == "minutes_signed")

    # --- actions -----------------------------------------------------------------------------
    def _done(self, message: str):
        def done(_result) -> None:
            self.ctx.notify(message, "success")
            self.changed.emit()
        return done

    def advance(self, stage: str) -> None:
        sid = self.ctx.current_session_id
        if sid is None:
            return
        (write_op(self.ctx, votes.advance_closing, sid, stage, by=_user()).changes("votes").bound_to(self)
         .on_success(self._done(_("Closing stage recorded: {stage}.").format(stage=_(votes.STAGE_NAMES[stage]))))
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def generate_minutes(self) -> None:
        window = self.window()
        if not hasattr(window, "go_to"):
            return
        page = window.go_to("print")
        page.show_kind("minutes")

    def minutes_signed(self) -> None:
        if self.ctx.current_session_id is None:
            return
        self.signed_dialog = MinutesSignedDialog(self, settings=self.ctx.qsettings)
        self.signed_dialog.accepted.connect(lambda: self._record_signed(self.signed_dialog.path()))
        self.signed_dialog.open()

    def _record_signed(self, path: str) -> None:
        sid = self.ctx.current_session_id
        if sid is None:
            return
        store = self.ctx.db.path.parent / "attachments"

        def closed(_result) -> None:
            self._done(_("Minutes signed: the session is closed."))(_result)
            from ui.backups import start_automatic_backup

            start_automatic_backup(self.ctx, "session-closed")

        # The audit log is checked first, as for any closing: a broken one shows its warning.
        self.ctx.check_audit(then=lambda: (
            write_op(self.ctx, votes.record_minutes_signed, sid, attachment=path or None, store_dir=store,
                     by=_user())
            .changes("*").bound_to(self).on_success(closed)
            .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run()))


class MinutesSignedDialog(QDialog):
    """Asks before the step that closes the session; takes the optional scan of the signed minutes."""

    def __init__(self, parent=None, settings=None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setObjectName("minutesSignedDialog")
        self.setWindowTitle(_("Minutes signed"))
        text = QLabel(_("Recording the signed minutes closes the session: check-in, proposals and votes stop and "
                        "the session becomes a read-only record. Attach a photo or scan of the signed minutes "
                        "if you have one."))
        text.setObjectName("minutesSignedText")
        text.setWordWrap(True)
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("minutesSignedScan")
        self.path_edit.setPlaceholderText(_("No scan attached (optional)"))
        self.path_edit.setAccessibleName(_("Photo or scan of the signed minutes"))
        choose = QPushButton(_("Choose…"))
        choose.setObjectName("minutesSignedChoose")
        choose.setAccessibleName(_("Choose the photo or scan of the signed minutes"))
        choose.clicked.connect(self.choose)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(choose)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText(_("Record and close the session"))
        self.ok_button.setObjectName("minutesSignedOk")
        buttons.button(QDialogButtonBox.Cancel).setObjectName("minutesSignedCancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def path(self) -> str:
        return self.path_edit.text().strip()

    def choose(self) -> None:
        from ui.files import open_path

        path = open_path(self, "minutes-scan", _("Photo or scan of the signed minutes (optional)"),
                         _("Scans and photos ({patterns})").format(patterns=SCAN_FILTER_EXTENSIONS), self.settings)
        if path:
            self.path_edit.setText(path)


class ReopenDialog(QDialog):
    """Reopening a session whose minutes are signed: a warning, and the reason for the audit log."""

    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reopenDialog")
        self.setWindowTitle(_("Reopen the session"))
        warning = QLabel(_("The minutes of “{title}” are signed. Reopening the session lets its attendance, "
                           "proposals and votes change, and the signed minutes may no longer match the record. "
                           "The reason is kept in the audit log.").format(title=title))
        warning.setObjectName("reopenWarning")
        warning.setWordWrap(True)
        warning.setStyleSheet("color: #7a4f01; background: #fef7e0; padding: 8px; border-radius: 4px;")
        label = QLabel(_("Reason for reopening"))
        self.reason = QLineEdit()
        self.reason.setObjectName("reopenReason")
        label.setBuddy(self.reason)
        self.reason.setAccessibleName(_("Reason for reopening"))
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText(_("Reopen the session"))
        self.ok_button.setObjectName("reopenOk")
        self.ok_button.setEnabled(False)
        self.reason.textChanged.connect(lambda text: self.ok_button.setEnabled(bool(text.strip())))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(warning)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def text(self) -> str:
        return self.reason.text().strip()
