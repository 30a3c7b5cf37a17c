"""Proposals page: fast keyboard capture, supports, ranking, merge, import and export.

The capture form is built for speed: type the title, Tab through the optional fields, Enter
saves (committed to disk at once) and the cursor is back in an empty title. What is being typed
but not yet saved is kept in QSettings as you type, so a crash loses nothing: the draft comes
back when the page opens again.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from p311desk.i18n import LANGUAGES, N_, _, pick_localized
from p311desk import proposals
from p311desk import sessions
from ui.models.proposals_model import ProposalFilterProxy, ProposalsTableModel
from ui.pages import Page
from ui.workers import Op, write_op

EXPORTS = [
    ("xlsx", N_("Spreadsheet (XLSX), all fields"), "xlsx"),
    ("csv", N_("CSV, all fields"), "csv"),
    ("decidim-csv", N_("For Decidim's “Import from file” (CSV)"), "csv"),
    ("decidim-xlsx", N_("For Decidim's “Import from file” (XLSX)"), "xlsx"),
    ("decidim-json", N_("For Decidim's “Import from file” (JSON)"), "json"),
]
AUTHOR_ORDER = ("session", "collective", "participant", "organisation")


class ProposalsPage(Page):
    page_id = "proposals"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(ctx, parent)
        self.session: sessions.SessionInfo | None = None
        self.editing_id: uuid.UUID | None = None
        self.candidates: list[proposals.AuthorCandidate] = []
        self._restoring = False
        self._limits = (proposals.DEFAULT_TITLE_MIN, proposals.DEFAULT_TITLE_MAX)

        self.heading = QLabel()
        self.heading.setObjectName("proposalsHeading")
        self.heading.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.heading.setWordWrap(True)

        self.model = ProposalsTableModel(self)
        self.model.supports_edited.connect(self.set_supports)
        self.proxy = ProposalFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        splitter = QSplitter(Qt.Horizontal)
        splitter.addWidget(self._build_form())
        splitter.addWidget(self._build_table())
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 900])
        self.splitter = splitter

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(splitter, 1)

        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(300)
        self._draft_timer.timeout.connect(self._save_draft)

        QShortcut(QKeySequence("Ctrl+Return"), self, activated=self.save)
        QShortcut(QKeySequence(QKeySequence.New), self, activated=self.start_new)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search.setFocus)
        QShortcut(QKeySequence("Ctrl++"), self, activated=lambda: self.bump_supports(1))
        QShortcut(QKeySequence("Ctrl+-"), self, activated=lambda: self.bump_supports(-1))
        ctx.session_changed.connect(lambda _sid: self.activate())
        ctx.data_changed.connect(self._on_data_changed)
        self.activate()

    # --- building ----------------------------------------------------------------------------
    def _build_form(self) -> QWidget:
        box = QGroupBox(_("New proposal"))
        box.setObjectName("proposalEditor")
        box.setMinimumWidth(400)
        box.setMaximumWidth(430)
        self.form_box = box
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.DontWrapRows)
        self.title_edits: dict[str, QLineEdit] = {}
        self.title_labels: dict[str, QLabel] = {}
        self.form = form
        for code in LANGUAGES:
            edit = QLineEdit()
            edit.setObjectName(f"proposalTitle_{code}")
            edit.returnPressed.connect(self.save)
            edit.textChanged.connect(self._changed)
            label = QLabel()
            label.setBuddy(edit)  # screen readers name the field by its label
            self.title_edits[code], self.title_labels[code] = edit, label
            form.addRow(label, edit)
        self.title_count = QLabel()
        self.title_count.setObjectName("proposalTitleCount")
        self.title_count.setWordWrap(True)
        self.title_count.setStyleSheet("color: #555;")
        form.addRow("", self.title_count)
        self.body_edit = QPlainTextEdit()
        self.body_edit.setObjectName("proposalBody")
        self.body_edit.setTabChangesFocus(True)
        self.body_edit.setMaximumHeight(110)
        self.body_edit.textChanged.connect(self._changed)
        form.addRow(_("Text"), self.body_edit)

        self.author_kind = QComboBox()
        self.author_kind.setObjectName("proposalAuthorKind")
        self.author_kind.setAccessibleName(_("Authorship"))
        for key in AUTHOR_ORDER:
            self.author_kind.addItem(_(proposals.AUTHOR_KINDS[key]), key)
        self.author_kind.currentIndexChanged.connect(self._author_kind_changed)
        self.author_name = QComboBox()
        self.author_name.setObjectName("proposalAuthor")
        self.author_name.setAccessibleName(_("Author"))
        self.author_name.setEditable(True)
        self.author_name.setInsertPolicy(QComboBox.NoInsert)
        self.author_name.lineEdit().returnPressed.connect(self.save)
        self.author_name.editTextChanged.connect(self._changed)
        author_row = QHBoxLayout()
        author_row.addWidget(self.author_kind)
        author_row.addWidget(self.author_name, 1)
        form.addRow(_("Author"), author_row)

        self.category_combo = QComboBox()
        self.category_combo.setObjectName("proposalCategory")
        self.scope_combo = QComboBox()
        self.scope_combo.setObjectName("proposalScope")
        form.addRow(_("Category"), self.category_combo)
        form.addRow(_("Scope"), self.scope_combo)
        self.tags_edit = QLineEdit()
        self.tags_edit.setObjectName("proposalTags")
        self.tags_edit.setPlaceholderText(_("free tags, separated by commas"))
        self.tags_edit.returnPressed.connect(self.save)
        form.addRow(_("Tags"), self.tags_edit)
        self.address_edit = QLineEdit()
        self.address_edit.setObjectName("proposalAddress")
        self.address_edit.returnPressed.connect(self.save)
        form.addRow(_("Address"), self.address_edit)
        self.form_edit = QLineEdit()
        self.form_edit.setObjectName("proposalPaperForm")
        self.form_edit.setPlaceholderText(_("scan or type the form's code"))
        self.form_edit.returnPressed.connect(self.save)
        form.addRow(_("Paper form"), self.form_edit)
        self.supports_spin = QSpinBox()
        self.supports_spin.setObjectName("proposalSupports")
        self.supports_spin.setRange(0, 1_000_000)
        form.addRow(_("Supports"), self.supports_spin)
        for w in (self.tags_edit, self.address_edit, self.form_edit):
            w.textChanged.connect(self._changed)

        self.save_button = QPushButton()
        self.save_button.setObjectName("saveProposal")
        self.save_button.setToolTip(_("Enter in any line, or Ctrl+Enter"))
        self.save_button.clicked.connect(self.save)
        self.new_button = QPushButton(_("New"))
        self.new_button.setObjectName("newProposal")
        self.new_button.setToolTip("Ctrl+N")
        self.new_button.clicked.connect(self.start_new)
        self.withdraw_button = QPushButton(_("Withdraw"))
        self.withdraw_button.setObjectName("withdrawProposal")
        self.withdraw_button.clicked.connect(self.withdraw_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button, 2)
        buttons.addWidget(self.new_button, 1)
        buttons.addWidget(self.withdraw_button, 1)
        self.draft_label = QLabel()
        self.draft_label.setObjectName("proposalDraftState")
        self.draft_label.setWordWrap(True)
        self.draft_label.setStyleSheet("color: #555;")
        column = QVBoxLayout(box)
        column.addLayout(form)
        column.addStretch(1)
        # The fields scroll on a small screen; the buttons and the draft's state stay in view.
        from ui.widgets.scrolling import scrolling

        side = QWidget()
        side.setObjectName("proposalSide")
        side.setMaximumWidth(box.maximumWidth() + 24)
        outer = QVBoxLayout(side)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(box, "proposalFormScroll"), 1)
        outer.addLayout(buttons)
        outer.addWidget(self.draft_label)
        return side

    def _build_table(self) -> QWidget:
        self.search = QLineEdit()
        self.search.setObjectName("proposalsFilter")
        self.search.setAccessibleName(_("Filter proposals"))
        self.search.setPlaceholderText(_("Filter by title, author, form or tag…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_text)
        self.show_inactive = QCheckBox(_("Show merged and withdrawn"))
        self.show_inactive.setObjectName("proposalsShowInactive")
        self.show_inactive.setChecked(True)
        self.show_inactive.toggled.connect(self.proxy.set_show_inactive)
        self.ranking_check = QCheckBox(_("Ranking"))
        self.ranking_check.setObjectName("proposalsRanking")
        self.ranking_check.setToolTip(_("Most supports first"))
        self.ranking_check.toggled.connect(self._ranking_toggled)

        self.table = QTableView()
        self.table.setObjectName("proposalsTable")
        self.table.setAccessibleName(_("Proposals"))
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(ProposalsTableModel.COL_POSITION, Qt.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(ProposalsTableModel.COL_TITLE, QHeaderView.Stretch)
        for col in (ProposalsTableModel.COL_AUTHOR, ProposalsTableModel.COL_CATEGORY,
                    ProposalsTableModel.COL_FORM, ProposalsTableModel.COL_STATUS):
            header.setSectionResizeMode(col, QHeaderView.Interactive)
            header.resizeSection(col, 80)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        header.setMinimumSectionSize(36)
        self.table.selectionModel().currentRowChanged.connect(self._row_selected)

        def button(text, name, slot, tip=""):
            b = QPushButton(text)
            b.setObjectName(name)
            b.clicked.connect(slot)
            if tip:
                b.setToolTip(tip)
            return b

        self.plus_button = button(_("+1"), "supportsPlus", lambda: self.bump_supports(1), "Ctrl++")
        self.minus_button = button(_("−1"), "supportsMinus", lambda: self.bump_supports(-1), "Ctrl+-")
        self.order_button = button(_("Order by supports"), "orderBySupports", self.order_by_supports,
                                   _("Number the proposals from most to fewest supports"))
        self.merge_button = button(_("Merge selected"), "mergeProposals", self.merge_selected,
                                   _("Select two duplicates: the second is merged into the first"))
        self.import_button = button(_("Import…"), "importProposals", self.choose_import)
        self.export_button = QPushButton(_("Export"))
        self.export_button.setObjectName("exportProposals")
        menu = QMenu(self.export_button)
        for fmt, label, _ext in EXPORTS:
            menu.addAction(_(label), lambda f=fmt: self.choose_export(f))
        self.export_button.setMenu(menu)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.import_button)
        top.addWidget(self.export_button)
        view = QHBoxLayout()
        view.addWidget(self.ranking_check)
        view.addWidget(self.show_inactive)
        view.addStretch(1)
        # Two short rows rather than one long one: at 1024×600 the table side is ~430 px wide.
        actions = QVBoxLayout()
        supports_row, list_row = QHBoxLayout(), QHBoxLayout()
        for b in (self.plus_button, self.minus_button):
            supports_row.addWidget(b)
        supports_row.addStretch(1)
        for b in (self.order_button, self.merge_button):
            list_row.addWidget(b)
        list_row.addStretch(1)
        actions.addLayout(supports_row)
        actions.addLayout(list_row)
        self.summary = QLabel()
        self.summary.setObjectName("proposalsSummary")
        w = QWidget()
        v = QVBoxLayout(w)
        v.setContentsMargins(0, 0, 0, 0)
        v.addLayout(top)
        v.addLayout(view)
        v.addWidget(self.table, 1)
        v.addLayout(actions)
        v.addWidget(self.summary)
        return w

    # --- session and data --------------------------------------------------------------------
    def activate(self) -> None:
        sid = self.ctx.current_session_id
        self.session = None
        if sid is not None:
            with self.ctx.db.read() as s:
                try:
                    self.session = sessions.get_session(s, sid)
                except Exception:  # noqa: BLE001 - a vanished session is just "no session"
                    self.session = None
                if self.session is not None:
                    self.candidates = proposals.author_candidates(s, sid)
                    self.taxonomies = proposals.taxonomy_choices(s, sid)
        self._setup_for_session()
        self.reload()

    def _setup_for_session(self) -> None:
        info = self.session
        enabled = info is not None and info.status != "closed"
        if info is None:
            self.heading.setText(_("Proposals — choose a session first (Sessions page)"))
        else:
            self.heading.setText(_("Proposals — {title}").format(title=info.title))
        lang = info.language if info else "ca"
        # Session language first and required; the others optional, in a fixed order.
        order = [lang] + [c for c in LANGUAGES if c != lang]
        for code in order:
            edit, label = self.title_edits[code], self.title_labels[code]
            label.setText(_("Title ({language})").format(language=LANGUAGES[code]) if code == lang
                          else _("Title ({language}), optional").format(language=LANGUAGES[code]))
        for a, b in zip(order, order[1:]):
            QWidget.setTabOrder(self.title_edits[a], self.title_edits[b])
        QWidget.setTabOrder(self.title_edits[order[-1]], self.body_edit)
        self.title_order = order
        self.category_combo.clear()
        self.scope_combo.clear()
        self.category_combo.addItem(_("— none —"), None)
        self.scope_combo.addItem(_("— none —"), None)
        for t in getattr(self, "taxonomies", []) if info else []:
            target = self.scope_combo if t.kind == "scope" else self.category_combo
            target.addItem(pick_localized(t.name) or (t.decidim_id or ""), str(t.id))
        has_tax = self.category_combo.count() > 1 or self.scope_combo.count() > 1
        self.category_combo.setEnabled(enabled and self.category_combo.count() > 1)
        self.scope_combo.setEnabled(enabled and self.scope_combo.count() > 1)
        self.category_combo.setToolTip("" if has_tax else _("No platform categories cached: use free tags."))
        for w in (self.form_box, self.plus_button, self.minus_button, self.order_button,
                  self.merge_button, self.import_button):
            w.setEnabled(enabled)
        self.export_button.setEnabled(info is not None)
        self.start_new(restore=True)

    def reload(self, select: uuid.UUID | None = None) -> None:
        if self.session is None:
            self.model.set_rows([])
            self.summary.setText("")
            return
        sid = self.session.id
        # Read in a worker: a session with thousands of proposals takes a noticeable moment.
        self._reload_generation = getattr(self, "_reload_generation", 0) + 1
        generation = self._reload_generation

        def load():
            with self.ctx.db.read() as s:
                return proposals.list_proposals(s, sid)

        def loaded(rows) -> None:
            if generation == self._reload_generation:  # a newer reload supersedes this one
                self._show_rows(rows, select)

        Op(self.ctx, load, write=False).on_success(loaded).run()

    def _show_rows(self, rows, select: uuid.UUID | None) -> None:
        self.model.set_rows(rows)
        # The paper-form column only when some proposal came from a form: room for the title.
        self.table.setColumnHidden(ProposalsTableModel.COL_FORM, not any(r.paper_form_id for r in rows))
        active = [r for r in rows if r.active]
        self.summary.setText(_("{n} proposals, {supports} supports in total.").format(
            n=len(active), supports=sum(r.supports for r in active)))
        keep = select or self.editing_id
        if keep is not None:
            self.select_proposal(keep)

    def select_proposal(self, proposal_id: uuid.UUID) -> None:
        row = self.model.row_index(proposal_id)
        if row >= 0:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if index.isValid():
                self.table.selectRow(index.row())
                self.table.scrollTo(index)

    def _on_data_changed(self, what: str) -> None:
        if what in ("proposals", "*"):
            self.reload()
        elif what in ("attendance", "sessions"):
            self.activate()

    # --- form ----------------------------------------------------------------------------------
    def _author_kind_changed(self, _index: int = 0) -> None:
        kind = self.author_kind.currentData()
        self.author_name.blockSignals(True)
        self.author_name.clear()
        if kind == "participant":
            for c in self.candidates:
                self.author_name.addItem(f"{c.name} ({c.checkin_code})", str(c.participant_id))
            self.author_name.lineEdit().setPlaceholderText(_("type a name of someone checked in"))
        elif kind == "collective":
            self.author_name.addItems([f"{_('Table')} {i}" for i in range(1, 13)])
            self.author_name.setCurrentIndex(-1)
            self.author_name.lineEdit().setPlaceholderText(_("e.g. Table 3, Youth group"))
        else:
            self.author_name.lineEdit().setPlaceholderText(
                _("name of the organisation") if kind == "organisation" else "")
        self.author_name.setEnabled(kind != "session")
        self.author_name.setEditText("")
        self.author_name.blockSignals(False)
        self._changed()

    def _title_hint(self) -> None:
        if self.session is None:
            self.title_count.setText("")
            return
        text = " ".join(self.title_edits[self.session.language].text().split())
        lo, hi = self._limits
        self.title_count.setText(_("{n} characters (between {min} and {max})").format(n=len(text), min=lo, max=hi))
        ok = lo <= len(text) <= hi or not text
        self.title_count.setStyleSheet("color: #555;" if ok else "color: #8c1d18; font-weight: bold;")

    def _changed(self, *_args) -> None:
        self._title_hint()
        if not self._restoring and self.editing_id is None:
            self._draft_timer.start()

    def _draft_key(self) -> str:
        return f"proposals/draft/{self.session.id}" if self.session else ""

    def _save_draft(self) -> None:
        if self.session is None or self.editing_id is not None:
            return
        values = self._form_values(raw=True)
        empty = not any(values["title"].values()) and not values["body"] and not values["paper_form_id"]
        self.ctx.qsettings.setValue(self._draft_key(), "" if empty else _json(values))
        self.ctx.qsettings.sync()
        self.draft_label.setText("" if empty else _("Draft kept: it will not be lost if the computer stops."))

    def _restore_draft(self) -> None:
        if self.session is None:
            return
        raw = self.ctx.qsettings.value(self._draft_key(), "")
        if not raw:
            return
        import json

        try:
            values = json.loads(raw)
        except ValueError:
            return
        self._restoring = True
        for code, text in values.get("title", {}).items():
            if code in self.title_edits:
                self.title_edits[code].setText(text)
        self.body_edit.setPlainText(values.get("body", ""))
        self.tags_edit.setText(values.get("tags", ""))
        self.address_edit.setText(values.get("address", ""))
        self.form_edit.setText(values.get("paper_form_id", "") or "")
        self._restoring = False
        self.draft_label.setText(_("The proposal you were typing was restored."))

    def start_new(self, restore: bool = False) -> None:
        self.editing_id = None
        self._restoring = True
        self.table.clearSelection()
        for edit in self.title_edits.values():
            edit.clear()
        self.body_edit.clear()
        self.author_kind.setCurrentIndex(0)
        self._author_kind_changed()
        self.category_combo.setCurrentIndex(0)
        self.scope_combo.setCurrentIndex(0)
        self.tags_edit.clear()
        self.address_edit.clear()
        self.form_edit.clear()
        self.supports_spin.setValue(0)
        self.supports_spin.setEnabled(True)
        self.form_box.setTitle(_("New proposal"))
        self.save_button.setText(_("Add proposal"))
        self.draft_label.setText("")
        self._restoring = False
        self._limits = (proposals.DEFAULT_TITLE_MIN, proposals.DEFAULT_TITLE_MAX)
        if self.session is not None:
            with self.ctx.db.read() as s:
                from p311desk.models import ParticipationSession

                self._limits = proposals.title_limits(s, s.get(ParticipationSession, self.session.id))
            if restore:
                self._restore_draft()
        self._title_hint()
        if self.session is not None:
            self.title_edits[self.session.language].setFocus()

    def _form_values(self, raw: bool = False) -> dict:
        kind = self.author_kind.currentData()
        values = {
            "title": {c: e.text() for c, e in self.title_edits.items() if e.text().strip()},
            "body": self.body_edit.toPlainText(),
            "tags": self.tags_edit.text(),
            "address": self.address_edit.text(),
            "paper_form_id": self.form_edit.text() or None,
        }
        if raw:
            return values
        values["author_kind"] = kind
        values["author_name"] = ""
        values["author_participant_id"] = None
        if kind == "participant":
            text = self.author_name.currentText()
            index = self.author_name.findText(text)
            data = self.author_name.itemData(index) if index >= 0 else None
            values["author_participant_id"] = uuid.UUID(data) if data else None
        elif kind in ("collective", "organisation"):
            values["author_name"] = self.author_name.currentText()
        cat, scope = self.category_combo.currentData(), self.scope_combo.currentData()
        values["category_id"] = uuid.UUID(cat) if cat else None
        values["scope_id"] = uuid.UUID(scope) if scope else None
        return values

    def save(self, allow_duplicate_form: bool = False) -> None:
        if self.session is None:
            self.ctx.notify(_("Choose a session first (Sessions page)."), "warning")
            return
        values = self._form_values()
        sid, editing = self.session.id, self.editing_id
        supports = self.supports_spin.value()

        def work():
            with self.ctx.db.write() as s:
                if editing is None:
                    return proposals.add_proposal(s, sid, supports=supports,
                                                  allow_duplicate_form=allow_duplicate_form, **values)
                row = proposals.update_proposal(s, editing, allow_duplicate_form=allow_duplicate_form,
                                                **values)
                if row.active and row.supports != supports:
                    row = proposals.set_supports(s, editing, supports)
                return row

        def done(row: proposals.ProposalRow) -> None:
            if editing is None:
                self.ctx.qsettings.setValue(self._draft_key(), "")
                self.ctx.notify(_("Proposal saved: “{title}”.").format(title=row.display_title()), "success")
                self.start_new()
                self.reload()
                index_row = self.model.row_index(row.id)
                if index_row >= 0:  # show it, without selecting it (that would load it for editing)
                    self.table.scrollTo(self.proxy.mapFromSource(self.model.index(index_row, 0)))
            else:
                self.ctx.notify(_("Changes saved."), "success")
                self.reload(select=row.id)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, proposals.DuplicatePaperForm):
                answer = QMessageBox.question(
                    self, _("Paper form already entered"),
                    exc.message() + "\n\n" + _("Enter it anyway?"))
                if answer == QMessageBox.Yes:
                    self.save(allow_duplicate_form=True)
                return
            from ui.workers import error_text

            self.ctx.notify(error_text(exc), "error")

        Op(self.ctx, work).changes("proposals").on_success(done).on_failure(failed).run()

    def _fill(self, row: proposals.ProposalRow) -> None:
        self._draft_timer.stop()
        self.editing_id = row.id
        self._restoring = True
        for code, edit in self.title_edits.items():
            edit.setText(row.title.get(code, ""))
        self.body_edit.setPlainText(pick_localized(row.body, self.session.language if self.session else None))
        self.author_kind.setCurrentIndex(max(self.author_kind.findData(row.author_kind), 0))
        self._author_kind_changed()
        if row.author_kind == "participant":
            self.author_name.setCurrentIndex(self.author_name.findData(str(row.author_participant_id)))
            if self.author_name.currentIndex() < 0:
                self.author_name.setEditText(row.author_name)
        else:
            self.author_name.setEditText(row.author_name)
        self.category_combo.setCurrentIndex(max(self.category_combo.findData(str(row.category_id)), 0))
        self.scope_combo.setCurrentIndex(max(self.scope_combo.findData(str(row.scope_id)), 0))
        self.tags_edit.setText(", ".join(row.tags))
        self.address_edit.setText(row.address)
        self.form_edit.setText(row.paper_form_id or "")
        self.supports_spin.setValue(row.supports)
        self._restoring = False
        editable = row.active and row.source != "decidim" and self.session and self.session.status != "closed"
        self.form_box.setTitle(_("Proposal #{n}").format(n=row.position))
        self.save_button.setText(_("Save changes"))
        self.save_button.setEnabled(bool(editable))
        self.draft_label.setText(
            "" if editable else _("This proposal comes from the platform or was merged or withdrawn: read only."))
        self._title_hint()

    def _row_selected(self, current, _previous) -> None:
        if current.isValid():
            self._fill(self.proxy.row_at(current.row()))

    # --- table actions -------------------------------------------------------------------------
    def selected_rows(self) -> list[proposals.ProposalRow]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.proxy.row_at(r) for r in rows]

    def _write(self, service, *args, done_message=None, select=None) -> None:
        """Run ``service(session, *args)`` on the write worker, then refresh and report."""
        def done(result) -> None:
            if done_message:
                self.ctx.notify(done_message(result), "success")
            self.reload(select=select)

        write_op(self.ctx, service, *args).changes("proposals").on_success(done).run()

    def set_supports(self, proposal_id: uuid.UUID, n: int) -> None:
        self._write(proposals.set_supports, proposal_id, n, select=proposal_id)

    def bump_supports(self, delta: int) -> None:
        rows = self.selected_rows()
        if not rows:
            self.ctx.notify(_("Select a proposal first."), "warning")
            return
        pid = rows[0].id

        self._write(proposals.add_supports, pid, delta, select=pid)

    def order_by_supports(self) -> None:
        if self.session is None:
            return
        sid = self.session.id

        self.table.sortByColumn(ProposalsTableModel.COL_POSITION, Qt.AscendingOrder)
        self._write(proposals.reorder_by_supports, sid,
                    done_message=lambda _rows: _("Proposals numbered by supports."))

    def _ranking_toggled(self, on: bool) -> None:
        if on:
            self.table.sortByColumn(ProposalsTableModel.COL_RANK, Qt.AscendingOrder)
            self.show_inactive.setChecked(False)
        else:
            self.table.sortByColumn(ProposalsTableModel.COL_POSITION, Qt.AscendingOrder)

    def merge_selected(self) -> None:
        rows = self.selected_rows()
        if len(rows) != 2:
            self.ctx.notify(_("Select exactly two proposals to merge (Ctrl+click)."), "warning")
            return
        target, source = sorted(rows, key=lambda r: r.position)
        answer = QMessageBox.question(
            self, _("Merge proposals"),
            _("Merge “{source}” into “{target}”? Both are kept; the supports are added up.").format(
                source=source.display_title(), target=target.display_title()))
        if answer != QMessageBox.Yes:
            return

        self._write(proposals.merge, source.id, target.id,
                    done_message=lambda row: _("Merged: “{title}” now has {n} supports.").format(
                        title=row.display_title(), n=row.supports), select=target.id)

    def withdraw_selected(self) -> None:
        if self.editing_id is None:
            return
        pid = self.editing_id

        self._write(proposals.withdraw, pid, done_message=lambda _row: _("Proposal withdrawn."), select=pid)

    # --- files ---------------------------------------------------------------------------------
    def choose_export(self, fmt: str) -> None:
        ext = next(e for f, _l, e in EXPORTS if f == fmt)
        from ui.files import save_path

        path = save_path(self, "proposals-export", _("Export proposals"), f"{_('proposals')}.{ext}", f"*.{ext}",
                         self.ctx.qsettings)
        if path:
            self.export_to(path, fmt)

    def export_to(self, path: str, fmt: str, decidim_version: str | None = None) -> None:
        from p311desk import proposals

        sid = self.session.id

        def work(progress, cancel):
            with self.ctx.db.read() as s:
                return proposals.export_session(s, sid, path, fmt, decidim_version=decidim_version,
                                                     progress=progress, cancel=cancel)

        def done(result) -> None:
            text = _("Exported {n} proposals to {file}").format(n=result.rows, file=path)
            level = "success"
            if result.formula_rows:
                level = "warning"
                text += " " + _("Rows {rows} start with =, +, - or @: upload this file to Decidim "
                                "without opening it in a spreadsheet program.").format(
                    rows=", ".join(map(str, result.formula_rows)))
            self.ctx.notify(text, level)

        Op(self.ctx, work, write=False, parent=self).with_progress(_("Exporting…")).on_success(done).run()

    def choose_import(self) -> None:
        from ui.files import open_path

        path = open_path(self, "proposals-import", _("Import proposals"), _("Proposals files (*.xlsx *.csv *.json)"),
                         self.ctx.qsettings)
        if path:
            self.import_from(path)

    def import_from(self, path: str, confirm: bool = True) -> None:
        from p311desk import proposals

        sid = self.session.id

        def preview():
            with self.ctx.db.read() as s:
                return proposals.preview_import(s, path, sid)

        def apply(_progress=None, _cancel=None):
            with self.ctx.db.write() as s:
                return proposals.import_file(s, path, sid, progress=_progress)

        def imported(result) -> None:
            self.ctx.notify(_("Imported: {created} new, {updated} updated.").format(
                created=result.created, updated=result.updated), "success")
            self.reload()

        def previewed(report) -> None:
            dialog = ImportReportDialog(report, self)
            self.report_dialog = dialog
            if confirm:
                if dialog.exec() != QDialog.Accepted:
                    return
            elif not report.ok:
                return
            Op(self.ctx, apply, parent=self).with_progress(_("Importing…")).changes("proposals").on_success(
                imported).run()

        Op(self.ctx, preview, write=False, parent=self).with_progress(_("Checking the rows…")).on_success(
            previewed).run()


class ImportReportDialog(QDialog):
    """The row report of an import: new / update / already there / error, and why."""

    def __init__(self, report, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("proposalsImportReport")
        self.setWindowTitle(_("Import proposals"))
        self.resize(760, 460)
        labels = {"new": _("New"), "update": _("Update"), "existing": _("Already there"), "error": _("Error")}
        table = QTableWidget(len(report.rows), 4)
        table.setObjectName("proposalsImportTable")
        table.setHorizontalHeaderLabels([_("Line"), _("Result"), _("Title"), _("Message")])
        for i, row in enumerate(report.rows):
            for j, text in enumerate((str(row.line), labels[row.status], row.title, " ".join(row.messages))):
                item = QTableWidgetItem(text)
                if row.status == "error":
                    item.setForeground(Qt.darkRed)
                table.setItem(i, j, item)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.verticalHeader().setVisible(False)
        summary = QLabel(_("{new} new, {update} to update, {existing} already there, {error} with errors.").format(
            new=report.count("new"), update=report.count("update"), existing=report.count("existing"),
            error=report.count("error")) + ("" if report.ok else " " + _("Nothing will be imported: correct the file.")))
        summary.setObjectName("proposalsImportSummary")
        summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(_("Import"))
        buttons.button(QDialogButtonBox.Ok).setEnabled(report.ok)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(table, 1)
        layout.addWidget(buttons)


def _json(values: dict) -> str:
    import json

    return json.dumps(values, ensure_ascii=False)
