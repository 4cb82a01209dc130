"""DashboardView, the first tab: today's and the period's money, a chart by day, holds by age,
unresolved operations and (once reconciliation provides them) open discrepancies.

Every figure opens the list it counts: a money card or a day of the chart opens the Payments tab
with that period and those states, a hold bucket opens the Holds tab with those holds selected,
the unresolved operations open the Operations tab (the journal). The view only emits what to open
(`open_payments`, `open_holds`, `open_operations`); the window does the opening
(ui/window_wiring.py). Reconciliation's count and list are plugged in through
`set_discrepancy_source`; until then that card is hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.domain import DEFAULT_CURRENCY, Money
from halyk_desk.services import dashboard as dashboard_service
from halyk_desk.services.changes import Changes
from halyk_desk.services.dashboard import CAPTURED_STATES, REFUNDED_STATES, Dashboard, HoldBucket
from halyk_desk.services.payments import PaymentFilter
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.daily_chart import ChartDay, DailyChart
from halyk_desk.ui.tasks import run

CARD_STYLE = """
QFrame[card="true"] { background: #fafafa; border: 1px solid #d0d0d0; border-radius: 6px; }
QFrame[card="true"]:hover, QFrame[card="true"]:focus { border: 1px solid #1565c0;
    background: #eef4fc; }
QFrame[card="true"][tone="warn"] { background: #fff4d6; }
QFrame[card="true"][tone="alarm"] { background: #fde4e4; }
QFrame[card="true"]:disabled { background: #f4f4f4; }
"""
MUTED = "color: #555555;"

#: Periods of the dashboard: (key, number of days or a month).
PERIODS = ("7", "30", "90", "month", "last_month")
DEFAULT_PERIOD = "30"


def period_bounds(key: str, today: date) -> tuple[date, date]:
    if key == "month":
        return today.replace(day=1), today
    if key == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    return today - timedelta(days=int(key) - 1), today


class StatCard(QFrame):
    """A figure with its title; clicked, or Enter/Space when focused, emits `activated`."""

    activated = Signal()

    def __init__(self, name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setProperty("card", True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.title_label = QLabel(title, self)
        self.title_label.setStyleSheet(MUTED)
        self.value_label = QLabel("—", self)
        font = self.value_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.value_label.setFont(font)
        self.detail_label = QLabel(self)
        self.detail_label.setStyleSheet(MUTED)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(1)
        layout.addWidget(self.title_label)
        layout.addWidget(self.value_label)
        layout.addWidget(self.detail_label)

    def set_value(self, value: str, detail: str = "", *, tone: str = "") -> None:
        self.value_label.setText(value)
        self.detail_label.setText(detail)
        if self.property("tone") != tone:
            self.setProperty("tone", tone)
            self.style().unpolish(self)
            self.style().polish(self)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
                event.position().toPoint()):
            self.activated.emit()
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.activated.emit()
            return
        super().keyPressEvent(event)


def _others(totals: dict[str, Any], pick: Callable[[Any], Money]) -> str:
    """Money in currencies other than tenge, for the line under a card: "+ 12,00 $"."""
    return " ".join("+ " + fmt.money_text(pick(t)) for c, t in sorted(totals.items())
                    if c != DEFAULT_CURRENCY and pick(t))


class DashboardView(QWidget):
    #: Open the Payments tab with this filter.
    open_payments = Signal(object)
    #: Open the Holds tab with the holds of this bucket (a HoldBucket) selected.
    open_holds = Signal(object)
    #: Open the journal of operations at the unresolved ones.
    open_operations = Signal()
    #: The figures were read (again); for tests.
    loaded = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardView")
        self.setStyleSheet(CARD_STYLE)
        self._ctx = ctx
        self._generation = 0
        self.data: Dashboard | None = None
        self._discrepancy_count: Callable[[Any], int | None] | None = None
        self._discrepancy_open: Callable[[], None] | None = None
        self.discrepancies: int | None = None

        self.period_combo = QComboBox(self)
        self.period_combo.setObjectName("dashboardPeriod")
        titles = {"7": self.tr("7 дней"), "30": self.tr("30 дней"), "90": self.tr("90 дней"),
                  "month": self.tr("Этот месяц"), "last_month": self.tr("Прошлый месяц")}
        for key in PERIODS:
            self.period_combo.addItem(titles[key], key)
        self.period_combo.setCurrentIndex(PERIODS.index(DEFAULT_PERIOD))
        self.updated_label = QLabel(self)
        self.updated_label.setObjectName("dashboardUpdated")
        self.updated_label.setStyleSheet(MUTED)
        self.refresh_button = QPushButton(self.tr("Обновить"), self)
        self.refresh_button.setObjectName("dashboardRefresh")

        self.today_label = QLabel(self)
        self.period_label = QLabel(self)
        self.cards: dict[str, StatCard] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(8)
        grid.addWidget(self.today_label, 0, 0)
        grid.addWidget(self.period_label, 1, 0)
        money_titles = (("Captured", self.tr("Списано")), ("Refunded", self.tr("Возвраты")),
                        ("Net", self.tr("Итого за вычетом возвратов")),
                        ("Count", self.tr("Оплаченных платежей")))
        for row, scope in enumerate(("today", "period")):
            for column, (part, title) in enumerate(money_titles, start=1):
                name = f"{scope}{part}"
                card = StatCard(name, title, self)
                refunds = part == "Refunded"
                card.activated.connect(
                    lambda s=scope, r=refunds: self._open_money(s, refunds=r))
                grid.addWidget(card, row, column)
                self.cards[name] = card

        self.chart = DailyChart(self)
        self.chart.day_clicked.connect(self._open_day)

        self.holds_label = QLabel(self.tr("Блокировки по возрасту:"), self)
        self.hold_cards: list[StatCard] = []
        self.holds_row = QHBoxLayout()
        self.holds_row.addWidget(self.holds_label)
        self.operations_card = StatCard("unresolvedOperations", self.tr("Операции в процессе"),
                                        self)
        self.operations_card.activated.connect(lambda: self.open_operations.emit())
        self.discrepancies_card = StatCard("openDiscrepancies", self.tr("Открытые расхождения"),
                                           self)
        self.discrepancies_card.activated.connect(self._open_discrepancies)
        self.discrepancies_card.setVisible(False)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("dashboardError")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.error_label.setVisible(False)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Период:"), self))
        top.addWidget(self.period_combo)
        top.addWidget(self.updated_label, 1)
        top.addWidget(self.refresh_button)
        bottom = QHBoxLayout()
        bottom.addLayout(self.holds_row, 3)
        bottom.addSpacing(16)
        bottom.addWidget(self.operations_card, 1)
        bottom.addWidget(self.discrepancies_card, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.error_label)
        layout.addLayout(grid)
        layout.addWidget(self.chart, 1)
        layout.addLayout(bottom)

        self.period_combo.currentIndexChanged.connect(self.refresh)
        self.refresh_button.clicked.connect(self.refresh)

    # --- hooks --------------------------------------------------------------------------------
    def set_discrepancy_source(self, count: Callable[[Any], int | None],
                               open_list: Callable[[], None]) -> None:
        """Reconciliation's hook: `count(ctx)` (run on a worker with the other figures) gives the
        open discrepancies, `open_list()` shows them. The card appears from now on."""
        self._discrepancy_count = count
        self._discrepancy_open = open_list
        self.discrepancies_card.setVisible(True)
        self.refresh()

    # --- loading ------------------------------------------------------------------------------
    def period_key(self) -> str:
        return self.period_combo.currentData()

    def start(self) -> None:
        self.refresh()

    def on_changed(self, changes: Changes) -> None:
        if changes.touches("payments", "holds", "operations", "reconciliation"):
            self.refresh()

    def refresh(self) -> None:
        self._generation += 1
        generation, ctx, key = self._generation, self._ctx, self.period_key()
        count = self._discrepancy_count

        def job() -> tuple[Dashboard, int | None]:
            today = dashboard_service.business_today(ctx)
            figures = dashboard_service.dashboard(ctx, *period_bounds(key, today))
            return figures, (count(ctx) if count is not None else None)

        self.refresh_button.setEnabled(False)
        run(job, self._arrived, self._failed,
            settle=lambda: self.refresh_button.setEnabled(True),
            current=lambda: generation == self._generation,  # else a newer request is on its way
            owner=self)

    def _failed(self, error: BaseException) -> None:
        self.error_label.setText(self.tr(
            "Не удалось прочитать сводку: {error}. Нажмите «Обновить»; если не поможет, "
            "проверьте доступ к базе данных.").format(error=str(error).rstrip(".")))
        self.error_label.setVisible(True)

    def _arrived(self, result: tuple[Dashboard, int | None]) -> None:
        self.error_label.setVisible(False)
        self.data, self.discrepancies = result
        self._show(self.data)
        self.loaded.emit()

    # --- showing ------------------------------------------------------------------------------
    def _show(self, data: Dashboard) -> None:
        self.updated_label.setText(self.tr("обновлено {when} · рабочий день по {zone}").format(
            when=fmt.local_time_text(data.made_at, "%H:%M"), zone=data.time_zone))
        self.today_label.setText(self.tr("Сегодня, {day}:").format(
            day=data.today.strftime("%d.%m.%Y")))
        self.period_label.setText(self.tr("За период {start} – {end}:").format(
            start=data.date_from.strftime("%d.%m"), end=data.date_to.strftime("%d.%m.%Y")))
        for scope, totals in (("today", data.today_totals), ("period", data.period_totals)):
            main = totals[DEFAULT_CURRENCY]
            self.cards[f"{scope}Captured"].set_value(
                fmt.money_text(main.captured), _others(totals, lambda t: t.captured))
            self.cards[f"{scope}Refunded"].set_value(
                fmt.money_text(main.refunded), _others(totals, lambda t: t.refunded))
            self.cards[f"{scope}Net"].set_value(
                fmt.money_text(main.net), _others(totals, lambda t: t.net))
            count = sum(t.count for t in totals.values())
            self.cards[f"{scope}Count"].set_value(fmt.grouped(count))
        self.chart.set_days([ChartDay(d.day, d.totals[DEFAULT_CURRENCY].captured,
                                      d.totals[DEFAULT_CURRENCY].refunded,
                                      d.totals[DEFAULT_CURRENCY].count) for d in data.days],
                            DEFAULT_CURRENCY, data.today, synced=data.synced)
        self._show_holds(data.holds)
        self._show_operations_card(data)
        if self._discrepancy_count is not None:
            count = self.discrepancies
            if count is None:  # never reconciled: nothing is known
                self.discrepancies_card.set_value(self.tr("не сверяли"),
                                                  self.tr("сверки ещё не было"))
            else:
                self.discrepancies_card.set_value(fmt.grouped(count) if count else self.tr("нет"),
                                                  tone="warn" if count else "")

    def _bucket_title(self, bucket: HoldBucket) -> str:
        if bucket.expired:
            return self.tr("истекли")
        if bucket.from_days == 0:
            return self.tr("< {to} д").format(to=bucket.to_days)
        return self.tr("{start}–{end} д").format(start=bucket.from_days, end=bucket.to_days)

    def _show_holds(self, buckets: list[HoldBucket]) -> None:
        while len(self.hold_cards) < len(buckets):
            card = StatCard(f"holds{len(self.hold_cards)}", "", self)
            index = len(self.hold_cards)
            card.activated.connect(lambda i=index: self._open_bucket(i))
            self.holds_row.addWidget(card)
            self.hold_cards.append(card)
        warn_days = self._ctx.settings["hold_warn_days"]
        for card, bucket in zip(self.hold_cards, buckets, strict=False):
            card.title_label.setText(self._bucket_title(bucket))
            amount = " + ".join(fmt.money_text(m) for m in bucket.amounts.values())
            tone = ""
            if bucket.count and bucket.expired:
                tone = "alarm"
            elif bucket.count and bucket.to_days > warn_days:
                tone = "warn"
            card.set_value(fmt.grouped(bucket.count), amount or " ", tone=tone)
            card.setVisible(True)
        for card in self.hold_cards[len(buckets):]:
            card.setVisible(False)

    def _show_operations_card(self, data: Dashboard) -> None:
        counts = data.unresolved_by_status()
        parts = []
        if counts.get("pending_approval"):
            parts.append(self.tr("ждут одобрения: {n}").format(n=counts["pending_approval"]))
        sending = counts.get("intent", 0) + counts.get("sent", 0)
        if sending:
            parts.append(self.tr("отправляются: {n}").format(n=sending))
        if counts.get("unknown"):
            parts.append(self.tr("результат неизвестен: {n}").format(n=counts["unknown"]))
        total = len(data.unresolved)
        self.operations_card.set_value(fmt.grouped(total) if total else self.tr("нет"),
                                       " · ".join(parts), tone="warn" if total else "")
        self.operations_card.setToolTip(self.tr("Открыть реестр операций"))

    # --- opening lists ------------------------------------------------------------------------
    def _period(self, scope: str) -> tuple[date, date] | None:
        if self.data is None:
            return None
        if scope == "today":
            return self.data.today, self.data.today
        return self.data.date_from, self.data.date_to

    def _open_money(self, scope: str, *, refunds: bool) -> None:
        period = self._period(scope)
        if period is None:
            return
        states = REFUNDED_STATES if refunds else CAPTURED_STATES
        self.open_payments.emit(PaymentFilter(date_from=period[0], date_to=period[1],
                                               states=frozenset(states)))

    def _open_day(self, day: date) -> None:
        self.open_payments.emit(PaymentFilter(
            date_from=day, date_to=day, states=frozenset(CAPTURED_STATES)))

    def _open_bucket(self, index: int) -> None:
        if self.data is not None and index < len(self.data.holds):
            self.open_holds.emit(self.data.holds[index])

    def _open_discrepancies(self) -> None:
        if self._discrepancy_open is not None:
            self._discrepancy_open()
