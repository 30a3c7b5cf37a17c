"""The session's evaluation on the room display (shown with ``RoomDisplay.set_view``): while it
takes answers, only how many have answered ("18 of 30") — a live chart would show the room what
the person who just left the kiosk answered; once closed, the results chart (share of each
answer, mean and n per question)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from p311desk import evaluation
from p311desk.i18n import _, ngettext
from ui.widgets.evaluation_charts import ResultsChart

ACCENT = "#f2a900"


def _label(name: str, size: int, *, bold: bool = False, color: str = "white") -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignCenter)
    label.setStyleSheet(f"color: {color}; font-size: {size}pt; {'font-weight: 600;' if bold else ''}")
    return label


class EvaluationView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomEvaluationView")
        self.heading = _label("roomEvaluationHeading", 26, bold=True)
        self.count = _label("roomEvaluationCount", 44, bold=True, color=ACCENT)
        self.caption = _label("roomEvaluationCaption", 18)
        self.chart = ResultsChart(font_pt=13, stats_first=True)
        self.chart.setStyleSheet("background: transparent;")
        counting = QWidget()
        box = QVBoxLayout(counting)
        box.addStretch(1)
        box.addWidget(self.count)
        box.addWidget(self.caption)
        box.addStretch(1)
        self.stack = QStackedWidget()
        self.stack.addWidget(counting)
        self.stack.addWidget(self.chart)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.stack, 1)

    def show_results(self, res: evaluation.Results) -> None:
        self.heading.setText(_("Evaluation of the session"))
        if res.closed:
            self.chart.show_results(res, dark=True)
            self.stack.setCurrentIndex(1)
            return
        self.count.setText(f"{res.answers} / {res.present}" if res.present else str(res.answers))
        self.caption.setText(ngettext("{n} person has answered the evaluation",
                                      "{n} people have answered the evaluation", res.answers).format(n=res.answers))
        self.stack.setCurrentIndex(0)

    def showing_chart(self) -> bool:
        return self.stack.currentIndex() == 1
