"""The operation dialogs on their own: amount prefilled with the most allowed, the domain's rules
as the operator types, a reason required ("Другое" with own words), a summary before sending."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from halyk_desk.domain import Money, State, utc_now
from halyk_desk.services.operations import ActionLimits, Outcome, Reason
from halyk_desk.services.payments import HoldRow
from halyk_desk.ui.operation_dialogs import (
    BulkHoldsDialog,
    BulkRequest,
    CancelDialog,
    ConfirmDialog,
    OperationRequest,
    RefundDialog,
)

SHOTS = Path("/tmp/shots")
REASONS = ["Просьба покупателя", "Нет в наличии", "Двойная оплата", "Другое"]


def limits(state: State = State.HELD, *, held: int = 0, captured: int = 0, refunded: int = 0,
           expires_in: timedelta = timedelta(days=3)) -> ActionLimits:
    money = {name: Money(value) for name, value in
             (("held", held), ("captured", captured), ("refunded", refunded))}
    return ActionLimits(
        invoice_id="000123", state=state, currency="KZT", **money,
        expires_at=utc_now() + expires_in,
        max_confirm=money["held"] if state is State.HELD else None,
        cancel_amount=money["held"] if state is State.HELD else None,
        max_refund=money["captured"] - money["refunded"] if captured else None,
        min_refund=Money(10_00), approval_threshold=Money(100_000_00), why_not={},
        blocked_by=None,
    )


def shoot(dialog, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    dialog.show()
    assert dialog.grab().save(str(SHOTS / f"{name}.png"))


@pytest.fixture
def make(qtbot):
    def build(cls, *args, **kwargs):
        dialog = cls(*args, **kwargs)
        qtbot.addWidget(dialog)
        return dialog

    return build


def test_confirm_is_prefilled_with_the_whole_hold_and_needs_a_reason(make):
    dialog = make(ConfirmDialog, limits(held=1500_00), REASONS, "anna")
    assert dialog.amount_edit.text() == "1500,00"
    assert not dialog.ok_button.isEnabled()
    assert dialog.problem_label.text() == "Выберите причину."
    dialog.reason_picker.choose("Нет в наличии")
    assert dialog.ok_button.isEnabled() and dialog.problem_label.text() == ""
    assert "Будет списано 1\u00a0500,00\u00a0₸ из заблокированных" in dialog.summary_label.text()
    assert "Оператор: anna" in dialog.summary_label.text()
    shoot(dialog, "confirm-dialog")
    assert dialog.request() == OperationRequest("confirm", "000123", Money(1500_00),
                                                Reason("Нет в наличии"))


@pytest.mark.parametrize("typed,says", [
    ("1500,01", "не больше 1\u00a0500,00\u00a0₸"),
    # Each says what is wrong with it (issue 13: «0» and «-5» were told to type digits).
    ("0", "больше нуля"),
    ("абв", "«абв» — не сумма"),
    ("12,345", "больше двух знаков"),
    ("-3", "отрицательная"),
    ("-5", "отрицательная"),
])
def test_confirm_refuses_amounts_the_rules_refuse(make, typed, says):
    dialog = make(ConfirmDialog, limits(held=1500_00), REASONS, "anna")
    dialog.reason_picker.choose("Нет в наличии")
    dialog.amount_edit.setText(typed)
    assert not dialog.ok_button.isEnabled()
    assert says in dialog.problem_label.text()
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    with pytest.raises(ValueError):
        dialog.request()


def test_a_partial_confirm_says_the_rest_is_released(make):
    dialog = make(ConfirmDialog, limits(held=1500_00), REASONS, "anna")
    dialog.reason_picker.choose("Нет в наличии")
    dialog.amount_edit.setText("1 200,50")
    assert "Остаток 299,50\u00a0₸ будет разблокирован" in dialog.summary_label.text()
    assert dialog.request().amount == Money(1200_50)
    shoot(dialog, "confirm-dialog-partial")


def test_an_expired_hold_cannot_be_confirmed(make):
    dialog = make(ConfirmDialog, limits(held=1500_00, expires_in=-timedelta(hours=1)), REASONS,
                  "anna")
    dialog.reason_picker.choose("Нет в наличии")
    assert not dialog.ok_button.isEnabled() and "истекла" in dialog.problem_label.text()


def test_other_needs_the_operators_words(make):
    dialog = make(CancelDialog, limits(held=700_00), REASONS, "anna")
    dialog.reason_picker.choose("Другое")
    assert not dialog.ok_button.isEnabled()
    assert "своими словами" in dialog.problem_label.text()
    dialog.reason_picker.text_edit.setText("покупатель передумал")
    assert dialog.ok_button.isEnabled()
    shoot(dialog, "cancel-dialog")
    assert dialog.request() == OperationRequest("cancel", "000123", None,
                                                Reason("Другое", "покупатель передумал"))


def test_cancel_releases_the_whole_hold(make):
    dialog = make(CancelDialog, limits(held=700_00), REASONS, "anna")
    assert dialog.amount_edit.isReadOnly() and dialog.amount_edit.text() == "700,00"
    dialog.reason_picker.choose("Просьба покупателя")
    assert "будет снята целиком" in dialog.summary_label.text()


def test_refund_is_prefilled_with_all_that_remains(make):
    dialog = make(RefundDialog, limits(State.PARTIALLY_REFUNDED, captured=2000_00,
                                       refunded=500_00), REASONS, "anna")
    assert dialog.amount_edit.text() == "1500,00"
    assert "уже возвращено 500,00\u00a0₸" in dialog.heading.text()
    dialog.reason_picker.choose("Двойная оплата")
    dialog.amount_edit.setText("300")
    dialog.note_edit.setText("акт 17")
    assert "возвращено 300,00\u00a0₸; после возврата останется 1\u00a0200,00\u00a0₸" in (
        dialog.summary_label.text())
    shoot(dialog, "refund-dialog")
    assert dialog.request() == OperationRequest("refund", "000123", Money(300_00),
                                                Reason("Двойная оплата"), "акт 17")


def test_the_refund_dialog_has_one_free_text_field_unless_the_reason_needs_words(make):
    """Issue 13: «Комментарий» and «Примечание» side by side looked alike. A refund has its note;
    the reason's own words appear only for «Другое», and then say what they are for."""
    dialog = make(RefundDialog, limits(State.CAPTURED, captured=2000_00), REASONS, "anna")
    dialog.resize(560, 360)
    dialog.show()
    dialog.reason_picker.choose("Двойная оплата")
    words = dialog.reason_picker.text_edit
    assert not words.isVisible() and dialog.note_edit.isVisible()
    dialog.reason_picker.choose("Другое")
    assert words.isVisible() and "своими словами" in words.placeholderText()
    labels = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible()]
    assert "Примечание к возврату (необязательно):" in labels
    assert not any(text.startswith("Комментарий") for text in labels)
    # A confirmation has no note: there the reason's comment stays, optional.
    confirm = make(ConfirmDialog, limits(held=1500_00), REASONS, "anna")
    confirm.show()
    confirm.reason_picker.choose("Нет в наличии")
    assert confirm.reason_picker.text_edit.isVisible()


@pytest.mark.parametrize("typed,says", [
    ("9,99", "не меньше 10,00\u00a0₸"),
    ("1500,01", "не больше 1\u00a0500,00\u00a0₸"),
    ("USD 5", "валюте платежа"),
])
def test_refund_limits(make, typed, says):
    dialog = make(RefundDialog, limits(State.PARTIALLY_REFUNDED, captured=2000_00,
                                       refunded=500_00), REASONS, "anna")
    dialog.reason_picker.choose("Двойная оплата")
    dialog.amount_edit.setText(typed)
    assert not dialog.ok_button.isEnabled()
    assert says in dialog.problem_label.text()


def test_a_large_refund_is_announced_as_waiting_for_a_second_manager(make):
    dialog = make(RefundDialog, limits(State.CAPTURED, captured=250_000_00), REASONS, "anna")
    dialog.reason_picker.choose("Двойная оплата")
    assert "одобрения второго менеджера" in dialog.summary_label.text()
    shoot(dialog, "refund-dialog-approval")


def hold(invoice: str, tenge: int, *, expired: bool = False) -> HoldRow:
    now = utc_now()
    return HoldRow(invoice_id=invoice, transaction_id=f"tx-{invoice}", amount=Money(tenge * 100),
                   created_at=now - timedelta(days=2), age=timedelta(days=2),
                   expires_at=now + timedelta(days=-1 if expired else 5),
                   time_left=timedelta(days=-1 if expired else 5), warn=False, expired=expired,
                   customer=f"Покупатель {invoice}")


HOLDS = [hold("000201", 1000), hold("000202", 500), hold("000203", 300, expired=True),
         hold("000204", 200)]


def test_bulk_confirm_summarises_skips_and_reports_one_result_per_payment(make):
    dialog = make(BulkHoldsDialog, "confirm", HOLDS, REASONS, "anna",
                  {"000204": "пропущена: идёт операция"})
    assert [h.invoice_id for h in dialog.included] == ["000201", "000202"]
    summary = dialog.summary_label.text()
    assert "2 блокировки на сумму 1\u00a0500,00\u00a0₸" in summary and "Пропущено: 2" in summary
    assert dialog.table.item(2, dialog.RESULT_COLUMN).text() == "пропущена: блокировка истекла"
    assert dialog.table.item(3, dialog.RESULT_COLUMN).text() == "пропущена: идёт операция"
    assert not dialog.ok_button.isEnabled()
    dialog.reason_picker.choose("Нет в наличии")
    shoot(dialog, "bulk-confirm-dialog")

    sent: list[BulkRequest] = []
    dialog.submitted.connect(sent.append)
    dialog.ok_button.click()
    assert sent == [BulkRequest("confirm", ("000201", "000202"), Reason("Нет в наличии"))]
    assert not dialog.ok_button.isEnabled()

    dialog.show_results([
        Outcome("000201", "confirm", Money(1000_00), "done", "ok", 1),
        Outcome("000202", "confirm", Money(500_00), "unknown", "no answer", 2),
    ])
    assert dialog.table.item(0, dialog.RESULT_COLUMN).text() == "Выполнено"
    assert dialog.table.item(1, dialog.RESULT_COLUMN).text().startswith("Результат неизвестен")
    assert "Выполнено: 1" in dialog.summary_label.text()
    assert not dialog.ok_button.isVisible()
    shoot(dialog, "bulk-confirm-results")


def test_bulk_release_takes_expired_holds_too(make):
    dialog = make(BulkHoldsDialog, "cancel", HOLDS, REASONS, "anna")
    assert len(dialog.included) == 4
    assert "Будут сняты целиком: 4 блокировки" in dialog.summary_label.text()


def test_bulk_with_nothing_left_cannot_be_sent(make):
    dialog = make(BulkHoldsDialog, "confirm", [HOLDS[2]], REASONS, "anna")
    dialog.reason_picker.choose("Нет в наличии")
    assert not dialog.ok_button.isEnabled() and "Нечего выполнять" in dialog.problem_label.text()
