"""Accountability page: the action plan, its figures, the presentation on the room display and
the fast question box.

Top: the plan (a combo when there are several), *Import a plan…* (a PAM spreadsheet or
Decidim's results CSV: a preview of every problem, then all or nothing), *Present in this
session* (links the current session to the plan) and *Show on the room display*, with
*◀ Previous* / *Next ▶* for the objectives (the same as ←/→ on the plan list and on the room
window; Home goes back to the first). Then the question box: the action by number or by a
few words of its title (completion), the question, Enter. The author is named only when the
checkbox "the person agrees to be named" is ticked and their check-in code typed; anonymous by
default. Below, the plan as a tree with each objective's and action's progress, its four-step
band, the planned progress and the questions asked in this session.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from p311desk import accountability
from p311desk.i18n import _
from ui.pages import Page
from ui.workers import Op, error_text


def _pct(value) -> str:
    return "—" if value is None else f"{value:.0f} %"


def _steps(band: int) -> str:
    return "■" * band + "□" * (4 - band)


class ImportPreviewDialog(QDialog):
    """What the file holds and every problem; *Import* only when there is no error."""

    def __init__(self, preview: accountability.PlanImportPreview, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("planImportPreview")
        self.setWindowTitle(_("Import a plan"))
        objectives = sum(1 for r in preview.rows if r.kind in ("objective", "specific"))
        summary = QLabel(_("{objectives} objectives and {actions} actions: {new} new, {update} to update, "
                           "{warning} with warnings, {error} with errors.").format(
            objectives=objectives, actions=preview.actions, **preview.counts))
        summary.setObjectName("planImportSummary")
        summary.setWordWrap(True)
        title = QLabel(_("Plan: {title}").format(title=preview.title))
        title.setWordWrap(True)
        title.setStyleSheet("font-weight: 600; font-size: 12pt;")
        report = QPlainTextEdit("\n".join(accountability.report_lines(preview)) or _("No problems found."))
        report.setObjectName("planImportReport")
        report.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.import_button = buttons.addButton(_("Import"), QDialogButtonBox.AcceptRole)
        self.import_button.setObjectName("planImportOk")
        self.import_button.setEnabled(preview.errors == 0)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(summary)
        layout.addWidget(report, 1)
        layout.addWidget(buttons)
        self.resize(720, 420)


class AccountabilityPage(Page):
    page_id = "accountability"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(ctx, parent)
        self.plans: list[accountability.PlanSummary] = []
        self.plan: accountability.PlanInfo | None = None
        self.session_plan: uuid.UUID | None = None
        self.view = None  # the room view, made on first use

        self.plan_combo = QComboBox()
        self.plan_combo.setObjectName("accountabilityPlan")
        self.plan_combo.setAccessibleName(_("Plan"))
        self.plan_combo.activated.connect(lambda _i: self._load_plan())
        import_button = QPushButton(_("Import a plan…"))
        import_button.setObjectName("accountabilityImport")
        import_button.clicked.connect(self.import_plan)
        self.link_button = QPushButton(_("Present in this session"))
        self.link_button.setObjectName("accountabilityLink")
        self.link_button.clicked.connect(self.link_session)
        self.room_button = QPushButton(_("Show on the room display"))
        self.room_button.setObjectName("accountabilityRoom")
        self.room_button.clicked.connect(self.show_on_room)
        self.prev_button = QPushButton(_("◀ Previous"))
        self.prev_button.setObjectName("accountabilityPrevious")
        self.prev_button.clicked.connect(lambda: self._drive(Qt.Key_Left))
        self.next_button = QPushButton(_("Next ▶"))
        self.next_button.setObjectName("accountabilityNext")
        self.next_button.clicked.connect(lambda: self._drive(Qt.Key_Right))
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Plan")))
        top.addWidget(self.plan_combo, 1)
        top.addWidget(import_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.link_button)
        row2.addWidget(self.room_button)
        row2.addWidget(self.prev_button)
        row2.addWidget(self.next_button)
        self.slide_label = QLabel("")
        self.slide_label.setObjectName("accountabilitySlide")
        # What the room sees, in words; it never pushes the buttons off a small screen.
        self.slide_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        row2.addWidget(self.slide_label, 1)

        self.figures = QLabel("")
        self.figures.setObjectName("accountabilityFigures")
        self.figures.setWordWrap(True)
        self.figures.setStyleSheet("font-size: 12pt;")

        # --- the fast question box
        box = QGroupBox(_("A question from the room"))
        box.setObjectName("accountabilityAskBox")
        self.action_edit = QLineEdit()
        self.action_edit.setObjectName("askAction")
        self.action_edit.setAccessibleName(_("Action: number or words of its title"))
        self.action_edit.setPlaceholderText(_("Action: number or words"))
        self.action_edit.setMaximumWidth(320)
        self.action_edit.setMinimumWidth(220)
        self.completions = QStringListModel([])
        completer = QCompleter(self.completions, self)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        completer.setFilterMode(Qt.MatchContains)
        self.action_edit.setCompleter(completer)
        completer.activated.connect(self._completed)
        self.question_edit = QLineEdit()
        self.question_edit.setObjectName("askQuestion")
        self.question_edit.setAccessibleName(_("The question"))
        self.question_edit.setPlaceholderText(_("The question, then Enter"))
        self.question_edit.setMaxLength(accountability.service.QUESTION_MAX)
        self.action_edit.returnPressed.connect(self.question_edit.setFocus)
        self.question_edit.returnPressed.connect(self.ask)
        self.consent = QCheckBox(_("The person agrees to be named"))
        self.consent.setObjectName("askConsent")
        self.author_edit = QLineEdit()
        self.author_edit.setObjectName("askAuthor")
        self.author_edit.setAccessibleName(_("Check-in code of the person asking"))
        self.author_edit.setPlaceholderText(_("their check-in code"))
        self.author_edit.setMinimumWidth(190)
        self.author_edit.setMaximumWidth(240)
        self.author_edit.setEnabled(False)
        self.author_edit.returnPressed.connect(self.ask)
        self.consent.toggled.connect(self._consent_toggled)
        self.ask_button = QPushButton(_("Record the question"))
        self.ask_button.setObjectName("askButton")
        self.ask_button.clicked.connect(self.ask)
        self.ask_feedback = QLabel("")
        self.ask_feedback.setObjectName("askFeedback")
        self.ask_feedback.setWordWrap(True)
        l1 = QHBoxLayout()
        l1.addWidget(self.action_edit)
        l1.addWidget(self.question_edit, 1)
        l2 = QHBoxLayout()
        l2.addWidget(self.consent)
        l2.addWidget(self.author_edit)
        l2.addWidget(self.ask_button)
        l2.addStretch(1)
        bl = QVBoxLayout(box)
        bl.setContentsMargins(8, 4, 8, 4)
        bl.addLayout(l1)
        bl.addLayout(l2)
        bl.addWidget(self.ask_feedback)  # its own row: a sentence is never squeezed into a few pixels

        self.tree = QTreeWidget()
        self.tree.setObjectName("accountabilityTree")
        self.tree.setAccessibleName(_("The plan"))
        self.tree.setColumnCount(6)
        self.tree.setHeaderLabels(["#", _("Objective or action"), _("Responsible unit"), _("Progress"),
                                   _("Planned"), _("Questions")])
        header = self.tree.header()
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        for col in (0, 3, 4, 5):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Interactive)
        header.resizeSection(2, 150)
        self.tree.setUniformRowHeights(True)
        self.tree.itemActivated.connect(self._pick_from_tree)
        self.tree.installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(row2)
        layout.addWidget(self.figures)
        layout.addWidget(box)
        layout.addWidget(self.tree, 1)
        ctx.session_changed.connect(lambda _sid: self.refresh())
        ctx.data_changed.connect(self._on_data_changed)

    # --- reading ---------------------------------------------------------------------------------
    def activate(self) -> None:
        self.refresh()

    def _on_data_changed(self, what: str) -> None:
        if what in ("accountability", "sessions", "*"):
            self.refresh()

    def refresh(self) -> None:
        sid = self.ctx.current_session_id
        chosen = self.plan_combo.currentData()

        def work():
            with self.ctx.db.read() as s:
                plans = accountability.list_plans(s)
                linked = accountability.session_plan(s, sid) if sid else None
                pick = linked or (uuid.UUID(chosen) if chosen else None) or (plans[-1].id if plans else None)
                if pick is not None and not any(p.id == pick for p in plans):
                    pick = plans[-1].id if plans else None
                view = accountability.plan_view(s, pick, session_id=sid) if pick else None
                return plans, linked, view

        Op(self.ctx, work, write=False).bound_to(self).on_success(self._fill).run()

    def _load_plan(self) -> None:
        self.refresh()

    def _fill(self, result) -> None:
        plans, linked, view = result
        self.plans, self.session_plan, self.plan = plans, linked, view
        self.plan_combo.blockSignals(True)
        self.plan_combo.clear()
        for p in plans:
            self.plan_combo.addItem(p.title, str(p.id))
        if view is not None:
            self.plan_combo.setCurrentIndex(max(0, self.plan_combo.findData(str(view.id))))
        self.plan_combo.blockSignals(False)
        self.plan_combo.setEnabled(linked is None)
        sid = self.ctx.current_session_id
        self.link_button.setEnabled(view is not None and sid is not None and linked != (view.id if view else None))
        for w in (self.action_edit, self.question_edit, self.consent, self.ask_button):
            w.setEnabled(linked is not None)
        self.author_edit.setEnabled(linked is not None and self.consent.isChecked())
        if view is None:
            self.figures.setText(_("No plan yet: import a PAM spreadsheet, or pull an accountability component "
                                   "on the Sync page."))
        else:
            f = view.figures
            basis = _("weighted by budget") if f.by_budget else _("each action counts the same")
            from ui.room.accountability_view import deviation_text

            self.figures.setText(_("{progress} of the plan done ({n} actions, {basis}); planned by today "
                                   "{planned}: {deviation}.").format(
                progress=_pct(f.progress), n=f.actions, basis=basis, planned=_pct(f.planned),
                deviation=deviation_text(f.deviation)))
        if linked is None:
            self.ask_feedback.setText(_("Questions are recorded in an accountability session: choose the session "
                                        "above and press “Present in this session”."))
        self.completions.setStringList([f"{a.number} · {a.title}" for a in (view.actions if view else [])])
        self._fill_tree(view)
        if self.view is not None:
            self.view.set_plan(view)

    def _fill_tree(self, view) -> None:
        self.tree.clear()
        if view is None:
            return
        for o in view.objectives:
            top = QTreeWidgetItem(["", f"{o.code} {o.title}".strip(), "", f"{_pct(o.figures.progress)}  "
                                   f"{_steps(o.figures.band)}", _pct(o.figures.planned), ""])
            font = top.font(1)
            font.setBold(True)
            for c in range(6):
                top.setFont(c, font)
            self.tree.addTopLevelItem(top)
            for a in o.actions:
                item = QTreeWidgetItem([str(a.number), a.title, a.responsible, f"{_pct(a.progress)}  {_steps(a.band)}",
                                        _pct(a.planned), str(a.questions or "")])
                item.setData(0, Qt.UserRole, a.number)
                item.setToolTip(1, " · ".join(x for x in (a.title, a.group_title, a.code) if x))
                top.addChild(item)
            top.setExpanded(True)

    # --- presenting ------------------------------------------------------------------------------
    def _display(self):
        window = self.window()
        return window.room_display() if hasattr(window, "room_display") else None

    def show_on_room(self) -> None:
        display = self._display()
        if display is None:
            return
        if self.view is None:
            from ui.room.accountability_view import AccountabilityView

            self.view = AccountabilityView()
            self.view.slide_changed.connect(self._slide_changed)
        self.view.set_plan(self.plan, keep=False)
        display.set_view(self.view)
        display.show_on_room_screen()

    def _drive(self, key) -> None:
        if self.view is None:
            self.show_on_room()
        if self.view is not None:
            self.view.handle_key(key)

    def _slide_changed(self, _index: int, _total: int) -> None:
        self.slide_label.setText(self.view.describe() if self.view is not None else "")

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        from PySide6.QtCore import QEvent

        if obj is self.tree and event.type() == QEvent.KeyPress and self.view is not None and \
                event.key() in (Qt.Key_Right, Qt.Key_Left, Qt.Key_Home, Qt.Key_End):
            self.view.handle_key(event.key())
            return True
        return super().eventFilter(obj, event)

    # --- writing ---------------------------------------------------------------------------------
    def import_plan(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, _("Import a plan"), "", _("Spreadsheets (*.xlsx *.xls *.ods *.csv)"))
        if path:
            self.preview_file(path)

    def preview_file(self, path: str) -> None:
        def work():
            with self.ctx.db.read() as s:
                return accountability.preview_file(s, path)

        def done(preview) -> None:
            dialog = ImportPreviewDialog(preview, self)
            self.preview_dialog = dialog
            dialog.accepted.connect(lambda: self._commit_import(path))
            dialog.open()

        (Op(self.ctx, work, write=False, parent=self).bound_to(self).with_progress(_("Reading the file…"))
         .on_success(done).on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def _commit_import(self, path: str) -> None:
        def work():
            with self.ctx.db.write() as s:
                preview = accountability.preview_file(s, path)
                return preview.title, accountability.commit(s, preview, accept_warnings=True)

        def done(result) -> None:
            title, r = result
            self.ctx.notify(_("Imported “{title}”: {actions} actions ({created} rows new, {updated} updated, "
                              "{removed} removed).").format(title=title, actions=r.actions, created=r.created,
                                                            updated=r.updated, removed=r.removed), "success")

        (Op(self.ctx, work, parent=self).changes("accountability").with_progress(_("Importing…"))
         .on_success(done).on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def link_session(self) -> None:
        sid = self.ctx.current_session_id
        if sid is None or self.plan is None:
            return
        plan_id = self.plan.id

        def work():
            with self.ctx.db.write() as s:
                return accountability.link_session(s, sid, plan_id)

        (Op(self.ctx, work).changes("sessions").bound_to(self)
         .on_success(lambda p: self.ctx.notify(_("This session presents “{plan}”.").format(plan=p.title), "success"))
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def _consent_toggled(self, on: bool) -> None:
        self.author_edit.setEnabled(on)
        if on:
            self.author_edit.setFocus()
        else:
            self.author_edit.clear()

    def _completed(self, text: str) -> None:
        number = text.split("·", 1)[0].strip()
        self.action_edit.setText(number)
        self.question_edit.setFocus()

    def _pick_from_tree(self, item, _column) -> None:
        number = item.data(0, Qt.UserRole)
        if number:
            self.action_edit.setText(str(number))
            self.question_edit.setFocus()

    def ask(self) -> None:
        sid = self.ctx.current_session_id
        action = self.action_edit.text().strip()
        if "·" in action:
            action = action.split("·", 1)[0].strip()
        text = self.question_edit.text()
        named = self.consent.isChecked()
        code = self.author_edit.text().strip() if named else None
        if sid is None or not self.ask_button.isEnabled():
            return
        if not action:
            self.ask_feedback.setText(_("Say which action: its number, code, platform id or reference, or part of "
                                        "its title."))
            self.action_edit.setFocus()
            return
        if named and not code:
            self.ask_feedback.setText(_("Type the check-in code of the person, or untick the box to record the "
                                        "question anonymously."))
            self.author_edit.setFocus()
            return

        def work():
            with self.ctx.db.write() as s:
                return accountability.ask(s, sid, action, text, author_code=code, consent=named)

        def done(q) -> None:
            self.ask_feedback.setText(_("Recorded: action {number} — “{question}”").format(
                number=q.action_number, question=q.text))
            self.ask_feedback.setStyleSheet("color: #0d5223;")
            self.question_edit.clear()
            self.action_edit.clear()
            self.consent.setChecked(False)
            self.action_edit.setFocus()

        def failed(exc) -> None:
            self.ask_feedback.setText(error_text(exc))
            self.ask_feedback.setStyleSheet("color: #8c1d18;")

        Op(self.ctx, work).changes("accountability").bound_to(self).on_success(done).on_failure(failed).run()
