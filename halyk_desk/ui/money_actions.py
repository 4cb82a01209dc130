"""The money buttons of the window: on the Holds tab and in the payment detail pane.

They open the dialogs of operation_dialogs, run the operation on a worker and say what became of
it. A payment with an unresolved operation (waiting for approval, being sent, outcome unknown)
keeps its buttons disabled, and the operation is shown beside them. `open_dialog` shows a dialog
(non-blocking `open()`); tests replace it to fill and accept dialogs without a modal window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, assert_never
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from halyk_desk.domain.journal import Action, OperationStatus, result_of
from halyk_desk.services import operations, operators
from halyk_desk.services.changes import Changes
from halyk_desk.services.operations import ActionLimits, OperationRow, Outcome
from halyk_desk.services.payments import HoldRow
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.holds_view import HoldsView
from halyk_desk.ui.notify import Notifier
from halyk_desk.ui.operation_dialogs import (
    DIALOGS,
    BulkHoldsDialog,
    BulkRequest,
    OperationRequest,
    action_title,
    outcome_text,
    result_title,
)
from halyk_desk.ui.tasks import error_box, run

_CONTEXT = "MoneyActions"
OpenDialog = Callable[[QDialog], None]
BUSY_STYLE = "color: #8a4b00;"


def tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def status_text(op: OperationRow) -> str:
    """ "возврат 300,00 ₸ (anna) — результат неизвестен, уточняется у банка" """
    match op.status:
        case OperationStatus.PENDING_APPROVAL:
            what = tr("ждёт одобрения второго менеджера")
        case OperationStatus.INTENT:
            what = tr("отправляется")
        case OperationStatus.SENT:
            what = tr("отправлено, ждём ответа банка")
        case OperationStatus.UNKNOWN:
            what = tr("результат неизвестен, уточняется у банка")
        case OperationStatus.DONE | OperationStatus.REFUSED | OperationStatus.REJECTED:
            what = result_title(result_of(op.status)).lower()
        case unhandled:
            assert_never(unhandled)
    return tr("{action} {amount} ({operator}) — {what}").format(
        action=action_title(op.action).lower(), amount=fmt.money_text(op.amount),
        operator=op.operator, what=what)


def _open(dialog: QDialog) -> None:
    """Window-modal without blocking: the answer arrives through the dialog's signals."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def _can_move_money(ctx: Any) -> bool:
    who = operators.current(ctx)
    return who is not None and who.can(operators.MOVE_MONEY)


class MoneyActions(QObject):
    """What both sets of buttons share: the dialogs, running operations, the results."""

    #: An operation ended (any result): what it changed (services.changes.Changes).
    changed = Signal(object)
    #: A line for the status bar (what settling unresolved operations found).
    message = Signal(str)

    def __init__(self, ctx: Any, notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.notifier = notifier
        self.open_dialog: OpenDialog = _open
        self.last_outcomes: list[Outcome] = []

    def ask(self, limits: ActionLimits, action: Action, parent: QWidget) -> QDialog:
        dialog = DIALOGS[action](limits, self.ctx.settings["reasons"], self.ctx.operator, parent)
        dialog.accepted.connect(lambda: self.run(dialog.request(), parent))
        self.open_dialog(dialog)
        return dialog

    def run(self, request: OperationRequest, parent: QWidget) -> None:
        ctx = self.ctx

        def operate() -> Outcome:
            if request.action == operations.CANCEL:
                return operations.cancel(ctx, request.invoice_id, reason=request.reason)
            run = operations.confirm if request.action == operations.CONFIRM else (
                operations.refund)
            return run(ctx, request.invoice_id, amount=request.amount, note=request.note,
                       reason=request.reason)

        # Whatever became of it, the journal and the payment changed: the lists read again.
        run(operate, lambda outcome: self.report(outcome, parent),
            error_box(self.notifier, parent, tr("Операция не выполнена"),
                      lambda error: tr("Операция не выполнена: {error}").format(error=error)),
            settle=lambda: self.changed.emit(operations.CHANGES), owner=parent)

    def report(self, outcome: Outcome, parent: QWidget) -> None:
        """Tell the operator what became of an operation: good news as information."""
        self.last_outcomes = [outcome]
        title = result_title(outcome.result)
        if outcome.result in ("done", "pending_approval", "unknown"):
            self.notifier.info(parent, title, outcome_text(outcome))
        else:
            self.notifier.error(parent, title, outcome_text(outcome))

    def resolve(self) -> None:
        """Settle what is left unresolved (at start, after a sync) from the bank's statuses."""
        ctx = self.ctx
        run(lambda: operations.resolve_unresolved(ctx), self._resolved,
            lambda error: self.message.emit(tr(
                "Не удалось уточнить результат операций у банка: {error}").format(error=error)),
            owner=self)

    def _resolved(self, outcomes: list[Outcome]) -> None:
        if outcomes:
            settled = sum(1 for o in outcomes if o.result != "unknown")
            self.message.emit(tr("Уточнено у банка операций: {settled} из {total}.")
                              .format(settled=settled, total=len(outcomes)))
            # Nothing to settle changes nothing: no reload of every list.
            self.changed.emit(operations.CHANGES)

    def ask_bulk(
        self, action: Action, holds: list[HoldRow], blocked: dict[str, str], parent: QWidget
    ) -> BulkHoldsDialog:
        dialog = BulkHoldsDialog(action, holds, self.ctx.settings["reasons"], self.ctx.operator,
                                 blocked, parent)
        dialog.submitted.connect(lambda request: self.run_bulk(request, dialog))
        self.open_dialog(dialog)
        return dialog

    def run_bulk(self, request: BulkRequest, dialog: BulkHoldsDialog) -> None:
        ctx = self.ctx

        def operate(progress: Callable[[Outcome], None]) -> list[Outcome]:
            return operations.bulk(ctx, request.action, list(request.invoice_ids),
                                   reason=request.reason,
                                   progress=lambda _number, outcome: progress(outcome))

        def arrived(outcome: Outcome) -> None:
            # Progress is coalesced, so some rows may only fill in with the final results.
            if shiboken6.isValid(dialog):
                dialog.show_result(outcome)

        def done(outcomes: list[Outcome]) -> None:
            self.last_outcomes = outcomes
            if shiboken6.isValid(dialog):  # the operator may have closed it meanwhile
                dialog.show_results(outcomes)

        def failed(error: BaseException) -> None:
            if shiboken6.isValid(dialog):
                dialog.show_failure(error)

        run(operate, done, failed, settle=lambda: self.changed.emit(operations.CHANGES),
            progress=arrived, owner=self)


class HoldActions(QWidget):
    """"Подтвердить…" and "Отменить блокировку…" for the holds selected on the Holds tab."""

    def __init__(self, money: MoneyActions, holds_view: HoldsView) -> None:
        """The buttons and `busy_label` go where the window puts them (HoldsView.add_actions)."""
        super().__init__(holds_view)
        self.setObjectName("holdActions")
        self.money = money
        self.view = holds_view
        self.unresolved: dict[str, OperationRow] = {}
        self.allowed = False
        self.confirm_button = QPushButton(tr("Подтвердить…"), self)
        self.confirm_button.setObjectName("confirmHolds")
        self.cancel_button = QPushButton(tr("Отменить блокировку…"), self)
        self.cancel_button.setObjectName("releaseHolds")
        #: The holds with an unresolved operation, in a line of its own above the table.
        self.busy_label = QLabel(holds_view)
        self.busy_label.setObjectName("pendingOperations")
        self.busy_label.setStyleSheet(BUSY_STYLE)
        self.busy_label.setWordWrap(True)
        self.busy_label.setVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.confirm_button)
        layout.addWidget(self.cancel_button)

        self.confirm_button.clicked.connect(lambda: self.act(operations.CONFIRM))
        self.cancel_button.clicked.connect(lambda: self.act(operations.CANCEL))
        holds_view.selection_changed.connect(self._update)
        holds_view.loaded.connect(lambda _count: self.refresh())
        self._update()

    def refresh(self) -> None:
        """Read who may act and which payments are held by an operation."""
        ctx = self.money.ctx
        run(lambda: (_can_move_money(ctx), operations.unresolved_by_invoice(ctx)), self._arrived,
            lambda error: self.busy_label.setText(tr(
                "Не удалось прочитать операции: {error}").format(error=error)),
            owner=self)

    def _arrived(self, result: tuple[bool, dict[str, OperationRow]]) -> None:
        self.allowed, self.unresolved = result
        holds = {h.invoice_id for h in self.view.visible_holds()}
        busy = [op for invoice, op in sorted(self.unresolved.items()) if invoice in holds]
        self.busy_label.setText(tr("Операции в процессе — ") + "; ".join(
            tr("заказ {invoice}: {status}").format(invoice=op.invoice_id,
                                                   status=status_text(op)) for op in busy))
        self.busy_label.setVisible(bool(busy))
        self._update()

    def selected(self) -> list[HoldRow]:
        return self.view.selected_holds()

    def _update(self) -> None:
        chosen = self.selected()
        free = [h for h in chosen if h.invoice_id not in self.unresolved]
        can_confirm = [h for h in free if not h.expired]
        self.confirm_button.setEnabled(self.allowed and bool(can_confirm))
        self.cancel_button.setEnabled(self.allowed and bool(free))
        tip = "" if self.allowed else tr("Подтверждать и отменять блокировки может менеджер.")
        if self.allowed and chosen and not free:
            tip = tr("По выбранным платежам уже идёт операция: дождитесь её результата.")
        for button in (self.confirm_button, self.cancel_button):
            button.setToolTip(tip)

    def act(self, action: Action) -> None:
        chosen = self.selected()
        if not chosen:
            return
        if len(chosen) == 1:
            ctx, invoice_id = self.money.ctx, chosen[0].invoice_id
            run(lambda: operations.action_limits(ctx, invoice_id),
                lambda limits: self._limits(limits, action),
                error_box(self.money.notifier, self, action_title(action)), owner=self)
            return
        blocked = {invoice: tr("пропущена: {status}").format(status=status_text(op))
                   for invoice, op in self.unresolved.items()}
        self.money.ask_bulk(action, chosen, blocked, self.window())

    def _limits(self, limits: ActionLimits, action: Action) -> None:
        if not limits.allowed(action):
            why = (status_text(limits.blocked_by) if limits.blocked_by
                   else str(limits.why_not.get(action, "")))
            self.money.notifier.error(self.window(), action_title(action), why)
        else:
            self.money.ask(limits, action, self.window())


class PaymentActions(QWidget):
    """Confirm, release and refund buttons of the payment shown in the detail pane, and its
    unresolved operation."""

    def __init__(self, money: MoneyActions, parent: QWidget | None = None) -> None:
        """The window puts them in the Payments tab's detail pane
        (PaymentsView.add_payment_actions)."""
        super().__init__(parent)
        self.setObjectName("paymentActions")
        self.money = money
        self.invoice_id: str | None = None
        self.limits: ActionLimits | None = None
        self.allowed = False
        self.buttons: dict[Action, QPushButton] = {}
        row = QHBoxLayout()
        self.busy_label = QLabel(self)
        self.busy_label.setObjectName("paymentOperation")
        self.busy_label.setStyleSheet(BUSY_STYLE)
        self.busy_label.setWordWrap(True)
        for action, text in ((operations.CONFIRM, tr("Подтвердить…")),
                             (operations.CANCEL, tr("Отменить блокировку…")),
                             (operations.REFUND, tr("Возврат…"))):
            button = QPushButton(text, self)
            button.setObjectName(f"{action}Payment")
            button.clicked.connect(lambda _checked=False, a=action: self.act(a))
            row.addWidget(button)
            self.buttons[action] = button
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.busy_label)
        self.show_payment(None)

    def show_payment(self, invoice_id: str | None) -> None:
        self.invoice_id = invoice_id
        self.limits = None
        self._update()
        if invoice_id is None:
            return
        ctx = self.money.ctx
        run(lambda: (_can_move_money(ctx), operations.action_limits(ctx, invoice_id)),
            self._arrived,
            lambda error: self.busy_label.setText(tr("Не удалось прочитать: {error}").format(
                error=error)),
            current=lambda: invoice_id == self.invoice_id, owner=self)

    def reload(self) -> None:
        self.show_payment(self.invoice_id)

    def on_changed(self, changes: Changes) -> None:
        if changes.touches("payments", "operations"):
            self.reload()

    def _arrived(self, result: tuple[bool, ActionLimits]) -> None:
        self.allowed, self.limits = result
        self._update()

    def _update(self) -> None:
        limits = self.limits
        blocked = limits.blocked_by if limits is not None else None
        text = ""
        if blocked is not None:
            text = tr("Операция в процессе: {status}").format(status=status_text(blocked))
            if blocked.status in ("sent", "unknown"):  # what the manager is waiting for
                settings = self.money.ctx.settings
                text += "; " + str(operations.awaited(blocked, operations.settle_grace(settings),
                                                      ZoneInfo(settings["business_tz"])))
        self.busy_label.setText(text)
        self.busy_label.setVisible(blocked is not None)
        for action, button in self.buttons.items():
            button.setEnabled(self.allowed and limits is not None and limits.allowed(action))
            if limits is None:
                button.setToolTip("")
            elif not self.allowed:
                button.setToolTip(tr("Операции с деньгами выполняет менеджер."))
            elif blocked is not None:
                button.setToolTip(tr("Дождитесь результата текущей операции."))
            else:
                button.setToolTip(str(limits.why_not.get(action, "")))

    def act(self, action: Action) -> None:
        if self.limits is not None and self.limits.allowed(action):
            self.money.ask(self.limits, action, self.window())
