"""The room display: a second window for the room's screen or projector.

It shows what the room should see, large and legible from the back of the hall. Its default
view is the current session's title and a live counter "present / expected" that follows every
check-in, undo and walk-in. Other capabilities (votes: the question on the floor, the results)
show their own views in the same window instead of opening another one.

Interface (the main window owns one instance: ``MainWindow.room_display()``; View ▸ Room display,
F5, opens it)::

    display = window.room_display()      # the one RoomDisplay, created on first use
    display.show_on_room_screen()        # full screen on a second screen if there is one,
                                         # else an ordinary window on this screen
    display.set_view(widget)             # show ``widget`` below the session title, in place of
                                         # the counter; the display re-parents it
    display.set_view(None)               # back to the counter; the replaced widget is only
                                         # detached (not deleted): keep a reference to reuse it
    display.current_view()               # the widget shown, or None for the counter
    display.refresh()                    # re-read title and counter (it does so by itself on
                                         # session change and on data_changed)

Views are ordinary QWidgets. They should use large type: the display's stylesheet gives every
QLabel in it white text on the dark background, and ``display.scale()`` (a factor from the
window's height, 1.0 at 768 px) helps a view size its fonts. F11 toggles full screen, Esc
leaves full screen. The window never takes keyboard focus away from the door: it is shown
without activating it.

Signals:
    view_changed(object): the widget now shown (None: the counter).
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from p311desk.i18n import _
from ui.workers import Op

BACKGROUND = "#10263b"
ACCENT = "#f2a900"


class RoomDisplay(QWidget):
    """The room's window: session title on top, the counter or another view below."""

    view_changed = Signal(object)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        # A top-level window even with a parent (it follows the main window's lifetime).
        super().__init__(parent, Qt.Window)
        self.ctx = ctx
        self.setObjectName("roomDisplay")
        self.setAttribute(Qt.WA_ShowWithoutActivating, True)
        self.setStyleSheet(f"#roomDisplay {{ background: {BACKGROUND}; }} #roomDisplay QLabel {{ color: white; }}")
        self.setAutoFillBackground(True)
        self.session_id: uuid.UUID | None = None
        self.present = 0
        self.expected = 0
        self._view: QWidget | None = None
        self._reading = False
        self._again = False

        self.title = QLabel()
        self.title.setObjectName("roomTitle")
        self.title.setAlignment(Qt.AlignCenter)
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)

        self.counter = QWidget()
        self.counter.setObjectName("roomCounterView")
        self.count_label = QLabel("—")
        self.count_label.setObjectName("roomCounter")
        self.count_label.setAlignment(Qt.AlignCenter)
        self.caption = QLabel()
        self.caption.setObjectName("roomCounterCaption")
        self.caption.setAlignment(Qt.AlignCenter)
        self.caption.setWordWrap(True)
        counter_layout = QVBoxLayout(self.counter)
        counter_layout.addStretch(1)
        counter_layout.addWidget(self.count_label)
        counter_layout.addWidget(self.caption)
        counter_layout.addStretch(1)

        self.stack = QStackedWidget()
        self.stack.setObjectName("roomViews")
        self.stack.addWidget(self.counter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 28, 40, 28)
        layout.addWidget(self.title)
        layout.addWidget(self.stack, 1)

        QShortcut(QKeySequence(Qt.Key_F11), self, activated=self.toggle_full_screen)
        QShortcut(QKeySequence(Qt.Key_Escape), self, activated=self.showNormal)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(120)  # a burst of scans at the door makes one read
        self._debounce.timeout.connect(self._read)
        ctx.session_changed.connect(self._on_session_changed)
        ctx.data_changed.connect(self._on_data_changed)
        ctx.language_changed.connect(self._on_language_changed)
        self.resize(1024, 640)
        self.retranslate()
        self._apply_scale()
        self.refresh()

    # --- the interface for other capabilities ------------------------------------------------
    def set_view(self, widget: QWidget | None) -> None:
        """Show ``widget`` instead of the counter (None: the counter again)."""
        if widget is self._view:
            return
        old = self._view
        if old is not None:
            self.stack.removeWidget(old)
            old.hide()
            old.setParent(None)
        self._view = widget
        if widget is not None:
            self.stack.addWidget(widget)
            self.stack.setCurrentWidget(widget)
        else:
            self.stack.setCurrentWidget(self.counter)
            self.refresh()
        self.view_changed.emit(widget)

    def current_view(self) -> QWidget | None:
        return self._view

    def scale(self) -> float:
        """Font scale for views: 1.0 at a 768 px high window, proportional to the height."""
        return max(0.5, self.height() / 768)

    def show_on_room_screen(self) -> None:
        """Full screen on a second screen when there is one, else an ordinary window here."""
        screens = QGuiApplication.screens()
        main = self.parentWidget().screen() if self.parentWidget() is not None else QGuiApplication.primaryScreen()
        others = [sc for sc in screens if sc is not main]
        if others:
            target = others[0]
            self.setScreen(target)
            self.setGeometry(target.geometry())
            self.showFullScreen()
        else:
            available = (main or QGuiApplication.primaryScreen()).availableGeometry()
            if not self.isVisible():
                self.resize(min(1024, available.width()), min(640, available.height()))
            self.showNormal()
        self.raise_()

    def leave_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    def refresh(self) -> None:
        """Re-read the session title and the counter in a worker (coalesced)."""
        self._debounce.start()

    # --- internals ---------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("Room display"))
        self.caption.setText(_("present / expected"))
        self._render()

    def _on_language_changed(self, _lang: str) -> None:
        self.retranslate()

    def _on_session_changed(self, _sid) -> None:
        self.refresh()

    def _on_data_changed(self, what: str) -> None:
        if what in ("attendance", "sessions", "participants", "*"):
            self.refresh()

    def _read(self) -> None:
        if self._reading:  # one read at a time; another one after it if asked meanwhile
            self._again = True
            return
        sid = self.ctx.current_session_id
        self._reading = True

        def work():
            if sid is None:
                return None
            from p311desk import sessions
            from p311desk.errors import NotFound

            with self.ctx.db.read() as s:
                try:
                    return sessions.get_session(s, sid)
                except NotFound:
                    return None

        def done(info) -> None:
            self._reading = False
            self.session_id = info.id if info is not None else None
            self._session_title = info.title if info is not None else ""
            self.present, self.expected = (info.present, info.expected) if info is not None else (0, 0)
            self._render()
            if self._again:
                self._again = False
                self._read()

        def failed(_exc) -> None:
            self._reading = False

        Op(self.ctx, work, write=False).bound_to(self).on_success(done).on_failure(failed).run()

    def _render(self) -> None:
        if self.session_id is None:
            self.title.setText(_("No session chosen"))
            self.count_label.setText("—")
        else:
            self.title.setText(getattr(self, "_session_title", ""))
            self.count_label.setText(f"{self.present} / {self.expected}")
        self.count_label.setToolTip(_("Present: {present} of {expected} expected").format(
            present=self.present, expected=self.expected))

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        # A view that walks through slides (the accountability plan) takes the arrow keys.
        handle = getattr(self._view, "handle_key", None)
        if handle is not None and handle(event.key()):
            return
        # Esc leaves full screen even where the window was never activated (it is shown without
        # taking the focus, so its shortcuts may not fire); keys its views leave unhandled come here.
        if event.key() == Qt.Key_Escape and self.isFullScreen():
            self.showNormal()
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._apply_scale()

    def _apply_scale(self) -> None:
        k = self.scale()
        self.title.setStyleSheet(f"font-size: {max(14, int(36 * k))}pt; font-weight: bold;")
        # The counter fills the width it has: "1234 / 1500" must fit a 1024 px projector.
        width_pt = max(24, int(self.width() / 11 * 72 / 96 * 1.1))
        self.count_label.setStyleSheet(
            f"font-size: {min(int(150 * k), width_pt)}pt; font-weight: bold; color: {ACCENT};")
        self.caption.setStyleSheet(f"font-size: {max(12, int(28 * k))}pt; color: #d8e2ec;")
