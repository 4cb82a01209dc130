"""The window's tabs and how they work together, in one place (docs/architecture.md, "Adding a
tab").

`build` makes every view over the open data, gives each the collaborators it needs (the context,
the notifier, the window's `changed` signal, ...), adds the tabs in their order and connects what
one part asks of another through public signals and methods. No view knows another: the
dashboard asks to open a list, this module opens it; an operation says what it changed, the
window's `changed` signal tells every view, and each view decides whether to read again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, SignalInstance
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget

from halyk_desk.services import reconciliation as reconciliation_service
from halyk_desk.services import sync as sync_service
from halyk_desk.services.dashboard import HoldBucket
from halyk_desk.services.payments import PaymentFilter
from halyk_desk.services.workspace import AppContext
from halyk_desk.ui.audit_view import AuditView
from halyk_desk.ui.dashboard_view import DashboardView
from halyk_desk.ui.holds_view import HoldsView
from halyk_desk.ui.layout_state import LayoutState
from halyk_desk.ui.money_actions import HoldActions, MoneyActions, PaymentActions
from halyk_desk.ui.notify import Notifier
from halyk_desk.ui.operations_view import OperationsView
from halyk_desk.ui.payment_links import LinkActions
from halyk_desk.ui.payments_view import PaymentsView
from halyk_desk.ui.reconciliation_view import ReconciliationView
from halyk_desk.ui.sync_panel import SyncFunc, SyncPanel
from halyk_desk.ui.table_menus import TableMenus


@dataclass(frozen=True)
class WindowParts:
    """Everything the window shows over the open data (tests reach them here)."""

    dashboard: DashboardView
    payments: PaymentsView
    holds: HoldsView
    reconciliation: ReconciliationView
    operations: OperationsView
    audit: AuditView
    sync_panel: SyncPanel
    # Running money operations: dialogs, results (shared by the buttons and the journal).
    money: MoneyActions
    # Confirm / release on the Holds tab.
    hold_actions: HoldActions
    # Confirm / release / refund of the payment in the Payments tab's detail pane.
    payment_actions: PaymentActions
    # «Выставить счёт…» and Ctrl+N.
    links: LinkActions
    table_menus: TableMenus
    layout: LayoutState

    def exporters(self) -> dict[QWidget, Callable[[], object]]:
        """What Ctrl+E runs on the tabs that export."""
        return {self.reconciliation: self.reconciliation.export}

    def start(self) -> None:
        """First load, and again for another operator (what they may do differs): every list,
        then what a previous run left unresolved is settled with the bank."""
        self.payments.start()
        self.holds.start()
        self.audit.start()
        self.operations.start()
        self.money.resolve()
        self.dashboard.start()
        self.sync_panel.refresh_last_sync()


def build(
    window: QMainWindow,
    tabs: QTabWidget,
    ctx: AppContext,
    *,
    notifier: Notifier,
    changed: SignalInstance,
    show_message: Callable[[str], None],
    sync: SyncFunc | None = None,
) -> WindowParts:
    """Build the tabs in `tabs` and wire them. `changed` is the window's one signal of what
    changed in the store (a services.changes.Changes); `show_message` writes the status line.
    The layout remembered from the last run is restored last, once every tab exists."""
    # --- the views, in the order of their tabs --------------------------------------------
    # Titles in the context "WindowWiring", written out in each call: lupdate reads only
    # literal contexts and texts.
    dashboard = DashboardView(ctx, window)
    payments = PaymentsView(ctx, window)
    holds = HoldsView(ctx, window)
    reconciliation = ReconciliationView(ctx, notifier, window)
    money = MoneyActions(ctx, notifier, window)
    operations = OperationsView(money, window)
    audit = AuditView(ctx, window)
    for view, title in (
        (dashboard, QCoreApplication.translate("WindowWiring", "Сводка")),
        (payments, QCoreApplication.translate("WindowWiring", "Платежи")),
        (holds, QCoreApplication.translate("WindowWiring", "Блокировки")),
        (reconciliation, QCoreApplication.translate("WindowWiring", "Сверка")),
        (operations, QCoreApplication.translate("WindowWiring", "Операции")),
        (audit, QCoreApplication.translate("WindowWiring", "Аудит")),
    ):
        tabs.addTab(view, title)
    tabs.setCurrentWidget(dashboard)
    sync_panel = SyncPanel(ctx, notifier, window, sync=sync)

    # --- what the views add to each other -------------------------------------------------
    hold_actions = HoldActions(money, holds)
    holds.add_actions(hold_actions, hold_actions.busy_label)
    payment_actions = PaymentActions(money)
    payments.add_payment_actions(payment_actions)
    payments.current_changed.connect(payment_actions.show_payment)
    links = LinkActions(ctx, window)
    payments.add_to_bar(links.button)
    links.created.connect(payments.show_invoice)

    def show(view: PaymentsView | HoldsView | ReconciliationView | OperationsView) -> None:
        tabs.setCurrentWidget(view)

    def show_payment(invoice_id: str) -> None:
        show(payments)
        payments.show_invoice(invoice_id)

    table_menus = TableMenus(payments, holds, payment_actions, hold_actions, show_payment,
                             window)

    # --- the dashboard's figures open the lists they count ----------------------------------
    def open_payments(flt: PaymentFilter) -> None:
        show(payments)
        payments.show_filter(flt)

    def open_operations() -> None:
        show(operations)
        operations.show_unresolved()

    def open_holds(bucket: HoldBucket) -> None:
        show(holds)
        wanted = set(bucket.invoice_ids)
        holds.select_holds(lambda hold: hold.invoice_id in wanted)

    def open_discrepancies() -> None:
        show(reconciliation)
        reconciliation.show_latest()

    dashboard.open_payments.connect(open_payments)
    dashboard.open_holds.connect(open_holds)
    dashboard.open_operations.connect(open_operations)
    dashboard.set_discrepancy_source(reconciliation_service.open_discrepancy_count,
                                     open_discrepancies)

    # --- what changed: every writer reports to `changed`, every view listens ----------------
    # Cancelled or failed half-way, a sync may still have written what it read; then what a
    # previous operation left unknown may be settled from the fresh statuses.
    sync_panel.finished.connect(lambda _summary: changed.emit(sync_service.CHANGES))
    sync_panel.finished.connect(lambda _summary: money.resolve())
    money.changed.connect(changed)
    operations.changed.connect(changed)
    links.changed.connect(changed)
    reconciliation.ran.connect(lambda _recon: changed.emit(reconciliation_service.CHANGES))
    reconciliation.marked.connect(lambda _item: changed.emit(reconciliation_service.CHANGES))
    for listener in (dashboard, payments, holds, operations, audit, payment_actions):
        changed.connect(listener.on_changed)

    # --- the status line and the Holds tab's title ------------------------------------------
    for speaker in (payments, sync_panel, money, reconciliation):
        speaker.message.connect(show_message)

    def holds_loaded(count: int) -> None:
        title = QCoreApplication.translate("WindowWiring", "Блокировки")
        tabs.setTabText(tabs.indexOf(holds), f"{title} ({count})" if count else title)

    holds.loaded.connect(holds_loaded)

    layout = LayoutState(window, tabs, ctx.paths.config_dir)
    layout.restore()
    return WindowParts(
        dashboard=dashboard, payments=payments, holds=holds, reconciliation=reconciliation,
        operations=operations, audit=audit, sync_panel=sync_panel, money=money,
        hold_actions=hold_actions, payment_actions=payment_actions, links=links,
        table_menus=table_menus, layout=layout,
    )
