"""A persistent warning strip shown while the audit log does not verify.

Unlike the message bar it cannot be dismissed and no later message replaces it: a broken audit
log stays visible, naming the first bad event or record, until a check finds the log intact."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel

from p311desk.i18n import _


class AuditBanner(QFrame):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("auditBanner")
        self.setStyleSheet(
            "#auditBanner { background: #fce8e6; border: 2px solid #8c1d18; border-radius: 6px; }"
            "#auditBanner QLabel { color: #8c1d18; font-size: 11pt; }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        icon = QLabel("⚠")
        icon.setStyleSheet("font-size: 16pt;")
        self.label = QLabel()
        self.label.setObjectName("auditWarning")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(icon)
        layout.addWidget(self.label, 1)
        self.hide()

    def show_report(self, report) -> None:
        """``report``: an ``audit.ChainReport`` (or None: not checked yet)."""
        if report is None or report.ok:
            self.hide()
            return
        self.label.setText(
            "<b>" + _("The audit log does not verify.") + "</b> " + report.message().replace("<", "&lt;")
            + "<br>" + _("Records may have been changed outside p311desk. Keep this database and "
                         "its backups as they are, and tell whoever is responsible for the data."))
        self.show()
