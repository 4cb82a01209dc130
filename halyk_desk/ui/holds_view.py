"""HoldsView: two-stage payments awaiting confirmation, the ones about to expire first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.domain import utc_now
from halyk_desk.domain.timeutil import business_day_of
from halyk_desk.services import payments as payment_service
from halyk_desk.services.changes import Changes
from halyk_desk.services.payments import HoldRow
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.holds_model import (
    AGE_COLUMN,
    TIME_LEFT_COLUMN,
    HoldList,
    HoldsModel,
    prepare,
)
from halyk_desk.ui.roles import RowRole
from halyk_desk.ui.state_look import HOLD_EXPIRED_BACKGROUND, HOLD_WARN_BACKGROUND, INK
from halyk_desk.ui.tasks import run

_COLUMN_WIDTHS = (120, 220, 130, 130, 90, 100, 130)


class HoldsView(QWidget):
    """The Holds tab; `add_actions` puts buttons acting on the chosen holds beside its summary."""

    #: The holds are in (count); for the tab title and tests.
    loaded = Signal(int)
    #: Other holds are chosen.
    selection_changed = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("holdsView")
        self._ctx = ctx
        self.model = HoldsModel(self)

        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("holdsSummary")
        self._actions_bar = QHBoxLayout()

        self.table = QTableView(self)
        self.table.setObjectName("holdsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        # At least what the language needs: its title, and for the durations the widest of
        # their forms ("23 сағ 59 мин" is wider than "23 ч 59 мин").
        metrics = self.table.fontMetrics()
        cell = 16 + max(metrics.horizontalAdvance(fmt.duration_text(span)) for span in (
            timedelta(days=29, hours=23), timedelta(hours=23, minutes=59)))
        for column, width in enumerate(_COLUMN_WIDTHS):
            needed = header.sectionSizeFromContents(column).width()
            if column in (AGE_COLUMN, TIME_LEFT_COLUMN):
                needed = max(needed, cell)
            header.resizeSection(column, max(width, needed))
        header.setStretchLastSection(True)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(TIME_LEFT_COLUMN, Qt.SortOrder.AscendingOrder)

        top = QHBoxLayout()
        top.addWidget(self.summary_label, 1)
        top.addLayout(self._actions_bar)
        self._layout = layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self._legend())
        self.table.selectionModel().selectionChanged.connect(
            lambda _selected, _deselected: self.selection_changed.emit())

    def add_actions(self, buttons: QWidget, notice: QWidget) -> None:
        """Buttons beside the summary, and a line of their own (`notice`) above the table."""
        self._actions_bar.addWidget(buttons)
        self._layout.insertWidget(1, notice)

    def _legend(self) -> QLabel:
        def chip(colour: Any, text: str) -> str:
            return (
                f'<span style="background:{colour.name()}; color:{INK.name()};">'
                f"&nbsp;{text}&nbsp;</span>"
            )

        legend = QLabel(self)
        legend.setObjectName("holdsLegend")
        legend.setText(
            chip(HOLD_WARN_BACKGROUND, self.tr("истекает сегодня или пора подтвердить"))
            + "&nbsp;&nbsp;"
            + chip(HOLD_EXPIRED_BACKGROUND, self.tr("истекла — подтвердить уже нельзя"))
        )
        return legend

    def start(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        ctx = self._ctx

        def job() -> HoldList:
            return prepare(payment_service.list_holds(ctx), business_day_of(utc_now()))

        run(job, self._arrived, self._failed, owner=self)

    def on_changed(self, changes: Changes) -> None:
        if changes.touches("holds"):
            self.refresh()

    def select_holds(self, wanted: Callable[[HoldRow], bool]) -> int:
        """Select the holds `wanted` picks (the dashboard's click-through); how many."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        rows = [n for n, hold in enumerate(self.visible_holds()) if wanted(hold)]
        for row in rows:
            selection.select(self.model.index(row, 0), flags)
        if rows:
            self.table.scrollTo(self.model.index(rows[0], 0))
        return len(rows)

    def selected_holds(self) -> list[HoldRow]:
        """The chosen holds, in the order the table shows them."""
        rows = self.table.selectionModel().selectedRows()
        return [index.data(RowRole) for index in sorted(rows, key=lambda index: index.row())]

    def visible_holds(self) -> list[HoldRow]:
        """The holds in the order the table shows them."""
        return self.model.holds

    def _failed(self, error: BaseException) -> None:
        self.summary_label.setText(
            self.tr("Не удалось прочитать блокировки: {error}").format(error=error)
        )
        self.summary_label.setStyleSheet("color: #b00020;")

    def _arrived(self, holds: HoldList) -> None:
        # A reload (after a sync, an operation) must not drop the holds the manager has chosen.
        chosen = {index.data(RowRole).invoice_id
                  for index in self.table.selectionModel().selectedRows()}
        self.model.set_holds(holds)
        if chosen:
            self.select_holds(lambda hold: hold.invoice_id in chosen)
        self.summary_label.setStyleSheet("")
        self.summary_label.setText(self._summary(holds))
        self.loaded.emit(len(holds.holds))

    def _summary(self, holds: HoldList) -> str:
        count = len(holds.holds)
        if not count:
            return self.tr("Блокировок, ожидающих подтверждения, нет.")
        parts = [fmt.counted(self.tr("%n блокировок", "", count), count)]
        parts.append(
            self.tr("на сумму {amount}").format(
                amount=" + ".join(fmt.money_text(total) for total in holds.totals.values())
            )
        )
        if holds.attention:
            parts.append(self.tr("пора подтвердить: {n}").format(n=holds.attention))
        if holds.expired:
            parts.append(self.tr("истекли: {n}").format(n=holds.expired))
        return " · ".join(parts)
