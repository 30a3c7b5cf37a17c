"""The voting kiosk: a full-screen view on the laptop that voters use one at a time.

A voter unlocks one ballot with their check-in code (scanned QR or typed) or with a one-time
code (a printed ballot's serial code, for people without theirs), chooses, and
confirms; the ballot is recorded (secret or open, as the question says) and the kiosk returns to
its welcome screen. A code that has voted is refused. The technician locks the kiosk, unlocks it
and leaves it with the PIN set when it was started; closing the window any other way is refused.
Big type, everything reachable by keyboard (Tab, Space, Enter) and by touch, and every control
has an accessible name for screen readers.

Signals:
    left(): the technician left the kiosk with the PIN.
    cast_done(str): a ballot was recorded (the voter's name).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from p311desk import votes
from p311desk.i18n import _
from ui.workers import Op, error_text, write_op

WELCOME, CHOOSE, CONFIRM, THANKS, LOCKED = range(5)
THANKS_MS = 2500
STYLE = """
#kiosk { background: #f5f7fa; }
#kiosk QLabel { color: #10263b; }
#kiosk QLabel#kioskTitle { font-size: 26pt; font-weight: 600; }
#kiosk QLabel#kioskPrompt, #kiosk QLabel#kioskSummary { font-size: 22pt; }
#kiosk QLabel#kioskFeedback, #kiosk QLabel#kioskHint, #kiosk QLabel#kioskPinFeedback {
    font-size: 18pt; color: #b3261e; }
#kiosk QLineEdit { font-size: 24pt; padding: 10px; }
#kiosk QPushButton { font-size: 22pt; padding: 18px 28px; border-radius: 10px; background: white;
                     border: 3px solid #1f3b57; color: #10263b; }
#kiosk QPushButton:checked { background: #1f3b57; color: white; }
#kiosk QPushButton:focus { border: 5px solid #f2a900; }
#kiosk QPushButton#kioskConfirm { background: #1e7d32; color: white; border-color: #1e7d32; }
#kiosk QPushButton#kioskTechnician { font-size: 11pt; padding: 6px 12px; border-width: 1px; }
"""

# Small screens (800×480 panels, 1024×600 netbooks): the same kiosk with smaller type and room.
COMPACT = """
#kiosk QLabel#kioskTitle { font-size: 17pt; }
#kiosk QLabel#kioskPrompt, #kiosk QLabel#kioskSummary { font-size: 15pt; }
#kiosk QLabel#kioskFeedback, #kiosk QLabel#kioskHint, #kiosk QLabel#kioskPinFeedback { font-size: 13pt; }
#kiosk QLineEdit { font-size: 17pt; padding: 6px; }
#kiosk QPushButton { font-size: 14pt; padding: 8px 14px; }
"""
COMPACT_BELOW = (1100, 640)  # width, height under which the compact style applies


def _digest(pin: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", pin.encode("utf-8"), salt, 50_000)


class Kiosk(QWidget):
    """One question, voted by one person after another."""

    left = Signal()
    cast_done = Signal(str)

    def __init__(self, ctx, question_id: uuid.UUID, pin: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.ctx = ctx
        self.question_id = question_id
        self._salt = os.urandom(16)
        self._pin = _digest(pin, self._salt)  # the PIN itself is not kept
        self._leaving = False
        self.code = ""
        self.selected: list[int] = []
        self.setObjectName("kiosk")
        self.setStyleSheet(STYLE)
        self.setAccessibleName(_("Voting kiosk"))
        with ctx.db.read() as s:
            self.question = votes.find_question(s, question_id)
        q = self.question
        self.labels = list(votes.labels_for(q.method, q.options))
        if q.method == "yes_no":
            self.labels.append(_("Abstain"))

        self.title = QLabel(q.title)
        self.title.setObjectName("kioskTitle")
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignCenter)
        self.tech = QPushButton(_("Technician"))
        self.tech.setObjectName("kioskTechnician")
        self.tech.setAccessibleName(_("Technician: lock the kiosk"))
        self.tech.setFocusPolicy(Qt.NoFocus)
        self.tech.clicked.connect(self.lock)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.tech, 0, Qt.AlignTop)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._welcome_page())
        self.stack.addWidget(self._choose_page())
        self.stack.addWidget(self._confirm_page())
        self.stack.addWidget(self._thanks_page())
        self.stack.addWidget(self._locked_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.setSizeConstraint(QVBoxLayout.SetNoConstraint)  # small screens get the compact style
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        self._layout = layout
        self._compact = None

        self._thanks_timer = QTimer(self)
        self._thanks_timer.setSingleShot(True)
        self._thanks_timer.setInterval(THANKS_MS)
        self._thanks_timer.timeout.connect(self._to_welcome)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=self.lock)
        self._to_welcome()

    # --- pages -------------------------------------------------------------------------------
    def _welcome_page(self) -> QWidget:
        page = QWidget()
        self.prompt = QLabel(_("Scan your check-in code or type it, then press Enter."))
        self.prompt.setObjectName("kioskPrompt")
        self.prompt.setWordWrap(True)
        self.prompt.setAlignment(Qt.AlignCenter)
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("kioskCode")
        self.code_edit.setAccessibleName(_("Your check-in code"))
        self.code_edit.setAlignment(Qt.AlignCenter)
        self.code_edit.setMaximumWidth(520)
        self.code_edit.returnPressed.connect(self._unlock_ballot)
        self.feedback = QLabel("")
        self.feedback.setObjectName("kioskFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setAlignment(Qt.AlignCenter)
        box = QVBoxLayout(page)
        box.addStretch(1)
        box.addWidget(self.prompt)
        box.addWidget(self.code_edit, 0, Qt.AlignHCenter)
        box.addWidget(self.feedback)
        box.addStretch(2)
        return page

    def _choose_page(self) -> QWidget:
        page = QWidget()
        q = self.question
        self.voter_label = QLabel("")
        self.voter_label.setObjectName("kioskPrompt")
        self.voter_label.setWordWrap(True)
        self.voter_label.setAlignment(Qt.AlignCenter)
        grid = QGridLayout()
        self.option_buttons: list[QPushButton] = []
        columns = 1 if len(self.labels) <= 4 else 2
        for i, label in enumerate(self.labels):
            text = label
            if q.method == "budget" and i < len(q.costs):
                text = f"{label} — {votes.money(q.costs[i], currency=True)}"
            b = QPushButton(text)
            b.setObjectName(f"kioskOption_{i}")
            b.setAccessibleName(text)
            b.setCheckable(True)
            b.setMinimumHeight(72)
            b.toggled.connect(lambda on, i=i: self._toggle(i, on))
            grid.addWidget(b, i // columns, i % columns)
            self.option_buttons.append(b)
        self.hint = QLabel("")
        self.hint.setObjectName("kioskHint")
        self.hint.setAlignment(Qt.AlignCenter)
        self.hint.setWordWrap(True)
        self.spending = QLabel("")  # budgets: the running total against the limit
        self.spending.setObjectName("kioskSpending")
        self.spending.setAlignment(Qt.AlignCenter)
        self.spending.setWordWrap(True)
        self.spending.setVisible(q.method == "budget")
        self.blank_button = QPushButton(_("Blank vote"))
        self.blank_button.setObjectName("kioskBlank")
        self.blank_button.setAccessibleName(_("Blank vote"))
        self.blank_button.clicked.connect(self._choose_blank)
        self.next_button = QPushButton(_("Continue"))
        self.next_button.setObjectName("kioskNext")
        self.next_button.setAccessibleName(_("Continue to confirm your vote"))
        self.next_button.clicked.connect(self._to_confirm)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setObjectName("kioskCancel")
        self.cancel_button.setAccessibleName(_("Cancel and give the kiosk back"))
        self.cancel_button.clicked.connect(self._to_welcome)
        row = QHBoxLayout()
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        row.addWidget(self.blank_button)
        row.addWidget(self.next_button)
        box = QVBoxLayout(page)
        box.addWidget(self.voter_label)
        box.addLayout(grid)
        box.addWidget(self.spending)
        box.addWidget(self.hint)
        box.addStretch(1)
        box.addLayout(row)
        return page

    def _confirm_page(self) -> QWidget:
        page = QWidget()
        self.summary = QLabel("")
        self.summary.setObjectName("kioskSummary")
        self.summary.setWordWrap(True)
        self.summary.setAlignment(Qt.AlignCenter)
        self.confirm_button = QPushButton(_("Confirm my vote"))
        self.confirm_button.setObjectName("kioskConfirm")
        self.confirm_button.setAccessibleName(_("Confirm my vote"))
        self.confirm_button.clicked.connect(self._cast)
        self.back_button = QPushButton(_("Back"))
        self.back_button.setObjectName("kioskBack")
        self.back_button.setAccessibleName(_("Back to the options"))
        self.back_button.clicked.connect(lambda: self.stack.setCurrentIndex(CHOOSE))
        row = QHBoxLayout()
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.confirm_button)
        box = QVBoxLayout(page)
        box.addStretch(1)
        box.addWidget(self.summary)
        box.addStretch(1)
        box.addLayout(row)
        return page

    def _thanks_page(self) -> QWidget:
        page = QWidget()
        label = QLabel(_("Thank you: your vote has been recorded."))
        label.setObjectName("kioskPrompt")
        label.setAlignment(Qt.AlignCenter)
        label.setWordWrap(True)
        box = QVBoxLayout(page)
        box.addWidget(label)
        return page

    def _locked_page(self) -> QWidget:
        page = QWidget()
        label = QLabel(_("The kiosk is locked. Technician: enter the PIN."))
        label.setObjectName("kioskPrompt")
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignCenter)
        self.pin_edit = QLineEdit()
        self.pin_edit.setObjectName("kioskPin")
        self.pin_edit.setAccessibleName(_("Technician PIN"))
        self.pin_edit.setEchoMode(QLineEdit.Password)
        self.pin_edit.setAlignment(Qt.AlignCenter)
        self.pin_edit.setMaximumWidth(320)
        self.pin_edit.returnPressed.connect(self.unlock)
        self.pin_feedback = QLabel("")
        self.pin_feedback.setObjectName("kioskPinFeedback")
        self.pin_feedback.setAlignment(Qt.AlignCenter)
        unlock = QPushButton(_("Unlock"))
        unlock.setObjectName("kioskUnlock")
        unlock.setAccessibleName(_("Unlock the kiosk"))
        unlock.clicked.connect(self.unlock)
        leave = QPushButton(_("Leave the kiosk"))
        leave.setObjectName("kioskLeave")
        leave.setAccessibleName(_("Leave the kiosk"))
        leave.clicked.connect(self.leave)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(unlock)
        row.addWidget(leave)
        row.addStretch(1)
        box = QVBoxLayout(page)
        box.addStretch(1)
        box.addWidget(label)
        box.addWidget(self.pin_edit, 0, Qt.AlignHCenter)
        box.addWidget(self.pin_feedback)
        box.addLayout(row)
        box.addStretch(2)
        return page

    # --- flow --------------------------------------------------------------------------------
    def _to_welcome(self) -> None:
        self._thanks_timer.stop()
        self.code = ""
        self.code_edit.clear()
        self._clear_selection()
        self.stack.setCurrentIndex(WELCOME)
        self.code_edit.setFocus()

    def _clear_selection(self) -> None:
        self.selected = []
        for b in self.option_buttons:
            b.blockSignals(True)
            b.setChecked(False)
            b.blockSignals(False)
        self.hint.setText("")
        self._show_spending()

    def _unlock_ballot(self) -> None:
        code = self.code_edit.text().strip()
        if not code:
            return
        self.code_edit.setEnabled(False)

        def check():
            with self.ctx.db.read() as s:
                return votes.kiosk_voter(s, self.question_id, code)

        def ok(result) -> None:
            self.code_edit.setEnabled(True)
            self.code = code
            self.feedback.setText("")
            self.voter_label.setText(_("{name}, choose and then continue.").format(name=result[0]))
            self._clear_selection()
            self.stack.setCurrentIndex(CHOOSE)
            if self.option_buttons:
                self.option_buttons[0].setFocus()

        def refused(exc) -> None:
            self.code_edit.setEnabled(True)
            self.code_edit.clear()
            self.feedback.setText(error_text(exc))
            self.code_edit.setFocus()

        Op(self.ctx, check, write=False).bound_to(self).on_success(ok).on_failure(refused).run()

    def _toggle(self, index: int, on: bool) -> None:
        q = self.question
        single = q.method in ("yes_no", "single")
        if on:
            if single:
                for i, b in enumerate(self.option_buttons):
                    if i != index and b.isChecked():
                        b.blockSignals(True)
                        b.setChecked(False)
                        b.blockSignals(False)
                self.selected = [index]
            else:
                self.selected.append(index)
        elif index in self.selected:
            self.selected.remove(index)
        self.hint.setText("")
        self._show_spending()

    def _limit(self) -> int:
        q = self.question
        return int(q.spending_limit if q.spending_limit is not None else q.budget or 0)

    def _show_spending(self) -> None:
        q = self.question
        if q.method != "budget":
            return
        total = sum(q.costs[i] for i in self.selected if i < len(q.costs))
        limit = self._limit()
        self.spending.setText(_("Chosen: {total} of the {limit} you may spend.").format(
            total=votes.money(total, currency=True), limit=votes.money(limit, currency=True)))
        over = total > limit
        size = 14 if self._compact else 20
        self.spending.setStyleSheet(f"font-size: {size}pt; font-weight: 600; color: {'#b3261e' if over else '#10263b'};")

    def _choice(self) -> tuple[int, ...]:
        if self.question.method == "yes_no" and self.selected == [2]:
            return (-1,)  # abstain
        if self.question.method == "points":
            return tuple(self.selected)  # Borda: the order of the touches is the ranking
        return tuple(sorted(self.selected))

    def _choose_blank(self) -> None:
        self._clear_selection()
        self._to_confirm(blank=True)

    def _to_confirm(self, blank: bool = False) -> None:
        choice = () if blank else self._choice()
        if not blank:
            if not choice:
                self.hint.setText(_("Choose an option, or press “Blank vote”."))
                return
            try:
                votes.validate_choice(self.question, choice)
            except votes.VoteRefused as err:
                self.hint.setText(err.message())
                return
        chosen = ", ".join(self.labels[i] for i in self.selected) if choice else _("a blank vote")
        self.summary.setText(_("You vote: {choice}.\nConfirm?").format(choice=chosen))
        self._pending = choice
        self.stack.setCurrentIndex(CONFIRM)
        self.confirm_button.setFocus()

    def _cast(self) -> None:
        self.confirm_button.setEnabled(False)

        def done(result) -> None:
            self.confirm_button.setEnabled(True)
            self.cast_done.emit(result.voter)
            self.stack.setCurrentIndex(THANKS)
            self._thanks_timer.start()

        def refused(exc) -> None:
            self.confirm_button.setEnabled(True)
            self._to_welcome()
            self.feedback.setText(error_text(exc))

        if votes.is_ballot_code(self.code):  # a one-time code: the printed ballot's serial
            words = ["blank"] if not self._pending else ["abstain"] if self._pending == (-1,) else \
                [str(i + 1) for i in self._pending]
            op = write_op(self.ctx, votes.scan, self.question_id, self.code, words)
        else:
            op = write_op(self.ctx, votes.cast, self.question_id, self.code, self._pending, via="kiosk")
        (op.changes("votes").bound_to(self).on_success(done).on_failure(refused).run())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        compact = event.size().width() < COMPACT_BELOW[0] or event.size().height() < COMPACT_BELOW[1]
        if compact != self._compact:
            self._compact = compact
            self.setStyleSheet(STYLE + (COMPACT if compact else ""))
            self._layout.setContentsMargins(*((16, 10, 16, 10) if compact else (48, 32, 48, 32)))
            for b in self.option_buttons:
                b.setMinimumHeight(44 if compact else 72)
            self.spending.setProperty("compact", compact)
            self._show_spending()
        super().resizeEvent(event)

    # --- technician --------------------------------------------------------------------------
    def lock(self) -> None:
        self._thanks_timer.stop()
        self.pin_edit.clear()
        self.pin_feedback.setText("")
        self.stack.setCurrentIndex(LOCKED)
        self.pin_edit.setFocus()

    def _pin_ok(self) -> bool:
        ok = hmac.compare_digest(_digest(self.pin_edit.text(), self._salt), self._pin)
        self.pin_edit.clear()
        if not ok:
            self.pin_feedback.setText(_("Wrong PIN."))
        return ok

    def unlock(self) -> None:
        if self._pin_ok():
            self._to_welcome()

    def leave(self) -> None:
        if self._pin_ok():
            self._leaving = True
            self.left.emit()
            self.close()

    def is_locked(self) -> bool:
        return self.stack.currentIndex() == LOCKED

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self._leaving:
            event.accept()
            return
        event.ignore()  # voters cannot close the kiosk: the PIN is needed
        self.lock()
