"""DailyChart: captured and refunded money per business day, as pairs of bars drawn with QPainter
(QtCharts is not part of PySide6-Essentials).

The money axis is in tenge with round steps (1, 2 or 5 times a power of ten) and short labels
("250 тыс. ₸", "1,5 млн ₸"); days are labelled as often as their labels fit. Pointing at a day
shows its figures; clicking it emits `day_clicked` (the dashboard opens that day's payments).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QCoreApplication, QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QHelpEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from halyk_desk.domain import Money
from halyk_desk.domain.money import SYMBOLS
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui import i18n

_CONTEXT = "DailyChart"
#: Dark enough for a 4.5:1 contrast on white, apart enough to tell without colour vision.
CAPTURED_COLOUR = QColor("#2e7d32")
REFUNDED_COLOUR = QColor("#e65100")
GRID_COLOUR = QColor("#dddddd")
AXIS_TEXT = QColor("#444444")
TODAY_BACKGROUND = QColor("#fff3cd")
#: Pixels around the plot, besides the axis labels.
PAD = 8
LEGEND_GAP = 18


def tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


@dataclass(frozen=True)
class ChartDay:
    day: date
    captured: Money
    refunded: Money
    count: int


def nice_step(top: int, ticks: int = 5) -> int:
    """A round step (1, 2 or 5 × 10^k tiyn) that cuts 0..top into about `ticks` parts."""
    if top <= 0:
        return 100
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return max(100, int(factor * power))
    return int(10 * power)


def _number(value: float) -> str:
    """One decimal at most, in the window's way of writing numbers."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text if i18n.current() == "en" else text.replace(".", ",")


def short_money(minor: int, currency: str) -> str:
    """An axis label: "500 ₸", "250 тыс. ₸", "1,5 млн ₸"."""
    symbol = SYMBOLS.get(currency, currency)
    tenge = minor / 100
    if abs(tenge) >= 1_000_000:
        text = tr("{n} млн {symbol}").format(n=_number(tenge / 1_000_000), symbol=symbol)
    elif abs(tenge) >= 1_000:
        text = tr("{n} тыс. {symbol}").format(n=_number(tenge / 1_000), symbol=symbol)
    else:
        text = tr("{n} {symbol}").format(n=_number(tenge), symbol=symbol)
    return text


class DailyChart(QWidget):
    #: A day's bars were clicked.
    day_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dailyChart")
        self.days: list[ChartDay] = []
        self.currency = "KZT"
        self.today: date | None = None
        self.synced = True
        self.setMouseTracking(True)
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(self.tr("Списано и возвращено по дням"))
        self._hovered: int | None = None

    def sizeHint(self) -> QSize:
        return QSize(800, 320)

    def set_days(self, days: list[ChartDay], currency: str, today: date | None, *,
                 synced: bool = True) -> None:
        """`synced` false: the bank was never read, so an empty chart means "not read yet"."""
        self.days, self.currency, self.today = days, currency, today
        self.synced = synced
        self._hovered = None
        self.update()

    # --- geometry -----------------------------------------------------------------------------
    def _top_value(self) -> tuple[int, int]:
        """The axis' top (a whole number of steps) and its step, in tiyn."""
        highest = max((max(d.captured.minor, d.refunded.minor) for d in self.days), default=0)
        step = nice_step(highest)
        return max(step, math.ceil(highest / step) * step), step

    def _plot(self) -> QRectF:
        metrics = self.fontMetrics()
        top, step = self._top_value()
        labels = [short_money(v, self.currency) for v in range(0, top + 1, step)]
        left = max(metrics.horizontalAdvance(text) for text in labels) + PAD * 2
        legend = metrics.height() + PAD * 2
        bottom = metrics.height() + PAD * 2
        return QRectF(left, legend, max(10, self.width() - left - PAD * 2),
                      max(10, self.height() - legend - bottom))

    def _slot(self, plot: QRectF) -> float:
        return plot.width() / max(1, len(self.days))

    def day_at(self, x: float) -> int | None:
        plot = self._plot()
        if not self.days or not plot.left() <= x < plot.right():
            return None
        return min(len(self.days) - 1, int((x - plot.left()) / self._slot(plot)))

    # --- painting -----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        plot = self._plot()
        self._paint_legend(painter)
        if not self.days or not any(d.captured or d.refunded for d in self.days):
            painter.setPen(AXIS_TEXT)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, self.empty_text())
        top, step = self._top_value()
        self._paint_axis(painter, plot, top, step)
        if self.days:
            self._paint_bars(painter, plot, top)
            self._paint_days(painter, plot)
        painter.end()

    def empty_text(self) -> str:
        if not self.synced:
            return self.tr("Платежи ещё не прочитаны из банка: нажмите F5 (Синхронизировать).")
        return self.tr("За этот период денег не списывали и не возвращали.")

    def _paint_legend(self, painter: QPainter) -> None:
        metrics = self.fontMetrics()
        x = float(PAD)
        box = metrics.height() * 0.7
        for colour, text in ((CAPTURED_COLOUR, self.tr("Списано")),
                             (REFUNDED_COLOUR, self.tr("Возвраты"))):
            painter.fillRect(QRectF(x, PAD + (metrics.height() - box) / 2, box, box), colour)
            x += box + 4
            painter.setPen(AXIS_TEXT)
            painter.drawText(QPointF(x, PAD + metrics.ascent()), text)
            x += metrics.horizontalAdvance(text) + LEGEND_GAP
        note = self.tr("по дням оформления платежа, время Алматы")
        painter.drawText(QPointF(x, PAD + metrics.ascent()), note)

    def _paint_axis(self, painter: QPainter, plot: QRectF, top: int, step: int) -> None:
        metrics = self.fontMetrics()
        for value in range(0, top + 1, step):
            y = plot.bottom() - plot.height() * value / top
            painter.setPen(QPen(GRID_COLOUR, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(AXIS_TEXT)
            text = short_money(value, self.currency)
            painter.drawText(QPointF(plot.left() - PAD - metrics.horizontalAdvance(text),
                                     y + metrics.ascent() / 2 - 1), text)

    def _paint_bars(self, painter: QPainter, plot: QRectF, top: int) -> None:
        slot = self._slot(plot)
        bar = max(1.0, slot * 0.36)
        for n, day in enumerate(self.days):
            x = plot.left() + n * slot
            if day.day == self.today:
                painter.fillRect(QRectF(x, plot.top(), slot, plot.height()), TODAY_BACKGROUND)
            if n == self._hovered:
                painter.fillRect(QRectF(x, plot.top(), slot, plot.height()), QColor(0, 0, 0, 18))
            centre = x + slot / 2
            for offset, amount, colour in ((-bar, day.captured, CAPTURED_COLOUR),
                                           (0.0, day.refunded, REFUNDED_COLOUR)):
                height = plot.height() * amount.minor / top
                if height > 0:
                    painter.fillRect(QRectF(centre + offset, plot.bottom() - height, bar,
                                            max(1.0, height)), colour)

    def _paint_days(self, painter: QPainter, plot: QRectF) -> None:
        metrics = self.fontMetrics()
        slot = self._slot(plot)
        width = metrics.horizontalAdvance("00.00") + PAD
        every = max(1, math.ceil(width / slot))
        painter.setPen(AXIS_TEXT)
        for n, day in enumerate(self.days):
            # From the newest day back, so that today always has its label.
            if (len(self.days) - 1 - n) % every:
                continue
            text = day.day.strftime("%d.%m")
            font = QFont(self.font())
            font.setBold(day.day == self.today)
            painter.setFont(font)
            x = plot.left() + n * slot + slot / 2 - metrics.horizontalAdvance(text) / 2
            painter.drawText(QPointF(x, plot.bottom() + PAD + metrics.ascent()), text)
        painter.setFont(self.font())

    # --- pointing -----------------------------------------------------------------------------
    def tooltip_text(self, index: int) -> str:
        day = self.days[index]
        return self.tr("{day}: списано {captured}, возвраты {refunded}, платежей {count}. "
                       "Щёлкните, чтобы открыть их список.").format(
            day=day.day.strftime("%d.%m.%Y"), captured=fmt.money_text(day.captured),
            refunded=fmt.money_text(day.refunded), count=fmt.grouped(day.count))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.day_at(event.pos().x())
            if index is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_text(index), self)
            return True
        return super().event(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.day_at(event.position().x())
        if index != self._hovered:
            self._hovered = index
            self.setCursor(Qt.CursorShape.PointingHandCursor if index is not None
                           else Qt.CursorShape.ArrowCursor)
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hovered = None
        self.update()
        super().leaveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        index = self.day_at(event.position().x())
        if event.button() == Qt.MouseButton.LeftButton and index is not None:
            self.day_clicked.emit(self.days[index].day)
        super().mouseReleaseEvent(event)
