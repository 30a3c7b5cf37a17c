"""Geometry checks for small screens: a widget is clipped when it lies outside its window or an
ancestor, when its text needs more room than it has, or when a field is squashed below its
minimum height. Widgets inside a scroll area's viewport may extend past it vertically (scrolling
shows them); with no horizontal scroll bar they must not run past its right edge."""

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
)


def in_scroll(w, top):
    """The scroll area whose viewport holds ``w`` (scrolling shows the rest), or None."""
    p = w.parentWidget()
    while p is not None and p is not top:
        if isinstance(p, QAbstractScrollArea) and w is not p:
            vp = p.viewport()
            q = w
            while q is not None and q is not p:
                if q is vp:
                    return p
                q = q.parentWidget()
        p = p.parentWidget()
    return None


def clipped(top) -> list[str]:
    """What is clipped in the window or dialog ``top``, one sentence each."""
    found = []
    inside = QRect(QPoint(0, 0), top.size())
    for w in top.findChildren(QWidget):
        if not w.isVisibleTo(top) or w.window() is not top or isinstance(w, (QMenu,)):
            continue
        if not isinstance(w, (QAbstractButton, QLabel, QLineEdit, QComboBox, QAbstractSpinBox, QAbstractScrollArea)):
            continue
        if w.width() <= 0 or w.height() <= 0:
            continue
        if w.objectName().startswith("qt_"):  # a spin box's inner editor: the spin box is checked
            continue
        area = in_scroll(w, top)
        if area is not None:
            if area.horizontalScrollBarPolicy() == Qt.ScrollBarAlwaysOff:
                vp = area.viewport()
                right = w.mapTo(vp, QPoint(w.width(), 0)).x()
                if right > vp.width() + 1:
                    found.append(f"{w.objectName() or type(w).__name__!r} runs {right - vp.width()} px past its scroll area")
            continue
        name = w.objectName() or getattr(w, "text", lambda: "")() or type(w).__name__
        where = QRect(w.mapTo(top, QPoint(0, 0)), w.size())
        if not inside.contains(where):
            found.append(f"{name!r} {where.getRect()} outside the window")
            continue
        # clipped by an ancestor
        p = w.parentWidget()
        while p is not None and p is not top:
            prect = QRect(p.mapTo(top, QPoint(0, 0)), p.size())
            if not prect.contains(where):
                found.append(f"{name!r} {where.getRect()} cut by {p.objectName() or type(p).__name__} {prect.getRect()}")
                break
            p = p.parentWidget()
        else:
            hint = w.sizeHint()
            if isinstance(w, QLabel) and w.text() and not w.pixmap():
                if w.wordWrap():
                    need = w.heightForWidth(w.width())
                    if need > w.height() + 2:
                        found.append(f"{name!r} label cut: {w.height()} px high for {need}")
                elif w.width() + 2 < hint.width():
                    found.append(f"{name!r} label cut: {w.width()} px for {hint.width()}")
            elif isinstance(w, (QAbstractButton,)) and not isinstance(w, QToolButton) and w.text() and w.width() + 2 < hint.width():
                found.append(f"{name!r} button cut: {w.width()} px for {hint.width()}")
            elif isinstance(w, (QLineEdit, QComboBox, QAbstractSpinBox)) and w.height() + 2 < w.minimumSizeHint().height():
                found.append(f"{name!r} squashed: {w.height()} px high for {w.minimumSizeHint().height()}")
    return found
