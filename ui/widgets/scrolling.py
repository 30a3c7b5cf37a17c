"""A page part that scrolls instead of squashing its fields on a small screen (1024×600)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

QT_MAX = 16_777_215


class VerticalScroll(QScrollArea):
    """Scrolls up and down only: never narrower than its widget needs (so nothing is cut at the
    right), at most as wide as the widget may be plus the scroll bar."""

    def setWidget(self, widget: QWidget) -> None:  # noqa: N802 - Qt API
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        from PySide6.QtCore import QEvent

        if obj is self.widget() and event.type() == QEvent.LayoutRequest:
            self.updateGeometry()  # the widget's needs changed (e.g. labels retranslated): tell our layout
        return super().eventFilter(obj, event)

    def _bar(self) -> int:
        return self.verticalScrollBar().sizeHint().width()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().minimumSizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        return QSize(min(inner.minimumSizeHint().width() + self._bar(), self.maximumWidth()), hint.height())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        hint = super().sizeHint()
        inner = self.widget()
        if inner is None:
            return hint
        return QSize(max(self.minimumSizeHint().width(), min(inner.sizeHint().width() + self._bar(),
                                                             self.maximumWidth())), hint.height())


def scrolling(widget: QWidget, name: str = "") -> QScrollArea:
    """``widget`` in a frameless vertical scroll area: at its natural height when there is room,
    scrolled when there is not (never squashed, never cut)."""
    area = VerticalScroll()
    if name:
        area.setObjectName(name)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    area.setWidget(widget)
    if widget.maximumWidth() < QT_MAX:  # room for the scroll bar beside a capped widget
        area.setMaximumWidth(widget.maximumWidth() + area.verticalScrollBar().sizeHint().width())
    return area
