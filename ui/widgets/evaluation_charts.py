"""Charts of an evaluation (QtCharts), from the plain results of :mod:`p311desk.evaluation`.

- :class:`ResultsChart`: one horizontal bar per scale or choice question, split by the share of
  each answer (1 … N, red to green), with the mean and n in the question's label;
- :class:`TrendChart`: the mean of each scale question, session by session, across a series.

Used on the Evaluation page and, larger, on the room display (``font_pt`` sets the type size).
"""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QChart,
    QChartView,
    QHorizontalPercentBarSeries,
    QBarSet,
    QCategoryAxis,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy

from p311desk import evaluation
from p311desk.i18n import _

# Red → green, for answers 1 … N (interpolated for scales other than 5 points).
LEVEL_COLORS = ["#c0392b", "#e67e22", "#f1c40f", "#7fb342", "#2e7d32"]
LINE_COLORS = ["#1f3b57", "#f2a900", "#2e7d32", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d"]


def _short(text: str, limit: int = 46) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def level_color(index: int, size: int) -> QColor:
    if size <= 1:
        return QColor(LEVEL_COLORS[-1])
    pos = index * (len(LEVEL_COLORS) - 1) / (size - 1)
    return QColor(LEVEL_COLORS[round(pos)])


def _slot(index: int, size: int, widest: int) -> int:
    """Where answer ``index`` of a ``size``-point question sits on a ``widest``-point scale."""
    return index if size <= 1 else round(index * (widest - 1) / (size - 1))


class ResultsChart(QChartView):
    """The distribution of every question with boxes, as shares of its answers."""

    def __init__(self, font_pt: int = 9, parent=None, *, stats_first: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationResultsChart")
        self.font_pt = font_pt
        self.stats_first = stats_first  # the room's screen elides long labels: mean and n first
        self.setRenderHint(QPainter.Antialiasing)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.categories: list[str] = []
        self.show_results(None)

    def show_results(self, res: evaluation.Results | None, dark: bool = False) -> None:
        chart = QChart()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(0)
        if dark:
            chart.setBackgroundBrush(QColor("#10263b"))
        font = QFont()
        font.setPointSize(self.font_pt)
        questions = [q for q in (res.questions if res else ()) if q.kind != evaluation.TEXT]
        self.categories = []
        if questions:
            size = max(len(q.counts) for q in questions)
            # Each question's answers sit on the widest scale (a 4-level "Molt" is as green as a
            # 5-point "Molt bé"); each bar's name lists what the questions call it.
            slots = [[_slot(i, len(q.counts), size) for i in range(len(q.counts))] for q in questions]
            series = QHorizontalPercentBarSeries()
            for level in range(size):
                names = []
                for q, where in zip(questions, slots, strict=True):
                    for i, slot in enumerate(where):
                        if slot == level and q.labels[i] not in names:
                            names.append(q.labels[i])
                bar = QBarSet(" / ".join(names) or str(level + 1))
                bar.setColor(level_color(level, size))
                bar.setBorderColor(QColor("white"))
                for q, where in reversed(list(zip(questions, slots, strict=True))):  # the first question on top
                    bar.append(sum(c for c, slot in zip(q.counts, where, strict=True) if slot == level))
                series.append(bar)
            series.setLabelsVisible(True)
            series.setBarWidth(0.7)
            chart.addSeries(series)
            for number, q in reversed(list(enumerate(questions, start=1))):
                mean = "" if q.mean is None else _("mean {mean}").format(mean=f"{q.mean:.1f}") + " · "
                if self.stats_first:
                    self.categories.append(f"{number}. ({mean}n={q.n}) {_short(q.text, 30)}")
                else:
                    self.categories.append(f"{number}. {_short(q.text)} — {mean}n={q.n}")
            axis_y = QBarCategoryAxis()
            axis_y.append(self.categories)
            axis_y.setLabelsFont(font)
            axis_x = QValueAxis()
            axis_x.setRange(0, 100)
            axis_x.setLabelFormat("%d %%")
            axis_x.setLabelsFont(font)
            if dark:
                for axis in (axis_x, axis_y):
                    axis.setLabelsColor(QColor("white"))
            chart.addAxis(axis_y, Qt.AlignLeft)
            chart.addAxis(axis_x, Qt.AlignBottom)
            series.attachAxis(axis_y)
            series.attachAxis(axis_x)
            chart.legend().setVisible(True)
            chart.legend().setAlignment(Qt.AlignBottom)
            chart.legend().setFont(font)
            if dark:
                chart.legend().setLabelColor(QColor("white"))
        else:
            chart.legend().setVisible(False)
        self.setChart(chart)


class TrendChart(QChartView):
    """The mean of each scale question across the sessions of a series."""

    def __init__(self, font_pt: int = 9, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationTrendChart")
        self.font_pt = font_pt
        self.setRenderHint(QPainter.Antialiasing)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.lines: list[QLineSeries] = []
        self.show_trend(None)

    def show_trend(self, tr: evaluation.Trend | None) -> None:
        chart = QChart()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(0)
        font = QFont()
        font.setPointSize(self.font_pt)
        self.lines = []
        if tr and tr.sessions and tr.lines:
            top = max(line.points for line in tr.lines)
            axis_x = QCategoryAxis()
            axis_x.setLabelsPosition(QCategoryAxis.AxisLabelsPositionOnValue)
            for i, (_sid, title, date) in enumerate(tr.sessions):
                axis_x.append(f"{date or '—'}\n{_short(title, 18)}" + "\u200b" * i, i)  # labels must differ
            axis_x.setRange(-0.3, max(len(tr.sessions) - 1, 1) + 0.3)
            axis_x.setLabelsFont(font)
            axis_y = QValueAxis()
            axis_y.setRange(1, top)
            axis_y.setTickCount(top)
            axis_y.setLabelFormat("%d")
            axis_y.setLabelsFont(font)
            chart.addAxis(axis_x, Qt.AlignBottom)
            chart.addAxis(axis_y, Qt.AlignLeft)
            for n, line in enumerate(tr.lines):
                color = QColor(LINE_COLORS[n % len(LINE_COLORS)])
                series = QLineSeries()
                series.setName(_short(line.text, 40))
                series.setPen(QPen(color, 3))
                dots = QScatterSeries()
                dots.setColor(color)
                dots.setMarkerSize(9)
                for i, p in enumerate(line.values):
                    if p.mean is not None:
                        series.append(i, round(p.mean, 2))  # the point label shows this value
                        dots.append(i, round(p.mean, 2))
                series.setPointLabelsVisible(True)
                series.setPointLabelsFormat("@yPoint")
                series.setPointLabelsClipping(False)
                chart.addSeries(series)
                chart.addSeries(dots)
                for s in (series, dots):
                    s.attachAxis(axis_x)
                    s.attachAxis(axis_y)
                chart.legend().markers(dots)[0].setVisible(False)
                self.lines.append(series)
            chart.legend().setAlignment(Qt.AlignBottom)
            chart.legend().setFont(font)
        else:
            chart.legend().setVisible(False)
            chart.setTitle(_("No closed evaluation in this series yet."))
        self.setChart(chart)
