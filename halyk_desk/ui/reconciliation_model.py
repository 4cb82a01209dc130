"""DiscrepancyModel: the discrepancies of one reconciliation run, for the Reconciliation tab.

A run lists at most a few thousand discrepancies, so the model keeps them all; the view filters
them by category and by "resolved" through DiscrepancyFilter and sorts by the integer SortRole.
Category names are the engine's keys shown in Russian through CATEGORY_TITLES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from halyk_desk.domain import Money
from halyk_desk.reconcile import Discrepancy
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.roles import RowRole, SortRole
from halyk_desk.ui.state_look import INK
from halyk_desk.ui.table_columns import alignment, header_data

_CONTEXT = "Reconciliation"
Index = QModelIndex | QPersistentModelIndex
#: Resolved lines are greyed: they stay in the list, and in the workbook, for the record.
RESOLVED_INK = QColor("#6b6b6b")

#: The reconciliation's categories in Russian (the engine's TITLES, here so that lupdate finds
#: them; a test keeps both the same).
CATEGORY_TITLES: dict[str, str] = {
    "matched": QT_TRANSLATE_NOOP("Reconciliation", "Совпадает"),
    "amount_mismatch": QT_TRANSLATE_NOOP("Reconciliation", "Расхождение суммы"),
    "status_mismatch": QT_TRANSLATE_NOOP("Reconciliation", "Расхождение статуса"),
    "missing_at_bank": QT_TRANSLATE_NOOP("Reconciliation", "Нет оплаты в банке"),
    "unknown_to_shop": QT_TRANSLATE_NOOP("Reconciliation", "Платёж неизвестен магазину"),
    "duplicate_payments": QT_TRANSLATE_NOOP("Reconciliation", "Несколько платежей по заказу"),
    "holds_awaiting": QT_TRANSLATE_NOOP("Reconciliation", "Блокировки, ожидают подтверждения"),
    "holds_expiring": QT_TRANSLATE_NOOP("Reconciliation", "Блокировки, скоро истекают"),
    "holds_expired": QT_TRANSLATE_NOOP("Reconciliation", "Блокировки, срок истёк"),
    "partially_refunded": QT_TRANSLATE_NOOP("Reconciliation", "Частичный возврат"),
    "refunded": QT_TRANSLATE_NOOP("Reconciliation", "Возврат"),
    "fee": QT_TRANSLATE_NOOP("Reconciliation", "Комиссия банка"),
    "currency_mismatch": QT_TRANSLATE_NOOP("Reconciliation", "Расхождение валюты"),
    "unresolved_operations": QT_TRANSLATE_NOOP("Reconciliation", "Незавершённые операции"),
}


_CATEGORY_ORDER = {key: n for n, key in enumerate(CATEGORY_TITLES)}


def category_title(key: str) -> str:
    return QCoreApplication.translate(_CONTEXT, CATEGORY_TITLES[key])


def _money_sort(value: Money | None) -> int:
    return -(2**62) if value is None else value.minor


def _resolved_text(d: Discrepancy) -> str:
    """"нет" for an open line (an empty cell read as "not loaded"), else who resolved it how."""
    if d.mark is None:
        return QCoreApplication.translate("Reconciliation", "нет")
    return QCoreApplication.translate("Reconciliation", "✓ {by}: {note}").format(by=d.mark.by,
                                                                          note=d.mark.note)


@dataclass(frozen=True)
class DiscrepancyColumn:
    title: str
    display: Callable[[Discrepancy], str]
    sort_value: Callable[[Discrepancy], Any]
    right: bool = False


COLUMNS: tuple[DiscrepancyColumn, ...] = (
    DiscrepancyColumn(QT_TRANSLATE_NOOP("Reconciliation", "Категория"),
                      lambda d: category_title(d.category),
                      lambda d: _CATEGORY_ORDER[d.category]),
    DiscrepancyColumn(QT_TRANSLATE_NOOP("Reconciliation", "День"),
                      lambda d: d.day.strftime("%d.%m.%Y") if d.day else "",
                      lambda d: d.day.toordinal() if d.day else 0),
    DiscrepancyColumn(QT_TRANSLATE_NOOP("Reconciliation", "Номер заказа"),
                      lambda d: d.invoice_id or "", lambda d: d.invoice_id or ""),
    DiscrepancyColumn(QT_TRANSLATE_NOOP("Reconciliation", "В магазине"),
                      lambda d: fmt.money_text(d.shop_amount), lambda d: _money_sort(d.shop_amount),
                      right=True),
    DiscrepancyColumn(QT_TRANSLATE_NOOP("Reconciliation", "В банке"),
                      lambda d: fmt.money_text(d.bank_amount), lambda d: _money_sort(d.bank_amount),
                      right=True),
    DiscrepancyColumn(QT_TRANSLATE_NOOP("Reconciliation", "Разница"),
                      lambda d: fmt.money_text(d.difference), lambda d: _money_sort(d.difference),
                      right=True),
    DiscrepancyColumn(QT_TRANSLATE_NOOP("Reconciliation", "Что не так"),
                      lambda d: str(d.message), lambda d: str(d.message)),
    DiscrepancyColumn(QT_TRANSLATE_NOOP("Reconciliation", "Решено"),
                      _resolved_text, lambda d: d.mark.at.timestamp() if d.mark else -1.0),
)
_TITLES = tuple(column.title for column in COLUMNS)
_ALIGNMENTS = tuple(alignment(column.right) for column in COLUMNS)
#: The column that takes the table's spare width.
MESSAGE_COLUMN = 6


class DiscrepancyModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._items: list[Discrepancy] = []

    def set_items(self, items: list[Discrepancy]) -> None:
        self.beginResetModel()
        self._items = list(items)
        self.endResetModel()

    def replace_items(self, items: list[Discrepancy]) -> None:
        """The same lines, some of them changed (a mark): the view keeps its selection."""
        assert len(items) == len(self._items)
        self._items = list(items)
        if items:
            self.dataChanged.emit(self.index(0, 0),
                 self.index(len(items) - 1, len(COLUMNS) - 1))

    @property
    def items(self) -> list[Discrepancy]:
        return list(self._items)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        return header_data(_CONTEXT, _TITLES, _ALIGNMENTS, section, orientation, role)
    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._items[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.display(item)
        if role == SortRole:
            return column.sort_value(item)
        if role == RowRole:
            return item
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGNMENTS[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return RESOLVED_INK if item.resolved else INK
        if role == Qt.ItemDataRole.ToolTipRole:
            return str(item.message)
        return None


class DiscrepancyFilter(QSortFilterProxyModel):
    """Shows one category (None: all) and, unless `show_resolved`, only the open lines."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.category: str | None = None
        self.show_resolved = True
        self.setSortRole(SortRole)

    def set_category(self, category: str | None) -> None:
        self.beginFilterChange()
        self.category = category
        self.endFilterChange()

    def set_show_resolved(self, show: bool) -> None:
        self.beginFilterChange()
        self.show_resolved = show
        self.endFilterChange()

    def filterAcceptsRow(self, row: int, parent: Index) -> bool:
        item: Discrepancy = self.sourceModel().index(row, 0, parent).data(RowRole)
        if self.category is not None and item.category != self.category:
            return False
        return self.show_resolved or not item.resolved

    def lessThan(self, left: Index, right: Index) -> bool:
        a, b = left.data(SortRole), right.data(SortRole)
        return bool(a < b)
