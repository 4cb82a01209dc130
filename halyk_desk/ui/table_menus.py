"""Context menus of the window's tables: copy, open, and the money actions where they apply.

Payments: copy the selected rows, open the payment's detail, confirm / release / refund (the same
actions as the detail pane's buttons, enabled as they are). Holds: confirm or release the selected
holds, open the payment on the Payments tab, copy the order numbers.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QObject, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QTableView

from halyk_desk.ui.roles import RowRole


def _row_under(table: QTableView, pos: QPoint) -> None:
    """Right-clicking a row outside the selection selects it, as file managers do."""
    index = table.indexAt(pos)
    selection = table.selectionModel()
    if index.isValid() and not selection.isRowSelected(index.row(), index.parent()):
        # Explicit flags: selectRow() would follow whatever modifier keys are held.
        flags = QItemSelectionModel.SelectionFlag
        selection.setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)


class TableMenus(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        #: The menu last shown (tests trigger its actions instead of clicking a popup).
        self.last_menu: QMenu | None = None
        for table, build in ((window.payments_view.table, self._payments_menu),
                             (window.holds_view.table, self._holds_menu)):
            table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            table.customContextMenuRequested.connect(
                lambda pos, t=table, b=build: self._show(t, b, pos))

    def _show(self, table: QTableView, build: Any, pos: QPoint) -> None:
        _row_under(table, pos)
        menu = build(table)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_menu = menu
        menu.popup(table.viewport().mapToGlobal(pos))

    def payments_menu(self) -> QMenu:
        return self._payments_menu(self.window.payments_view.table)

    def holds_menu(self) -> QMenu:
        return self._holds_menu(self.window.holds_view.table)

    def _payments_menu(self, table: QTableView) -> QMenu:
        view = self.window.payments_view
        menu = QMenu(table)
        menu.setObjectName("paymentsMenu")
        copy = menu.addAction(self.tr("Копировать строки"), view.copy_selection)
        copy.setShortcut(Qt.Modifier.CTRL | Qt.Key.Key_C)
        copy.setEnabled(bool(view.selected_rows()))
        detail = menu.addAction(self.tr("Показать подробности"), self._open_detail)
        detail.setEnabled(table.currentIndex().isValid())
        money = getattr(self.window, "money_movement", None)
        if money is not None:
            menu.addSeparator()
            pane = money.payment
            for action, button in pane.buttons.items():
                item = menu.addAction(button.text(), lambda a=action: pane.act(a))
                item.setEnabled(button.isEnabled())
                item.setToolTip(button.toolTip())
            menu.setToolTipsVisible(True)
        return menu

    def _open_detail(self) -> None:
        """Make sure the detail pane beside the table is open (not dragged shut)."""
        view = self.window.payments_view
        sizes = view.splitter.sizes()
        if len(sizes) == 2 and sizes[1] == 0:
            total = sum(sizes)
            view.splitter.setSizes([total * 3 // 4, total - total * 3 // 4])
        view.detail.setFocus()

    def _holds_menu(self, table: QTableView) -> QMenu:
        view = self.window.holds_view
        menu = QMenu(table)
        menu.setObjectName("holdsMenu")
        money = getattr(self.window, "money_movement", None)
        if money is not None:
            actions = money.holds
            for button, action in ((actions.confirm_button, "confirm"),
                                   (actions.cancel_button, "cancel")):
                item = menu.addAction(button.text(), lambda a=action: actions.act(a))
                item.setEnabled(button.isEnabled())
            menu.addSeparator()
        rows = sorted({index.row() for index in table.selectionModel().selectedRows()})
        invoices = [view.model.index(row, 0).data(RowRole).invoice_id for row in rows]
        show = menu.addAction(self.tr("Открыть в платежах"),
                              lambda: self._show_payment(invoices[0]))
        show.setEnabled(len(invoices) == 1)
        copy = menu.addAction(self.tr("Копировать номера заказов"),
                              lambda: QGuiApplication.clipboard().setText("\n".join(invoices)))
        copy.setEnabled(bool(invoices))
        return menu

    def _show_payment(self, invoice_id: str) -> None:
        self.window.tabs.setCurrentWidget(self.window.payments_view)
        self.window.payments_view.show_invoice(invoice_id)


def install(window: Any) -> TableMenus:
    return TableMenus(window)
