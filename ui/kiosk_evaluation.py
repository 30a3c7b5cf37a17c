"""The evaluation kiosk: a full-screen view where people answer the session's evaluation one
after another, anonymously.

A person unlocks one answer with their check-in code (scanned or typed; they must be checked in
and not have answered) or with a one-time code (a printed evaluation form's id). The questions
come one at a time, in big type: a button per answer (or its digit on the keyboard), Back, Skip;
a free-text question takes a line of text; the last step sends the answer and the kiosk returns
to its welcome screen. The technician locks it, unlocks it and leaves it with the PIN chosen
when it was started (the voting kiosk's PIN pieces and look, ``ui.kiosk``).

Signals:
    left(): the technician left the kiosk with the PIN.
    answered(int): an answer was recorded (how many the box holds now).
"""

from __future__ import annotations

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

from p311desk import evaluation, sessions
from p311desk.i18n import _
from ui.kiosk import STYLE, _digest
from ui.workers import Op, error_text, write_op

WELCOME, QUESTION, THANKS, LOCKED = range(4)
# Answer buttons: a scale reads left to right (number over its label); they must fit 1024×600.
LEVEL_STYLE = """
#kiosk QPushButton[level="true"] { font-size: 17pt; padding: 8px 10px; }
"""
THANKS_MS = 2500


class EvaluationKiosk(QWidget):
    left = Signal()
    answered = Signal(int)

    def __init__(self, ctx, session_id: uuid.UUID, pin: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.ctx = ctx
        self.session_id = session_id
        self._salt = os.urandom(16)
        self._pin = _digest(pin, self._salt)  # the PIN itself is not kept
        self._leaving = False
        self.code = ""
        self.index = 0
        self.values: list = []
        self.setObjectName("kiosk")
        self.setStyleSheet(STYLE + LEVEL_STYLE)
        self.setAccessibleName(_("Evaluation kiosk"))
        with ctx.db.read() as s:
            info = sessions.get_session(s, session_id)
            form = evaluation.get_form(s, session_id)
        if form is None:
            raise evaluation.EvaluationRefused("The session has no evaluation form yet: attach one first.")
        self.lang = info.language
        self.questions = form.questions

        self.title = QLabel(info.title)
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
        self.stack.addWidget(self._question_page())
        self.stack.addWidget(self._thanks_page())
        self.stack.addWidget(self._locked_page())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

        self._thanks_timer = QTimer(self)
        self._thanks_timer.setSingleShot(True)
        self._thanks_timer.setInterval(THANKS_MS)
        self._thanks_timer.timeout.connect(self._to_welcome)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=self.lock)
        self._to_welcome()

    # --- pages -------------------------------------------------------------------------------
    def _welcome_page(self) -> QWidget:
        page = QWidget()
        self.prompt = QLabel(_("Scan your check-in code or type it (or the code on your form), then press Enter."))
        self.prompt.setObjectName("kioskPrompt")
        self.prompt.setWordWrap(True)
        self.prompt.setAlignment(Qt.AlignCenter)
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("kioskCode")
        self.code_edit.setAccessibleName(_("Your check-in code"))
        self.code_edit.setAlignment(Qt.AlignCenter)
        self.code_edit.setMaximumWidth(520)
        self.code_edit.returnPressed.connect(self._unlock_answer)
        self.feedback = QLabel("")
        self.feedback.setObjectName("kioskFeedback")
        self.feedback.setWordWrap(True)
        self.feedback.setAlignment(Qt.AlignCenter)
        note = QLabel(_("Your answers are anonymous: nobody can tell which answers are yours."))
        note.setObjectName("kioskHint")
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignCenter)
        note.setStyleSheet("color: #10263b;")
        box = QVBoxLayout(page)
        box.addStretch(1)
        box.addWidget(self.prompt)
        box.addWidget(self.code_edit, 0, Qt.AlignHCenter)
        box.addWidget(self.feedback)
        box.addWidget(note)
        box.addStretch(2)
        return page

    def _question_page(self) -> QWidget:
        page = QWidget()
        self.step = QLabel("")
        self.step.setObjectName("kioskHint")
        self.step.setStyleSheet("color: #10263b;")
        self.step.setAlignment(Qt.AlignCenter)
        self.wording = QLabel("")
        self.wording.setObjectName("kioskPrompt")
        self.wording.setWordWrap(True)
        self.wording.setAlignment(Qt.AlignCenter)
        self.grid = QGridLayout()
        self.level_buttons: list[QPushButton] = []
        self.shown_levels = 0
        self.text_edit = QLineEdit()
        self.text_edit.setObjectName("kioskEvaluationText")
        self.text_edit.setAccessibleName(_("Your answer"))
        self.text_edit.setMaxLength(evaluation.forms.MAX_TEXT)
        self.text_edit.returnPressed.connect(self._next)
        self.back_button = QPushButton(_("Back"))
        self.back_button.setObjectName("kioskBack")
        self.back_button.setAccessibleName(_("Back to the previous question"))
        self.back_button.clicked.connect(self._back)
        self.skip_button = QPushButton(_("Skip"))
        self.skip_button.setObjectName("kioskSkip")
        self.skip_button.setAccessibleName(_("Leave this question unanswered"))
        self.skip_button.clicked.connect(self._skip)
        self.next_button = QPushButton(_("Continue"))
        self.next_button.setObjectName("kioskNext")
        self.next_button.clicked.connect(self._next)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setObjectName("kioskCancel")
        self.cancel_button.setAccessibleName(_("Cancel and give the kiosk back"))
        self.cancel_button.clicked.connect(self._to_welcome)
        row = QHBoxLayout()
        row.addWidget(self.cancel_button)
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.skip_button)
        row.addWidget(self.next_button)
        box = QVBoxLayout(page)
        box.addWidget(self.step)
        box.addWidget(self.wording)
        box.addStretch(1)
        box.addLayout(self.grid)
        box.addWidget(self.text_edit)
        box.addStretch(1)
        box.addLayout(row)
        for digit in range(1, 10):
            QShortcut(QKeySequence(str(digit)), page, activated=lambda d=digit: self._digit(d))
        return page

    def _thanks_page(self) -> QWidget:
        page = QWidget()
        label = QLabel(_("Thank you: your answers have been recorded."))
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
        self.values = [None] * len(self.questions)
        self.code_edit.clear()
        self.code_edit.setEnabled(True)
        self.stack.setCurrentIndex(WELCOME)
        self.code_edit.setFocus()

    def _unlock_answer(self) -> None:
        code = self.code_edit.text().strip()
        if not code:
            return
        self.code_edit.setEnabled(False)

        def check():
            with self.ctx.db.read() as s:
                return evaluation.kiosk_respondent(s, self.session_id, code)

        def ok(_who) -> None:
            self.code = code
            self.feedback.setText("")
            self.values = [None] * len(self.questions)
            self._show(0)

        def refused(exc) -> None:
            self.code_edit.setEnabled(True)
            self.code_edit.clear()
            self.feedback.setText(error_text(exc))
            self.code_edit.setFocus()

        Op(self.ctx, check, write=False).bound_to(self).on_success(ok).on_failure(refused).run()

    def _show(self, index: int) -> None:
        self.index = index
        q = self.questions[index]
        self.step.setText(_("Evaluation of the session") + " · " +
                          _("Question {n} of {total}").format(n=index + 1, total=len(self.questions)))
        self.wording.setText(q.wording(self.lang))
        labels = q.level_labels(self.lang)
        while len(self.level_buttons) < len(labels):  # made once, reused by every question
            n = len(self.level_buttons) + 1
            b = QPushButton()
            b.setObjectName(f"kioskLevel_{n}")
            b.setProperty("level", True)
            b.setCheckable(True)
            b.setMinimumHeight(64)
            b.clicked.connect(lambda _on=False, v=n: self._choose(v))
            self.level_buttons.append(b)
        for b in self.level_buttons:
            self.grid.removeWidget(b)
            b.hide()
        # a scale of up to 5 points in one row (1 … 5, left to right); longer lists in two columns
        across = q.kind == evaluation.SCALE and len(labels) <= 5
        columns = len(labels) if across else 2
        for i, label in enumerate(labels):
            b = self.level_buttons[i]
            b.setText((f"{i + 1}\n{label}" if across else f"{i + 1}   {label}") if label != str(i + 1) else label)
            b.setAccessibleName(label)
            b.setChecked(self.values[index] == i + 1)
            self.grid.addWidget(b, i // columns, i % columns)
            b.show()
        self.shown_levels = len(labels)
        is_text = q.kind == evaluation.TEXT
        self.text_edit.setVisible(is_text)
        self.text_edit.setText(self.values[index] or "" if is_text else "")
        self.back_button.setEnabled(index > 0)
        last = index == len(self.questions) - 1
        self.next_button.setText(_("Send my answers") if last else _("Continue"))
        self.next_button.setObjectName("kioskConfirm" if last else "kioskNext")
        self.next_button.setStyleSheet(self.next_button.styleSheet())  # re-polish for the object name
        self.next_button.style().unpolish(self.next_button)
        self.next_button.style().polish(self.next_button)
        self.stack.setCurrentIndex(QUESTION)
        if is_text:
            self.text_edit.setFocus()
        elif labels:
            self.level_buttons[(self.values[index] or 1) - 1].setFocus()

    def _current_text(self) -> None:
        if self.questions[self.index].kind == evaluation.TEXT:
            self.values[self.index] = self.text_edit.text().strip() or None

    def _digit(self, digit: int) -> None:
        if self.stack.currentIndex() != QUESTION or self.questions[self.index].kind == evaluation.TEXT:
            return
        if digit <= self.shown_levels:
            self._choose(digit)

    def _choose(self, value: int) -> None:
        self.values[self.index] = value
        for i, b in enumerate(self.level_buttons[: self.shown_levels]):
            b.setChecked(i + 1 == value)
        self._advance()

    def _skip(self) -> None:
        self.values[self.index] = None
        self._advance()

    def _next(self) -> None:
        self._current_text()
        self._advance()

    def _back(self) -> None:
        self._current_text()
        if self.index > 0:
            self._show(self.index - 1)

    def _advance(self) -> None:
        if self.index < len(self.questions) - 1:
            self._show(self.index + 1)
        else:
            self._send()

    def _send(self) -> None:
        self.next_button.setEnabled(False)
        code, values = self.code, list(self.values)

        def done(receipt) -> None:
            self.next_button.setEnabled(True)
            self.answered.emit(receipt.answers)
            self.code = ""
            self.values = [None] * len(self.questions)
            self.stack.setCurrentIndex(THANKS)
            self._thanks_timer.start()

        def refused(exc) -> None:
            self.next_button.setEnabled(True)
            self._to_welcome()
            self.feedback.setText(error_text(exc))

        (write_op(self.ctx, evaluation.answer_at_kiosk, self.session_id, code, values).changes("evaluation")
         .bound_to(self).on_success(done).on_failure(refused).run())

    # --- technician --------------------------------------------------------------------------
    def lock(self) -> None:
        self._thanks_timer.stop()
        self.code = ""
        self.values = [None] * len(self.questions)
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
        event.ignore()  # people answering cannot close the kiosk: the PIN is needed
        self.lock()
