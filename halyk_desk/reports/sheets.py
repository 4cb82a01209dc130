"""The columns of each sheet of the reconciliation workbook, in Russian for the accountant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from halyk_desk.domain import Money, State
from halyk_desk.reconcile import TITLES, DailyTotal, Discrepancy, Pair
from halyk_desk.reconcile.categories import HOLDS_AWAITING, HOLDS_EXPIRED, HOLDS_EXPIRING, Category
from halyk_desk.reconcile.wording import STATE_TITLES, action_title
from halyk_desk.reports.xlsx import COUNT, DAY, HOURS, MOMENT, MONEY, TEXT, Column


@dataclass(frozen=True, slots=True)
class OperationLine:
    """One confirm, cancel or refund from the journal, with who asked, why and who approved."""

    created_at: datetime
    action: str
    invoice_id: str | None
    transaction_id: str | None
    amount: Money | None
    status: str
    reason: str = ""
    operator: str = ""
    approved_by: str = ""
    settled_at: datetime | None = None
    external_id: str = ""


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("Да" if value else "Нет")


_category_names: dict[tuple[Category, ...], str] = {}


def category_names(keys: tuple[Category, ...]) -> str:
    names = _category_names.get(keys)
    if names is None:
        names = _category_names[keys] = ", ".join(TITLES[k] for k in keys)
    return names


def _fee(p: Pair) -> Money | None:
    pay = p.payment
    if pay is None or pay.payout_amount is None:
        return None
    return pay.captured - pay.payout_amount


def _invoice(p: Pair) -> str | None:
    if p.order is not None and p.order.invoice_id:
        return p.order.invoice_id
    return p.payment.invoice_id if p.payment is not None else None


DISCREPANCY_COLUMNS: list[Column[Discrepancy]] = [
    Column("Категория", TEXT, lambda d: TITLES[d.category]),
    Column("Решено", TEXT, lambda d: yes_no(d.resolved)),
    Column("День", DAY, lambda d: d.day),
    Column("Номер заказа (invoiceId)", TEXT, lambda d: d.invoice_id),
    Column("Заказ в магазине", TEXT, lambda d: d.order.order_id if d.order else None),
    Column("Транзакция банка", TEXT, lambda d: d.transaction_id),
    Column("Покупатель", TEXT, lambda d: d.order.customer if d.order else None),
    Column("Сумма в магазине", MONEY, lambda d: d.shop_amount, total=True),
    Column("Сумма в банке", MONEY, lambda d: d.bank_amount, total=True),
    Column("Разница", MONEY, lambda d: d.difference, total=True),
    Column("Описание", TEXT, lambda d: str(d.message)),
    Column("Примечание", TEXT, lambda d: d.mark.note if d.mark else None),
    Column("Отметил", TEXT, lambda d: d.mark.by if d.mark else None),
    Column("Когда отмечено", MOMENT, lambda d: d.mark.at if d.mark else None),
    Column("Код категории", TEXT, lambda d: d.category),
    Column("Ключ", TEXT, lambda d: d.key),
]

PAYMENT_COLUMNS: list[Column[Pair]] = [
    Column("День", DAY, lambda p: p.day),
    Column("Результат сверки", TEXT, lambda p: category_names(p.categories)),
    Column("Номер заказа (invoiceId)", TEXT, _invoice),
    # the shop's side
    Column("Заказ в магазине", TEXT, lambda p: p.order.order_id if p.order else None),
    Column("Покупатель", TEXT, lambda p: p.order.customer if p.order else None),
    Column("Заказ создан", MOMENT, lambda p: p.order.created_at if p.order else None),
    Column("Сумма заказа", MONEY, lambda p: p.order.amount if p.order else None, total=True),
    Column("Оплачен в магазине", TEXT, lambda p: yes_no(p.order.shop_paid) if p.order else None),
    Column("Статус в магазине", TEXT, lambda p: p.order.shop_status if p.order else None),
    # the bank's side
    Column("Транзакция банка", TEXT, lambda p: p.payment.transaction_id if p.payment else None),
    Column("Статус банка", TEXT, lambda p: p.payment.status_name if p.payment else None),
    Column("Состояние", TEXT, lambda p: STATE_TITLES[p.payment.state] if p.payment else None),
    Column("Платёж создан", MOMENT, lambda p: p.payment.created_at if p.payment else None),
    Column("Сумма платежа", MONEY, lambda p: p.payment.original if p.payment else None,
           total=True),
    Column("Заблокировано", MONEY, lambda p: p.payment.held if p.payment else None, total=True),
    Column("Списано", MONEY, lambda p: p.payment.captured if p.payment else None, total=True),
    Column("Возвращено", MONEY, lambda p: p.payment.refunded if p.payment else None, total=True),
    Column("Остаток", MONEY, lambda p: p.payment.amount if p.payment else None, total=True),
    Column("Выплачено банком", MONEY, lambda p: p.payment.payout_amount if p.payment else None,
           total=True),
    Column("Комиссия", MONEY, _fee, total=True),
    Column("RRN", TEXT, lambda p: p.payment.reference if p.payment else None),
    Column("Карта", TEXT, lambda p: p.payment.card_mask if p.payment else None),
    Column("Валюта платежа", TEXT, lambda p: p.payment.currency if p.payment else None),
]

_HOLD_TERMS = {HOLDS_AWAITING: "ожидает", HOLDS_EXPIRING: "скоро истекает",
               HOLDS_EXPIRED: "истекла"}


def hold_columns(expire_after: timedelta, now: datetime) -> list[Column[Pair]]:
    def expires(p: Pair) -> datetime:
        assert p.payment is not None  # every line of the holds sheet is a held payment
        return p.payment.created_at + expire_after

    def hours_left(p: Pair) -> Decimal:
        seconds = max(0.0, (expires(p) - now).total_seconds())
        return Decimal(int(seconds // 360)) / 10  # tenths of an hour, rounded down

    def term(p: Pair) -> str:
        return next((_HOLD_TERMS[c] for c in p.categories if c in _HOLD_TERMS), "")

    return [
        Column("Срок", TEXT, term),
        Column("Истекает", MOMENT, expires),
        Column("Осталось, ч", HOURS, hours_left),
        Column("Сумма блокировки", MONEY, lambda p: p.payment.held, total=True),
        Column("Номер заказа (invoiceId)", TEXT, _invoice),
        Column("Заказ в магазине", TEXT, lambda p: p.order.order_id if p.order else None),
        Column("Покупатель", TEXT, lambda p: p.order.customer if p.order else None),
        Column("Оплачен в магазине", TEXT,
               lambda p: yes_no(p.order.shop_paid) if p.order else None),
        Column("Транзакция банка", TEXT, lambda p: p.payment.transaction_id),
        Column("Создана", MOMENT, lambda p: p.payment.created_at),
        Column("Карта", TEXT, lambda p: p.payment.card_mask),
    ]


def is_hold(p: Pair) -> bool:
    return p.payment is not None and p.payment.state is State.HELD


OPERATION_COLUMNS: list[Column[OperationLine]] = [
    Column("Создана", MOMENT, lambda o: o.created_at),
    Column("Действие", TEXT, lambda o: action_title(o.action)),
    Column("Номер заказа (invoiceId)", TEXT, lambda o: o.invoice_id),
    Column("Транзакция банка", TEXT, lambda o: o.transaction_id),
    Column("Сумма", MONEY, lambda o: o.amount, total=True),
    Column("Состояние", TEXT, lambda o: o.status),
    Column("Причина", TEXT, lambda o: o.reason),
    Column("Оператор", TEXT, lambda o: o.operator),
    Column("Одобрил", TEXT, lambda o: o.approved_by),
    Column("Завершена", MOMENT, lambda o: o.settled_at),
    Column("Идентификатор операции (externalID)", TEXT, lambda o: o.external_id),
]

DAILY_COLUMNS: list[Column[DailyTotal]] = [
    Column("День", DAY, lambda d: d.day),
    Column("Заказов", COUNT, lambda d: d.orders, total=True),
    Column("Заказано", MONEY, lambda d: d.ordered, total=True),
    Column("Платежей", COUNT, lambda d: d.payments, total=True),
    Column("Списано", MONEY, lambda d: d.captured, total=True),
    Column("Возвращено", MONEY, lambda d: d.refunded, total=True),
    Column("Чистыми", MONEY, lambda d: d.net, total=True),
    Column("Совпало заказов", COUNT, lambda d: d.matched, total=True),
]
