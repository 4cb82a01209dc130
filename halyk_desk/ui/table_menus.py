"""Context menus of the window's tables: copy, open, and the money actions where they apply.

Payments: copy the selected rows, open the payment's detail, confirm / release / refund (the same
actions as the detail pane's buttons, enabled as they are). Holds: confirm or release the selected
holds, open the payment on the Payments tab, copy the order numbers.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QObject, QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu, QTableView

from halyk_desk.domain.journal import Action
from halyk_desk.ui.holds_view import HoldsView
from halyk_desk.ui.money_actions import HoldActions, PaymentActions
from halyk_desk.ui.payments_view import PaymentsView


def _row_under(table: QTableView, pos: QPoint) -> None:
    """Right-clicking a row outside the selection selects it, as file managers do."""
    index = table.indexAt(pos)
    selection = table.selectionModel()
    if index.isValid() and not selection.isRowSelected(index.row(), index.parent()):
        # Explicit flags: selectRow() would follow whatever modifier keys are held.
        flags = QItemSelectionModel.SelectionFlag
        selection.setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)


class TableMenus(QObject):
    """The context menus of the Payments and Holds tables; their money items run the same
    actions as the buttons (`payment_actions`, `hold_actions`), enabled as those are."""

    def __init__(self, payments: PaymentsView, holds: HoldsView, payment_actions: PaymentActions,
                 hold_actions: HoldActions, show_payment: Callable[[str], None],
                 parent: QObject | None = None) -> None:
        """`show_payment(invoice_id)` opens the order on the Payments tab."""
        super().__init__(parent)
        self.payments = payments
        self.holds = holds
        self.payment_actions = payment_actions
        self.hold_actions = hold_actions
        self.show_payment = show_payment
        #: The menu last shown (tests trigger its actions instead of clicking a popup).
        self.last_menu: QMenu | None = None
        for table, build in ((payments.table, self._payments_menu),
                             (holds.table, self._holds_menu)):
            table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            table.customContextMenuRequested.connect(
                lambda pos, t=table, b=build: self._show(t, b, pos))

    def _show(self, table: QTableView, build: Callable[[QTableView], QMenu], pos: QPoint) -> None:
        _row_under(table, pos)
        menu = build(table)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_menu = menu
        menu.popup(table.viewport().mapToGlobal(pos))

    def payments_menu(self) -> QMenu:
        return self._payments_menu(self.payments.table)

    def holds_menu(self) -> QMenu:
        return self._holds_menu(self.holds.table)

    def _payments_menu(self, table: QTableView) -> QMenu:
        view = self.payments
        menu = QMenu(table)
        menu.setObjectName("paymentsMenu")
        copy = menu.addAction(self.tr("Копировать строки"), view.copy_selection)
        copy.setShortcut(Qt.Modifier.CTRL | Qt.Key.Key_C)
        copy.setEnabled(bool(view.selected_rows()))
        detail = menu.addAction(self.tr("Показать подробности"), view.open_detail)
        detail.setEnabled(table.currentIndex().isValid())
        menu.addSeparator()
        pane = self.payment_actions
        for action, button in pane.buttons.items():
            item = menu.addAction(button.text(), lambda a=action: pane.act(a))
            item.setEnabled(button.isEnabled())
            item.setToolTip(button.toolTip())
        menu.setToolTipsVisible(True)
        return menu

    def _holds_menu(self, table: QTableView) -> QMenu:
        menu = QMenu(table)
        menu.setObjectName("holdsMenu")
        actions = self.hold_actions
        for button, action in ((actions.confirm_button, Action.CONFIRM),
                               (actions.cancel_button, Action.CANCEL)):
            item = menu.addAction(button.text(), lambda a=action: actions.act(a))
            item.setEnabled(button.isEnabled())
        menu.addSeparator()
        invoices = [hold.invoice_id for hold in self.holds.selected_holds()]
        show = menu.addAction(self.tr("Открыть в платежах"),
                              lambda: self.show_payment(invoices[0]))
        show.setEnabled(len(invoices) == 1)
        copy = menu.addAction(self.tr("Копировать номера заказов"),
                              lambda: QGuiApplication.clipboard().setText("\n".join(invoices)))
        copy.setEnabled(bool(invoices))
        return menu
