"""Participants page: the people known to this installation, import wizard and export.

The list shows everyone (or only the current session's people) with a filter that ignores
accents and case. Import is a wizard: choose the file → check the column mapping → preview with
a status per row (new / update / warning / error) → import. Reading, validating and writing run
in workers with progress; the write re-validates inside its own transaction, so what is written
is exactly what was previewed, or nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from p311desk.i18n import N_, _
from p311desk.text import fold
from ui.models.rows import SORT_ROLE, Column, RowsTableModel
from ui.pages import Page
from ui.workers import Op

SOURCES = {"manual": N_("manual"), "import": N_("import"), "decidim": N_("Decidim"), "walkin": N_("walk-in")}
COLUMNS = [
    Column(N_("Name"), lambda r: r.given_name, sort_key=lambda r: fold(r.given_name)),
    Column(N_("Surnames"), lambda r: r.family_name, sort_key=lambda r: fold(r.family_name)),
    Column(N_("E-mail"), lambda r: r.email or ""),
    Column(N_("Code"), lambda r: r.checkin_code),
    Column(N_("Postal code"), lambda r: r.postal_code or ""),
    Column(N_("Source"), lambda r: _(SOURCES.get(r.source, r.source))),
    Column(N_("Present"), lambda r: "✔" if r.present else "", align=Qt.AlignCenter),
]
STATUS_COLOURS = {"new": "#e6f4ea", "update": "#e8f0fe", "warning": "#fef7e0", "error": "#fce8e6"}
FILE_FILTER = N_("Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv *.txt *.tsv *.json)")


class _Row:
    __slots__ = ("given_name", "family_name", "email", "checkin_code", "postal_code", "source", "present", "key")

    def __init__(self, given, family, email, code, postal, source, present) -> None:
        self.given_name, self.family_name, self.email = given, family, email
        self.checkin_code, self.postal_code, self.source, self.present = code, postal, source, present
        self.key = fold(" ".join(x for x in (given, family, email or "", code) if x))


def load_rows(db, session_id, only_session: bool) -> list[_Row]:
    from sqlalchemy import select

    from p311desk.models import Participant, Registration
    from p311desk.attendance import present_ids

    with db.read() as s:
        present = present_ids(s, session_id) if session_id else set()
        stmt = select(Participant.id, Participant.given_name, Participant.family_name, Participant.email,
                      Participant.checkin_code, Participant.postal_code, Participant.source)
        if only_session and session_id:
            registered = select(Registration.participant_id).where(Registration.session_id == session_id)
            stmt = stmt.where(Participant.id.in_(registered) | Participant.id.in_(list(present)))
        return [_Row(g, f, e, c, pc, src, pid in present) for pid, g, f, e, c, pc, src in s.execute(stmt)]


class _FoldFilter(QSortFilterProxyModel):
    """Filter rows whose folded key contains every word typed (accents and case ignored)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.words: list[str] = []

    def set_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.9 (invalidateRowsFilter() is deprecated)
            self.beginFilterChange()
            self.words = fold(text).split()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            self.words = fold(text).split()
            self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802 - Qt API
        if not self.words:
            return True
        key = self.sourceModel().rows[row].key
        return all(w in key for w in self.words)


class ParticipantsPage(Page):
    page_id = "participants"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(ctx, parent)
        title = QLabel(_("Participants"))
        title.setStyleSheet("font-size: 18pt; font-weight: bold;")
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("participantsFilter")
        self.filter_edit.setPlaceholderText(_("Filter by name, e-mail or code…"))
        self.filter_edit.setClearButtonEnabled(True)
        self.only_session = QCheckBox(_("Only the current session"))
        self.only_session.setObjectName("participantsOnlySession")
        self.only_session.toggled.connect(lambda _on: self.reload())
        self.import_button = QPushButton(_("Import…"))
        self.import_button.setObjectName("participantsImport")
        self.import_button.clicked.connect(self.open_import)
        self.export_button = QPushButton(_("Export…"))
        self.export_button.setObjectName("participantsExport")
        self.export_button.clicked.connect(self.export)
        self.count_label = QLabel()
        self.count_label.setObjectName("participantsCount")

        self.model = RowsTableModel(COLUMNS, self)
        self.proxy = _FoldFilter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.filter_edit.textChanged.connect(self._filter)
        self.table = QTableView()
        self.table.setObjectName("participantsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        for col, width in enumerate((150, 200, 250, 100, 100, 100)):
            header.resizeSection(col, width)
        header.setStretchLastSection(True)

        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.only_session)
        bar.addWidget(self.import_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        ctx.data_changed.connect(self._on_data_changed)
        ctx.session_changed.connect(lambda _sid: self.reload())
        self.reload()

    def reload(self) -> None:
        sid = self.ctx.current_session_id
        self.only_session.setEnabled(sid is not None)
        only = self.only_session.isChecked() and sid is not None

        def done(rows) -> None:
            self.model.set_rows(rows)
            self._update_count()

        Op(self.ctx, lambda: load_rows(self.ctx.db, sid, only), write=False).on_success(done).run()

    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(_("{shown} of {total} people shown").format(
            shown=self.proxy.rowCount(), total=self.model.rowCount()))

    def _on_data_changed(self, what: str) -> None:
        if what in ("participants", "attendance", "*"):
            self.reload()

    def activate(self) -> None:
        self.reload()

    def open_import(self) -> None:
        wizard = ImportWizard(self.ctx, self)
        wizard.open()
        self.wizard = wizard

    def export(self) -> None:
        sid = self.ctx.current_session_id if self.only_session.isChecked() else None
        path, _filter = QFileDialog.getSaveFileName(self, _("Export participants"),
                                                    str(Path.home() / (_("attendance") if sid else _("participants"))) + ".xlsx",
                                                    _("Excel workbook (*.xlsx);;CSV (*.csv)"))
        if not path:
            return
        if not path.lower().endswith((".xlsx", ".csv")):
            path += ".xlsx"
        self.export_to(path, sid)

    def export_to(self, path: str, session_id=None) -> None:
        from p311desk import attendance

        def work():
            with self.ctx.db.read() as s:
                if session_id is not None:
                    return attendance.export_attendance(s, session_id, path)
                return attendance.export_registry(s, path)

        Op(self.ctx, work, write=False).on_success(
            lambda n: self.ctx.notify(_("Exported {n} rows to {file}").format(n=n, file=path), "success")).run()


# --- import wizard ---------------------------------------------------------------------------


class ImportWizard(QWizard):
    """Choose file → mapping → preview → import. Each step's heavy work runs in a worker."""

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("importWizard")
        self.setWindowTitle(_("Import participants"))
        self.setMinimumSize(900, 620)
        self.setOption(QWizard.NoBackButtonOnLastPage, False)
        self.table = None
        self.plan = None
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.preview_page = PreviewPage(self)
        for p in (self.file_page, self.mapping_page, self.preview_page):
            self.addPage(p)
        self.setButtonText(QWizard.FinishButton, _("Import"))
        self.button(QWizard.FinishButton).setObjectName("importFinish")
        self.button(QWizard.NextButton).setObjectName("importNext")


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("Choose the file"))
        self.setSubTitle(_("XLSX, XLS, ODS, CSV, or Decidim's export of meeting registrations. Title rows, "
                           "blank rows and merged cells are fine."))
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("importPath")
        self.path_edit.returnPressed.connect(self.read)
        browse = QPushButton(_("Browse…"))
        browse.setObjectName("importBrowse")
        browse.clicked.connect(self.browse)
        self.session_check = QCheckBox(_("Register these people for the current session"))
        self.session_check.setObjectName("importForSession")
        self.session_check.setEnabled(wizard.ctx.current_session_id is not None)
        self.session_check.setChecked(wizard.ctx.current_session_id is not None)
        self.info = QLabel()
        self.info.setObjectName("importFileInfo")
        self.info.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.session_check)
        layout.addWidget(self.info)
        layout.addStretch(1)

    def browse(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, _("Choose the file"), str(Path.home()), _(FILE_FILTER))
        if path:
            self.path_edit.setText(path)
            self.read()

    def read(self) -> None:
        path = self.path_edit.text().strip()
        if not path:
            return
        self.w.table = None
        self.info.setText(_("Reading…"))
        self.completeChanged.emit()

        def work():
            from p311desk.spreadsheets import mapping
            from p311desk.spreadsheets.reader import read_table

            table = read_table(path)
            with self.w.ctx.db.read() as s:
                proposed, remembered = mapping.mapping_for(s, table.headers)
            return table, proposed, remembered

        def done(result) -> None:
            table, proposed, remembered = result
            self.w.table = table
            self.w.mapping_page.set_table(table, proposed)
            parts = [_("{rows} rows; the header is row {row}.").format(rows=len(table), row=table.header_row)]
            if table.encoding:
                parts.append(_("Encoding {encoding}, separator “{sep}”.").format(
                    encoding=table.encoding, sep="TAB" if table.delimiter == "\t" else table.delimiter))
            if remembered:
                parts.append(_("Using the column mapping remembered for these columns."))
            self.info.setText(" ".join(parts))
            self.completeChanged.emit()

        def failed(exc) -> None:
            from ui.workers import error_text

            self.info.setText(error_text(exc))

        Op(self.w.ctx, work, write=False).on_success(done).on_failure(failed).run()

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        return self.w.table is not None


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("Check the columns"))
        self.setSubTitle(_("Which column of the file holds each piece of information? Correct anything wrong."))
        self.form = QFormLayout(self)
        self.combos: dict[str, QComboBox] = {}
        self._previewing = False

    def set_table(self, table, proposed: dict[str, str]) -> None:
        from p311desk.spreadsheets.mapping import FIELDS
        from p311desk.spreadsheets.reader import cell_text

        while self.form.rowCount():
            self.form.removeRow(0)
        self.combos = {}
        first = table.rows[0] if table.rows else []
        for field, label in FIELDS.items():
            combo = QComboBox()
            combo.setObjectName(f"map_{field}")
            combo.addItem(_("— not imported —"), "")
            for i, header in enumerate(table.headers):
                sample = cell_text(first[i])[:30] if i < len(first) else ""
                combo.addItem(f"{header}   ({sample})" if sample else header, header)
            combo.setCurrentIndex(max(combo.findData(proposed.get(field, "")), 0))
            self.combos[field] = combo
            self.form.addRow(_(label), combo)

    def mapping(self) -> dict[str, str]:
        return {f: c.currentData() for f, c in self.combos.items() if c.currentData()}

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        """Run the preview in a worker, then move on by ourselves when it is ready."""
        if self.w.plan is not None and self.w.plan.mapping == self.mapping():
            return True
        if self._previewing:
            return False
        self._previewing = True
        table, mapping = self.w.table, self.mapping()
        session_id = self.w.ctx.current_session_id if self.w.file_page.session_check.isChecked() else None

        def work(progress, cancel):
            from p311desk import participants

            with self.w.ctx.db.read() as s:
                return participants.preview(s, table, mapping, session_id=session_id, progress=progress)

        def done(plan) -> None:
            self._previewing = False
            self.w.plan = plan
            self.w.next()

        def failed(exc) -> None:
            from ui.workers import error_text

            self._previewing = False
            self.w.ctx.notify(error_text(exc), "error")
            self.setSubTitle(error_text(exc))

        Op(self.w.ctx, work, write=False, parent=self.w).with_progress(_("Checking the rows…")).on_success(
            done).on_failure(failed).run()
        return False


class PreviewPage(QWizardPage):
    MAX_SHOWN = 2000

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(_("Preview"))
        self.summary = QLabel()
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("font-size: 12pt;")
        self.rows = QTableWidget(0, 5)
        self.rows.setObjectName("importPreview")
        self.rows.setHorizontalHeaderLabels([_("Row"), _("Status"), _("Name"), _("E-mail"), _("Problems")])
        self.rows.verticalHeader().setVisible(False)
        self.rows.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.rows.horizontalHeader().setStretchLastSection(True)
        self.accept_check = QCheckBox(_("I have checked the warnings: import anyway"))
        self.accept_check.setObjectName("importAcceptWarnings")
        self.accept_check.toggled.connect(lambda _on: self.completeChanged.emit())
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.rows, 1)
        layout.addWidget(self.accept_check)
        self._importing = self._imported = False

    def initializePage(self) -> None:  # noqa: N802 - Qt API
        from p311desk.participants import STATUS_LABELS

        plan = self.w.plan
        c = plan.counts
        text = _("{rows} rows: {new} new, {update} to update, {warning} with warnings, {error} with errors.").format(
            rows=len(plan.rows), **c)
        if c["error"]:
            text += " " + _("Rows with errors must be corrected in the file (or the mapping) before importing.")
        self.summary.setText(text)
        shown = sorted(plan.rows, key=lambda r: ("error", "warning", "update", "new").index(r.status))[:self.MAX_SHOWN]
        self.rows.setRowCount(len(shown))
        for i, r in enumerate(shown):
            problems = "; ".join(f"{p.column}: {p.message()}" for p in r.problems)
            cells = [str(r.row), _(STATUS_LABELS[r.status]), r.name, r.values.get("email") or "", problems]
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setBackground(QBrush(QColor(STATUS_COLOURS[r.status])))
                if col == 4 and problems:
                    item.setToolTip(problems.replace("; ", "\n"))
                self.rows.setItem(i, col, item)
        self.rows.resizeColumnsToContents()
        self.accept_check.setVisible(c["warning"] > 0 and c["error"] == 0)
        self.accept_check.setChecked(False)

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        plan = self.w.plan
        if plan is None or plan.errors or not plan.rows:
            return False
        return not plan.warnings or self.accept_check.isChecked()

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        if self._imported:
            return True  # QWizard.done(Accepted) validates the page once more
        if self._importing:
            return False
        self._importing = True
        plan, table = self.w.plan, self.w.table
        accept = self.accept_check.isChecked()

        def work(progress, cancel):
            from p311desk.errors import ValidationError
            from p311desk import participants

            with self.w.ctx.db.write() as s:
                # Validate again inside the write: what is written is what was previewed.
                fresh = participants.preview(s, table, plan.mapping, session_id=plan.session_id)
                if fresh.counts != plan.counts:
                    raise ValidationError("The participants changed since the preview: check the preview again.")
                if cancel.is_set():
                    from p311desk.errors import Cancelled

                    raise Cancelled()
                return participants.commit(s, fresh, accept_warnings=accept, progress=progress)

        def done(result) -> None:
            self._importing, self._imported = False, True
            self.w.ctx.notify(_("Imported: {created} new, {updated} updated, {skipped} skipped, "
                                "{registered} registered for the session.").format(
                created=result.created, updated=result.updated, skipped=result.skipped,
                registered=result.registered), "success")
            self.w.done(QWizard.Accepted)

        def failed(exc) -> None:
            from ui.workers import error_text

            self._importing = False
            self.w.ctx.notify(error_text(exc), "error")

        Op(self.w.ctx, work, parent=self.w).with_progress(_("Importing…")).changes("participants").on_success(
            done).on_failure(failed).run()
        return False
