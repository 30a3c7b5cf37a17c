"""Sessions page: list sessions, create and edit one, open and close it, make it current.

This page is the pattern for the others: a table (Qt model over service rows, a proxy for
filtering), a form, and every write sent through ``Op`` on the write worker, after which
``ctx.data_changed`` tells the rest of the window to refresh.
"""

from __future__ import annotations

import datetime as dt
import uuid

from PySide6.QtCore import QDateTime, QSortFilterProxyModel, Qt, QTimeZone
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from p311desk.i18n import LANGUAGES, _, format_local
from p311desk import sessions
from ui.models.rows import SORT_ROLE
from ui.models.sessions_model import SessionsTableModel
from ui.pages import Page
from ui.workers import Op, error_text, write_op


def to_qdatetime(value: dt.datetime | None) -> QDateTime:
    if value is None:
        return QDateTime()
    return QDateTime.fromSecsSinceEpoch(int(value.timestamp()), QTimeZone.systemTimeZone())


def from_qdatetime(value: QDateTime) -> dt.datetime | None:
    if not value.isValid():
        return None
    return dt.datetime.fromtimestamp(value.toSecsSinceEpoch(), tz=dt.timezone.utc)


def _uuid_or_none(value) -> uuid.UUID | None:
    return uuid.UUID(value) if value else None


def next_full_hour() -> dt.datetime:
    now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    return now + dt.timedelta(hours=1)


class SessionsPage(Page):
    page_id = "sessions"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(ctx, parent)
        self.editing_id: uuid.UUID | None = None
        self.current: sessions.SessionInfo | None = None

        title = QLabel(_("Sessions"))
        title.setStyleSheet("font-size: 18pt; font-weight: bold;")

        self.new_button = QPushButton(_("New session"))
        self.new_button.setObjectName("newSession")
        self.new_button.setToolTip("Ctrl+N")
        self.new_button.clicked.connect(self.start_new)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        self.status_filter.setAccessibleName(_("Show sessions by status"))
        self.status_filter.addItem(_("All"), None)
        for key, label in sessions.STATUSES.items():
            self.status_filter.addItem(_(label), key)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.search = QLineEdit()
        self.search.setObjectName("sessionSearch")
        self.search.setAccessibleName(_("Filter sessions"))
        self.search.setPlaceholderText(_("Filter by title or place…"))
        self.search.setClearButtonEnabled(True)

        self.model = SessionsTableModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)

        self.table = QTableView()
        self.table.setObjectName("sessionsTable")
        self.table.setAccessibleName(_("Sessions"))
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(3, Qt.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.Interactive)
        header.resizeSection(0, 260)
        header.setSectionResizeMode(4, QHeaderView.Interactive)
        header.resizeSection(4, 170)
        header.setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.ElideRight)
        self.table.selectionModel().currentRowChanged.connect(self._row_selected)
        self.table.doubleClicked.connect(lambda _index: self.use_as_current())

        toolbar = QHBoxLayout()
        toolbar.addWidget(self.new_button)
        toolbar.addWidget(self.status_filter)
        toolbar.addWidget(self.search, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(toolbar)
        left_layout.addWidget(self.table, 1)

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self._build_editor())
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(splitter, 1)

        QShortcut(QKeySequence.New, self, activated=self.start_new)
        QShortcut(QKeySequence.Save, self, activated=self.save)
        ctx.data_changed.connect(self._on_data_changed)
        self.reload()
        self.start_new()

    # --- editor ------------------------------------------------------------------------------
    def _build_editor(self) -> QWidget:
        box = QGroupBox(_("Session"))
        box.setObjectName("sessionEditor")
        box.setMaximumWidth(470)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("sessionTitle")
        self.title_edit.setPlaceholderText(_("e.g. Neighbourhood assembly: budget 2027"))
        self.title_edit.returnPressed.connect(self.save)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("sessionKind")
        for key, label in sessions.KINDS.items():
            self.kind_combo.addItem(_(label), key)
        self.starts_edit = QDateTimeEdit()
        self.starts_edit.setObjectName("sessionStarts")
        self.ends_edit = QDateTimeEdit()
        self.ends_edit.setObjectName("sessionEnds")
        for edit in (self.starts_edit, self.ends_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.place_edit = QLineEdit()
        self.place_edit.setObjectName("sessionPlace")
        self.place_edit.returnPressed.connect(self.save)
        self.series_edit = QLineEdit()  # sessions of a series are compared (evaluation trend)
        self.series_edit.setObjectName("sessionSeries")
        self.series_edit.setPlaceholderText(_("e.g. Dijous GOmunicipal (optional)"))
        self.series_edit.returnPressed.connect(self.save)
        self.language_combo = QComboBox()
        self.language_combo.setObjectName("sessionLanguage")
        for code, name in LANGUAGES.items():
            self.language_combo.addItem(name, code)
        self.min_age_check = QCheckBox(_("Refuse people under 14"))
        self.min_age_check.setObjectName("sessionMinAge")
        self.min_age_check.setToolTip(_("Participatory processes may not include people under 14. "
                                        "Untick it for activities run differently, such as children's councils."))
        self.space_combo = QComboBox()
        self.space_combo.setObjectName("sessionSpace")
        self.space_combo.setToolTip(_("The participatory space on the platform where this session's results go."))
        self.space_combo.currentIndexChanged.connect(self._space_changed)
        self.component_combo = QComboBox()
        self.component_combo.setObjectName("sessionComponent")
        self.meeting_combo = QComboBox()
        self.meeting_combo.setObjectName("sessionMeeting")
        self.meeting_combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.meeting_combo.setMinimumContentsLength(24)
        self.meeting_combo.setToolTip(_("The Decidim meeting this session is (its date is shown so a wrong link "
                                        "stands out). Pull from the platform on the Sync page to list them."))
        self.link_label = QLabel()
        self.link_label.setObjectName("sessionLink")
        self.link_label.setWordWrap(True)
        self.link_label.setStyleSheet("color: #1f3b57;")
        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setObjectName("sessionNotes")
        self.notes_edit.setMaximumHeight(90)
        form.addRow(_("Title"), self.title_edit)
        form.addRow(_("Kind"), self.kind_combo)
        form.addRow(_("Starts"), self.starts_edit)
        form.addRow(_("Ends"), self.ends_edit)
        form.addRow(_("Place"), self.place_edit)
        form.addRow(_("Series"), self.series_edit)
        form.addRow(_("Language"), self.language_combo)
        form.addRow("", self.min_age_check)
        form.addRow(_("Space"), self.space_combo)
        form.addRow(_("Proposals go to"), self.component_combo)
        form.addRow(_("Decidim meeting"), self.meeting_combo)
        form.addRow("", self.link_label)
        form.addRow(_("Notes"), self.notes_edit)

        self.state_label = QLabel()
        self.state_label.setObjectName("sessionState")
        self.state_label.setWordWrap(True)
        self.save_button = QPushButton(_("Save"))
        self.save_button.setObjectName("saveSession")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.open_button = QPushButton(_("Open session"))
        self.open_button.setObjectName("openSession")
        self.open_button.clicked.connect(self.open_selected)
        self.close_button = QPushButton(_("Close session"))
        self.close_button.setObjectName("closeSession")
        self.close_button.clicked.connect(self.close_selected)
        self.use_button = QPushButton(_("Work on this session"))
        self.use_button.setObjectName("useSession")
        self.use_button.clicked.connect(self.use_as_current)
        buttons = QHBoxLayout()
        for b in (self.save_button, self.open_button, self.close_button):
            buttons.addWidget(b)
        column = QVBoxLayout(box)
        column.addLayout(form)
        column.addStretch(1)
        # The fields scroll on a small screen; the state and the buttons stay in view below them.
        from ui.widgets.scrolling import scrolling

        side = QWidget()
        side.setObjectName("sessionSide")
        side.setMaximumWidth(box.maximumWidth() + 24)
        outer = QVBoxLayout(side)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(box, "sessionEditorScroll"), 1)
        outer.addWidget(self.state_label)
        outer.addLayout(buttons)
        outer.addWidget(self.use_button)
        return side

    def _load_spaces(self) -> None:
        from p311desk import spaces

        with self.ctx.db.read() as s:
            self.spaces = {sp.id: sp for sp in spaces.list_spaces(s)}
            self.meetings = {sp: spaces.list_meetings(s, space_id=sp) for sp in self.spaces}
        self.space_combo.blockSignals(True)
        self.space_combo.clear()
        self.space_combo.addItem(_("— not linked —"), None)
        for space in self.spaces.values():
            self.space_combo.addItem(space.title, str(space.id))
        self.space_combo.blockSignals(False)
        self._space_changed()

    def _space_changed(self, _index: int = 0) -> None:
        data = self.space_combo.currentData()
        space = self.spaces.get(uuid.UUID(data)) if data and hasattr(self, "spaces") else None
        self.component_combo.clear()
        self.meeting_combo.clear()
        self.meeting_combo.addItem(_("— none —"), None)
        if space is None:
            self.component_combo.addItem(_("— choose a space first —"), None)
            self.component_combo.setEnabled(False)
            self.meeting_combo.setEnabled(False)
            return
        self.meeting_combo.setEnabled(self.space_combo.isEnabled())
        for meeting in getattr(self, "meetings", {}).get(space.id, []):
            when = format_local(meeting.starts_at, "%d/%m/%Y %H:%M", empty="?")
            self.meeting_combo.addItem(f"{when} — {meeting.title}", meeting.decidim_id)
        self.component_combo.setEnabled(self.space_combo.isEnabled())
        self.component_combo.addItem(_("— none —"), None)
        for component in space.components_of("proposals"):
            self.component_combo.addItem(component.name, str(component.id))
        if self.component_combo.count() == 2:
            self.component_combo.setCurrentIndex(1)

    def _select_links(self, space_id, component_id, meeting_id=None) -> None:
        self.space_combo.setCurrentIndex(max(self.space_combo.findData(str(space_id)) if space_id else 0, 0))
        self._space_changed()
        if component_id:
            self.component_combo.setCurrentIndex(max(self.component_combo.findData(str(component_id)), 0))
        if meeting_id:
            self.meeting_combo.setCurrentIndex(max(self.meeting_combo.findData(meeting_id), 0))
        self._show_link()

    def _show_link(self) -> None:
        """The saved link in words, with the meeting's date, so a wrong link is visible."""
        from p311desk import spaces

        info = self.current
        if info is None or not (info.space_id or info.decidim_meeting_id):
            self.link_label.setText(_("Not linked to a platform."))
            return
        with self.ctx.db.read() as s:
            link = spaces.describe_link(s, info.space_id, info.component_id, info.decidim_meeting_id)
        # Space and component are in the combos above; the label adds the platform and the
        # meeting with its date, which is what tells a wrong link at a glance.
        text = _("Linked to {platform}").format(platform=link.platform or _("this computer"))
        if link.meeting_decidim_id:
            when = format_local(link.meeting_starts_at, "%d/%m/%Y %H:%M", empty="?")
            text += "\n" + (_("Meeting: {meeting} ({when})").format(meeting=link.meeting, when=when) if link.meeting
                            else _("Meeting {id} (not in the local cache: pull on the Sync page)").format(
                                id=link.meeting_decidim_id))
        self.link_label.setText(text)

    def start_new(self) -> None:
        self.table.clearSelection()
        self.editing_id, self.current = None, None
        starts = next_full_hour()
        self.title_edit.clear()
        self.kind_combo.setCurrentIndex(0)
        self.starts_edit.setDateTime(to_qdatetime(starts))
        self.ends_edit.setDateTime(to_qdatetime(starts + dt.timedelta(hours=2)))
        self.place_edit.clear()
        self.series_edit.clear()
        self.language_combo.setCurrentIndex(max(self.language_combo.findData("ca"), 0))
        self.min_age_check.setChecked(True)
        self._load_spaces()
        self._select_links(None, None)
        self.notes_edit.clear()
        self._update_buttons()
        self.title_edit.setFocus()

    def _fill(self, info: sessions.SessionInfo) -> None:
        self.editing_id, self.current = info.id, info
        self.title_edit.setText(info.title)
        self.kind_combo.setCurrentIndex(max(self.kind_combo.findData(info.kind), 0))
        self.starts_edit.setDateTime(to_qdatetime(info.starts_at or next_full_hour()))
        self.ends_edit.setDateTime(to_qdatetime(info.ends_at or next_full_hour()))
        self.place_edit.setText(info.place)
        self.series_edit.setText(info.series or "")
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(info.language), 0))
        self.min_age_check.setChecked(info.enforce_min_age)
        self._load_spaces()
        self._select_links(info.space_id, info.component_id, info.decidim_meeting_id)
        self.notes_edit.setPlainText(info.notes)
        self._update_buttons()

    def _update_buttons(self) -> None:
        info = self.current
        editable = info is None or info.status != "closed"
        for w in (self.title_edit, self.kind_combo, self.starts_edit, self.ends_edit, self.place_edit,
                  self.series_edit, self.language_combo, self.min_age_check, self.notes_edit, self.save_button,
                  self.space_combo):
            w.setEnabled(editable)
        self.component_combo.setEnabled(editable and self.space_combo.currentData() is not None)
        self.meeting_combo.setEnabled(editable and self.space_combo.currentData() is not None)
        self.save_button.setText(_("Create session") if info is None else _("Save changes"))
        self.open_button.setEnabled(info is not None and info.status != "open")
        self.open_button.setText(_("Reopen session") if info and info.status == "closed" else _("Open session"))
        self.close_button.setEnabled(info is not None and info.status == "open")
        self.use_button.setEnabled(info is not None)
        if info is None:
            self.state_label.setText(_("New session: fill in the title and press Enter."))
        else:
            self.state_label.setText(_("Status: {status}. Present {present} of {expected} expected; {proposals} proposals.").format(
                status=_(sessions.STATUSES[info.status]), present=info.present,
                expected=info.expected, proposals=info.proposals))

    def _values(self) -> dict:
        return dict(
            title=self.title_edit.text(),
            kind=self.kind_combo.currentData(),
            starts_at=from_qdatetime(self.starts_edit.dateTime()),
            ends_at=from_qdatetime(self.ends_edit.dateTime()),
            place=self.place_edit.text(),
            series=self.series_edit.text(),
            language=self.language_combo.currentData(),
            enforce_min_age=self.min_age_check.isChecked(),
            notes=self.notes_edit.toPlainText(),
            space_id=_uuid_or_none(self.space_combo.currentData()),
            component_id=_uuid_or_none(self.component_combo.currentData()),
            decidim_meeting_id=self.meeting_combo.currentData(),
        )

    # --- actions -----------------------------------------------------------------------------
    def save(self) -> None:
        values = self._values()
        editing = self.editing_id

        def work():
            with self.ctx.db.write() as s:
                if editing is None:
                    links = {k: values.pop(k) for k in ("space_id", "component_id", "decidim_meeting_id")}
                    created = sessions.create_session(s, **values)
                    if any(links.values()):
                        return sessions.update_session(s, created.id, **links)
                    return created
                return sessions.update_session(s, editing, **values)

        def done(info: sessions.SessionInfo) -> None:
            self.ctx.notify(_("Session “{title}” saved.").format(title=info.title), "success")
            self.reload(select=info.id)

        Op(self.ctx, work).changes("sessions").on_success(done).run()

    def open_selected(self) -> None:
        if self.current is None:
            return
        info = self.current
        if info.status != "closed":
            self._open(info.id)
            return

        def read():
            with self.ctx.db.read() as s:
                return sessions.minutes_signed(s, info.id)

        Op(self.ctx, read, write=False).bound_to(self).on_success(lambda signed: self._ask_reopen(info, signed)).run()

    def _ask_reopen(self, info: sessions.SessionInfo, signed: bool) -> None:
        """A closed session reopens after a question; with signed minutes, after a warning and a reason."""
        if not signed:
            answer = QMessageBox.question(
                self, _("Reopen the session"),
                _("Reopen “{title}”? Check-in, proposals and votes can change again; its closure is withdrawn "
                  "from the queue until it is closed again.").format(title=info.title))
            if answer == QMessageBox.Yes:
                self._open(info.id)
            return
        from ui.pages.closing import ReopenDialog

        self.reopen_dialog = ReopenDialog(info.title, self)
        self.reopen_dialog.accepted.connect(lambda: self._open(info.id, self.reopen_dialog.text()))
        self.reopen_dialog.open()

    def _open(self, sid: uuid.UUID, reason: str = "") -> None:
        def done(info: sessions.SessionInfo) -> None:
            self.ctx.set_current_session(info.id)
            self.ctx.notify(_("Session “{title}” is open. It is now the current session.").format(title=info.title), "success")
            self.reload(select=info.id)

        (write_op(self.ctx, sessions.open_session, sid, reason=reason).changes("sessions").on_success(done)
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def close_selected(self) -> None:
        if self.current is None:
            return
        info = self.current
        answer = QMessageBox.question(
            self, _("Close the session"),
            _("Close “{title}”? Check-in, proposals and votes stop; the session becomes a read-only record "
              "(it can be reopened).").format(title=info.title))
        if answer != QMessageBox.Yes:
            return

        def done(result: sessions.SessionInfo) -> None:
            self.ctx.notify(_("Session “{title}” is closed: {present} people attended.").format(
                title=result.title, present=result.present), "success")
            self.reload(select=result.id)
            from ui.backups import start_automatic_backup

            start_automatic_backup(self.ctx, "session-closed")

        # The audit log is checked first: a broken one shows its warning before the record closes.
        self.ctx.check_audit(then=lambda: write_op(self.ctx, sessions.close_session, info.id)
                             .changes("sessions").on_success(done).run())

    def use_as_current(self) -> None:
        if self.current is not None:
            self.ctx.set_current_session(self.current.id)
            self.ctx.notify(_("Now working on “{title}”.").format(title=self.current.title), "info")

    # --- data --------------------------------------------------------------------------------
    def reload(self, select: uuid.UUID | None = None) -> None:
        keep = select or self.editing_id
        status = self.status_filter.currentData()

        def work():
            with self.ctx.db.read() as s:
                return sessions.list_sessions(s, status)

        Op(self.ctx, work, write=False).bound_to(self).on_success(lambda rows: self._show_rows(rows, keep)).run()

    def _show_rows(self, rows, keep) -> None:
        self.model.set_rows(rows)
        if keep is not None:
            for row, info in enumerate(self.model.rows):
                if info.id == keep:
                    index = self.proxy.mapFromSource(self.model.index(row, 0))
                    self.table.selectRow(index.row())
                    self._fill(info)
                    return

    def _row_selected(self, current, _previous) -> None:
        if not current.isValid():
            return
        info = self.model.row_at(self.proxy.mapToSource(current).row())
        self._fill(info)

    def _on_data_changed(self, what: str) -> None:
        if what in ("sessions", "attendance", "proposals", "*"):
            self.reload()

    def activate(self) -> None:
        self.reload()
