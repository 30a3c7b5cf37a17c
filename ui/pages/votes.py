"""Votes page: the questions of the current session, from draft to closed.

Left, the session's questions; right, the selected one: open and close it, show it on the room
display (the question with a live count while open, the result with its chart once closed),
start the kiosk, count paper ballots by scanning their codes, enter a show of hands by batch,
record a roll call, and read the result with its explanation. Every write runs on the write
worker; the result is re-read whenever votes change. Below, the session's closing panel
(:mod:`ui.pages.closing`).
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from p311desk import votes
from p311desk.i18n import _, ngettext
from ui.pages import Page
from ui.pages.closing import ClosingPanel
from ui.workers import Op, error_text, write_op

class NewQuestionDialog(QDialog):
    """Title, method, options (one a line; budgets: "Project = cost"), secrecy, body, rules."""

    def __init__(self, bodies: list[votes.BodyInfo], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("newQuestionDialog")
        self.setWindowTitle(_("New question"))
        self.title = QLineEdit()
        self.title.setObjectName("questionTitle")
        self.method = QComboBox()
        self.method.setObjectName("questionMethod")
        for key, name in votes.METHOD_NAMES.items():
            self.method.addItem(_(name), key)
        self.options = QPlainTextEdit()
        self.options.setObjectName("questionOptions")
        self.options.setPlaceholderText(_("One option a line. Budgets: “Project = cost”."))
        self.options.setFixedHeight(110)
        self.budget = QSpinBox()
        self.budget.setObjectName("questionBudget")
        self.budget.setRange(0, 2_000_000_000)
        self.budget.setSingleStep(1000)
        self.rule = QComboBox()
        self.rule.setObjectName("questionRule")
        self.rule.addItem(_("Decidim's rule (most votes first)"), "greedy")
        self.rule.addItem(_("Method of Equal Shares"), "equal_shares")
        self.max_sel = QSpinBox()
        self.max_sel.setObjectName("questionMax")
        self.max_sel.setRange(0, 1000)
        self.max_sel.setSpecialValueText(_("no limit"))
        self.secret = QCheckBox(_("Secret vote"))
        self.secret.setObjectName("questionSecret")
        self.body = QComboBox()
        self.body.setObjectName("questionBody")
        self.body.addItem(_("Everyone checked in"), None)
        for b in bodies:
            self.body.addItem(b.name, b.id)
        self.weighted = QCheckBox(_("Apply the members' vote weights"))
        self.weighted.setObjectName("questionWeighted")
        self.majority = QComboBox()
        self.majority.setObjectName("questionMajority")
        for key, label in (("simple", _("Simple")), ("absolute", _("Absolute")), ("two_thirds", _("Two thirds"))):
            self.majority.addItem(label, key)
        self.majority_of = QComboBox()
        self.majority_of.setObjectName("questionMajorityOf")
        for key, label in (("cast", _("of votes cast")), ("present", _("of those present")),
                           ("members", _("of members"))):
            self.majority_of.addItem(label, key)
        self.way = QComboBox()
        self.way.setObjectName("questionWay")
        self.way.setAccessibleName(_("How the vote is taken"))
        self.way.addItem(_("Any way"), None)
        for key, name in votes.WAY_NAMES.items():
            self.way.addItem(_(name), key)
        self.quorum = QLineEdit()
        self.quorum.setObjectName("questionQuorum")
        self.quorum.setPlaceholderText(_("none, or e.g. 1/2"))
        form = QFormLayout()
        form.addRow(_("Question"), self.title)
        form.addRow(_("Method"), self.method)
        form.addRow(_("How the vote is taken"), self.way)
        form.addRow(_("Options"), self.options)
        form.addRow(_("Budget"), self.budget)
        form.addRow(_("Budget rule"), self.rule)
        form.addRow(_("At most (selections)"), self.max_sel)
        form.addRow("", self.secret)
        form.addRow(_("Who votes"), self.body)
        form.addRow("", self.weighted)
        form.addRow(_("Majority"), self.majority)
        form.addRow(_("Majority base"), self.majority_of)
        form.addRow(_("Quorum"), self.quorum)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.method.currentIndexChanged.connect(self._method_changed)
        self._method_changed()

    def _method_changed(self) -> None:
        method = self.method.currentData()
        self.options.setEnabled(method != "yes_no")
        self.budget.setEnabled(method == "budget")
        self.rule.setEnabled(method == "budget")
        self.max_sel.setEnabled(method in ("multiple", "budget"))

    def values(self) -> dict:
        method = self.method.currentData()
        lines = [line.strip() for line in self.options.toPlainText().splitlines() if line.strip()]
        options, costs = lines, []
        if method == "budget":
            options, costs = [], []
            for line in lines:
                label, _sep, amount = line.rpartition("=")
                digits = "".join(ch for ch in amount if ch.isdigit())
                options.append((label or amount).strip())
                costs.append(int(digits) if digits and label else 0)
        return dict(
            method=method, options=options, costs=costs, budget=self.budget.value() or None,
            rule=self.rule.currentData(), max_selections=self.max_sel.value() or None,
            secret=self.secret.isChecked(), body_id=self.body.currentData(), weighted=self.weighted.isChecked(),
            majority=self.majority.currentData(), majority_of=self.majority_of.currentData(),
            quorum=self.quorum.text().strip() or None, way=self.way.currentData())


class CountDialog(QDialog):
    """A show of hands (or a pile of paper ballots counted by hand): counts per option, blank,
    invalid, the number of ballots or hands, a batch name. Refused counts reopen the same dialog
    with what was typed."""

    def __init__(self, labels: list[str], parent=None, *, needs_total: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("countDialog")
        self.setWindowTitle(_("Enter counts"))
        self.batch = QLineEdit(_("Room"))
        self.batch.setObjectName("countBatch")
        self.batch.setMaxLength(votes.BATCH_MAX)
        form = QFormLayout()
        form.addRow(_("Batch"), self.batch)
        self.spins: list[QSpinBox] = []
        for i, label in enumerate(labels + [_("Blank"), _("Invalid")]):
            spin = QSpinBox()
            spin.setRange(0, 1_000_000)
            spin.setObjectName(f"count_{i}")
            spin.setAccessibleName(label)
            form.addRow(label, spin)
            self.spins.append(spin)
        self.total = QSpinBox()
        self.total.setRange(0, 1_000_000)
        self.total.setObjectName("countTotal")
        self.total.setAccessibleName(_("Ballots or hands in the batch"))
        self.total.setVisible(needs_total)
        if needs_total:
            form.addRow(_("Ballots or hands in the batch"), self.total)
        self.error = QLabel("")
        self.error.setObjectName("countError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e; font-weight: 600;")
        self.error.hide()
        note = QLabel(_("Saving a batch again replaces its counts."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def refused(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class RollCallDialog(QDialog):
    """The technician records each voter's open vote; weights apply."""

    def __init__(self, rows: list[votes.VoterRow], labels: list[str], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("rollCallDialog")
        self.setWindowTitle(_("Roll call"))
        self.rows = [r for r in rows if r.present or r.carried_by]
        self.labels = labels
        self.table = QTableWidget(len(self.rows), 4)
        self.table.setObjectName("rollCallTable")
        self.table.setHorizontalHeaderLabels([_("Name"), _("Weight"), _("Carried by"), _("Vote")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.combos: list[QComboBox] = []
        for i, r in enumerate(self.rows):
            self.table.setItem(i, 0, QTableWidgetItem(r.name))
            self.table.setItem(i, 1, QTableWidgetItem(str(r.weight)))
            self.table.setItem(i, 2, QTableWidgetItem(r.carried_by))
            combo = QComboBox()
            combo.setObjectName(f"rollCall_{i}")
            combo.setAccessibleName(_("Vote of {name}").format(name=r.name))
            combo.addItem(_("already voted") if r.voted else "—", None)
            for label in labels:
                combo.addItem(label, label)
            combo.setEnabled(not r.voted)
            self.table.setCellWidget(i, 3, combo)
            self.combos.append(combo)
        self.search = QLineEdit()
        self.search.setObjectName("rollCallSearch")
        self.search.setPlaceholderText(_("Search by name or code"))
        self.search.setAccessibleName(_("Search by name or code"))
        self.search.textChanged.connect(self._filter)
        self.rest = QComboBox()
        self.rest.setObjectName("rollCallRest")
        self.rest.setAccessibleName(_("Everyone not yet recorded"))
        for label in labels:
            self.rest.addItem(label, label)
        apply_rest = QPushButton(_("Apply"))
        apply_rest.setObjectName("rollCallApplyRest")
        apply_rest.clicked.connect(self._apply_rest)
        rest_row = QHBoxLayout()
        rest_row.addWidget(QLabel(_("Everyone not yet recorded:")))
        rest_row.addWidget(self.rest, 1)
        rest_row.addWidget(apply_rest)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        layout.addLayout(rest_row)
        layout.addWidget(buttons)
        self.resize(720, 480)

    def _filter(self, text: str) -> None:
        from p311desk.text import fold

        needle = fold(text.strip())
        for i, r in enumerate(self.rows):
            self.table.setRowHidden(i, bool(needle) and needle not in fold(r.name) and needle not in fold(r.code))

    def _apply_rest(self) -> None:
        """Every voter not recorded yet (and not voted already) gets the chosen option."""
        label = self.rest.currentData()
        for combo in self.combos:
            if combo.isEnabled() and combo.currentData() is None:
                combo.setCurrentIndex(combo.findData(label))

    def entries(self) -> list[tuple[votes.VoterRow, str]]:
        return [(r, c.currentData()) for r, c in zip(self.rows, self.combos, strict=True) if c.currentData()]


class VotesPage(Page):
    page_id = "votes"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(ctx, parent)
        self.questions: list[votes.QuestionInfo] = []
        self.current: votes.QuestionInfo | None = None
        self.kiosk = None
        self._room_views = None

        self.list = QListWidget()
        self.list.setObjectName("votesList")
        self.list.setAccessibleName(_("Questions of the session"))
        self.list.currentRowChanged.connect(self._select)
        self.new_button = QPushButton(_("New question…"))
        self.new_button.setObjectName("votesNew")
        self.new_button.clicked.connect(self.new_question)
        left = QWidget()
        lbox = QVBoxLayout(left)
        lbox.setContentsMargins(0, 0, 0, 0)
        lbox.addWidget(self.list, 1)
        lbox.addWidget(self.new_button)

        self.title = QLabel(_("Choose or create a question."))
        self.title.setObjectName("votesTitle")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        self.status = QLabel("")
        self.status.setObjectName("votesStatus")
        self.status.setWordWrap(True)
        self.buttons: dict[str, QPushButton] = {}
        row1, row2, row3 = QHBoxLayout(), QHBoxLayout(), QHBoxLayout()
        for key, text, fn, row in (
            ("open", _("Open the vote"), self.open_vote, row1),
            ("close", _("Close the vote"), self.close_vote, row1),
            ("room", _("Show on the room display"), self.show_on_room, row1),
            ("kiosk", _("Start the kiosk…"), self.start_kiosk, row2),
            ("count", _("Enter counts…"), self.enter_counts, row2),
            ("rollcall", _("Roll call…"), self.roll_call, row2),
            ("hand", _("Hand a paper ballot…"), self.hand_ballot, row3),
            ("print", _("Print ballots…"), self.print_ballots, row3),
        ):
            b = QPushButton(text)
            b.setObjectName(f"votes_{key}")
            b.clicked.connect(fn)
            row.addWidget(b)
            self.buttons[key] = b
        row1.addStretch(1)
        row2.addStretch(1)
        row3.addStretch(1)
        self.scan_edit = QLineEdit()
        self.scan_edit.setObjectName("votesScan")
        self.scan_edit.setAccessibleName(_("Scan a paper ballot's code"))
        self.scan_edit.setPlaceholderText(_("Scan the code beside each marked box of one sheet, then Enter"))
        self.scan_edit.returnPressed.connect(self.scan)
        self.scan_feedback = QLabel("")
        self.scan_feedback.setObjectName("votesScanFeedback")
        self.scan_feedback.setWordWrap(True)
        self.sheet: list[str] = []  # the codes scanned so far on the sheet being counted
        self.sheet_label = QLabel("")
        self.sheet_label.setObjectName("votesSheet")
        self.sheet_label.setToolTip(_("Scan the code beside each marked box of one sheet, then “Count this sheet”."))
        scan_box = QWidget()
        self.scan_box = scan_box
        sbox = QHBoxLayout(scan_box)
        sbox.setContentsMargins(0, 0, 0, 0)
        scan_title = QLabel(_("Paper ballots"))
        scan_title.setBuddy(self.scan_edit)
        sbox.addWidget(scan_title)
        sbox.addWidget(self.scan_edit, 1)
        sheet_box = QWidget()
        self.sheet_box = sheet_box
        shbox = QHBoxLayout(sheet_box)
        shbox.setContentsMargins(0, 0, 0, 0)
        shbox.addWidget(self.sheet_label, 1)
        for key, text, fn in (("sheet", _("Count this sheet"), lambda: self._count_sheet()),
                              ("blank", _("Blank sheet"), lambda: self._count_sheet(blank=True)),
                              ("spoilt", _("Spoilt sheet"), lambda: self._count_sheet(spoilt=True))):
            b = QPushButton(text)
            b.setObjectName(f"votes_{key}")
            b.clicked.connect(fn)
            shbox.addWidget(b)
            self.buttons[key] = b
        self.result = QLabel("")
        self.result.setObjectName("votesResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.result.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.result.setStyleSheet("font-size: 12pt;")
        self.closing = ClosingPanel(self.ctx)
        self.closing.changed.connect(self.activate)
        right = QWidget()
        rbox = QVBoxLayout(right)
        rbox.addWidget(self.title)
        rbox.addWidget(self.status)
        rbox.addLayout(row1)
        rbox.addLayout(row2)
        rbox.addLayout(row3)
        rbox.addWidget(scan_box)
        rbox.addWidget(sheet_box)
        rbox.addWidget(self.scan_feedback)
        result_scroll = QScrollArea()
        result_scroll.setObjectName("votesResultScroll")
        result_scroll.setWidgetResizable(True)
        result_scroll.setFrameShape(QScrollArea.NoFrame)
        result_scroll.setWidget(self.result)
        rbox.addWidget(result_scroll, 1)
        rbox.addWidget(self.closing)

        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([280, 700])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

        self._live = QTimer(self)
        self._live.setInterval(2000)  # the room's live count, also when another laptop writes
        self._live.timeout.connect(self._refresh_room)
        ctx.session_changed.connect(lambda _sid: self.activate())
        ctx.data_changed.connect(self._on_data_changed)
        self._update_buttons()

    # --- loading -----------------------------------------------------------------------------
    def activate(self) -> None:
        sid = self.ctx.current_session_id
        if sid is None:
            self.questions = []
            self._fill([])
            self.closing.clear()
            self.title.setText(_("Choose a session first (Sessions page)."))
            return

        def read():
            with self.ctx.db.read() as s:
                return votes.list_questions(s, sid), votes.closing_stages(s, sid)

        Op(self.ctx, read, write=False).bound_to(self).on_success(self._loaded).run()

    def _loaded(self, pair) -> None:
        rows, stages = pair
        self.closing.show_stages(stages, rows)
        self._fill(rows)

    def _fill(self, rows: list[votes.QuestionInfo]) -> None:
        keep = self.current.id if self.current else None
        self.questions = rows
        self.list.blockSignals(True)
        self.list.clear()
        for q in rows:
            item = QListWidgetItem(f"{q.title}\n{_(votes.STATUS_NAMES[q.status])} · {_(votes.METHOD_NAMES[q.method])}"
                                   + (" · " + _("secret") if q.secret else ""))
            item.setData(Qt.UserRole, q.id)
            self.list.addItem(item)
        self.list.blockSignals(False)
        index = next((i for i, q in enumerate(rows) if q.id == keep), 0 if rows else -1)
        self.list.setCurrentRow(index)
        self._select(index)

    def _select(self, index: int) -> None:
        current = self.questions[index] if 0 <= index < len(self.questions) else None
        if current is None or self.current is None or current.id != self.current.id:
            self.scan_feedback.setText("")  # a message about another question's ballot
            self._set_sheet([])
        self.current = current
        self._update_buttons()
        self._load_result()

    def _update_buttons(self) -> None:
        q = self.current
        status = q.status if q else ""
        self.buttons["open"].setEnabled(status == "draft")
        self.buttons["close"].setEnabled(status == "open")
        self.buttons["room"].setEnabled(q is not None)
        for key in ("kiosk", "count"):
            self.buttons[key].setEnabled(status == "open")
        self.buttons["rollcall"].setEnabled(status == "open" and q is not None and not q.secret)
        self.scan_edit.setEnabled(status == "open")
        self.buttons["hand"].setEnabled(status == "open")
        self.buttons["print"].setEnabled(status in ("draft", "open") and q is not None and not q.weighted)
        # the way the vote is taken, chosen when it was created, decides which controls show
        way = q.way if q is not None else None
        shown = {"hands": {"count"}, "paper": {"hand", "print", "scan", "count"}, "kiosk": {"kiosk"},
                 "roll_call": {"rollcall"}}.get(way, {"count", "hand", "print", "scan", "kiosk", "rollcall"})
        for key in ("count", "hand", "print", "kiosk", "rollcall"):
            self.buttons[key].setVisible(key in shown)
        self.scan_box.setVisible("scan" in shown)
        self.sheet_box.setVisible("scan" in shown)
        for key in ("sheet", "blank", "spoilt"):
            self.buttons[key].setEnabled(status == "open" and bool(self.sheet))
        self.new_button.setEnabled(self.ctx.current_session_id is not None)
        if q is None:
            self.status.setText("")
            return
        self.title.setText(q.title)
        self.status.setText(" · ".join(filter(None, (
            _(votes.STATUS_NAMES[q.status]), _(votes.METHOD_NAMES[q.method]),
            _(votes.WAY_NAMES[q.way]) if q.way else "",
            _("secret") if q.secret else _("open vote"), _("weighted") if q.weighted else "",
            ", ".join(q.labels)))))

    def _load_result(self) -> None:
        q = self.current
        if q is None:
            self.result.setText("")
            return
        qid = q.id

        def read():
            with self.ctx.db.read() as s:
                return votes.results(s, qid, compare=q.method == "budget" and q.status != "draft"), \
                    votes.live_count(s, qid)

        Op(self.ctx, read, write=False).bound_to(self).on_success(self._show_result).run()

    def _show_result(self, pair) -> None:
        r, live = pair
        if self.current is None or r.question_id != self.current.id:
            return
        lines = [_("Voted: {voted} of {eligible}").format(voted=live.voted, eligible=live.eligible)]
        if r.status != "draft":
            for o in r.options:
                lines.append(f"• {o.label}: {'—' if o.votes is None else o.votes}")
            if r.status == "closed" or not r.secret:
                lines.append(_("Blank {blank} · abstentions {abstain} · invalid {invalid}").format(
                    blank=r.blank, abstain=r.abstain, invalid=r.invalid))
            for rule, chosen in r.compare.items():
                name = _(votes.RULE_NAMES[rule])
                lines.append(f"{name[:1].upper()}{name[1:]}: {', '.join(chosen) or '—'}")
            if r.explanation:
                lines.append("")
                lines.append(r.explanation)
        self.result.setText("\n".join(lines))
        self._room_update(r, live)

    def _on_data_changed(self, what: str) -> None:
        if what in ("votes", "attendance", "*"):
            if what == "*":
                self.activate()
            else:
                self._load_result()

    # --- actions -----------------------------------------------------------------------------
    def _changed(self, message: str):
        def done(_result) -> None:
            self.ctx.notify(message, "success")
            self.activate()
        return done

    def new_question(self) -> None:
        sid = self.ctx.current_session_id
        if sid is None:
            self.ctx.notify(_("Choose a session first (Sessions page)."), "warning")
            return
        with self.ctx.db.read() as s:
            bodies = votes.list_bodies(s)
        dialog = NewQuestionDialog(bodies, self)
        if dialog.exec() != QDialog.Accepted:
            return
        title, values = dialog.title.text(), dialog.values()
        (write_op(self.ctx, votes.create_question, sid, title, **values).changes("votes").bound_to(self)
         .on_success(self._changed(_("Question created.")))
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def open_vote(self) -> None:
        if self.current:
            (write_op(self.ctx, votes.open_question, self.current.id).changes("votes").bound_to(self)
             .on_success(self._changed(_("The vote is open."))).run())

    def close_vote(self) -> None:
        q = self.current
        if q is None:
            return
        with self.ctx.db.read() as s:
            outstanding = votes.paper_outstanding(s, q.id)
            live = votes.live_count(s, q.id)
        text = _("Close “{title}”? {voted} of {eligible} have voted; no ballot can be added afterwards.").format(
            title=q.title, voted=live.voted, eligible=live.eligible)
        if outstanding:
            text += "\n\n" + ngettext(
                "{n} paper ballot was handed out and has not been counted yet.",
                "{n} paper ballots were handed out and have not been counted yet.", outstanding).format(n=outstanding)
        if QMessageBox.question(self, _("Close the vote"), text, QMessageBox.Yes | QMessageBox.No,
                                QMessageBox.No) != QMessageBox.Yes:
            return
        (write_op(self.ctx, votes.close_question, q.id).changes("votes").bound_to(self)
         .on_success(self._changed(_("The vote is closed.")))
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def _scan_message(self, text: str, ok: bool) -> None:
        self.scan_feedback.setStyleSheet("color: #1e7d32; font-weight: 600;" if ok else
                                         "color: #b3261e; font-weight: 600;")
        self.scan_feedback.setText(text)

    def _set_sheet(self, codes: list[str]) -> None:
        self.sheet = codes
        if codes:
            self.sheet_label.setText(ngettext("This sheet: {n} mark scanned.", "This sheet: {n} marks scanned.",
                                              len(codes)).format(n=len(codes)))
        else:
            self.sheet_label.setText("")
        if hasattr(self, "buttons") and "sheet" in self.buttons:
            for key in ("sheet", "blank", "spoilt"):
                self.buttons[key].setEnabled(bool(codes) and self.current is not None
                                             and self.current.status == "open")

    def scan(self) -> None:
        """A scanned code joins the sheet being counted. A one-choice question's option code is a
        whole sheet (counted at once); other methods collect the sheet's marks until “Count this
        sheet” (or Enter on an empty line); a code of another sheet counts the one before first."""
        text = self.scan_edit.text().strip()
        self.scan_edit.clear()
        q = self.current
        if q is None:
            return
        if not text:
            if self.sheet:
                self._count_sheet()
            return
        if "=" in text:  # a serial with the choice keyed in: "SERIAL=option"
            code, _sep, typed = text.partition("=")
            self._count([code.strip()], choice=[typed.strip()])
            return
        from p311desk import qr

        decoded = qr.decode(text)
        if decoded.kind not in ("ballot", "option"):
            self._scan_message(_("This code is not a ballot of this vote."), False)
            return
        if self.sheet and qr.decode(self.sheet[0]).serial != decoded.serial:
            pending = list(self.sheet)
            self._set_sheet([text])
            self._count(pending, keep_sheet=True)
            return
        self._set_sheet(self.sheet + [text])
        if decoded.kind == "option" and q.method in ("yes_no", "single"):
            self._count_sheet()

    def _count_sheet(self, *, blank: bool = False, spoilt: bool = False) -> None:
        if not self.sheet:
            return
        codes = list(self.sheet)
        self._set_sheet([])
        self._count(codes, blank=blank, spoilt=spoilt)

    def _count(self, codes: list[str], *, choice=None, blank=False, spoilt=False, keep_sheet=False) -> None:
        q = self.current
        if q is None:
            return
        (write_op(self.ctx, votes.scan, q.id, codes, choice, blank=blank, spoilt=spoilt).changes("votes")
         .bound_to(self).on_success(lambda result: self._scan_message(result.message, True))
         .on_failure(lambda exc: self._scan_message(error_text(exc), False)).run())

    def print_ballots(self) -> None:
        """Paper ballots for this question, as a PDF (issued as they are printed)."""
        q = self.current
        if q is None:
            return
        count, ok = QInputDialog.getInt(self, _("Print ballots"), _("How many paper ballots?"), 50, 1, 10000)
        if not ok:
            return
        path, _filter = QFileDialog.getSaveFileName(self, _("Print ballots"), _("ballots") + ".pdf", "PDF (*.pdf)")
        if not path:
            return
        from p311desk import printing

        sid = q.session_id

        def done(pages) -> None:
            self.ctx.notify(ngettext("Ballots saved: {n} page.", "Ballots saved: {n} pages.", pages).format(n=pages),
                            "success")

        (write_op(self.ctx, printing.render, sid, printing.PrintOptions("ballots", question_id=q.id, count=count),
                  path).changes("votes").bound_to(self).on_success(done)
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def hand_ballot(self) -> None:
        q = self.current
        if q is None:
            return
        code, ok = QInputDialog.getText(self, _("Hand a paper ballot"),
                                        _("Check-in code of the person who receives a paper ballot:"))
        if not ok or not code.strip():
            return

        def done(result) -> None:
            text = result.message
            if result.ballot is not None:
                text += " " + _("Serial {serial}, weight {weight}: print it from the Print page.").format(
                    serial=result.ballot.serial, weight=result.ballot.weight)
            self._scan_message(text, True)

        (write_op(self.ctx, votes.hand, q.id, code.strip()).changes("votes").bound_to(self)
         .on_success(done).on_failure(lambda exc: self._scan_message(error_text(exc), False)).run())

    def enter_counts(self) -> None:
        self._enter_counts(None)

    def _enter_counts(self, dialog: CountDialog | None) -> None:
        q = self.current
        if q is None:
            return
        labels = list(q.labels) + ([_("Abstain")] if q.method == "yes_no" else [])
        if dialog is None:
            dialog = CountDialog(labels, self, needs_total=q.method not in ("yes_no", "single"))
        if dialog.exec() != QDialog.Accepted:
            return
        values = [s.value() for s in dialog.spins]
        counts = {str(i + 1): v for i, v in enumerate(values[:len(q.labels)]) if v}
        abstain = values[len(q.labels)] if q.method == "yes_no" else 0
        blank, invalid = values[-2], values[-1]
        total = dialog.total.value() if dialog.total.isVisibleTo(dialog) else None

        def refused(exc) -> None:  # keep what was typed: the same dialog again, with the reason
            dialog.refused(error_text(exc))
            QTimer.singleShot(0, lambda: self._enter_counts(dialog))

        (write_op(self.ctx, votes.save_count, q.id, dialog.batch.text(), counts, blank=blank, invalid=invalid,
                  abstain=abstain, total=total).changes("votes").bound_to(self)
         .on_success(self._changed(_("Counts saved.")))
         .on_failure(refused).run())

    def roll_call(self) -> None:
        q = self.current
        if q is None:
            return
        with self.ctx.db.read() as s:
            rows = votes.voters(s, q.id)
        labels = list(q.labels) + ([_("Abstain")] if q.method == "yes_no" else [])
        dialog = RollCallDialog(rows, labels, self)
        if dialog.exec() != QDialog.Accepted:
            return
        entries = dialog.entries()
        abstain = _("Abstain")

        def record(s):
            for row, label in entries:
                choice = ["abstain"] if label == abstain else [str(labels.index(label) + 1)]
                if row.carried_by:
                    votes.cast(s, q.id, row.carried_by, choice, on_behalf_of=row.code, via="roll_call")
                else:
                    votes.cast(s, q.id, row.code, choice, via="roll_call")
            return len(entries)

        (write_op(self.ctx, record).changes("votes").bound_to(self)
         .on_success(lambda n: self.ctx.notify(
             ngettext("Roll call saved: {n} vote.", "Roll call saved: {n} votes.", n).format(n=n), "success"))
         .on_failure(lambda exc: self.ctx.notify(error_text(exc), "error")).run())

    def start_kiosk(self) -> None:
        q = self.current
        if q is None:
            return
        pin, ok = QInputDialog.getText(self, _("Start the kiosk"),
                                       _("Choose a PIN (at least 4 digits) to lock and leave the kiosk:"),
                                       QLineEdit.Password)
        if not ok:
            return
        if len(pin) < 4:
            self.ctx.notify(_("The PIN needs at least 4 characters."), "warning")
            return
        from ui.kiosk import Kiosk

        self.kiosk = Kiosk(self.ctx, q.id, pin)
        self.kiosk.left.connect(self._kiosk_left)
        self.kiosk.showFullScreen()

    def _kiosk_left(self) -> None:
        self.kiosk = None
        self._load_result()

    # --- the room's screen -------------------------------------------------------------------
    def _display(self):
        window = self.window()
        return window.room_display() if hasattr(window, "room_display") else None

    def show_on_room(self) -> None:
        display = self._display()
        if display is None or self.current is None:
            return
        if self._room_views is None:
            from ui.room.vote_views import QuestionView, ResultView

            self._room_views = (QuestionView(), ResultView())
        self._room_question = self.current.id
        display.show_on_room_screen()
        self._live.start()
        self._load_result()

    def _refresh_room(self) -> None:
        display = self._display()
        if display is None or self._room_views is None or display.current_view() not in self._room_views:
            self._live.stop()
            return
        self._load_result()

    def _room_update(self, r: votes.Results, live: votes.LiveCount) -> None:
        if self._room_views is None or getattr(self, "_room_question", None) != r.question_id:
            return
        display = self._display()
        if display is None:
            return
        question_view, result_view = self._room_views
        if r.status == "closed":
            costs = self.current.costs if self.current is not None and self.current.id == r.question_id else ()
            result_view.show_result(r, costs)
            display.set_view(result_view)
        else:
            question_view.show_question(self.current, live)
            display.set_view(question_view)

    def room_views(self):
        return self._room_views

    def question_id(self) -> uuid.UUID | None:
        return self.current.id if self.current else None
