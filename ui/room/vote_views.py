"""Views of a vote for the room display (shown with ``RoomDisplay.set_view``).

- :class:`QuestionView`: the question on the floor, its options, and a live count of the
  ballots cast ("12 of 30 have voted") — never a partial result, secret or not: the room sees
  the result when the vote closes.
- :class:`ResultView`: the result, a bar chart (QtCharts) and the sentence that explains it.

Both take plain data from :mod:`p311desk.votes` and size their type from the window's height.
"""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from p311desk import votes
from p311desk.i18n import _, ngettext

ACCENT = "#f2a900"


def _label(name: str, size: int, *, bold: bool = False, color: str = "white") -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignCenter)
    label.setStyleSheet(f"color: {color}; font-size: {size}pt; {'font-weight: 600;' if bold else ''}")
    return label


class QuestionView(QWidget):
    """The open question and how many have voted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomQuestionView")
        self.title = _label("roomQuestionTitle", 30, bold=True)
        self.options = _label("roomQuestionOptions", 20)
        self.count = _label("roomQuestionCount", 44, bold=True, color=ACCENT)
        self.caption = _label("roomQuestionCaption", 18)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.options)
        layout.addStretch(1)
        layout.addWidget(self.count)
        layout.addWidget(self.caption)
        layout.addStretch(1)

    def show_question(self, question: votes.QuestionInfo, live: votes.LiveCount) -> None:
        self.title.setText(question.title)
        labels = votes.labels_for(question.method, question.options)
        self.options.setText("   ·   ".join(labels) if question.method != "yes_no" else
                             "   ·   ".join((*labels, _("Abstain"))))
        self.update_count(live)

    def update_count(self, live: votes.LiveCount) -> None:
        self.count.setText(f"{live.voted} / {live.eligible}")
        if live.status == "open":
            self.caption.setText(ngettext("{n} person has voted", "{n} people have voted", live.voted)
                                 .format(n=live.voted))
        else:
            self.caption.setText(_("The vote is not open yet."))


class ResultView(QWidget):
    """The result: a bar chart of the options and the explanation."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomResultView")
        self.title = _label("roomResultTitle", 26, bold=True)
        self.outcome = _label("roomResultOutcome", 22, bold=True, color=ACCENT)
        self.chart = QChart()
        self.chart.setBackgroundVisible(False)
        self.chart.setMargins(QMargins(0, 0, 0, 0))
        self.chart.legend().hide()
        self.chart.setAnimationOptions(QChart.NoAnimation)
        self.chart_view = QChartView(self.chart)
        self.chart_view.setObjectName("roomResultChart")
        self.chart_view.setRenderHint(QPainter.Antialiasing)
        self.chart_view.setStyleSheet("background: transparent;")
        self.chart_view.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.explanation = _label("roomResultExplanation", 18)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.chart_view, 1)
        layout.addWidget(self.outcome)
        layout.addWidget(self.explanation)

    def show_result(self, r: votes.Results) -> None:
        self.title.setText(r.title)
        self.explanation.setText(r.explanation)
        self.outcome.setText(", ".join(r.selected) if r.method == "budget" else "")
        self.outcome.setVisible(bool(self.outcome.text()))
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        values = [o.votes or 0 for o in r.options]
        names = [o.label for o in r.options]
        if r.method == "yes_no":
            values.append(r.abstain)
            names.append(_("Abstain"))
        if r.blank:
            values.append(r.blank)
            names.append(_("Blank"))
        bars = QBarSet(_("Votes"))
        bars.append([float(v) for v in values])  # QtCharts draws in floats; the counts stay integers
        bars.setColor(QColor(ACCENT))
        bars.setLabelColor(QColor("white"))
        series = QBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QBarSeries.LabelsOutsideEnd)
        series.setLabelsFormat("@value")
        series.setLabelsPrecision(12)
        self.chart.addSeries(series)
        font = QFont()
        font.setPointSize(14)
        x = QBarCategoryAxis()
        x.append([n if len(n) <= 28 else n[:27] + "…" for n in names])
        x.setLabelsColor(QColor("white"))
        x.setLabelsFont(font)
        x.setGridLineVisible(False)
        y = QValueAxis()
        y.setRange(0, max(values + [1]) * 1.15)
        y.setLabelFormat("%d")
        y.setLabelsColor(QColor("white"))
        y.setVisible(False)
        self.chart.addAxis(x, Qt.AlignBottom)
        self.chart.addAxis(y, Qt.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)
        bars.setLabelFont(font)
