"""Evaluation page: the current session's evaluation form, its answers and its results.

Top, the form (attach the built-in template or a template file while no one has answered) and
what it has: answers, people present, response rate. The keying box takes paper forms as fast
as the hand can go: the form's id (typed or scanned), Enter, one digit per question with boxes,
the free text if any, Enter — a form id keyed twice is refused and said so. The kiosk takes
answers after check-in or with a one-time code. Once the evaluation is closed, the results chart
(per question the share of each answer, the mean and n), the free texts, the trend chart of the
session's series, the room display and the exports. Every read and write runs in a worker.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from p311desk import evaluation, sessions
from p311desk.i18n import _, ngettext
from ui.pages import Page
from ui.widgets.evaluation_charts import ResultsChart, TrendChart
from ui.workers import Op, error_text, write_op


class TemplateDialog(QDialog):
    """Choose the form: a built-in template or a template file (JSON)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationTemplateDialog")
        self.setWindowTitle(_("Evaluation form"))
        self.choice = QComboBox()
        self.choice.setObjectName("evaluationTemplate")
        for key, data in evaluation.TEMPLATES.items():
            self.choice.addItem(data["name"], key)
        self.choice.addItem(_("From a file…"), "")
        self.file = ""
        form = QFormLayout()
        form.addRow(_("Template"), self.choice)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if not self.choice.currentData():
            path, _filter = QFileDialog.getOpenFileName(self, _("Form template"), "", _("Form templates (*.json)"))
            if not path:
                return
            self.file = path
        self.accept()

    def template(self) -> str:
        return self.choice.currentData() or self.file


class EvaluationPage(Page):
    page_id = "evaluation"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(ctx, parent)
        self.info: sessions.SessionInfo | None = None
        self.form: evaluation.FormInfo | None = None
        self.res: evaluation.Results | None = None
        self.kiosk = None
        self._room_view = None

        self.title = QLabel(_("Choose a session first (Sessions page)."))
        self.title.setObjectName("evaluationTitle")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.status = QLabel("")
        self.status.setObjectName("evaluationStatus")
        self.status.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row, row2 = QHBoxLayout(), QHBoxLayout()
        for key, text, fn, where in (
            ("form", _("Form…"), self.choose_form, row),
            ("kiosk", _("Start the kiosk…"), self.start_kiosk, row),
            ("close", _("Close the evaluation"), self.close_evaluation, row),
            ("room", _("Show on the room display"), self.show_on_room, row2),
            ("export", _("Export…"), self.export, row2),
            ("proposals", _("Series proposals…"), self.export_proposals, row2),
        ):
            b = QPushButton(text)
            b.setObjectName(f"evaluation_{key}")
            b.clicked.connect(fn)
            where.addWidget(b)
            self.buttons[key] = b
        row.addStretch(1)
        row2.addStretch(1)

        # --- the keying box: form id, Enter, digits, (text), Enter
        self.keying = QGroupBox(_("Key a paper form"))
        self.keying.setObjectName("evaluationKeying")
        self.form_id = QLineEdit()
        self.form_id.setObjectName("evaluationFormId")
        self.form_id.setPlaceholderText(_("EV… (or empty)"))
        self.form_id.setAccessibleName(_("The form's id"))
        self.digits = QLineEdit()
        self.digits.setObjectName("evaluationDigits")
        self.digits.setPlaceholderText(_("e.g. 4344"))
        self.digits.setAccessibleName(_("One digit per question with boxes"))
        self.text = QLineEdit()
        self.text.setObjectName("evaluationText")
        self.text.setPlaceholderText(_("Free text (optional)"))
        self.text.setAccessibleName(_("The free text written on the form"))
        self.key_button = QPushButton(_("Save"))
        self.key_button.setObjectName("evaluationKeySave")
        self.key_feedback = QLabel("")
        self.key_feedback.setObjectName("evaluationKeyFeedback")
        self.key_feedback.setWordWrap(True)
        self.form_id.returnPressed.connect(self.digits.setFocus)
        self.digits.returnPressed.connect(self.key_form)
        self.text.returnPressed.connect(self.key_form)
        self.key_button.clicked.connect(self.key_form)
        krow = QHBoxLayout()
        krow.addWidget(QLabel(_("Form id")))
        krow.addWidget(self.form_id, 2)
        krow.addWidget(QLabel(_("Digits")))
        krow.addWidget(self.digits, 1)
        krow.addWidget(self.text, 3)
        krow.addWidget(self.key_button)
        kbox = QVBoxLayout(self.keying)
        kbox.addLayout(krow)
        kbox.addWidget(self.key_feedback)

        # --- results, texts, trend
        self.tabs = QTabWidget()
        self.tabs.setObjectName("evaluationTabs")
        self.chart = ResultsChart()
        self.texts = QListWidget()
        self.texts.setObjectName("evaluationTexts")
        self.texts.setWordWrap(True)
        self.trend_chart = TrendChart()
        self.tabs.addTab(self.chart, _("Results"))
        self.tabs.addTab(self.texts, _("Free texts"))
        self.tabs.addTab(self.trend_chart, _("Series trend"))

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.status)
        layout.addLayout(row)
        layout.addLayout(row2)
        layout.addWidget(self.keying)
        layout.addWidget(self.tabs, 1)

        ctx.session_changed.connect(lambda _sid: self.activate())
        ctx.data_changed.connect(self._on_data_changed)
        self._update()

    # --- loading -----------------------------------------------------------------------------
    def _on_data_changed(self, what: str) -> None:
        if what in ("evaluation", "sessions", "attendance", "*") and self.isVisible():
            self.activate()

    def activate(self) -> None:
        sid = self.ctx.current_session_id
        if sid is None:
            self.info = self.form = self.res = None
            self.title.setText(_("Choose a session first (Sessions page)."))
            self._update()
            return

        def read():
            with self.ctx.db.read() as s:
                info = sessions.get_session(s, sid)
                form = evaluation.get_form(s, sid)
                res = evaluation.results(s, sid) if form else None
                trend = None
                if info.series and res is not None and res.closed:
                    trend = evaluation.trend(s, info.series, info.language)
                return info, form, res, trend

        Op(self.ctx, read, write=False).bound_to(self).on_success(self._loaded).run()

    def _loaded(self, data) -> None:
        self.info, self.form, self.res, trend = data
        self.title.setText(self.info.title + (f" · {self.info.series}" if self.info.series else ""))
        self.chart.show_results(self.res if self.res and self.res.closed else None)
        self.texts.clear()
        if self.res and self.res.closed:
            for q in self.res.questions:
                for t in q.texts:
                    self.texts.addItem(f"{q.text}\n  {t}")
        self.trend_chart.show_trend(trend)
        self._update()
        self._room_update()

    def _status_text(self) -> str:
        if self.info is None:
            return ""
        if self.form is None:
            return _("No evaluation form yet: press “Form…” to attach one.")
        res = self.res
        rate = "—" if res is None or res.response_rate is None else f"{res.response_rate * 100:.0f} %"
        parts = [_("Form “{name}”").format(name=self.form.template),
                 ngettext("{n} answer", "{n} answers", self.form.answers).format(n=self.form.answers),
                 _("{present} present").format(present=self.info.present),
                 _("response rate {rate}").format(rate=rate)]
        if self.form.slips:
            parts.append(_("{used} of {printed} printed forms keyed").format(used=self.form.slips_used,
                                                                         printed=self.form.slips))
        state = (_("closed: the results are shown") if res and res.closed else
                 _("taking answers: the results are shown when it closes"))
        return " · ".join(parts) + " — " + state

    def _update(self) -> None:
        self.status.setText(self._status_text())
        has_session = self.info is not None
        has_form = self.form is not None
        taking = bool(has_form and self.res is not None and not self.res.closed and self.info.status == "open")
        closed = bool(self.res and self.res.closed)
        self.buttons["form"].setEnabled(has_session and (not has_form or self.form.editable)
                                        and self.info.status != "closed")
        self.buttons["kiosk"].setEnabled(taking)
        self.buttons["close"].setEnabled(taking)
        self.buttons["room"].setEnabled(has_form)
        self.buttons["export"].setEnabled(closed)
        self.buttons["proposals"].setEnabled(bool(has_session and self.info.series))
        self.keying.setEnabled(taking)

    # --- actions -----------------------------------------------------------------------------
    def choose_form(self) -> None:
        if self.info is None:
            return
        dialog = TemplateDialog(self)
        if dialog.exec() != QDialog.Accepted:
            return
        (write_op(self.ctx, evaluation.attach_form, self.info.id, dialog.template()).changes("evaluation")
         .bound_to(self)
         .on_success(lambda f: self.ctx.notify(ngettext(
             "Form “{name}” attached: {n} question.", "Form “{name}” attached: {n} questions.",
             len(f.questions)).format(name=f.template, n=len(f.questions)), "success"))
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def key_form(self) -> None:
        if self.info is None or self.form is None or not self.digits.text().strip():
            return
        digits = self.digits.text().split()
        texts = [self.text.text()] if self.text.text().strip() else []
        form_id = self.form_id.text().strip() or None
        self.key_button.setEnabled(False)

        def done(receipt) -> None:
            self.key_button.setEnabled(True)
            shown = form_id or _("without an id")
            self.key_feedback.setStyleSheet("color: #1e7d32;")
            self.key_feedback.setText(_("Saved form {form} ({n} answers in all).").format(form=shown, n=receipt.answers))
            for field in (self.form_id, self.digits, self.text):
                field.clear()
            self.form_id.setFocus()

        def refused(exc) -> None:
            self.key_button.setEnabled(True)
            self.key_feedback.setStyleSheet("color: #b3261e;")
            self.key_feedback.setText(error_text(exc))
            if "form" in getattr(exc, "msgid", "").lower() and form_id:
                self.form_id.selectAll()
                self.form_id.setFocus()
            else:
                self.digits.selectAll()
                self.digits.setFocus()

        (write_op(self.ctx, evaluation.answer_paper, self.info.id, digits, texts, form_id=form_id)
         .changes("evaluation").bound_to(self).on_success(done).on_failure(refused).run())

    def close_evaluation(self) -> None:
        if self.info is None:
            return
        (write_op(self.ctx, evaluation.close_evaluation, self.info.id).changes("evaluation").bound_to(self)
         .on_success(lambda f: self.ctx.notify(ngettext(
             "The evaluation is closed: {n} answer.", "The evaluation is closed: {n} answers.", f.answers)
             .format(n=f.answers), "success"))
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def start_kiosk(self) -> None:
        if self.info is None:
            return
        pin, ok = QInputDialog.getText(self, _("Start the kiosk"),
                                       _("Choose a PIN (at least 4 digits) to lock and leave the kiosk:"),
                                       QLineEdit.Password)
        if not ok:
            return
        if len(pin) < 4:
            self.ctx.notify(_("The PIN needs at least 4 characters."), "warning")
            return
        from ui.kiosk_evaluation import EvaluationKiosk

        self.kiosk = EvaluationKiosk(self.ctx, self.info.id, pin)
        self.kiosk.left.connect(self._kiosk_left)
        self.kiosk.showFullScreen()

    def _kiosk_left(self) -> None:
        self.kiosk = None
        self.activate()

    def _save_path(self, title: str, default: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(self, title, default, _("Spreadsheets (*.xlsx)"))
        if path and not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        return path

    def export(self) -> None:
        if self.info is None:
            return
        path = self._save_path(_("Export the evaluation"), "avaluacio.xlsx")
        if path:
            self._export(evaluation.export_results, self.info.id, path)

    def export_proposals(self) -> None:
        if self.info is None or not self.info.series:
            return
        path = self._save_path(_("Proposals of the series"), "propostes.xlsx")
        if path:
            self._export(evaluation.export_series_texts, self.info.series, path)

    def _export(self, fn, ref, path: str) -> None:
        from p311desk.paths import check_output_file

        def work():
            check_output_file(path, (".xlsx",), self.ctx.db.path.parent)
            with self.ctx.db.read() as s:
                return fn(s, ref, path)

        (Op(self.ctx, work, write=False).bound_to(self)
         .on_success(lambda n: self.ctx.notify(_("Exported {rows} rows to {file}").format(rows=n, file=path), "success"))
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    # --- the room's screen -------------------------------------------------------------------
    def _display(self):
        window = self.window()
        return window.room_display() if hasattr(window, "room_display") else None

    def show_on_room(self) -> None:
        display = self._display()
        if display is None or self.info is None:
            return
        if self._room_view is None:
            from ui.room.evaluation_view import EvaluationView

            self._room_view = EvaluationView()
        display.show_on_room_screen()
        display.set_view(self._room_view)
        self._room_update()

    def _room_update(self) -> None:
        display = self._display()
        if display is None or self._room_view is None or display.current_view() is not self._room_view:
            return
        if self.res is not None:
            self._room_view.show_results(self.res)

    def room_view(self):
        return self._room_view
