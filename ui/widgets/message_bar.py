"""The one app-wide message bar: every message to the user goes here, in their language."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from p311desk.i18n import _

STYLES = {
    "info": ("#e8f0fe", "#1a3e72", "ℹ"),
    "success": ("#e6f4ea", "#0d5223", "✔"),
    "warning": ("#fef7e0", "#7a4f01", "⚠"),
    "error": ("#fce8e6", "#8c1d18", "✖"),
}


class MessageBar(QFrame):
    """A strip above the page showing the latest message; info/success hide by themselves.

    In a layout it keeps its place while hidden (one line high), so showing a message moves
    nothing and covers nothing."""

    def __init__(self, parent=None, anchor=None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        policy.setVerticalPolicy(policy.Policy.Fixed)
        self.setSizePolicy(policy)
        # With an anchor the bar floats over the anchor's top edge instead of taking layout space.
        self.anchor = anchor
        if anchor is not None:
            anchor.installEventFilter(self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self.icon = QLabel()
        self.label = QLabel()
        self.label.setObjectName("messageText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        close = QToolButton()
        close.setObjectName("messageClose")
        close.setText("✕")
        close.setToolTip(_("Hide this message"))
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(self.icon)
        layout.addWidget(self.label, 1)
        layout.addWidget(close)
        self.level = "info"
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        if anchor is None:
            self.reserve_one_line()
        self.hide()

    def _style(self, level: str) -> str:
        background, foreground, icon = STYLES.get(level, STYLES["info"])
        self.setStyleSheet(
            f"#messageBar {{ background: {background}; border: 1px solid {foreground}; border-radius: 6px; }}"
            f"#messageBar QLabel {{ color: {foreground}; font-size: 11pt; }}"
        )
        return icon

    def reserve_one_line(self) -> None:
        """The place kept for the bar: one line of message, the same hidden or shown."""
        self._style("warning")
        self.icon.setText("⚠")
        self.label.setText("Mg")
        self.ensurePolished()
        self.icon.ensurePolished()
        self.label.ensurePolished()
        self.setMinimumHeight(max(self.minimumSizeHint().height(), self.sizeHint().height()))
        self.icon.setText("")
        self.label.setText("")

    def show_message(self, text: str, level: str = "info") -> None:
        self.level = level
        icon = self._style(level)
        self.icon.setText(icon)
        self.label.setText(text)
        self.show()
        self._place()
        self.raise_()
        if level in ("info", "success"):
            self._timer.start(8000)
        else:
            self._timer.stop()

    def _place(self) -> None:
        if self.anchor is None:
            return
        geo = self.anchor.geometry()
        width = max(200, geo.width() - 24)
        height = self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height()
        self.setGeometry(geo.x() + 12, geo.y() + 4, width, max(height, self.sizeHint().height()))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        from PySide6.QtCore import QEvent

        if obj is self.anchor and event.type() in (QEvent.Resize, QEvent.Move) and self.isVisible():
            self._place()
        return super().eventFilter(obj, event)
