"""Check-in page: the door of the meeting.

One big input takes what a USB scanner types (a code followed by Enter) and what a technician
types (a name, an e-mail, a code). Typing searches as you type over everyone known (accents and
case ignored). Enter never guesses: it checks in an exact code (check-in or registration code)
or the whole name of the one registered person who has it; anything else — part of a name, a
name two people share, someone not on the list — moves to the list of candidates and waits for
a choice: the list starts with nothing highlighted, ↓ highlights the first candidate and Enter
checks in exactly the highlighted one (or a click, a double click). Each candidate shows what
tells namesakes apart — birth year, postal code, organisation — and the e-mail only when the
settings ask for it. An unknown code lists the registered people whose code is one slip away,
and picks none of them. Feedback is large and coloured: green welcome, amber
already checked in (with the time), red unknown code / under age; it clears after a few seconds
or at the next keystroke. Beside the input: the last check-ins (each undoable) and who has not
arrived yet (filterable, exportable). Ctrl+Z undoes the last check-in, naming the person.

Only an open session takes check-ins: a draft offers "Open this session", a closed one is
read-only. Check-ins run on the write worker (they commit to disk); the search index is built in
a read worker when the session changes, and kept current as people are checked in or added.
The webcam and the sounds are optional: the page works the same without them.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from p311desk import attendance
from p311desk.i18n import _, ngettext
from ui.pages import Page
from ui.workers import Op, error_text

FEEDBACK_STYLES = {
    "welcome": ("#1e7d32", "white"),
    "already": ("#f2a900", "#1b1b1b"),
    "unknown": ("#b3261e", "white"),
    "under_age": ("#b3261e", "white"),
    "choose": ("#1a3e72", "white"),
    "idle": ("#eef2f6", "#1f3b57"),
}
SEARCH_LIMIT = 12
RECENT_LIMIT = 30
FEEDBACK_MS = 6000  # long enough to read at a busy door, short enough not to greet the next person
WALK_IN_SHORTCUT = "Ctrl+N"  # not Ctrl+W: that closes windows everywhere else


def method_label(method: str) -> str:
    return {"qr": _("code"), "name": _("name"), "walkin": _("walk-in"), "import": _("import")}.get(method, method)


def split_name(text: str) -> tuple[str, str]:
    """A typed whole name as given name and surnames: the first word, then the rest."""
    words = text.split()
    if not words or any(ch.isdigit() or ch == "@" for ch in text):
        return "", ""
    return words[0], " ".join(words[1:])


class CandidateList(QListWidget):
    """The candidates: focus arriving here never highlights a row by itself (Qt's list would
    make the first row current, and ↓ would then skip it)."""

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt API
        had_current = self.currentIndex().isValid()
        super().focusInEvent(event)
        if not had_current and self.currentIndex().isValid():
            self.setCurrentRow(-1)


def candidate_label(hit: attendance.SearchHit, present: bool, show_email: bool) -> str:
    """Name, what tells namesakes apart (birth year, postal code, organisation), the code, marks."""
    parts = [hit.name]
    details = [(_("born {year}").format(year=hit.birth_year) if hit.birth_year else None),
               hit.postal_code, hit.organisation]
    details = [d for d in details if d]
    if details:
        parts.append(", ".join(details))
    parts.append(hit.code)
    label = "   ·   ".join(parts)
    marks = []
    if present:
        marks.append("✔ " + _("present"))
    if not hit.registered:
        marks.append(_("not on the list"))
    if marks:  # before the e-mail, so a narrow window still shows them
        label += "   —   " + ", ".join(marks)
    if show_email and hit.email:
        label += f"   ·   {hit.email}"
    return label


class CheckinPage(Page):
    page_id = "checkin"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(ctx, parent)
        self.session = None
        self.index: attendance.SearchIndex | None = None
        self.present: set[uuid.UUID] = set()
        self.last_result: attendance.CheckinResult | None = None
        self.recent: list[attendance.RecentCheckin] = []
        self.absent: list = []
        self.camera = None
        self.walk_in_dialog: WalkInDialog | None = None
        self.show_email = False  # the settings' "show e-mail addresses at the door"

        self.title = QLabel(_("Check-in"))
        self.title.setObjectName("checkinTitle")
        self.title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.title.setWordWrap(True)
        self.counter_label = QLabel()
        self.counter_label.setObjectName("checkinCounter")
        self.counter_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.counter_label.setStyleSheet("font-size: 24pt; font-weight: bold; color: #1f3b57;")
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

        # A draft or closed session: say so, and offer what can be done.
        self.state_frame = QFrame()
        self.state_frame.setObjectName("checkinState")
        self.state_frame.setStyleSheet("#checkinState { background: #fef7e0; border: 1px solid #7a4f01; border-radius: 6px; }"
                                       "#checkinState QLabel { color: #7a4f01; font-size: 11pt; }")
        self.state_label = QLabel()
        self.state_label.setObjectName("checkinStateText")
        self.state_label.setWordWrap(True)
        self.open_button = QPushButton(_("Open this session"))
        self.open_button.setObjectName("checkinOpenSession")
        self.open_button.clicked.connect(self.open_session)
        state_layout = QHBoxLayout(self.state_frame)
        state_layout.setContentsMargins(10, 6, 6, 6)
        state_layout.addWidget(self.state_label, 1)
        state_layout.addWidget(self.open_button)
        self.state_frame.hide()

        self.input = QLineEdit()
        self.input.setObjectName("checkinInput")
        self.input.setAccessibleName(_("Scan a code or type a name, e-mail or code"))
        self.input.setPlaceholderText(_("Scan a code or type a name, e-mail or code…"))
        self.input.setClearButtonEnabled(True)
        self.input.setMinimumHeight(52)
        self.input.setStyleSheet("font-size: 20pt; padding: 4px 12px; border: 2px solid #1f3b57; border-radius: 8px;")
        self.input.textChanged.connect(self._search)
        self.input.textEdited.connect(self._typed)
        self.input.returnPressed.connect(self.submit)
        self.input.installEventFilter(self)

        self.hint = QLabel(_("Enter checks in an exact code, or the whole name of one registered person. "
                             "↓ moves to the list."))
        self.hint.setObjectName("checkinHint")
        self.hint.setStyleSheet("color: #555;")
        self.hint.setWordWrap(True)

        self.feedback = QLabel()
        self.feedback.setObjectName("checkinFeedback")
        self.feedback.setAlignment(Qt.AlignCenter)
        self.feedback.setWordWrap(True)
        self.feedback.setMinimumHeight(72)
        self._feedback_timer = QTimer(self)
        self._feedback_timer.setSingleShot(True)
        self._feedback_timer.timeout.connect(self._idle_feedback)

        self.results = CandidateList()
        self.results.setObjectName("checkinResults")
        self.results.setAccessibleName(_("Candidates"))
        self.results.setStyleSheet("QListWidget { font-size: 13pt; } QListWidget::item { padding: 4px; }")
        self.results.itemActivated.connect(self._result_activated)
        self.results.setMinimumHeight(110)
        self.results.installEventFilter(self)

        self.side = QTabWidget()
        self.side.setObjectName("checkinSide")
        self.side.addTab(self._build_recent(), "")
        self.side.addTab(self._build_absent(), "")
        self.side.currentChanged.connect(lambda _i: self._maybe_load_absent())
        lists = QHBoxLayout()
        lists.addWidget(self.results, 3)
        lists.addWidget(self.side, 2)

        self.undo_button = QPushButton(_("Undo last check-in"))
        self.undo_button.setObjectName("checkinUndo")
        self.undo_button.setToolTip(_("Undo the last check-in (Ctrl+Z)"))
        self.undo_button.clicked.connect(self.undo)
        self.walkin_button = QPushButton(_("Walk-in…"))
        self.walkin_button.setObjectName("checkinWalkIn")
        self.walkin_button.setToolTip(_("Register a person who is not on the list and check them in ({key})").format(
            key=WALK_IN_SHORTCUT))
        self.walkin_button.clicked.connect(self.walk_in)
        self.camera_button = QPushButton(_("Camera"))
        self.camera_button.setObjectName("checkinCamera")
        self.camera_button.setToolTip(_("Scan QR codes with the webcam"))
        self.camera_button.setCheckable(True)
        self.camera_button.toggled.connect(self._toggle_camera)
        for b in (self.undo_button, self.walkin_button, self.camera_button):
            b.setMinimumHeight(36)
            b.setStyleSheet("font-size: 11pt; padding: 4px 12px;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.walkin_button)
        buttons.addStretch(1)
        buttons.addWidget(self.camera_button)

        self.camera_frame = QFrame()
        self.camera_frame.setObjectName("checkinCameraFrame")
        self.camera_frame.setVisible(False)
        QVBoxLayout(self.camera_frame).setContentsMargins(0, 0, 0, 0)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addWidget(self.state_frame)
        layout.addWidget(self.input)
        layout.addWidget(self.hint)
        layout.addWidget(self.feedback)
        layout.addLayout(lists, 1)
        layout.addWidget(self.camera_frame)
        layout.addLayout(buttons)

        QShortcut(QKeySequence.Undo, self, activated=self.undo)
        QShortcut(QKeySequence(WALK_IN_SHORTCUT), self, activated=self.walk_in)
        for widget in (self.input, self.results):
            QShortcut(QKeySequence(Qt.Key_Escape), widget, activated=self._clear, context=Qt.WidgetShortcut)
        ctx.session_changed.connect(self._on_session_changed)
        ctx.data_changed.connect(self._on_data_changed)
        self._retitle_tabs()
        self._show_feedback("idle", _("Ready. Scan a code or type a name."))
        self.load()

    def _build_recent(self) -> QWidget:
        box = QWidget()
        self.recent_list = QListWidget()
        self.recent_list.setObjectName("checkinRecent")
        self.recent_list.setAccessibleName(_("Last check-ins"))
        self.recent_list.itemSelectionChanged.connect(self._update_buttons)
        self.undo_selected_button = QPushButton(_("Undo this check-in"))
        self.undo_selected_button.setObjectName("checkinUndoSelected")
        self.undo_selected_button.clicked.connect(self.undo_selected)
        QShortcut(QKeySequence(Qt.Key_Delete), self.recent_list, activated=self.undo_selected)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.recent_list, 1)
        layout.addWidget(self.undo_selected_button)
        return box

    def _build_absent(self) -> QWidget:
        box = QWidget()
        self.absent_filter = QLineEdit()
        self.absent_filter.setObjectName("checkinAbsentFilter")
        self.absent_filter.setAccessibleName(_("Filter who has not arrived"))
        self.absent_filter.setPlaceholderText(_("Filter by name, e-mail or code…"))
        self.absent_filter.setClearButtonEnabled(True)
        self.absent_filter.textChanged.connect(lambda _t: self._show_absent())
        self.absent_list = QListWidget()
        self.absent_list.setObjectName("checkinAbsent")
        self.absent_list.setAccessibleName(_("Not arrived"))
        self.absent_list.itemActivated.connect(self._result_activated)
        self.absent_export = QPushButton(_("Export…"))
        self.absent_export.setObjectName("checkinAbsentExport")
        self.absent_export.setToolTip(_("Save the list of people not arrived yet as XLSX or CSV"))
        self.absent_export.clicked.connect(self.export_absent)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.absent_filter)
        layout.addWidget(self.absent_list, 1)
        layout.addWidget(self.absent_export)
        return box

    def _retitle_tabs(self) -> None:
        self.side.setTabText(0, _("Last check-ins"))
        n = len(self.absent)
        self.side.setTabText(1, ngettext("Not arrived ({n})", "Not arrived ({n})", n).format(n=n)
                             if self.session is not None else _("Not arrived"))

    # --- loading -----------------------------------------------------------------------------
    def load(self) -> None:
        """Read the current session, its search index, counter and lists in a worker."""
        sid = self.ctx.current_session_id
        self.session = None
        self.index = None
        self._set_enabled(False)
        if sid is None:
            self._show_session_state(None)
            return
        from p311desk import sessions
        from p311desk.errors import NotFound

        def read_session():
            with self.ctx.db.read() as s:
                try:
                    return sessions.get_session(s, sid)
                except NotFound:  # a stale current session is simply no session
                    return None

        Op(self.ctx, read_session, write=False).bound_to(self).on_success(self._session_read).run()

    def _session_read(self, info) -> None:
        if info is None or info.id != self.ctx.current_session_id:
            if info is None:
                self._show_session_state(None)
            return
        self.session = info
        self._show_session_state(info)
        self._set_counter(attendance.Counter(info.present, info.expected))
        session_id = info.id

        def build():
            from p311desk import settings as settings_service

            with self.ctx.db.read() as s:
                return (attendance.build_index(s, session_id), attendance.present_ids(s, session_id),
                        attendance.recent_checkins(s, session_id, RECENT_LIMIT),
                        settings_service.load(s).show_email_at_door)

        def built(result) -> None:
            if self.session is None or self.session.id != session_id:
                return
            self.index, self.present, recent, self.show_email = result
            self._show_recent(recent)
            self._search(self.input.text())

        Op(self.ctx, build, write=False).bound_to(self).on_success(built).run()
        self._maybe_load_absent(force=True)
        QTimer.singleShot(0, self.input.setFocus)

    def _show_session_state(self, info) -> None:
        self._show_recent([])
        self.absent = []
        self._show_absent()
        if info is None:
            self.title.setText(_("Check-in"))
            self.rule_label.setText("")
            self.counter_label.setText("")
            self.state_frame.hide()
            self._set_enabled(False)
            self._show_feedback("idle", _("Choose the current session at the top of the window to start checking people in."))
            return
        rule = (_("People under {age} are not admitted.").format(age=info.min_age)
                if info.enforce_min_age else _("No minimum age in this session."))
        self.title.setText(f"{_('Check-in')}: {info.title}")
        self.rule_label.setText(rule)
        if info.status == "open":
            self.state_frame.hide()
            self._set_enabled(True)
            self._show_feedback("idle", _("Ready. Scan a code or type a name."))
        else:
            closed = info.status == "closed"
            self.state_label.setText(_("This session is closed: its attendance can be read, not changed.") if closed
                                     else _("This session is not open yet: nobody can be checked in."))
            self.open_button.setVisible(not closed)
            self.state_frame.show()
            self._set_enabled(False)
            self._show_feedback("idle", _("This session is closed.") if closed
                                else _("Open the session to start checking people in."))

    def _set_enabled(self, enabled: bool) -> None:
        for w in (self.input, self.walkin_button, self.camera_button, self.results):
            w.setEnabled(enabled)
        self._update_buttons()

    def _update_buttons(self) -> None:
        open_ = self.session is not None and self.session.status == "open"
        if self.recent and open_:
            self.undo_button.setText(_("Undo: {name}").format(name=self.recent[0].name))
            self.undo_button.setEnabled(True)
        else:
            self.undo_button.setText(_("Undo last check-in"))
            self.undo_button.setEnabled(False)
        self.undo_selected_button.setEnabled(open_ and bool(self.recent_list.selectedItems()))
        self.absent_export.setEnabled(self.session is not None)

    def _set_counter(self, c: attendance.Counter) -> None:
        self.counter_label.setText(f"{c.present} / {c.expected}")
        self.counter_label.setToolTip(_("Present: {present} of {expected} expected").format(
            present=c.present, expected=c.expected))

    def _refresh_counter(self) -> None:
        if self.session is None:
            return
        session_id = self.session.id

        def work():
            with self.ctx.db.read() as s:
                return attendance.counter(s, session_id)

        def done(c) -> None:
            if self.session is not None and self.session.id == session_id:
                self._set_counter(c)

        Op(self.ctx, work, write=False).bound_to(self).on_success(done).run()

    def activate(self) -> None:
        if self.session is None or self.session.id != self.ctx.current_session_id:
            self.load()
        else:
            self._refresh_counter()
        self.input.setFocus()

    def _on_session_changed(self, _sid) -> None:
        self._idle_feedback()
        self.load()

    def _on_data_changed(self, what: str) -> None:
        if what in ("sessions", "participants", "settings", "*"):
            self.load()
        elif what == "attendance":  # "Not arrived (n)" counts down as people arrive, whichever tab is shown
            self._maybe_load_absent(force=True)

    # --- the lists beside the input ----------------------------------------------------------
    def _show_recent(self, recent: list[attendance.RecentCheckin]) -> None:
        self.recent = list(recent)[:RECENT_LIMIT]
        self.recent_list.clear()
        for r in self.recent:
            text = f"{attendance.local_time(r.checked_in_at)}   {r.name}   ·   {method_label(r.method)}"
            if not r.registered:
                text += "   —   " + _("not on the list")
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, r.attendance_id)
            self.recent_list.addItem(item)
        self._update_buttons()

    def _maybe_load_absent(self, force: bool = False) -> None:
        if self.session is None or (self.side.currentIndex() != 1 and not force):
            return
        session_id = self.session.id

        def work():
            with self.ctx.db.read() as s:
                return attendance.not_arrived(s, session_id)

        def done(rows) -> None:
            if self.session is not None and self.session.id == session_id:
                self.absent = rows
                self._show_absent()

        Op(self.ctx, work, write=False).bound_to(self).on_success(done).run()

    def _show_absent(self) -> None:
        from p311desk.text import fold

        words = fold(self.absent_filter.text()).split()
        self.absent_list.clear()
        shown = 0
        for r in self.absent:
            key = fold(f"{r.full_name} {r.email or ''} {r.checkin_code}")
            if all(w in key for w in words):
                item = QListWidgetItem(f"{r.full_name}   ·   {r.checkin_code}")
                item.setData(Qt.UserRole, r.participant_id)
                self.absent_list.addItem(item)
                shown += 1
                if shown >= 500:  # a list to read, not the whole registry
                    break
        self._retitle_tabs()

    def export_absent(self) -> None:
        if self.session is None:
            return
        from ui.files import safe_file_name, save_path

        path = save_path(self, "not-arrived", _("Export who has not arrived"),
                         safe_file_name(f"{_('Not arrived')} - {self.session.title}", ".xlsx"),
                         _("Spreadsheet (*.xlsx *.csv)"), self.ctx.qsettings)
        if path:
            self.export_absent_to(path)

    def export_absent_to(self, path: str) -> None:
        session_id = self.session.id

        def work():
            with self.ctx.db.read() as s:
                return attendance.export_not_arrived(s, session_id, path)

        (Op(self.ctx, work, write=False).bound_to(self)
         .on_success(lambda n: self.ctx.notify(ngettext("Exported {n} person to {file}", "Exported {n} people to {file}",
                                                        n).format(n=n, file=path), "success"))
         .run())

    # --- search ------------------------------------------------------------------------------
    def _search(self, text: str) -> None:
        self.results.clear()
        if self.index is None or not text.strip():
            return
        self._fill_results(self.index.search(text, limit=SEARCH_LIMIT))

    def _fill_results(self, hits: list[attendance.SearchHit]) -> None:
        """The candidates, none highlighted: the door never guesses (↓ highlights the first)."""
        self.results.clear()
        for hit in hits:
            item = QListWidgetItem(candidate_label(hit, hit.participant_id in self.present, self.show_email))
            item.setData(Qt.UserRole, hit.participant_id)
            self.results.addItem(item)
        self.results.setCurrentRow(-1)

    def highlighted(self) -> uuid.UUID | None:
        """The candidate the technician highlighted (↓/↑ or a click), if any."""
        item = self.results.currentItem()
        return item.data(Qt.UserRole) if item is not None and item.isSelected() else None

    def _typed(self, _text: str) -> None:
        if self.feedback.property("kind") != "idle":
            self._idle_feedback()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if obj is self.input and kind in (QEvent.ShortcutOverride, QEvent.KeyPress):
            if event.matches(QKeySequence.Undo):
                # The line edit would undo its own typing; at the door Ctrl+Z means "undo the check-in".
                if kind == QEvent.ShortcutOverride:
                    event.accept()
                else:
                    self.undo()
                return True
            if kind == QEvent.KeyPress and event.key() in (Qt.Key_Down, Qt.Key_Up):
                if self.results.count():
                    current = self.results.currentRow()
                    if current < 0:  # nothing highlighted yet: ↓ highlights the first
                        row = 0 if event.key() == Qt.Key_Down else -1
                    else:
                        row = current + (1 if event.key() == Qt.Key_Down else -1)
                    if row >= 0:
                        self.results.setCurrentRow(min(row, self.results.count() - 1))
                return True
        if obj is self.results and kind == QEvent.KeyPress and event.text().strip() and not event.modifiers() & (
                Qt.ControlModifier | Qt.AltModifier):
            # Typing while choosing goes on typing in the input.
            self.input.setFocus()
            self.input.insert(event.text())
            return True
        return super().eventFilter(obj, event)

    def _clear(self) -> None:
        self.input.clear()
        self._idle_feedback()
        self.input.setFocus()

    # --- check-in ----------------------------------------------------------------------------
    def submit(self) -> None:
        """Enter in the input: check in only the one person the text names; else offer the candidates."""
        text = self.input.text()
        if self.session is None or self.session.status != "open":
            return
        picked = self.highlighted()
        if picked is not None:  # Enter checks in exactly the highlighted candidate
            self.check_in(picked, "name")
            return
        if not text.strip():
            return
        if self.index is None:  # still reading the list: a scanned code is checked by the core
            self.check_in(text, "qr")
            return
        choice = self.index.choose(text, limit=SEARCH_LIMIT)
        if choice.person is not None:
            self.check_in(choice.person.participant_id, "qr" if choice.by == "code" else "name")
            return
        if not choice.candidates:
            self.check_in(text, "qr")  # an unknown code: said so, and recorded
            return
        self._fill_results(choice.candidates)
        n = len(choice.candidates)
        self._show_feedback("choose", ngettext(
            "“{text}” is not a code nor the whole name of one registered person. {n} person matches: "
            "choose with ↓ and Enter.",
            "“{text}” is not a code nor the whole name of one registered person. {n} people match: "
            "choose with ↓ and Enter.", n).format(text=text.strip(), n=n), sticky=True)
        self.input.setFocus()  # ↓ highlights the first candidate, Enter checks in the highlighted one

    def _result_activated(self, item: QListWidgetItem) -> None:
        if self.session is not None and self.session.status == "open":
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

        (Op(self.ctx, work).changes("attendance").bound_to(self)
         .on_success(lambda payload: self._checked_in(payload, method)).run())
        self.input.setFocus()

    def _checked_in(self, payload, method: str = "qr") -> None:
        result, counter = payload
        self.last_result = result
        if result.participant is not None and result.kind in (attendance.WELCOME, attendance.ALREADY):
            self.present.add(result.participant.id)
        if result.kind == attendance.WELCOME and result.participant is not None:
            recent = attendance.RecentCheckin(result.attendance_id, result.participant.id, result.participant.full_name,
                                              result.checked_in_at, "walkin" if result.walk_in else method,
                                              result.registered)
            self._show_recent([recent, *self.recent])
        near = []
        if result.kind == attendance.UNKNOWN and self.index is not None and result.query:
            near = self.index.near_codes(result.query)
        if near:  # offered, never picked
            self._fill_results(near)
            self._show_feedback(result.kind, result.message() + "\n" + ngettext(
                "{n} registered person has a code one slip away: if it is theirs, ↓ and Enter.",
                "{n} registered people have a code one slip away: if it is one of theirs, ↓ and Enter.",
                len(near)).format(n=len(near)), result, sticky=True)
        else:
            self._show_feedback(result.kind, result.message(), result)
        self._set_counter(counter)
        from ui.widgets.sound import play

        play(self.ctx, "success" if result.kind in (attendance.WELCOME, attendance.ALREADY) else "refusal")

    def _show_feedback(self, kind: str, text: str, result: attendance.CheckinResult | None = None,
                       sticky: bool = False) -> None:
        background, foreground = FEEDBACK_STYLES.get(kind, FEEDBACK_STYLES["idle"])
        size = 12 if kind in ("idle", "choose") else 22
        self.feedback.setProperty("kind", kind)
        self.feedback.setStyleSheet(
            f"#checkinFeedback {{ background: {background}; color: {foreground}; font-size: {size}pt;"
            f" font-weight: {'normal' if kind == 'idle' else 'bold'}; border-radius: 10px; padding: 8px; }}")
        extra = ""
        if result is not None and result.kind == attendance.WELCOME and not result.registered and not result.walk_in:
            extra = "\n" + _("(not on the registration list)")
        self.feedback.setText(text + extra)
        if kind == "idle" or sticky:
            self._feedback_timer.stop()
        else:
            self._feedback_timer.start(FEEDBACK_MS)

    def _idle_feedback(self) -> None:
        self._feedback_timer.stop()
        if self.session is not None and self.session.status == "open":
            self._show_feedback("idle", _("Ready. Scan a code or type a name."))
        elif self.session is None:
            self._show_feedback("idle", _("Choose the current session at the top of the window to start checking people in."))

    # --- undo --------------------------------------------------------------------------------
    def undo(self) -> None:
        """Undo the last check-in (the one the Undo button names)."""
        if self.session is None or self.session.status != "open" or not self.recent:
            if self.session is not None and self.session.status == "open":
                self._show_feedback("idle", _("There is no check-in to undo."))
            return
        self._undo(self.recent[0].attendance_id)

    def undo_selected(self) -> None:
        items = self.recent_list.selectedItems()
        if items and self.session is not None and self.session.status == "open":
            self._undo(items[0].data(Qt.UserRole))

    def _undo(self, attendance_id: uuid.UUID) -> None:
        session_id = self.session.id

        def work():
            with self.ctx.db.write() as s:
                undone = attendance.undo_last(s, session_id, attendance_id)
                return undone, attendance.counter(s, session_id), attendance.recent_checkins(s, session_id, RECENT_LIMIT)

        def done(payload) -> None:
            undone, counter, recent = payload
            self.present.discard(undone.participant.id)
            self._set_counter(counter)
            self._show_recent(recent)
            text = _("Check-in of {name} undone.").format(name=undone.participant.full_name)
            self._show_feedback("already", text)
            self.input.setFocus()

        Op(self.ctx, work).changes("attendance").bound_to(self).on_success(done).run()

    # --- session state -----------------------------------------------------------------------
    def open_session(self) -> None:
        from p311desk import sessions
        from ui.workers import write_op

        if self.session is None or self.session.status != "draft":
            return
        (write_op(self.ctx, sessions.open_session, self.session.id).changes("sessions").bound_to(self)
         .on_success(lambda info: self.ctx.notify(_("Session “{title}” is open.").format(title=info.title), "success"))
         .run())

    # --- walk-ins ----------------------------------------------------------------------------
    def walk_in(self) -> None:
        if self.session is None or not self.walkin_button.isEnabled():
            return
        self.walk_in_dialog = WalkInDialog(self.ctx, self.session, self, initial_name=self.input.text())
        self.walk_in_dialog.registered.connect(self._walked_in)
        self.walk_in_dialog.finished.connect(lambda _r: self.input.setFocus())
        self.walk_in_dialog.open()

    def _walked_in(self, payload) -> None:
        result, counter = payload
        if result.participant is not None and self.index is not None and result.kind == attendance.WELCOME \
                and result.participant.id not in {h.participant_id for h in self.index.hits[-50:]}:
            p = result.participant
            self.index.add(attendance.SearchHit(p.id, p.full_name, p.email, p.checkin_code, False,
                                                p.birth_year),
                           " ".join(x for x in (p.full_name, p.email or "", p.checkin_code) if x).casefold())
        self._checked_in((result, counter), "walkin")
        self.input.clear()

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
    """A person who came without registering: name, optional contact, age, consent.

    The dialog stays open until the person is checked in: a refusal (age, consent, a bad e-mail)
    is shown inside it with everything typed kept. Before creating anyone it looks for people who
    may be the same person (same whole name, e-mail or phone) and offers them first.

    Signals:
        registered(object): ``(CheckinResult, Counter)`` once the person is checked in.
    """

    registered = Signal(object)

    def __init__(self, ctx, session, parent=None, initial_name: str = "") -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.session = session
        self.setObjectName("walkInDialog")
        self.setWindowTitle(_("Walk-in"))
        self.setMinimumWidth(560)
        self.consent = attendance.consent_text()
        self._checked_similar = False
        self._busy = False
        given, family = split_name(initial_name)
        self.given = QLineEdit(given)
        self.given.setObjectName("walkInGiven")
        self.family = QLineEdit(family)
        self.family.setObjectName("walkInFamily")
        self.no_family = QCheckBox(_("The person gives no surname"))
        self.no_family.setObjectName("walkInNoSurname")
        self.email = QLineEdit()
        self.email.setObjectName("walkInEmail")
        self.phone = QLineEdit()
        self.phone.setObjectName("walkInPhone")
        self.year = QSpinBox()
        self.year.setObjectName("walkInBirthYear")
        self.year.setRange(0, 2100)
        self.year.setSpecialValueText(_("not given"))
        self.year.setValue(0)
        self.year.setAccessibleName(_("Birth year"))
        self.year_flag = QLabel()
        self.year_flag.setObjectName("walkInYearFlag")
        self.year_flag.setWordWrap(True)
        self.year_flag.setStyleSheet("color: #8c1d18; font-weight: bold;")
        self.year_flag.hide()
        self.year.valueChanged.connect(self._year_changed)
        self.adult = QCheckBox(_("The person confirms they are {age} or older").format(age=session.min_age))
        self.adult.setObjectName("walkInAgeConfirmed")
        self.adult.setVisible(session.enforce_min_age)
        text = QPlainTextEdit(self.consent.text)
        text.setObjectName("walkInConsentText")
        text.setReadOnly(True)
        text.setMinimumHeight(70)
        text.setMaximumHeight(120)
        version = QLabel(_("Consent text (version {version}):").format(version=self.consent.stored))
        version.setObjectName("walkInConsentVersion")
        self.consent_check = QCheckBox(_("The person consents to the processing of their data"))
        self.consent_check.setObjectName("walkInConsent")
        for w in (self.given, self.family, self.email, self.phone):
            w.textEdited.connect(self._edited)
        self.no_family.toggled.connect(lambda _on: self._clear_error())

        self.similar_label = QLabel(_("Is it one of these people? Check in the one it is, or register a new person."))
        self.similar_label.setObjectName("walkInSimilarText")
        self.similar_label.setWordWrap(True)
        self.similar = QListWidget()
        self.similar.setObjectName("walkInSimilar")
        self.similar.setMaximumHeight(110)
        self.similar.itemActivated.connect(lambda _item: self.check_in_similar())
        self.use_similar = QPushButton(_("Check in this person"))
        self.use_similar.setObjectName("walkInUseSimilar")
        self.use_similar.clicked.connect(self.check_in_similar)
        for w in (self.similar_label, self.similar, self.use_similar):
            w.hide()

        self.error = QLabel()
        self.error.setObjectName("walkInError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #8c1d18; font-weight: bold; background: #fce8e6; padding: 6px; border-radius: 4px;")
        self.error.hide()

        form = QFormLayout()
        form.addRow(_("Name"), self.given)
        form.addRow(_("Surnames"), self.family)
        form.addRow("", self.no_family)
        form.addRow(_("E-mail (optional)"), self.email)
        form.addRow(_("Phone (optional)"), self.phone)
        form.addRow(_("Birth year"), self.year)
        form.addRow("", self.year_flag)
        form.addRow("", self.adult)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText(_("Register and check in"))
        self.ok_button.setObjectName("walkInOk")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(version)
        layout.addWidget(text)
        layout.addWidget(self.consent_check)
        layout.addWidget(self.similar_label)
        layout.addWidget(self.similar)
        layout.addWidget(self.use_similar)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        QTimer.singleShot(0, (self.family if given and not family else self.given).setFocus)

    def _year_changed(self, year: int) -> None:
        """Under the minimum age is said as soon as the birth year is typed, not after the form."""
        from p311desk import rules

        day = rules.session_day(self.session.starts_at)
        under = (self.session.enforce_min_age and year and rules.plausible_birth_year(year, day)
                 and rules.is_under_age(self.session.min_age, None, year, day))
        self.year_flag.setText(_("Born in {year}: under {age}, this person cannot be admitted to this session.")
                               .format(year=year, age=self.session.min_age) if under else "")
        self.year_flag.setVisible(bool(under))
        self.adult.setEnabled(not under)

    def values(self) -> dict:
        return dict(given_name=self.given.text(), family_name=self.family.text(),
                    email=self.email.text() or None, phone=self.phone.text() or None,
                    birth_year=self.year.value() or None, age_confirmed=self.adult.isChecked(),
                    consent=self.consent_check.isChecked(), consent_version=self.consent.stored)

    def _edited(self, _text: str) -> None:
        # New name or contact: look for similar people again before creating anyone.
        self._checked_similar = False
        for w in (self.similar_label, self.similar, self.use_similar):
            w.hide()
        self.ok_button.setText(_("Register and check in"))
        self._clear_error()

    def _clear_error(self) -> None:
        self.error.hide()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def submit(self) -> None:
        if self._busy:
            return
        values = self.values()
        if not values["given_name"].strip() and not values["family_name"].strip():
            self.show_error(_("Type the person's name."))
            self.given.setFocus()
            return
        if not values["family_name"].strip() and not self.no_family.isChecked():
            self.show_error(_("The surname is empty. Type it, or tick “The person gives no surname”."))
            self.family.setFocus()
            return
        if not self._checked_similar:
            self._look_for_similar(values)
            return
        self._register(values)

    def _look_for_similar(self, values: dict) -> None:
        self._busy = True

        def work():
            with self.ctx.db.read() as s:
                return attendance.similar_people(s, given_name=values["given_name"], family_name=values["family_name"],
                                                 email=values["email"], phone=values["phone"])

        def done(people) -> None:
            self._busy = False
            self._checked_similar = True
            if not people:
                self._register(values)
                return
            self.similar.clear()
            for p in people:
                year = f"   ·   {p.birth_year}" if p.birth_year else ""
                item = QListWidgetItem(f"{p.full_name}   ·   {p.email or p.checkin_code}{year}")
                item.setData(Qt.UserRole, p.id)
                self.similar.addItem(item)
            self.similar.setCurrentRow(0)
            for w in (self.similar_label, self.similar, self.use_similar):
                w.show()
            self.ok_button.setText(_("Register a new person"))
            self.similar.setFocus()

        def failed(exc) -> None:
            self._busy = False
            self.show_error(error_text(exc))

        Op(self.ctx, work, write=False).bound_to(self).on_success(done).on_failure(failed).run()

    def check_in_similar(self) -> None:
        item = self.similar.currentItem()
        if item is None or self._busy:
            return
        values = self.values()
        values["existing_id"] = item.data(Qt.UserRole)
        self._register(values)

    def _register(self, values: dict) -> None:
        self._busy = True
        self._clear_error()
        session_id = self.session.id

        def work():
            with self.ctx.db.write() as s:
                result = attendance.register_walk_in(s, session_id, **values)
                return result, attendance.counter(s, session_id)

        def done(payload) -> None:
            self._busy = False
            result, _counter = payload
            if result.kind == attendance.UNDER_AGE:  # nothing was created: fix the year or send them home
                self.show_error(result.message())
                self.year.setFocus()
                return
            self.registered.emit(payload)
            self.accept()

        def failed(exc) -> None:
            self._busy = False
            self.show_error(error_text(exc))

        (Op(self.ctx, work).changes("attendance").bound_to(self)
         .on_success(done).on_failure(failed).run())
