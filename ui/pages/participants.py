"""Participants page: the people known to this installation, import wizard and export.

The list shows everyone (or only the current session's people) with a filter that ignores
accents and case. Import is a wizard: choose the file → check the column mapping → preview with
a status per row (new / update / warning / error) → import. Reading, validating and writing run
in workers with progress; the write re-validates inside its own transaction, so what is written
is exactly what was previewed, or nothing.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from p311desk.i18n import N_, _, ngettext
from p311desk.text import fold
from ui.models.rows import SORT_ROLE, Column, RowsTableModel
from ui.pages import Page
from ui.workers import Op

SOURCES = {"manual": N_("manual"), "import": N_("import"), "decidim": N_("Decidim"), "walkin": N_("walk-in")}
def age_text(r) -> str:
    """Age when the birth date is known; else the birth year (the age could be off by one)."""
    if r.birth_date is not None:
        today = dt.date.today()
        b = r.birth_date
        return str(today.year - b.year - ((today.month, today.day) < (b.month, b.day)))
    return _("born {year}").format(year=r.birth_year) if r.birth_year else ""


def age_sort(r) -> float:
    if r.birth_date is not None:
        return -r.birth_date.toordinal()
    return -dt.date(r.birth_year, 7, 1).toordinal() if r.birth_year else 1.0


COLUMNS = [
    Column(N_("Name"), lambda r: r.given_name, sort_key=lambda r: fold(r.given_name)),
    Column(N_("Surnames"), lambda r: r.family_name, sort_key=lambda r: fold(r.family_name)),
    Column(N_("Age"), age_text, sort_key=age_sort, align=Qt.AlignCenter),
    Column(N_("E-mail"), lambda r: r.email or ""),
    Column(N_("Code"), lambda r: r.checkin_code),
    Column(N_("Organisation"), lambda r: r.organisation or ""),
    Column(N_("Source"), lambda r: _(SOURCES.get(r.source, r.source))),
    Column(N_("Present"), lambda r: "✔" if r.present else "", align=Qt.AlignCenter),
]
STATUS_COLOURS = {"new": "#e6f4ea", "update": "#e8f0fe", "warning": "#fef7e0", "error": "#fce8e6"}
FILE_FILTER = N_("Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv *.txt *.tsv *.json)")


class _Row:
    __slots__ = ("id", "given_name", "family_name", "email", "checkin_code", "organisation", "source", "present",
                 "birth_date", "birth_year", "key")

    def __init__(self, pid, given, family, email, code, organisation, source, present, birth_date, birth_year) -> None:
        self.id, self.given_name, self.family_name, self.email = pid, given, family, email
        self.checkin_code, self.organisation, self.source, self.present = code, organisation, source, present
        self.birth_date, self.birth_year = birth_date, birth_year
        self.key = fold(" ".join(x for x in (given, family, email or "", code, organisation or "") if x))

    @property
    def full_name(self) -> str:
        return " ".join(x for x in (self.given_name, self.family_name) if x)


def load_rows(db, session_id, only_session: bool) -> list[_Row]:
    from sqlalchemy import select

    from p311desk.models import Participant, Registration
    from p311desk.attendance import present_ids

    with db.read() as s:
        present = present_ids(s, session_id) if session_id else set()
        stmt = select(Participant.id, Participant.given_name, Participant.family_name, Participant.email,
                      Participant.checkin_code, Participant.organisation, Participant.source,
                      Participant.birth_date, Participant.birth_year)
        if only_session and session_id:
            registered = select(Registration.participant_id).where(Registration.session_id == session_id)
            stmt = stmt.where(Participant.id.in_(registered) | Participant.id.in_(list(present)))
        return [_Row(pid, g, f, e, c, org, src, pid in present, bd, by)
                for pid, g, f, e, c, org, src, bd, by in s.execute(stmt)]


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
        self.filter_edit.setAccessibleName(_("Filter participants"))
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
        self.edit_button = QPushButton(_("Edit…"))
        self.edit_button.setObjectName("participantsEdit")
        self.edit_button.setToolTip(_("Correct the selected person's details (or double-click)"))
        self.edit_button.clicked.connect(self.edit_selected)
        self.merge_button = QPushButton(_("Merge…"))
        self.merge_button.setObjectName("participantsMerge")
        self.merge_button.setToolTip(_("Select two records of the same person to make them one"))
        self.merge_button.clicked.connect(self.merge_selected)
        self.remove_button = QPushButton(_("Remove…"))
        self.remove_button.setObjectName("participantsRemove")
        self.remove_button.setToolTip(_("Remove the selected person (only someone who never attended)"))
        self.remove_button.clicked.connect(self.remove_selected)

        self.model = RowsTableModel(COLUMNS, self)
        self.proxy = _FoldFilter(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.filter_edit.textChanged.connect(self._filter)
        self.table = QTableView()
        self.table.setObjectName("participantsTable")
        self.table.setAccessibleName(_("Participants"))
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(1, Qt.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._update_buttons())
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        for col, width in enumerate((130, 180, 70, 220, 100, 140, 80)):
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
        footer = QHBoxLayout()
        footer.addWidget(self.count_label, 1)
        footer.addWidget(self.edit_button)
        footer.addWidget(self.merge_button)
        footer.addWidget(self.remove_button)
        layout.addLayout(footer)
        ctx.data_changed.connect(self._on_data_changed)
        ctx.session_changed.connect(self._on_session_changed)
        self._update_buttons()
        self.reload()

    def _on_session_changed(self, _sid) -> None:
        self.reload()

    def selected_rows(self) -> list[_Row]:
        rows = {self.proxy.mapToSource(i).row() for i in self.table.selectionModel().selectedRows()}
        return [self.model.row_at(r) for r in sorted(rows)]

    def _update_buttons(self) -> None:
        n = len(self.selected_rows())
        self.edit_button.setEnabled(n == 1)
        self.remove_button.setEnabled(n == 1)
        self.merge_button.setEnabled(n == 2)

    def select_person(self, participant_id) -> None:
        for r in range(self.proxy.rowCount()):
            if self.model.row_at(self.proxy.mapToSource(self.proxy.index(r, 0)).row()).id == participant_id:
                self.table.selectRow(r)
                return

    def edit_selected(self) -> None:
        rows = self.selected_rows()
        if len(rows) != 1:
            return
        pid = rows[0].id

        def work():
            from p311desk import participants

            with self.ctx.db.read() as s:
                return participants.details(s, pid)

        def loaded(person) -> None:
            self.person_dialog = PersonDialog(self.ctx, person, self)
            self.person_dialog.open()

        Op(self.ctx, work, write=False).bound_to(self).on_success(loaded).run()

    def merge_selected(self) -> None:
        rows = self.selected_rows()
        if len(rows) != 2:
            return
        self.merge_dialog = MergeDialog(self.ctx, rows[0], rows[1], self)
        self.merge_dialog.open()

    def remove_selected(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from p311desk import participants
        from ui.workers import write_op

        rows = self.selected_rows()
        if len(rows) != 1:
            return
        row = rows[0]
        box = QMessageBox(QMessageBox.Question, _("Remove a person"),
                          _("Remove {name} ({code}) from this installation? Their registrations go with them. "
                            "Someone who has attended a session cannot be removed.").format(
                              name=row.full_name, code=row.checkin_code),
                          QMessageBox.Yes | QMessageBox.Cancel, self)
        box.setObjectName("removeConfirm")
        box.button(QMessageBox.Yes).setText(_("Remove"))
        box.setDefaultButton(QMessageBox.Cancel)
        box.accepted.connect(lambda: (write_op(self.ctx, participants.remove_participant, row.id)
                                      .changes("participants").bound_to(self)
                                      .on_success(lambda p: self.ctx.notify(
                                          _("{name} was removed.").format(name=p.full_name), "success"))
                                      .run()))
        self.remove_box = box
        box.open()

    def reload(self) -> None:
        sid = self.ctx.current_session_id
        self.only_session.setEnabled(sid is not None)
        only = self.only_session.isChecked() and sid is not None

        def done(rows) -> None:
            self.model.set_rows(rows)
            self._update_count()
            self._update_buttons()

        Op(self.ctx, lambda: load_rows(self.ctx.db, sid, only), write=False).bound_to(self).on_success(done).run()

    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_count()

    def _update_count(self) -> None:
        total = self.model.rowCount()
        self.count_label.setText(ngettext("{shown} of {total} person shown", "{shown} of {total} people shown",
                                          total).format(shown=self.proxy.rowCount(), total=total))

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
        from ui.files import save_path

        path = save_path(self, "participants-export", _("Export participants"),
                         (_("attendance") if sid else _("participants")) + ".xlsx",
                         _("Excel workbook (*.xlsx);;CSV (*.csv)"), self.ctx.qsettings)
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


def format_date(value: dt.date) -> str:
    """03/04/1980 with the month written out (3 Apr 1980 in the user's language): no day/month doubt."""
    from babel.dates import format_date as babel_date

    from p311desk.i18n import current_language

    return f"{value:%d/%m/%Y} · {babel_date(value, 'd MMM y', locale=current_language())}"


def parse_date(text: str) -> dt.date | None:
    """dd/mm/yyyy (also with - or .); empty is None; anything else raises ValueError."""
    text = text.strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


class PersonDialog(QDialog):
    """Correct a person's details. Refusals are shown inside the dialog, with what was typed kept."""

    def __init__(self, ctx, person, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person = person
        self.setObjectName("personDialog")
        self.setWindowTitle(_("Edit {name}").format(name=person.full_name))
        self.setMinimumWidth(520)
        self.given = QLineEdit(person.given_name)
        self.given.setObjectName("personGiven")
        self.family = QLineEdit(person.family_name)
        self.family.setObjectName("personFamily")
        self.email = QLineEdit(person.email or "")
        self.email.setObjectName("personEmail")
        self.phone = QLineEdit(person.phone or "")
        self.phone.setObjectName("personPhone")
        self.birth = QLineEdit(f"{person.birth_date:%d/%m/%Y}" if person.birth_date else "")
        self.birth.setObjectName("personBirthDate")
        self.birth.setPlaceholderText(_("dd/mm/yyyy"))
        self.birth_shown = QLabel()
        self.birth_shown.setObjectName("personBirthDateShown")
        self.birth_shown.setStyleSheet("color: #555;")
        self.birth.textChanged.connect(self._show_birth)
        self.year = QSpinBox()
        self.year.setObjectName("personBirthYear")
        self.year.setRange(0, 2100)
        self.year.setSpecialValueText(_("not given"))
        self.year.setValue(person.birth_year or 0 if not person.birth_date else 0)
        self.organisation = QLineEdit(person.organisation or "")
        self.organisation.setObjectName("personOrganisation")
        facts = QLabel(_("Code {code} · registered for {sessions} · attended {attended}").format(
            code=person.checkin_code,
            sessions=ngettext("{n} session", "{n} sessions", person.sessions).format(n=person.sessions),
            attended=ngettext("{n} time", "{n} times", person.attended).format(n=person.attended)))
        facts.setObjectName("personFacts")
        facts.setStyleSheet("color: #555;")
        self.error = QLabel()
        self.error.setObjectName("personError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #8c1d18; font-weight: bold; background: #fce8e6; padding: 6px;")
        self.error.hide()
        form = QFormLayout()
        form.addRow(_("Name"), self.given)
        form.addRow(_("Surnames"), self.family)
        form.addRow(_("E-mail"), self.email)
        form.addRow(_("Phone"), self.phone)
        form.addRow(_("Birth date"), self.birth)
        form.addRow("", self.birth_shown)
        form.addRow(_("Birth year (if no date)"), self.year)
        form.addRow(_("Organisation"), self.organisation)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.Save)
        self.save_button.setText(_("Save"))
        self.save_button.setObjectName("personSave")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(facts)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._show_birth(self.birth.text())

    def _show_birth(self, text: str) -> None:
        try:
            value = parse_date(text)
        except ValueError:
            self.birth_shown.setText(_("Not a date: write it as dd/mm/yyyy."))
            return
        self.birth_shown.setText(format_date(value) if value else "")
        self.year.setEnabled(value is None)

    def save(self) -> None:
        try:
            birth = parse_date(self.birth.text())
        except ValueError:
            self.error.setText(_("“{value}” is not a valid birth date.").format(value=self.birth.text()))
            self.error.show()
            return
        values = dict(given_name=self.given.text(), family_name=self.family.text(), email=self.email.text(),
                      phone=self.phone.text(), organisation=self.organisation.text(), birth_date=birth,
                      birth_year=None if birth else (self.year.value() or None))
        from p311desk import participants
        from ui.workers import write_op

        def failed(exc) -> None:
            from ui.workers import error_text

            self.error.setText(error_text(exc))
            self.error.show()

        def done(person) -> None:
            self.ctx.notify(_("{name} was saved.").format(name=person.full_name), "success")
            self.accept()

        (write_op(self.ctx, participants.update_participant, self.person.id, **values).changes("participants")
         .bound_to(self).on_success(done).on_failure(failed).run())


class MergeDialog(QDialog):
    """Two records of one person become one: the technician says which record stays."""

    def __init__(self, ctx, first, second, parent=None) -> None:
        super().__init__(parent)
        from PySide6.QtWidgets import QRadioButton

        self.ctx = ctx
        self.records = (first, second)
        self.setObjectName("mergeDialog")
        self.setWindowTitle(_("Merge two records of the same person"))
        self.setMinimumWidth(560)
        intro = QLabel(_("Which record stays? The other one is removed: its registrations, check-ins and "
                         "proposals move to the one that stays, and its details fill the empty ones."))
        intro.setWordWrap(True)
        self.choices = []
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for i, r in enumerate(self.records):
            detail = " · ".join(x for x in (r.checkin_code, r.email or "", age_text(r), r.organisation or "") if x)
            radio = QRadioButton(f"{r.full_name}   ({detail})")
            radio.setObjectName(f"mergeKeep{i}")
            radio.toggled.connect(self._explain)
            self.choices.append(radio)
            layout.addWidget(radio)
        self.outcome = QLabel()
        self.outcome.setObjectName("mergeOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setStyleSheet("font-weight: bold;")
        self.error = QLabel()
        self.error.setObjectName("mergeError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #8c1d18; font-weight: bold;")
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok = buttons.button(QDialogButtonBox.Ok)
        self.ok.setObjectName("mergeOk")
        self.ok.setText(_("Merge"))
        buttons.accepted.connect(self.merge)
        buttons.rejected.connect(self.reject)
        layout.addWidget(self.outcome)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.choices[0].setChecked(True)

    def kept(self):
        return self.records[0] if self.choices[0].isChecked() else self.records[1]

    def _explain(self, _on: bool = True) -> None:
        keep = self.kept()
        gone = self.records[1] if keep is self.records[0] else self.records[0]
        self.outcome.setText(_("{kept} ({kept_code}) stays; {gone} ({gone_code}) is merged into it and removed.").format(
            kept=keep.full_name, kept_code=keep.checkin_code, gone=gone.full_name, gone_code=gone.checkin_code))

    def merge(self) -> None:
        from p311desk import participants
        from ui.workers import error_text, write_op

        keep = self.kept()
        gone = self.records[1] if keep is self.records[0] else self.records[0]

        def failed(exc) -> None:
            self.error.setText(error_text(exc))
            self.error.show()

        def done(person) -> None:
            self.ctx.notify(_("Merged: {name} ({code}) stays.").format(name=person.full_name, code=person.checkin_code),
                            "success")
            self.accept()

        (write_op(self.ctx, participants.merge_participants, keep.id, gone.id).changes("participants")
         .bound_to(self).on_success(done).on_failure(failed).run())


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
        from ui.files import open_path

        path = open_path(self, "participants-import", _("Choose the file"), _(FILE_FILTER), self.w.ctx.qsettings)
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
        self.rows = QTableWidget(0, 6)
        self.rows.setObjectName("importPreview")
        self.rows.setHorizontalHeaderLabels([_("Row"), _("Status"), _("Name"), _("Birth date as read"), _("E-mail"),
                                             _("Problems")])
        self.rows.horizontalHeaderItem(0).setToolTip(_("Untick a row to leave it out of the import"))
        self.rows.itemChanged.connect(self._row_ticked)
        self.skipped: set[int] = set()
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
        self.skipped = set()
        self.rows.blockSignals(True)
        self.rows.setRowCount(len(shown))
        for i, r in enumerate(shown):
            problems = "; ".join(f"{p.column}: {p.message()}" for p in r.problems)
            birth = r.values.get("birth_date")
            # Written out with the month's name, so a day/month swap is seen at a glance.
            born = (format_date(birth) if birth else str(r.values.get("birth_year") or ""))
            cells = [str(r.row), _(STATUS_LABELS[r.status]), r.name, born, r.values.get("email") or "", problems]
            for col, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setBackground(QBrush(QColor(STATUS_COLOURS[r.status])))
                if col == 0:
                    item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsUserCheckable)
                    item.setCheckState(Qt.Checked)
                    item.setData(Qt.UserRole, r.row)
                if col == 5 and problems:
                    item.setToolTip(problems.replace("; ", "\n"))
                self.rows.setItem(i, col, item)
        self.rows.blockSignals(False)
        self.rows.resizeColumnsToContents()
        self.accept_check.setVisible(c["warning"] > 0 and c["error"] == 0)
        self.accept_check.setChecked(False)

    def _row_ticked(self, item: QTableWidgetItem) -> None:
        if item.column() != 0:
            return
        row = item.data(Qt.UserRole)
        if item.checkState() == Qt.Checked:
            self.skipped.discard(row)
        else:
            self.skipped.add(row)
        kept = [r for r in self.w.plan.rows if r.row not in self.skipped]
        warnings = sum(1 for r in kept if r.status == "warning")
        errors = sum(1 for r in kept if r.status == "error")
        self.accept_check.setVisible(warnings > 0 and errors == 0)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt API
        plan = self.w.plan
        if plan is None:
            return False
        kept = [r for r in plan.rows if r.row not in self.skipped]
        if not kept or any(r.status == "error" for r in kept):
            return False
        return not any(r.status == "warning" for r in kept) or self.accept_check.isChecked()

    def validatePage(self) -> bool:  # noqa: N802 - Qt API
        if self._imported:
            return True  # QWizard.done(Accepted) validates the page once more
        if self._importing:
            return False
        self._importing = True
        plan, table = self.w.plan, self.w.table
        accept = self.accept_check.isChecked()
        skip = frozenset(self.skipped)

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
                return participants.commit(s, fresh, accept_warnings=accept, progress=progress, skip_rows=skip)

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
