"""The plan on the room's screen, objective by objective (shown with ``RoomDisplay.set_view``).

Each slide is one objective: its title, its progress as a large figure with the planned progress
and the deviation, a four-step bar (25/50/75/100 %), then its actions — number, title,
responsible unit, each with its own four-step bar. An objective with more actions than fit on
the screen takes several slides ("2/3"). →, Space and Page Down go forward, ←, Page Up back,
Home to the first slide, End to the last; the display forwards its keys here
(:meth:`handle_key`) and the Accountability page drives it with the same keys.

The view paints itself (no child widgets per action): switching objective only recomputes which
actions are on the slide and repaints, so a plan of hundreds of actions switches at once. Type
sizes follow the window's height (1.0 at 768 px), so a 1024×768 projector reads from the back.

Signals:
    slide_changed(int, int): the slide now shown and how many there are.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from p311desk import accountability
from p311desk.i18n import _, ngettext

BACKGROUND = QColor("#10263b")
ACCENT = QColor("#f2a900")
DONE = QColor("#2fb36f")
EMPTY = QColor("#2c4560")
TEXT = QColor("white")
SOFT = QColor("#c9d6e3")


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} %"


def deviation_text(dev: float | None) -> str:
    if dev is None:
        return _("no plan to compare with")
    n = f"{abs(dev):.1f}".replace(".", ",")
    if abs(dev) < 0.05:
        return _("on plan")
    return (_("{n} points ahead of plan") if dev > 0 else _("{n} points behind plan")).format(n=n)


class AccountabilityView(QWidget):
    """The presentation of a plan on the room display."""

    slide_changed = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roomAccountabilityView")
        self.setFocusPolicy(Qt.StrongFocus)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setAttribute(Qt.WA_OpaquePaintEvent, True)
        self.plan: accountability.PlanInfo | None = None
        self.slides: list[tuple[int, int, int]] = []  # (objective index, first action, last action + 1)
        self.index = 0
        self._per_slide = 0

    # --- what is shown -----------------------------------------------------------------------
    def set_plan(self, plan: accountability.PlanInfo | None, keep: bool = True) -> None:
        """Show ``plan`` (re-read after a change); ``keep`` stays on the same objective."""
        current = self.current_objective() if keep else None
        self.plan = plan
        self._paginate()
        if current is not None and plan is not None:
            for i, (o, _a, _b) in enumerate(self.slides):
                if plan.objectives[o].id == current:
                    self.index = i
                    break
        self._show(self.index if keep else 0)

    def current_objective(self):
        if self.plan is None or not self.slides:
            return None
        return self.plan.objectives[self.slides[self.index][0]].id

    def show_objective(self, number: int) -> None:
        """The first slide of the objective ``number`` (0-based)."""
        for i, (o, _a, _b) in enumerate(self.slides):
            if o == number:
                self._show(i)
                return

    def next(self) -> None:
        self._show(self.index + 1)

    def previous(self) -> None:
        self._show(self.index - 1)

    def home(self) -> None:
        self._show(0)

    def end(self) -> None:
        self._show(len(self.slides) - 1)

    def handle_key(self, key: int) -> bool:
        """→/Space/PgDn, ←/PgUp, Home, End; True when the key was one of them."""
        if key in (Qt.Key_Right, Qt.Key_Space, Qt.Key_PageDown, Qt.Key_Down):
            self.next()
        elif key in (Qt.Key_Left, Qt.Key_PageUp, Qt.Key_Backspace, Qt.Key_Up):
            self.previous()
        elif key == Qt.Key_Home:
            self.home()
        elif key == Qt.Key_End:
            self.end()
        else:
            return False
        return True

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self.handle_key(event.key()):
            super().keyPressEvent(event)

    def _show(self, index: int) -> None:
        if not self.slides:
            self.index = 0
        else:
            self.index = max(0, min(index, len(self.slides) - 1))
        self.update()
        self.slide_changed.emit(self.index, len(self.slides))

    # --- layout --------------------------------------------------------------------------------
    def scale(self) -> float:
        return max(0.55, min(self.height() / 640, self.width() / 900))

    def _rows_fit(self) -> int:
        k = self.scale()
        header = 190 * k
        row = 54 * k
        return max(3, int((self.height() - header - 34 * k) // row))

    def _paginate(self) -> None:
        self.slides = []
        if self.plan is None:
            return
        per = self._rows_fit()
        self._per_slide = per
        for o, obj in enumerate(self.plan.objectives):
            n = len(obj.actions)
            if n == 0:
                self.slides.append((o, 0, 0))
            for start in range(0, n, per):
                self.slides.append((o, start, min(n, start + per)))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self.plan is not None and self._rows_fit() != self._per_slide:
            current = self.slides[self.index] if self.slides else None
            self._paginate()
            if current is not None:
                o, first, _end = current
                self.index = next((i for i, (oo, a, b) in enumerate(self.slides) if oo == o and a <= first < max(b, a + 1)),
                                  0)

    # --- painting --------------------------------------------------------------------------------
    def _font(self, px: float, bold: bool = False) -> QFont:
        f = QFont(self.font())
        f.setPixelSize(max(10, int(px)))
        f.setBold(bold)
        return f

    def _bar(self, p: QPainter, rect: QRectF, progress: float | None) -> None:
        steps = accountability.band(progress)
        gap = max(3.0, rect.width() * 0.02)
        w = (rect.width() - 3 * gap) / 4
        for i in range(4):
            p.fillRect(QRectF(rect.x() + i * (w + gap), rect.y(), w, rect.height()), DONE if i < steps else EMPTY)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        if self.plan is None or not self.slides:
            p.setPen(TEXT)
            p.setFont(self._font(28 * self.scale(), True))
            p.drawText(self.rect(), Qt.AlignCenter | Qt.TextWordWrap, _("No plan to show."))
            p.end()
            return
        k = self.scale()
        W, H = self.width(), self.height()
        margin = 16 * k
        o_index, first, last = self.slides[self.index]
        obj = self.plan.objectives[o_index]
        f = obj.figures
        # Title: "1. Una ciutat sostenible i verda", two lines at most.
        title = f"{obj.code}. {obj.title}" if obj.code and not obj.title.startswith(obj.code) else obj.title
        title_font = self._font(34 * k, True)
        p.setFont(title_font)
        p.setPen(TEXT)
        fig_w = 230 * k
        title_rect = QRectF(margin, margin * 0.5, W - 2 * margin - fig_w, 92 * k)
        fm = QFontMetrics(title_font)
        if fm.horizontalAdvance(title) > title_rect.width() * 2:
            title = fm.elidedText(title, Qt.ElideRight, int(title_rect.width() * 2 - fm.averageCharWidth() * 4))
        p.drawText(title_rect, Qt.AlignLeft | Qt.AlignVCenter | Qt.TextWordWrap, title)
        # The objective's figure.
        p.setFont(self._font(64 * k, True))
        p.setPen(ACCENT)
        p.drawText(QRectF(W - margin - fig_w, margin * 0.2, fig_w, 80 * k), Qt.AlignRight | Qt.AlignVCenter,
                   percent(f.progress))
        p.setFont(self._font(19 * k))
        p.setPen(SOFT)
        p.drawText(QRectF(W - margin - fig_w - 80 * k, 84 * k, fig_w + 80 * k, 26 * k), Qt.AlignRight | Qt.AlignVCenter,
                   _("planned {planned}").format(planned=percent(f.planned)))
        sub = " · ".join(x for x in (
            deviation_text(f.deviation),
            ngettext("{n} action", "{n} actions", f.actions).format(n=f.actions)) if x)
        p.drawText(QRectF(margin, 108 * k, W - 2 * margin, 28 * k), Qt.AlignLeft | Qt.AlignVCenter, sub)
        self._bar(p, QRectF(margin, 142 * k, W - 2 * margin, 16 * k), f.progress)
        # The actions on this slide.
        y = 176 * k
        row_h = 54 * k
        num_w, bar_w, pct_w = 64 * k, 170 * k, 92 * k
        text_w = W - 2 * margin - num_w - bar_w - pct_w - 24 * k
        name_font, resp_font, num_font = self._font(24 * k, True), self._font(18 * k), self._font(26 * k, True)
        fm_name, fm_resp = QFontMetrics(name_font), QFontMetrics(resp_font)
        for a in obj.actions[first:last]:
            p.setPen(QPen(EMPTY, max(1.0, k)))
            p.drawLine(int(margin), int(y), int(W - margin), int(y))
            p.setFont(num_font)
            p.setPen(ACCENT)
            p.drawText(QRectF(margin, y, num_w, row_h), Qt.AlignLeft | Qt.AlignVCenter, str(a.number))
            p.setFont(name_font)
            p.setPen(TEXT)
            x = margin + num_w
            p.drawText(QRectF(x, y + 2 * k, text_w, row_h * 0.58), Qt.AlignLeft | Qt.AlignVCenter,
                       fm_name.elidedText(a.title, Qt.ElideRight, int(text_w)))
            p.setFont(resp_font)
            p.setPen(SOFT)
            detail = " · ".join(x for x in (a.group_title, a.responsible) if x)
            p.drawText(QRectF(x, y + row_h * 0.56, text_w, row_h * 0.42), Qt.AlignLeft | Qt.AlignVCenter,
                       fm_resp.elidedText(detail, Qt.ElideRight, int(text_w)))
            bx = W - margin - pct_w - bar_w
            self._bar(p, QRectF(bx, y + row_h * 0.32, bar_w, row_h * 0.36), a.progress)
            p.setFont(num_font)
            p.setPen(TEXT)
            p.drawText(QRectF(W - margin - pct_w, y, pct_w, row_h), Qt.AlignRight | Qt.AlignVCenter, percent(a.progress))
            y += row_h
        # Footer: where we are, and the legend of the bars.
        p.setFont(self._font(16 * k))
        p.setPen(SOFT)
        count = sum(1 for s in self.slides if s[0] == o_index)
        part = sum(1 for s in self.slides[: self.index + 1] if s[0] == o_index)
        where = _("Objective {n} of {total}").format(n=o_index + 1, total=len(self.plan.objectives))
        if count > 1:
            where += f" · {part}/{count}"
        p.drawText(QRectF(margin, H - 30 * k, W / 2, 26 * k), Qt.AlignLeft | Qt.AlignVCenter, where)
        p.drawText(QRectF(W / 2, H - 30 * k, W / 2 - margin, 26 * k), Qt.AlignRight | Qt.AlignVCenter,
                   _("Four steps: 25 % · 50 % · 75 % · 100 %"))
        p.end()

    def describe(self) -> str:
        """What the slide shows, in words (the page's status line and screen readers)."""
        if self.plan is None or not self.slides:
            return _("No plan to show.")
        o, first, last = self.slides[self.index]
        obj = self.plan.objectives[o]
        return _("Objective {n} of {total}: {title} — actions {first} to {last}").format(
            n=o + 1, total=len(self.plan.objectives), title=obj.title,
            first=obj.actions[first].number if last > first else "—",
            last=obj.actions[last - 1].number if last > first else "—")
