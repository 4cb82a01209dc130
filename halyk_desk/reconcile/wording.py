"""Wording for the accountant: the state and operation names of the workbook's tables (rendered
once per language by reports.sheets.word), and each discrepancy's message (halyk_desk.messages:
rendered in the reader's language)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from halyk_desk.domain import Money, State
from halyk_desk.domain.states import state_name
from halyk_desk.messages import Message, msg, verbatim

STATE_TITLES: dict[State, Message] = {
    State.PENDING: msg("recon.state.pending", "в обработке"),
    State.HELD: msg("recon.state.held", "блокировка, ожидает подтверждения"),
    State.CAPTURED: msg("recon.state.captured", "списано"),
    State.PARTIALLY_REFUNDED: msg("recon.state.partially_refunded", "частичный возврат"),
    State.REFUNDED: msg("recon.state.refunded", "возвращено"),
    State.RELEASED: msg("recon.state.released", "блокировка снята"),
    State.FAILED: msg("recon.state.failed", "не прошёл"),
    State.NEEDS_REVIEW: msg("recon.state.needs_review", "требует проверки"),
    State.NOT_FOUND: msg("recon.state.not_found", "не найден в банке"),
    State.UNKNOWN: msg("recon.state.unknown", "неизвестно"),
}

ACTION_TITLES: dict[str, Message] = {
    "confirm": msg("recon.action.confirm", "подтверждение (списание)"),
    "charge": msg("recon.action.confirm", "подтверждение (списание)"),
    "cancel": msg("recon.action.cancel", "отмена блокировки"),
    "release": msg("recon.action.cancel", "отмена блокировки"),
    "refund": msg("recon.action.refund", "возврат"),
}


#: Each operation's name in a discrepancy (the same codes as the money journal's).
_ACTION_NAMES = {
    "confirm": msg("action.confirm", "подтверждение списания"),
    "charge": msg("action.confirm", "подтверждение списания"),
    "cancel": msg("action.cancel", "снятие блокировки"),
    "release": msg("action.cancel", "снятие блокировки"),
    "refund": msg("action.refund", "возврат"),
}


def _wall(moment: datetime, tz: ZoneInfo) -> datetime:
    """The wall-clock time in the report's zone, written as each language writes a time."""
    return moment.astimezone(tz).replace(tzinfo=None)


def bank_status(status_name: str, state: State) -> Message:
    return msg("recon.bank_status", "{status} — {state}", status=status_name or "—",
               state=state_name(state))


def amount_mismatch(shop: Money, bank: Money, held: bool) -> Message:
    said = {"shop": shop, "bank": bank, "difference": bank - shop}
    if held:
        return msg("recon.amount_mismatch_held", "Сумма заказа {shop}, в банке заблокировано "
                   "{bank}: разница {difference}. Проверьте заказ и платёж.", **said)
    return msg("recon.amount_mismatch", "Сумма заказа {shop}, в банке списано {bank}: разница "
               "{difference}. Проверьте заказ и платёж.", **said)


def paid_but_not_captured(status: Message) -> Message:
    return msg("recon.paid_not_captured", "Магазин считает заказ оплаченным, а банк деньги не "
               "списал (статус банка: {status}). Не отгружайте заказ, пока оплата не "
               "подтверждена.", status=status)


def captured_but_not_paid(bank: Money, shop_status: str | None, cancelled: bool) -> Message:
    if cancelled:
        if shop_status:
            return msg("recon.captured_cancelled", "Банк списал {bank}, а в магазине заказ "
                       "отменён ({shop_status}): нужен возврат покупателю или исправление "
                       "статуса заказа.", bank=bank, shop_status=shop_status)
        return msg("recon.captured_cancelled_plain", "Банк списал {bank}, а в магазине заказ "
                   "отменён: нужен возврат покупателю или исправление статуса заказа.",
                   bank=bank)
    return msg("recon.captured_not_paid", "Банк списал {bank}, а в магазине заказ не оплачен: "
               "отметьте оплату в магазине или сделайте возврат.", bank=bank)


def held_for_cancelled(bank: Money, shop_status: str | None) -> Message:
    return msg("recon.held_for_cancelled", "В магазине заказ отменён ({shop_status}), а в банке "
               "блокировка {bank}: снимите блокировку.", bank=bank,
               shop_status=shop_status or msg("recon.cancelled", "отменён"))


def missing_at_bank(shop: Money, attempt: Message | None) -> Message:
    if attempt is not None:
        return msg("recon.missing_at_bank_attempt", "В банке нет оплаты заказа на {shop} "
                   "(последняя попытка в банке: {attempt}). Уточните у покупателя или в "
                   "магазине.", shop=shop, attempt=attempt)
    return msg("recon.missing_at_bank", "В банке нет оплаты заказа на {shop}. Уточните у "
               "покупателя или в магазине.", shop=shop)


def unknown_to_shop(bank: Money, status: Message, invoice_id: str | None) -> Message:
    if invoice_id:
        return msg("recon.unknown_to_shop", "Платёж банка с номером заказа {invoice} на {bank} "
                   "(статус: {status}) не найден среди заказов магазина. Найдите заказ или "
                   "обратитесь в банк.", invoice=invoice_id, bank=bank, status=status)
    return msg("recon.unknown_to_shop_no_number", "Платёж банка без номера заказа на {bank} "
               "(статус: {status}) не найден среди заказов магазина. Найдите заказ или "
               "обратитесь в банк.", bank=bank, status=status)


def duplicate_payment(bank: Money, status: Message, first_transaction: str) -> Message:
    return msg("recon.duplicate_payment", "Ещё один платёж по тому же заказу: {bank} (статус: "
               "{status}); основной платёж — {first}. Если покупатель заплатил дважды, верните "
               "лишний платёж.", bank=bank, status=status, first=first_transaction)


def hold_expiring(held: Money, expires_at: datetime, tz: ZoneInfo, now: datetime) -> Message:
    hours = max(0, int((expires_at - now).total_seconds() // 3600))
    return msg("recon.hold_expiring", "Блокировка {held} истекает {at} (осталось {hours} ч): "
               "подтвердите или снимите её.", held=held, at=_wall(expires_at, tz), hours=hours)


def hold_expired(held: Money, expires_at: datetime, tz: ZoneInfo) -> Message:
    return msg("recon.hold_expired", "Срок блокировки {held} истёк {at}: подтвердить её уже "
               "нельзя, деньги вернутся покупателю.", held=held, at=_wall(expires_at, tz))


def foreign_currency(order_currency: str | None, bank_currency: str | None,
                     report: str) -> Message:
    if order_currency and bank_currency and order_currency != bank_currency:
        return msg("recon.currency_differs", "Заказ в {order}, а платёж в банке в {bank}: "
                   "сверьте вручную.", order=order_currency, bank=bank_currency)
    other = bank_currency if bank_currency and bank_currency != report else order_currency
    return msg("recon.foreign_currency", "Сумма в {other}, а сверка ведётся в {report}: "
               "сверьте вручную.", other=other or "—", report=report)


def unresolved_operation(action: str, amount: Money | None, status: str | Message) -> Message:
    name = _ACTION_NAMES.get(action.strip().lower()) or verbatim(action)
    if amount is not None:
        return msg("recon.unresolved_amount", "Операция «{action}» на {amount} не завершена "
                   "(состояние: {status}): результат уточняется у банка; не повторяйте её, "
                   "пока он не станет известен.", action=name, amount=amount, status=status)
    return msg("recon.unresolved", "Операция «{action}» не завершена (состояние: {status}): "
               "результат уточняется у банка; не повторяйте её, пока он не станет известен.",
               action=name, status=status)
