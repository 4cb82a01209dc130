"""HoldsModel: held payments waiting for a manager, with how long each has left.

There are at most a few hundred holds at a time, so the model keeps them all; the service gives
them sorted by time left and the view may re-sort them by the integer SortRole values.
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

from halyk_desk.domain import ALMATY
from halyk_desk.services.payments import HoldRow
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.roles import RowRole, SortRole
from halyk_desk.ui.signals import qt_value
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
        QT_TRANSLATE_NOOP("HoldsModel", "Создан"),
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

TIME_LEFT_COLUMN = 5
_TITLES = tuple(column.title for column in HOLD_COLUMNS)
_ALIGNMENTS = tuple(alignment(column.right) for column in HOLD_COLUMNS)


class HoldsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._holds: list[HoldRow] = []
        self._today: date | None = None

    def set_holds(self, holds: list[HoldRow], today: date) -> None:
        """All holds, and today's business day (Almaty) to spot the ones expiring today."""
        self.beginResetModel()
        self._holds = list(holds)
        self._today = today
        self.endResetModel()

    @property
    def holds(self) -> list[HoldRow]:
        return list(self._holds)

    def needs_attention(self, hold: HoldRow) -> bool:
        """Past the warning age, or expiring before today ends."""
        expires_today = hold.expires_at.astimezone(ALMATY).date() == self._today
        return hold.warn or expires_today

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._holds)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HOLD_COLUMNS)

    @qt_value
    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        return header_data("HoldsModel", _TITLES, _ALIGNMENTS, section, orientation, role)

    @qt_value
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
