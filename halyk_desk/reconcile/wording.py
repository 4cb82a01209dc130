"""Russian wording for the accountant: payment states, operation names, discrepancy messages."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from halyk_desk.domain import Money, State

STATE_TITLES: dict[State, str] = {
    State.PENDING: "в обработке",
    State.HELD: "блокировка, ожидает подтверждения",
    State.CAPTURED: "списано",
    State.PARTIALLY_REFUNDED: "частичный возврат",
    State.REFUNDED: "возвращено",
    State.RELEASED: "блокировка снята",
    State.FAILED: "не прошёл",
    State.NEEDS_REVIEW: "требует проверки",
    State.NOT_FOUND: "не найден в банке",
    State.UNKNOWN: "неизвестно",
}

ACTION_TITLES: dict[str, str] = {
    "confirm": "подтверждение (списание)",
    "charge": "подтверждение (списание)",
    "cancel": "отмена блокировки",
    "release": "отмена блокировки",
    "refund": "возврат",
}


def action_title(action: str) -> str:
    return ACTION_TITLES.get(action.strip().lower(), action)


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m.%Y %H:%M")


def bank_status(status_name: str, state: State) -> str:
    return f"{status_name or '—'} — {STATE_TITLES[state]}"


def amount_mismatch(shop: Money, bank: Money, held: bool) -> str:
    took = "заблокировано" if held else "списано"
    return (
        f"Сумма заказа {shop}, в банке {took} {bank}: разница {bank - shop}. "
        "Проверьте заказ и платёж."
    )


def paid_but_not_captured(status: str) -> str:
    return (
        f"Магазин считает заказ оплаченным, а банк деньги не списал (статус банка: {status}). "
        "Не отгружайте заказ, пока оплата не подтверждена."
    )


def captured_but_not_paid(bank: Money, shop_status: str | None, cancelled: bool) -> str:
    if cancelled:
        return (
            f"Банк списал {bank}, а в магазине заказ отменён ({shop_status or 'отменён'}): "
            "нужен возврат покупателю или исправление статуса заказа."
        )
    return (
        f"Банк списал {bank}, а в магазине заказ не оплачен: отметьте оплату в магазине "
        "или сделайте возврат."
    )


def held_for_cancelled(bank: Money, shop_status: str | None) -> str:
    return (
        f"В магазине заказ отменён ({shop_status or 'отменён'}), а в банке блокировка {bank}: "
        "снимите блокировку."
    )


def missing_at_bank(shop: Money, attempt: str | None) -> str:
    tail = f" (последняя попытка в банке: {attempt})" if attempt else ""
    return f"В банке нет оплаты заказа на {shop}{tail}. Уточните у покупателя или в магазине."


def unknown_to_shop(bank: Money, status: str, invoice_id: str | None) -> str:
    number = f" с номером заказа {invoice_id}" if invoice_id else " без номера заказа"
    return (
        f"Платёж банка{number} на {bank} (статус: {status}) не найден среди заказов магазина. "
        "Найдите заказ или обратитесь в банк."
    )


def duplicate_payment(bank: Money, status: str, first_transaction: str) -> str:
    return (
        f"Ещё один платёж по тому же заказу: {bank} (статус: {status}); основной платёж — "
        f"{first_transaction}. Если покупатель заплатил дважды, верните лишний платёж."
    )


def hold_expiring(held: Money, expires_at: datetime, tz: ZoneInfo, now: datetime) -> str:
    hours = max(0, int((expires_at - now).total_seconds() // 3600))
    return (
        f"Блокировка {held} истекает {local_time(expires_at, tz)} (осталось {hours} ч): "
        "подтвердите или снимите её."
    )


def hold_expired(held: Money, expires_at: datetime, tz: ZoneInfo) -> str:
    return (
        f"Срок блокировки {held} истёк {local_time(expires_at, tz)}: подтвердить её уже нельзя, "
        "деньги вернутся покупателю."
    )


def foreign_currency(order_currency: str | None, bank_currency: str | None, report: str) -> str:
    if order_currency and bank_currency and order_currency != bank_currency:
        return f"Заказ в {order_currency}, а платёж в банке в {bank_currency}: сверьте вручную."
    other = bank_currency if bank_currency and bank_currency != report else order_currency
    return f"Сумма в {other}, а сверка ведётся в {report}: сверьте вручную."


def unresolved_operation(action: str, amount: Money | None, status: str) -> str:
    what = f"«{action_title(action)}»" + (f" на {amount}" if amount is not None else "")
    return (
        f"Операция {what} не завершена (состояние: {status}): результат уточняется у банка; "
        "не повторяйте её, пока он не станет известен."
    )
