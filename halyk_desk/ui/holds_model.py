"""HoldsModel: held payments waiting for a manager, with how long each has left.

The model keeps every hold (a shop has hundreds at a time; the window stays quick with tens of
thousands). What it needs besides the rows — each column's sort keys, the summary's figures — is
worked out on a worker by `prepare`, so the GUI thread only swaps lists. It sorts by itself: a
few milliseconds for 10,000 holds on those keys, where a QSortFilterProxyModel would call data()
for both sides of every comparison and hold the window for a second. Ties keep the service's
order (time left, then invoiceId), as a stable sort does (benchmarks/bench_holds.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from halyk_desk.domain import ALMATY, Money
from halyk_desk.services.payments import HoldRow
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.roles import RowRole, SortRole
from halyk_desk.ui.state_look import HOLD_EXPIRED_BACKGROUND, HOLD_WARN_BACKGROUND, INK
from halyk_desk.ui.table_columns import alignment, header_data

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class HoldColumn:
    title: str
    display: Callable[[HoldRow], str]
    sort_value: Callable[[HoldRow], Any]
    right: bool = False


def _time_left(hold: HoldRow) -> str:
    if hold.expired:
        return QCoreApplication.translate("HoldsModel", "истекла")
    return fmt.duration_text(hold.time_left)


HOLD_COLUMNS: tuple[HoldColumn, ...] = (
    HoldColumn(
        QT_TRANSLATE_NOOP("HoldsModel", "Номер заказа"),
        lambda h: h.invoice_id,
        lambda h: h.invoice_id,
    ),
    HoldColumn(
        QT_TRANSLATE_NOOP("HoldsModel", "Покупатель"),
        lambda h: h.customer or "",
        lambda h: h.customer,
    ),
    HoldColumn(
        QT_TRANSLATE_NOOP("HoldsModel", "Сумма"),
        lambda h: fmt.money_text(h.amount),
        lambda h: h.amount.minor,
        right=True,
    ),
    HoldColumn(
        QT_TRANSLATE_NOOP("HoldsModel", "Платёж создан"),
        lambda h: fmt.local_time_text(h.created_at),
        lambda h: fmt.epoch_seconds(h.created_at),
    ),
    HoldColumn(
        QT_TRANSLATE_NOOP("HoldsModel", "Возраст"),
        lambda h: fmt.duration_text(h.age),
        lambda h: int(h.age.total_seconds()),
        right=True,
    ),
    HoldColumn(
        QT_TRANSLATE_NOOP("HoldsModel", "Осталось"),
        _time_left,
        lambda h: int(h.time_left.total_seconds()),
        right=True,
    ),
    HoldColumn(
        QT_TRANSLATE_NOOP("HoldsModel", "Истекает"),
        lambda h: fmt.local_time_text(h.expires_at),
        lambda h: fmt.epoch_seconds(h.expires_at),
    ),
)

AGE_COLUMN, TIME_LEFT_COLUMN = 4, 5
_TITLES = tuple(column.title for column in HOLD_COLUMNS)
_ALIGNMENTS = tuple(alignment(column.right) for column in HOLD_COLUMNS)


def needs_attention(hold: HoldRow, today: date) -> bool:
    """Past the warning age, or expiring before `today` (Almaty's business day) ends."""
    return hold.warn or hold.expires_at.astimezone(ALMATY).date() == today


@dataclass(frozen=True)
class HoldList:
    """The holds as the service gave them, with each column's sort keys and the summary's
    figures: made once per load by `prepare`, off the GUI thread."""

    holds: list[HoldRow]
    today: date
    #: Per column, each hold's sort value (None for a blank).
    keys: tuple[list[Any], ...]
    #: Sum held, per currency.
    totals: dict[str, Money]
    #: Not expired but past the warning age or expiring today; expired.
    attention: int
    expired: int


def prepare(holds: list[HoldRow], today: date) -> HoldList:
    totals: dict[str, Money] = {}
    for hold in holds:
        currency = hold.amount.currency
        totals[currency] = totals.get(currency, Money.zero(currency)) + hold.amount
    expired = sum(1 for hold in holds if hold.expired)
    attention = sum(1 for h in holds if not h.expired and needs_attention(h, today))
    keys = tuple([column.sort_value(hold) for hold in holds] for column in HOLD_COLUMNS)
    return HoldList(list(holds), today, keys, totals, attention, expired)


class HoldsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._list = prepare([], date.min)
        #: Rows of self._list.holds in the order shown.
        self._order: list[int] = []
        self._holds: list[HoldRow] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_holds(self, holds: HoldList) -> None:
        self.beginResetModel()
        self._list = holds
        self._show(self._sorted())
        self.endResetModel()

    @property
    def holds(self) -> list[HoldRow]:
        """The holds in the order shown."""
        return list(self._holds)

    @property
    def loaded(self) -> HoldList:
        return self._list

    def needs_attention(self, hold: HoldRow) -> bool:
        return needs_attention(hold, self._list.today)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by `column` (a header click); the selection stays on the same holds."""
        if not 0 <= column < len(HOLD_COLUMNS):
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        before = self._order
        self._show(self._sorted())
        row_of = {given: row for row, given in enumerate(self._order)}
        kept = self.persistentIndexList()
        self.changePersistentIndexList(
            kept, [self.index(row_of[before[i.row()]], i.column()) for i in kept])
        self.layoutChanged.emit()

    def _show(self, order: list[int]) -> None:
        self._order = order
        self._holds = [self._list.holds[n] for n in order]

    def _sorted(self) -> list[int]:
        given = range(len(self._list.holds))
        if self._sort is None:
            return list(given)
        column, order = self._sort
        keys = self._list.keys[column]
        # Blanks (a hold without a customer) go where Qt's own sort puts them: after every value,
        # before them when descending. A stable sort keeps the service's order for equal keys.
        blanks = [n for n in given if keys[n] is None]
        rows = [n for n in given if keys[n] is not None]
        if order == Qt.SortOrder.DescendingOrder:
            rows.sort(key=keys.__getitem__, reverse=True)
            return blanks + rows
        rows.sort(key=keys.__getitem__)
        return rows + blanks

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._holds)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HOLD_COLUMNS)
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        return header_data("HoldsModel", _TITLES, _ALIGNMENTS, section, orientation, role)
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        hold = self._holds[index.row()]
        column = HOLD_COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(hold)
        if role == SortRole:
            return column.sort_value(hold)
        if role == RowRole:
            return hold
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGNMENTS[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(hold)
        if role == Qt.ItemDataRole.ForegroundRole:
            return INK if self._background(hold) is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(hold)
        return None

    def _background(self, hold: HoldRow) -> QColor | None:
        if hold.expired:
            return HOLD_EXPIRED_BACKGROUND
        return HOLD_WARN_BACKGROUND if self.needs_attention(hold) else None

    def _tooltip(self, hold: HoldRow) -> str:
        if hold.expired:
            return QCoreApplication.translate(
                "HoldsModel", "Блокировка истекла: подтвердить её уже нельзя."
            )
        if self.needs_attention(hold):
            return QCoreApplication.translate(
                "HoldsModel", "Скоро истечёт: подтвердите или отмените блокировку."
            )
        return ""
