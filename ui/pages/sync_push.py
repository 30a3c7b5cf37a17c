"""The Sync page's push part: what is waiting per session, "Push now" with progress and cancel,
the last push's result in a sentence, and the sync log (every attempt, its outcome and the
server's message) with an export.

The push runs in a worker (``ui.workers.Op``) with the engine of ``sync.push``; cancelling stops
between two items, so no item is left half-sent without a state. A Qt model shows the log; it
asks the core for plain rows and owns nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from p311desk import outbox
from p311desk.i18n import N_, _, format_local, ngettext
from sync.push import PushReport, push, summary_sentence

EVENT_NAMES = {
    "queued": N_("queued"), "sending": N_("sending"), "sent": N_("sent"), "failed": N_("failed, will retry"),
    "unknown": N_("answer lost"), "rejected": N_("refused"), "superseded": N_("replaced"),
    "waiting_upload": N_("waiting for upload"), "pending": N_("to send again"), "files": N_("files written"),
}
OPERATION_NAMES = {
    "create_proposal": N_("New proposal"), "update_proposal": N_("Proposal change"),
    "withdraw_proposal": N_("Withdrawal"), "close_meeting": N_("Meeting closure"),
    "validate_registration_code": N_("Registration code"), "result": N_("Vote result"),
    "add_comment": N_("Comment"),
}


class SyncLogModel(QAbstractTableModel):
    """The last lines of the sync log: time, what, outcome, server's message."""

    HEADERS = (N_("When"), N_("What"), N_("Outcome"), N_("Message"))

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[outbox.LogLine] = []

    def set_rows(self, rows: list[outbox.LogLine]) -> None:
        self.beginResetModel()
        self.rows = list(reversed(rows))  # newest first
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's naming
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole and orientation == Qt.Horizontal and 0 <= section < len(self.HEADERS):
            return _(self.HEADERS[section])
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        line = self.rows[index.row()]
        if role in (Qt.DisplayRole, Qt.ToolTipRole):
            values = (format_local(line.at, "%d/%m %H:%M:%S"),
                      _(OPERATION_NAMES[line.operation]) if line.operation in OPERATION_NAMES
                      else (line.operation or "—"),
                      (_(EVENT_NAMES[line.event]) if line.event in EVENT_NAMES else line.event)
                      + (f" (HTTP {line.http_status})" if line.http_status else ""),
                      line.message)
            return values[index.column()]
        if role == Qt.ForegroundRole and line.event in ("rejected", "unknown", "failed"):
            from PySide6.QtGui import QColor

            return QColor("#a12622") if line.event == "rejected" else QColor("#8a5a00")
        return None


class PushPanel(QWidget):
    """Push and log for the platform shown on the Sync page."""

    def __init__(self, page, parent=None) -> None:
        super().__init__(parent)
        self.page = page
        self.ctx = page.ctx
        self.info = None
        box = QGroupBox(_("Send to the platform"))
        box.setObjectName("pushBox")
        layout = QVBoxLayout(box)
        hint = QLabel(_("Sends proposals and meeting closures of the sessions linked to this platform. Where "
                        "the platform cannot receive them, writes the files for its administrator. Nothing "
                        "is sent twice: a lost answer is checked on the platform first."))
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")
        self.waiting = QLabel()
        self.waiting.setObjectName("pushWaiting")
        self.waiting.setWordWrap(True)
        self.push_button = QPushButton(_("Push now"))
        self.push_button.setObjectName("pushNow")
        self.push_button.setStyleSheet("font-weight: bold; padding: 6px 16px;")
        self.push_button.clicked.connect(self.push)
        self.retry_button = QPushButton(_("Retry refused"))
        self.retry_button.setObjectName("retryRefused")
        self.retry_button.setToolTip(_("Queue the refused items again, once the cause is fixed"))
        self.retry_button.clicked.connect(self.retry_refused)
        self.retry_button.setVisible(False)
        row = QHBoxLayout()
        row.addWidget(self.waiting, 1)
        row.addWidget(self.retry_button)
        row.addWidget(self.push_button)
        self.result = QLabel()
        self.result.setObjectName("pushResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(hint)
        layout.addLayout(row)
        layout.addWidget(self.result)

        log_box = QGroupBox(_("Sync log"))
        log_box.setObjectName("logBox")
        log_layout = QVBoxLayout(log_box)
        self.model = SyncLogModel(self)
        self.table = QTableView()
        self.table.setObjectName("syncLog")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectRows)
        self.table.setEditTriggers(QTableView.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setMinimumHeight(160)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        header.setStretchLastSection(True)
        self.export_button = QPushButton(_("Export the log…"))
        self.export_button.setObjectName("exportLog")
        self.export_button.clicked.connect(self.export_log)
        log_layout.addWidget(self.table)
        log_layout.addWidget(self.export_button, 0, Qt.AlignRight)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(box)
        outer.addWidget(log_box)

    def set_platform(self, info) -> None:
        self.info = info
        self.refresh()

    def refresh(self) -> None:
        from sync.platforms import status

        with self.ctx.db.read() as s:
            self.model.set_rows(outbox.sync_log(s, limit=200))
        rows = [r for r in status(self.ctx.db) if self.info is not None and r["host"] == self.info.host]
        sessions = rows[0]["sessions"] if rows else {}
        todo = sum(n for c in sessions.values() for st, n in c.items() if st in ("pending", "failed", "unknown"))
        waiting = sum(c.get("waiting_upload", 0) for c in sessions.values())
        refused = sum(c.get("rejected", 0) for c in sessions.values())
        parts = [ngettext("{n} change to send", "{n} changes to send", todo).format(n=todo)]
        if waiting:
            parts.append(ngettext("{n} waiting for the administrator's upload",
                                  "{n} waiting for the administrator's upload", waiting).format(n=waiting))
        if refused:
            parts.append(ngettext("{n} refused by the platform (see the log)",
                                  "{n} refused by the platform (see the log)", refused).format(n=refused))
        self.waiting.setText("; ".join(parts) + ".")
        self.retry_button.setVisible(refused > 0)
        self.refused_sessions = [sid for sid, c in sessions.items() if c.get("rejected")]

    def retry_refused(self) -> None:
        import uuid as _uuid

        ids = [_uuid.UUID(sid) for sid in getattr(self, "refused_sessions", [])]

        def work(s):
            n = 0
            for sid in ids:
                for item in outbox.session_items(s, sid, states=(outbox.REJECTED,)):
                    outbox.retry(s, item.id, "retry requested by the user")
                    n += 1
            return n

        from ui.workers import write_op

        def done(n) -> None:
            self.ctx.notify(ngettext("{n} item queued again: push to send it.",
                                     "{n} items queued again: push to send them.", n).format(n=n))
            self.refresh()

        write_op(self.ctx, work).on_success(done).changes("sync").run()

    def push(self) -> None:
        info = self.info
        if info is None:
            return
        self.push_button.setEnabled(False)
        factory = self.page.client_factory

        def work(progress, cancel):
            return push(self.ctx.db, info.name, progress=progress, cancel=cancel, client_factory=factory)

        def done(report: PushReport) -> None:
            self.result.setText(report_text(report))
            if report.sign_in_needed:
                # Not a refusal: the queue is kept; the user signs in again, then pushes.
                self.ctx.notify(report.stopped or _("Sign in again, then push."), "warning")
                self.page.ask_sign_in(report.stopped)
            elif report.stopped:
                self.ctx.notify(report.stopped, "error")
            else:
                self.ctx.notify(summary_sentence(report), "warning" if report.rejected else "info")
            self.refresh()

        def failed(exc) -> None:
            from ui.workers import error_text

            self.result.setText(error_text(exc))
            self.ctx.notify(error_text(exc), "error")
            self.refresh()

        from ui.workers import Op

        worker = (Op(self.ctx, work, write=False, parent=self.page).on_success(done).on_failure(failed)
                  .with_progress(_("Sending to {platform}…").format(platform=info.name)).changes("sync").run())
        worker.signals.finished.connect(lambda: self.push_button.setEnabled(True))

    def export_log(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Export the sync log"), "sync-log.csv",
                                                    _("CSV (*.csv);;JSON (*.json)"))
        if not path:
            return
        with self.ctx.db.read() as s:
            n = outbox.export_log(s, path)
        self.ctx.notify(ngettext("{n} line written to {path}", "{n} lines written to {path}", n).format(
            n=n, path=path))


def report_text(report: PushReport) -> str:
    lines = [summary_sentence(report)]
    if report.unknown or report.failed:
        lines.append(_("Not finished: {n}. Push again later; nothing will be sent twice.").format(
            n=report.unknown + report.failed))
    if report.rejected:
        lines.append(ngettext("{n} refused by the platform (see the log)", "{n} refused by the platform (see the log)",
                              report.rejected).format(n=report.rejected))
        lines.extend(dict.fromkeys(report.messages))
    if report.cancelled:
        lines.append(_("Cancelled: what was not sent yet waits for the next push."))
    for handed in report.files:
        lines.append(_("Files for the administrator in {folder}").format(folder=handed.directory))
    if report.stopped:
        lines.append(report.stopped)
    return "\n".join(lines)
