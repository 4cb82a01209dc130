"""The money buttons in the window, on the synced sandbox demo: the Holds tab (one hold, several
holds), the detail pane, buttons disabled while an operation is unresolved, the Audit tab.
Dialogs are handed to the test instead of being opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import update

from halyk_desk.domain import utc_now
from halyk_desk.services import operations, operators
from halyk_desk.services.bank import open_bank
from halyk_desk.services.operations import Reason, _Desk
from halyk_desk.services.payments import PaymentFilter, list_holds, list_payments
from halyk_desk.store.journal_models import MoneyOperation
from halyk_desk.ui.operation_dialogs import BulkHoldsDialog, ConfirmDialog, RefundDialog
from halyk_desk.ui.operations_view import ApproveDialog, RejectDialog

SHOTS = Path("/tmp/shots")


@pytest.fixture
def dialogs(synced_window) -> list:
    """Dialogs the window would open, in order."""
    shown: list = []
    synced_window.parts.money.open_dialog = shown.append
    return shown


def free_holds(window) -> list[int]:
    """Rows of the Holds tab that can still be confirmed."""
    return [i for i, h in enumerate(window.holds_view.visible_holds()) if not h.expired]


def select_hold(qtbot, window, row: int):
    holds = window.parts.hold_actions
    window.holds_view.table.selectRow(row)
    qtbot.waitUntil(lambda: holds.confirm_button.isEnabled(), timeout=10_000)
    return window.holds_view.visible_holds()[row]


def test_confirm_one_hold_from_the_holds_tab(qtbot, synced_window, dialogs, notifier):
    win = synced_window
    hold = select_hold(qtbot, win, free_holds(win)[0])
    qtbot.mouseClick(win.parts.hold_actions.confirm_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialogs), timeout=10_000)
    [dialog] = dialogs
    qtbot.addWidget(dialog)
    assert isinstance(dialog, ConfirmDialog)
    assert dialog.limits.invoice_id == hold.invoice_id
    assert dialog.amount_edit.text() == f"{hold.amount.to_decimal()}".replace(".", ",")
    dialog.reason_picker.choose("Нет в наличии")
    with qtbot.waitSignal(win.parts.money.changed, timeout=30_000):
        dialog.accept()
    assert notifier.infos[-1][0] == "Выполнено", notifier.infos
    [op] = operations.list_operations(win.ctx)
    assert (op.invoice_id, op.action, op.status, op.amount) == (
        hold.invoice_id, "confirm", "done", hold.amount)
    qtbot.waitUntil(lambda: hold.invoice_id not in {
        h.invoice_id for h in win.holds_view.visible_holds()}, timeout=30_000)


def test_confirm_several_holds_with_one_summary(qtbot, synced_window, dialogs):
    win = synced_window
    rows = free_holds(win)[:2]
    view = win.holds_view
    chosen = [view.visible_holds()[r] for r in rows]
    for r in rows:
        view.table.selectionModel().select(
            view.model.index(r, 0),
            view.table.selectionModel().SelectionFlag.Select
            | view.table.selectionModel().SelectionFlag.Rows)
    holds = win.parts.hold_actions
    qtbot.waitUntil(lambda: holds.confirm_button.isEnabled(), timeout=10_000)
    holds.confirm_button.click()
    [dialog] = dialogs
    qtbot.addWidget(dialog)
    assert isinstance(dialog, BulkHoldsDialog)
    assert [h.invoice_id for h in dialog.included] == [h.invoice_id for h in chosen]
    dialog.reason_picker.choose("Просьба покупателя")
    with qtbot.waitSignal(win.parts.money.changed, timeout=60_000):
        dialog.ok_button.click()
    results = [dialog.table.item(r, dialog.RESULT_COLUMN).text() for r in range(2)]
    assert results == ["Выполнено", "Выполнено"]
    SHOTS.mkdir(exist_ok=True)
    dialog.show()
    dialog.grab().save(str(SHOTS / "bulk-window-results.png"))
    done = {op.invoice_id for op in operations.list_operations(win.ctx) if op.status == "done"}
    assert done == {h.invoice_id for h in chosen}


def leave_unknown(ctx, invoice_id: str) -> None:
    """A confirm whose answer never came, as a previous run left it."""
    with open_bank(ctx) as client:
        desk = _Desk(ctx, client, None)
        status = desk.read(invoice_id)
        op_id = desk.claim("confirm", invoice_id, status, status.held,
                           Reason("Нет в наличии"), None, pending=False)
    with ctx.store.session() as session:
        session.execute(update(MoneyOperation).where(MoneyOperation.id == op_id)
                        .values(status="unknown", sent_at=utc_now()))


def test_buttons_stay_disabled_while_an_operation_is_unresolved(qtbot, synced_ctx, open_window):
    held = [h for h in list_holds(synced_ctx) if not h.expired]
    busy = held[0].invoice_id
    leave_unknown(synced_ctx, busy)
    win = open_window(synced_ctx)
    holds = win.parts.hold_actions
    row = next(i for i, h in enumerate(win.holds_view.visible_holds()) if h.invoice_id == busy)
    qtbot.waitUntil(lambda: busy in holds.busy_label.text(), timeout=20_000)
    assert "результат неизвестен, уточняется у банка" in holds.busy_label.text()
    win.holds_view.table.selectRow(row)
    assert not holds.confirm_button.isEnabled() and not holds.cancel_button.isEnabled()
    assert "дождитесь" in holds.confirm_button.toolTip()
    # Another hold is free.
    other = next(i for i, h in enumerate(win.holds_view.visible_holds())
                 if h.invoice_id != busy and not h.expired)
    win.holds_view.table.selectRow(other)
    assert holds.confirm_button.isEnabled()

    SHOTS.mkdir(exist_ok=True)
    win.tabs.setCurrentWidget(win.holds_view)
    win.holds_view.table.selectRow(row)
    win.grab().save(str(SHOTS / "holds-unresolved.png"))

    # The detail pane: every money button disabled, the operation shown.
    show_in_payments(qtbot, win, busy)
    payment = win.parts.payment_actions
    qtbot.waitUntil(lambda: payment.invoice_id == busy and payment.limits is not None,
                    timeout=10_000)
    assert not any(b.isEnabled() for b in payment.buttons.values())
    assert "результат неизвестен" in payment.busy_label.text()
    # What is awaited: when it was sent, the bank's id, not before when it is taken as not done.
    [op] = [o for o in operations.list_operations(synced_ctx) if o.invoice_id == busy]
    assert f"идентификатор операции {op.external_id}" in payment.busy_label.text()
    assert "невыполненной её сочтут не раньше" in payment.busy_label.text()
    for size in ((1366, 768), (1920, 1080)):
        win.resize(*size)
        win.grab().save(str(SHOTS / f"detail-unresolved-{size[0]}.png"))


def show_in_payments(qtbot, win, invoice_id: str) -> None:
    """Find the order on the Payments tab and select it, as a person would."""
    view = win.payments_view
    win.tabs.setCurrentWidget(view)
    view.search_edit.setText(invoice_id)

    def found() -> bool:
        row = view.model.row_at(0) if view.model.rowCount() == 1 else None
        return row is not None and row.invoice_id == invoice_id

    qtbot.waitUntil(found, timeout=10_000)
    view.table.selectRow(0)
    qtbot.waitUntil(lambda: view.detail.detail is not None
                    and view.detail.detail.row.invoice_id == invoice_id, timeout=10_000)


def test_refund_from_the_detail_pane(qtbot, synced_window, dialogs, notifier):
    win = synced_window
    captured = next(r for r in list_payments(win.ctx, PaymentFilter(), limit=None)
                    if r.state.value == "captured" and r.captured.minor >= 100_00)
    payment = win.parts.payment_actions
    show_in_payments(qtbot, win, captured.invoice_id)
    qtbot.waitUntil(lambda: payment.limits is not None, timeout=10_000)
    assert payment.buttons["refund"].isEnabled()
    assert not payment.buttons["confirm"].isEnabled()
    payment.buttons["refund"].click()
    [dialog] = dialogs
    qtbot.addWidget(dialog)
    assert isinstance(dialog, RefundDialog)
    dialog.amount_edit.setText("50")
    dialog.reason_picker.choose("Другое", "возврат части заказа")
    with qtbot.waitSignal(win.parts.money.changed, timeout=30_000):
        dialog.accept()
    assert notifier.infos[-1][0] == "Выполнено", notifier.infos + notifier.errors
    [op] = operations.list_operations(win.ctx)
    assert (op.action, op.amount.minor, op.reason.text) == ("refund", 50_00,
                                                            "возврат части заказа")


def test_the_audit_tab_filters_and_verifies(qtbot, synced_window, dialogs):
    win = synced_window
    view = win.parts.audit
    assert win.tabs.tabText(win.tabs.indexOf(view)) == "Аудит"
    hold = select_hold(qtbot, win, free_holds(win)[0])
    win.parts.hold_actions.confirm_button.click()
    qtbot.waitUntil(lambda: bool(dialogs), timeout=10_000)
    dialogs[0].reason_picker.choose("Нет в наличии")
    qtbot.addWidget(dialogs[0])
    with qtbot.waitSignal(win.parts.money.changed, timeout=30_000):
        dialogs[0].accept()
    qtbot.waitUntil(lambda: {"confirm.intent", "confirm.done"} <= {
        e.action for e in view.model.entries}, timeout=10_000)

    with qtbot.waitSignal(view.model.modelReset, timeout=10_000):
        view.invoice_edit.setText(hold.invoice_id)
        view.invoice_edit.editingFinished.emit()
    assert {e.subject for e in view.model.entries} == {hold.invoice_id}
    index = view.action_combo.findData("confirm")
    with qtbot.waitSignal(view.model.modelReset, timeout=10_000):
        view.action_combo.setCurrentIndex(index)
    assert [e.action for e in view.model.entries] == ["confirm.done", "confirm.intent"]

    view.verify_button.click()
    qtbot.waitUntil(lambda: view.verify_button.isEnabled(), timeout=10_000)
    assert view.verify_label.text().startswith("Журнал цел")
    win.tabs.setCurrentWidget(view)
    SHOTS.mkdir(exist_ok=True)
    win.grab().save(str(SHOTS / "audit-tab.png"))


@pytest.fixture
def waiting_refund(synced_ctx):
    """A refund above the approval threshold, asked by manager anna; it waits."""
    operators.add_operator(synced_ctx, "anna", "manager")  # the OS user became the admin
    synced_ctx.settings.set("refund_approval_threshold", 100_00)
    captured = next(r for r in list_payments(synced_ctx, PaymentFilter(), limit=None)
                    if r.state.value == "captured" and r.captured.minor > 100_00)
    outcome = operations.refund(synced_ctx.as_("anna"), captured.invoice_id,
                                reason=Reason("Двойная оплата"))
    assert outcome.result == "pending_approval"
    return outcome


def operations_tab(qtbot, win, operation_id: int):
    view = win.parts.operations
    win.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: any(op.id == operation_id for op in view.model.rows),
                    timeout=10_000)
    view.table.selectRow(next(i for i, op in enumerate(view.model.rows)
                              if op.id == operation_id))
    return view


def test_a_second_manager_approves_in_the_operations_tab(
        qtbot, synced_ctx, open_window, waiting_refund, notifier):
    win = open_window(synced_ctx)
    shown: list = []
    win.parts.money.open_dialog = shown.append
    view = operations_tab(qtbot, win, waiting_refund.operation_id)
    assert "ждёт одобрения" in view.model.index(0, 5).data()
    assert view.approve_button.isEnabled() and view.reject_button.isEnabled()
    SHOTS.mkdir(exist_ok=True)
    win.grab().save(str(SHOTS / "operations-tab.png"))
    view.approve_button.click()
    [dialog] = shown
    qtbot.addWidget(dialog)
    assert isinstance(dialog, ApproveDialog)
    assert "Запросил: anna" in dialog.summary_label.text()
    dialog.show()
    dialog.grab().save(str(SHOTS / "approve-dialog.png"))
    with qtbot.waitSignal(view.changed, timeout=30_000):
        dialog.accept()
    assert notifier.infos[-1][0] == "Выполнено", notifier.infos + notifier.errors
    [op] = operations.list_operations(synced_ctx)
    assert (op.status, op.approved_by) == ("done", win.ctx.operator)


def test_the_requester_cannot_approve_but_may_withdraw(
        qtbot, synced_ctx, open_window, waiting_refund):
    win = open_window(synced_ctx.as_("anna"))
    shown: list = []
    win.parts.money.open_dialog = shown.append
    view = operations_tab(qtbot, win, waiting_refund.operation_id)
    assert not view.approve_button.isEnabled()
    assert "другой менеджер" in view.approve_button.toolTip()
    view.reject_button.click()
    [dialog] = shown
    qtbot.addWidget(dialog)
    assert isinstance(dialog, RejectDialog) and not dialog.ok_button.isEnabled()
    dialog.reason_edit.setText("ошибся суммой")
    dialog.show()
    dialog.grab().save(str(SHOTS / "reject-dialog.png"))
    with qtbot.waitSignal(view.changed, timeout=30_000):
        dialog.accept()
    [op] = operations.list_operations(synced_ctx)
    assert (op.status, op.rejected_by, op.rejected_reason) == ("rejected", "anna",
                                                               "ошибся суммой")
