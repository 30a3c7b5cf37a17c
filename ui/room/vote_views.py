"""Views of a vote for the room display (shown with ``RoomDisplay.set_view``).

- :class:`QuestionView`: the question on the floor, its options, and a live count of the
  ballots cast ("12 of 30 have voted") — never a partial result, secret or not: the room sees
  the result when the vote closes.
- :class:`ResultView`: the result, a bar chart (QtCharts) and the sentence that explains it; for
  a participatory budget, :class:`BudgetChart` instead: every project's whole label, its cost and
  votes, whether it is funded, and the budget line (what the funded projects spend of it).

Both take plain data from :mod:`p311desk.votes` and size their type from the window's height.
"""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import QMargins, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

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


class _Bar(QWidget):
    """A horizontal bar: ``value`` of ``maximum``; with ``line``, a marker at that value."""

    def __init__(self, name: str, color: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.value, self.maximum, self.line, self.color = 0, 1, None, QColor(color)
        self.setMinimumHeight(14)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)

    def set(self, value: int, maximum: int, line: int | None = None) -> None:
        self.value, self.maximum, self.line = value, max(1, maximum), line
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        w, h = self.width(), self.height()
        p.fillRect(QRectF(0, 0, w, h), QColor(255, 255, 255, 40))
        p.fillRect(QRectF(0, 0, w * min(1.0, self.value / self.maximum), h), self.color)
        if self.line is not None:
            x = w * min(1.0, self.line / self.maximum)
            p.setPen(QPen(QColor("white"), 3))
            p.drawLine(int(x), 0, int(x), h)
        p.end()


class BudgetChart(QWidget):
    """A participatory budget's result for the room: one row per project — the whole label
    (wrapped, never cut), cost, votes and a bar of votes, funded ones highlighted — and the
    budget line: the funded projects' total against the budget."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomBudgetChart")
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(0, 3)
        self.grid.setColumnStretch(2, 2)
        self.rows: list[tuple[QLabel, QLabel, _Bar]] = []
        self.total_label = _label("roomBudgetTotal", 16, bold=True)
        self.total_bar = _Bar("roomBudgetLine", ACCENT)

    def show_budget(self, r: votes.Results, costs: tuple[int, ...]) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None and item.widget() not in (self.total_label, self.total_bar):
                item.widget().deleteLater()
        self.rows = []
        top = max([o.votes or 0 for o in r.options] + [1])
        selected = set(r.selected)
        for i, o in enumerate(r.options):
            funded = o.label in selected
            name = _label(f"roomBudgetProject_{i}", 15, bold=funded, color=ACCENT if funded else "white")
            name.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
            name.setText(("✓ " if funded else "") + o.label)
            cost = i < len(costs) and votes.money(costs[i], currency=True) or ""
            amount = _label(f"roomBudgetCost_{i}", 15, color="white")
            amount.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
            amount.setText(ngettext("{cost} · {n} vote", "{cost} · {n} votes", o.votes or 0).format(
                cost=cost, n=o.votes or 0))
            bar = _Bar(f"roomBudgetBar_{i}", ACCENT if funded else "#8aa0b6")
            bar.set(o.votes or 0, top)
            self.grid.addWidget(name, i, 0)
            self.grid.addWidget(amount, i, 1)
            self.grid.addWidget(bar, i, 2)
            self.rows.append((name, amount, bar))
        budget = int(r.budget or 0)
        spent = sum(costs[i] for i, o in enumerate(r.options) if o.label in selected and i < len(costs))
        self.total_label.setText(_("Funded: {spent} of the {budget} budget").format(
            spent=votes.money(spent, currency=True), budget=votes.money(budget, currency=True)))
        n = len(r.options)
        self.grid.addWidget(self.total_label, n, 0, 1, 2)
        self.grid.addWidget(self.total_bar, n, 2)
        self.total_bar.set(spent, max(budget, spent), line=budget)


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
        self.budget_chart = BudgetChart()
        self.budget_chart.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.chart_view, 1)
        layout.addWidget(self.budget_chart, 1)
        layout.addWidget(self.outcome)
        layout.addWidget(self.explanation)

    def show_result(self, r: votes.Results, costs: tuple[int, ...] = ()) -> None:
        self.title.setText(r.title)
        is_budget = r.method == "budget"
        self.chart_view.setVisible(not is_budget)
        self.budget_chart.setVisible(is_budget)
        if is_budget:
            self.budget_chart.show_budget(r, costs)
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
