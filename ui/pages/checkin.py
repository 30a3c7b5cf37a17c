"""Check-in page: the door of the meeting.

One big input takes what a USB scanner types (a code followed by Enter) and what a technician
types (a name, an e-mail, a code). Typing searches as you type over everyone known (accents and
case ignored); Enter checks in the exact code, else the highlighted result. Feedback is large and
coloured: green welcome, amber already checked in (with the time), red unknown code / under age.
Undo cancels the last check-in; walk-ins are registered in a small dialog and checked in at once.
The webcam is optional: the page works the same without one.

Check-ins run on the write worker (they commit to disk); the search index is built in a read
worker when the session changes, and kept current as people are checked in or added.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from p311desk.i18n import _
from p311desk import attendance
from ui.pages import Page
from ui.workers import Op

FEEDBACK_STYLES = {
    "welcome": ("#1e7d32", "white"),
    "already": ("#f2a900", "#1b1b1b"),
    "unknown": ("#b3261e", "white"),
    "under_age": ("#b3261e", "white"),
    "idle": ("#eef2f6", "#1f3b57"),
}
SEARCH_LIMIT = 12


class CheckinPage(Page):
    page_id = "checkin"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(ctx, parent)
        self.session = None
        self.index: attendance.SearchIndex | None = None
        self.present: set[uuid.UUID] = set()
        self.last_result: attendance.CheckinResult | None = None
        self.camera = None

        self.title = QLabel(_("Check-in"))
        self.title.setObjectName("checkinTitle")
        self.title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.title.setWordWrap(True)
        self.counter_label = QLabel()
        self.counter_label.setObjectName("checkinCounter")
        self.counter_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.counter_label.setStyleSheet("font-size: 26pt; font-weight: bold; color: #1f3b57;")
        self.counter_caption = QLabel(_("Present / expected"))
        self.counter_caption.setObjectName("checkinCounterCaption")
        self.counter_caption.setAlignment(Qt.AlignRight)
        self.counter_caption.setStyleSheet("color: #555;")
        self.rule_label = QLabel()
        self.rule_label.setObjectName("checkinRule")
        self.rule_label.setStyleSheet("color: #555; font-size: 11pt;")
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.rule_label)
        counter_box = QVBoxLayout()
        counter_box.setSpacing(0)
        counter_box.addWidget(self.counter_label)
        counter_box.addWidget(self.counter_caption)
        head = QHBoxLayout()
        head.addLayout(titles, 1)
        head.addLayout(counter_box)

        self.input = QLineEdit()
        self.input.setObjectName("checkinInput")
        self.input.setPlaceholderText(_("Scan a code or type a name, e-mail or code…"))
        self.input.setClearButtonEnabled(True)
        self.input.setMinimumHeight(64)
        self.input.setStyleSheet("font-size: 22pt; padding: 6px 12px; border: 2px solid #1f3b57; border-radius: 8px;")
        self.input.textChanged.connect(self._search)
        self.input.returnPressed.connect(self.submit)
        self.input.installEventFilter(self)

        self.results = QListWidget()
        self.results.setObjectName("checkinResults")
        self.results.setStyleSheet("QListWidget { font-size: 14pt; } QListWidget::item { padding: 6px; }")
        self.results.itemActivated.connect(self._result_activated)
        self.results.setMinimumHeight(160)

        self.feedback = QLabel()
        self.feedback.setObjectName("checkinFeedback")
        self.feedback.setAlignment(Qt.AlignCenter)
        self.feedback.setWordWrap(True)
        self.feedback.setMinimumHeight(110)

        self.undo_button = QPushButton(_("Undo last check-in"))
        self.undo_button.setObjectName("checkinUndo")
        self.undo_button.setToolTip("Ctrl+Z")
        self.undo_button.clicked.connect(self.undo)
        self.walkin_button = QPushButton(_("Walk-in: register and check in…"))
        self.walkin_button.setObjectName("checkinWalkIn")
        self.walkin_button.setToolTip("Ctrl+W")
        self.walkin_button.clicked.connect(self.walk_in)
        self.camera_button = QPushButton(_("Scan with the camera"))
        self.camera_button.setObjectName("checkinCamera")
        self.camera_button.setCheckable(True)
        self.camera_button.toggled.connect(self._toggle_camera)
        for b in (self.undo_button, self.walkin_button, self.camera_button):
            b.setMinimumHeight(40)
            b.setStyleSheet("font-size: 12pt; padding: 4px 14px;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.walkin_button)
        buttons.addStretch(1)
        buttons.addWidget(self.camera_button)

        self.camera_frame = QFrame()
        self.camera_frame.setObjectName("checkinCameraFrame")
        self.camera_frame.setVisible(False)
        QVBoxLayout(self.camera_frame).setContentsMargins(0, 0, 0, 0)

        self.hint = QLabel(_("Enter checks in the exact code, or the highlighted person. ↓ moves to the list."))
        self.hint.setObjectName("checkinHint")
        self.hint.setStyleSheet("color: #555;")
        self.hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.input)
        layout.addWidget(self.hint)
        layout.addWidget(self.feedback)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.camera_frame)
        layout.addLayout(buttons)

        QShortcut(QKeySequence.Undo, self, activated=self.undo)
        QShortcut(QKeySequence("Ctrl+W"), self, activated=self.walk_in)
        QShortcut(QKeySequence(Qt.Key_Escape), self.input, activated=self._clear)
        ctx.session_changed.connect(lambda _sid: self.load())
        ctx.data_changed.connect(self._on_data_changed)
        self._show_feedback("idle", _("Ready. Scan a code or type a name."))
        self.load()

    # --- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        from p311desk import sessions

        sid = self.ctx.current_session_id
        self.session = None
        self.index = None
        if sid is not None:
            with self.ctx.db.read() as s:
                try:
                    self.session = sessions.get_session(s, sid)
                except Exception:  # noqa: BLE001 - a stale current session is simply no session
                    self.session = None
        enabled = self.session is not None and self.session.status != "closed"
        for w in (self.input, self.undo_button, self.walkin_button, self.camera_button, self.results):
            w.setEnabled(enabled)
        if self.session is None:
            self.title.setText(_("Check-in"))
            self.rule_label.setText("")
            self.counter_label.setText("")
            self._show_feedback("idle", _("Choose the current session at the top of the window to start checking people in."))
            return
        rule = (_("People under {age} are not admitted.").format(age=self.session.min_age)
                if self.session.enforce_min_age else _("No minimum age in this session."))
        self.title.setText(f"{_('Check-in')}: {self.session.title}")
        self.rule_label.setText(rule)
        if self.session.status == "closed":
            self._show_feedback("idle", _("This session is closed."))
        self._refresh_counter()
        session_id = self.session.id

        def build():
            with self.ctx.db.read() as s:
                return attendance.build_index(s, session_id), attendance.present_ids(s, session_id)

        def built(result) -> None:
            if self.session is None or self.session.id != session_id:
                return
            self.index, self.present = result
            self._search(self.input.text())

        Op(self.ctx, build, write=False).on_success(built).run()
        QTimer.singleShot(0, self.input.setFocus)

    def _refresh_counter(self) -> None:
        if self.session is None:
            return
        with self.ctx.db.read() as s:
            c = attendance.counter(s, self.session.id)
        self._set_counter(c)

    def _set_counter(self, c: attendance.Counter) -> None:
        self.counter_label.setText(f"{c.present} / {c.expected}")
        self.counter_label.setToolTip(_("Present: {present} of {expected} expected").format(
            present=c.present, expected=c.expected))

    def activate(self) -> None:
        if self.session is None or self.session.id != self.ctx.current_session_id:
            self.load()
        else:
            self._refresh_counter()
        self.input.setFocus()

    def _on_data_changed(self, what: str) -> None:
        if what in ("sessions", "participants", "*"):
            self.load()

    # --- search ------------------------------------------------------------------------------
    def _search(self, text: str) -> None:
        self.results.clear()
        if self.index is None or not text.strip():
            return
        for hit in self.index.search(text, limit=SEARCH_LIMIT):
            marks = []
            if hit.participant_id in self.present:
                marks.append("✔ " + _("present"))
            if not hit.registered:
                marks.append(_("not on the list"))
            label = f"{hit.name}   ·   {hit.code}"
            if hit.email:
                label += f"   ·   {hit.email}"
            if marks:
                label += "   —   " + ", ".join(marks)
            item = QListWidgetItem(label)
            item.setData(Qt.UserRole, hit.participant_id)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        from PySide6.QtCore import QEvent

        if obj is self.input and event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Down, Qt.Key_Up):
            if self.results.count():
                row = self.results.currentRow() + (1 if event.key() == Qt.Key_Down else -1)
                self.results.setCurrentRow(max(0, min(row, self.results.count() - 1)))
            return True
        return super().eventFilter(obj, event)

    def _clear(self) -> None:
        self.input.clear()
        self.input.setFocus()

    # --- check-in ----------------------------------------------------------------------------
    def submit(self) -> None:
        """Enter in the input: an exact code wins; else the highlighted result; else try as code."""
        text = self.input.text()
        if not text.strip() or self.session is None:
            return
        from p311desk import codes

        code = codes.normalize_code(text)
        if self.index is not None and code in self.index.by_code:
            self.check_in(text, "qr")
            return
        item = self.results.currentItem()
        if item is not None:
            self.check_in(item.data(Qt.UserRole), "name")
            return
        self.check_in(text, "qr")

    def _result_activated(self, item: QListWidgetItem) -> None:
        self.check_in(item.data(Qt.UserRole), "name")

    def check_in(self, ref: str | uuid.UUID, method: str) -> None:
        if self.session is None:
            return
        session_id = self.session.id
        self.input.clear()
        self.results.clear()

        def work():
            with self.ctx.db.write() as s:
                result = attendance.check_in(s, session_id, ref, method=method)
                return result, attendance.counter(s, session_id)

        Op(self.ctx, work).changes("attendance").on_success(self._checked_in).run()
        self.input.setFocus()

    def _checked_in(self, payload) -> None:
        result, counter = payload
        self.last_result = result
        if result.participant is not None and result.kind in (attendance.WELCOME, attendance.ALREADY):
            self.present.add(result.participant.id)
        self._show_feedback(result.kind, result.message(), result)
        self._set_counter(counter)

    def _show_feedback(self, kind: str, text: str, result: attendance.CheckinResult | None = None) -> None:
        background, foreground = FEEDBACK_STYLES.get(kind, FEEDBACK_STYLES["idle"])
        size = 13 if kind == "idle" else 24
        self.feedback.setProperty("kind", kind)
        self.feedback.setStyleSheet(
            f"#checkinFeedback {{ background: {background}; color: {foreground}; font-size: {size}pt;"
            f" font-weight: {'normal' if kind == 'idle' else 'bold'}; border-radius: 10px; padding: 12px; }}")
        extra = ""
        if result is not None and result.kind == attendance.WELCOME and not result.registered and not result.walk_in:
            extra = "\n" + _("(not on the registration list)")
        self.feedback.setText(text + extra)

    def undo(self) -> None:
        if self.session is None:
            return
        session_id = self.session.id

        def work():
            with self.ctx.db.write() as s:
                undone = attendance.undo_last(s, session_id)
                return undone, attendance.counter(s, session_id)

        def done(payload) -> None:
            undone, counter = payload
            self.present.discard(undone.participant.id)
            self._set_counter(counter)
            self._show_feedback("idle", _("Check-in of {name} undone.").format(name=undone.participant.full_name))
            self.ctx.notify(_("Check-in of {name} undone.").format(name=undone.participant.full_name), "info")
            self.input.setFocus()

        Op(self.ctx, work).changes("attendance").on_success(done).run()

    def walk_in(self) -> None:
        if self.session is None or not self.walkin_button.isEnabled():
            return
        dialog = WalkInDialog(self.session, self, initial_name=self.input.text())
        if dialog.exec() != QDialog.Accepted:
            self.input.setFocus()
            return
        values = dialog.values()
        session_id = self.session.id

        def work():
            with self.ctx.db.write() as s:
                result = attendance.register_walk_in(s, session_id, **values)
                return result, attendance.counter(s, session_id)

        def done(payload) -> None:
            result, counter = payload
            if result.participant is not None and self.index is not None and result.kind == attendance.WELCOME:
                p = result.participant
                self.index.add(attendance.SearchHit(p.id, p.full_name, p.email, p.checkin_code, False),
                               " ".join(x for x in (p.full_name, p.email or "", p.checkin_code) if x).casefold())
            self._checked_in((result, counter))
            self.input.clear()

        Op(self.ctx, work).changes("attendance").on_success(done).run()

    # --- camera ------------------------------------------------------------------------------
    def _toggle_camera(self, on: bool) -> None:
        from ui.widgets.camera_scanner import CameraScanner, camera_available

        if on:
            if not camera_available():
                self.ctx.notify(_("No camera found. Use a USB scanner or type the code."), "warning")
                self.camera_button.blockSignals(True)
                self.camera_button.setChecked(False)
                self.camera_button.blockSignals(False)
                return
            self.camera = CameraScanner(self.ctx, self.camera_frame)
            self.camera.decoded.connect(lambda text: self.check_in(text, "qr"))
            self.camera_frame.layout().addWidget(self.camera)
            self.camera_frame.setVisible(True)
            self.camera.start()
        elif self.camera is not None:
            self.camera.stop()
            self.camera.deleteLater()
            self.camera = None
            self.camera_frame.setVisible(False)

    def hideEvent(self, event) -> None:  # noqa: N802 - Qt API
        if self.camera is not None:
            self.camera_button.setChecked(False)
        super().hideEvent(event)


class WalkInDialog(QDialog):
    """A person who came without registering: name, optional contact, age, consent."""

    def __init__(self, session, parent=None, initial_name: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("walkInDialog")
        self.setWindowTitle(_("Walk-in"))
        self.setMinimumWidth(620)
        self.consent = attendance.consent_text()
        self.given = QLineEdit(initial_name if not any(ch.isdigit() for ch in initial_name) else "")
        self.given.setObjectName("walkInGiven")
        self.family = QLineEdit()
        self.family.setObjectName("walkInFamily")
        self.email = QLineEdit()
        self.email.setObjectName("walkInEmail")
        self.phone = QLineEdit()
        self.phone.setObjectName("walkInPhone")
        self.year = QSpinBox()
        self.year.setObjectName("walkInBirthYear")
        self.year.setRange(0, 2100)
        self.year.setSpecialValueText(_("not given"))
        self.year.setValue(0)
        self.adult = QCheckBox(_("The person confirms they are {age} or older").format(age=session.min_age))
        self.adult.setObjectName("walkInAgeConfirmed")
        text = QPlainTextEdit(self.consent.text)
        text.setObjectName("walkInConsentText")
        text.setReadOnly(True)
        text.setMinimumHeight(130)
        text.setMaximumHeight(160)
        version = QLabel(_("Consent text (version {version}):").format(version=self.consent.stored))
        version.setObjectName("walkInConsentVersion")
        self.consent_check = QCheckBox(_("The person consents to the processing of their data"))
        self.consent_check.setObjectName("walkInConsent")
        form = QFormLayout()
        form.addRow(_("Name"), self.given)
        form.addRow(_("Surnames"), self.family)
        form.addRow(_("E-mail (optional)"), self.email)
        form.addRow(_("Phone (optional)"), self.phone)
        form.addRow(_("Birth year"), self.year)
        form.addRow("", self.adult)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(_("Register and check in"))
        buttons.button(QDialogButtonBox.Ok).setObjectName("walkInOk")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(version)
        layout.addWidget(text)
        layout.addWidget(self.consent_check)
        layout.addWidget(buttons)

    def values(self) -> dict:
        return dict(given_name=self.given.text(), family_name=self.family.text(),
                    email=self.email.text() or None, phone=self.phone.text() or None,
                    birth_year=self.year.value() or None, age_confirmed=self.adult.isChecked(),
                    consent=self.consent_check.isChecked(), consent_version=self.consent.stored)
