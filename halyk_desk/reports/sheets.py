"""The columns of each sheet of the reconciliation workbook, in the accountant's language.

Titles are messages, rendered when the workbook is written; the few words a column writes in
every row (Да/Нет, a category's name, a hold's term) are rendered once per language, not per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from halyk_desk import messages
from halyk_desk.domain import Money, State
from halyk_desk.messages import Message, msg
from halyk_desk.reconcile import BankPayment, DailyTotal, Discrepancy, Pair
from halyk_desk.reconcile.categories import (
    CATEGORY_NAMES,
    HOLDS_AWAITING,
    HOLDS_EXPIRED,
    HOLDS_EXPIRING,
    Category,
)
from halyk_desk.reconcile.wording import ACTION_TITLES, STATE_TITLES
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


#: A word's text per (code, language): a column renders it for every row of a big table.
_words: dict[tuple[str, str], str] = {}


def word(message: Message) -> str:
    """A message without parameters in the current language, rendered once."""
    key = (message.code, messages.current())
    text = _words.get(key)
    if text is None:
        text = _words[key] = message.render()
    return text


def _action_title(op: OperationLine) -> str:
    """The operation's name (the bank's own word when it is not one of ours)."""
    title = ACTION_TITLES.get(op.action.strip().lower())
    return word(title) if title is not None else op.action


_YES = msg("workbook.yes", "Да")
_NO = msg("workbook.no", "Нет")


def yes_no(value: bool | None) -> str:
    return "" if value is None else word(_YES if value else _NO)


_category_names: dict[tuple[tuple[Category, ...], str], str] = {}


def category_names(keys: tuple[Category, ...]) -> str:
    found = (keys, messages.current())
    names = _category_names.get(found)
    if names is None:
        names = _category_names[found] = ", ".join(word(CATEGORY_NAMES[k]) for k in keys)
    return names


#: Column titles (a title used on several sheets is one message).
_CATEGORY = msg("workbook.col.category", "Категория")
_RESOLVED = msg("workbook.col.resolved", "Решено")
_DAY = msg("workbook.col.day", "День")
_INVOICE_ID = msg("workbook.col.invoice_id", "Номер заказа (invoiceId)")
_SHOP_ORDER = msg("workbook.col.shop_order", "Заказ в магазине")
_TRANSACTION = msg("workbook.col.transaction", "Транзакция банка")
_CUSTOMER = msg("workbook.col.customer", "Покупатель")
_SHOP_AMOUNT = msg("workbook.col.shop_amount", "Сумма в магазине")
_BANK_AMOUNT = msg("workbook.col.bank_amount", "Сумма в банке")
_DIFFERENCE = msg("workbook.col.difference", "Разница")
_DESCRIPTION = msg("workbook.col.description", "Описание")
_NOTE = msg("workbook.col.note", "Примечание")
_MARKED_BY = msg("workbook.col.marked_by", "Отметил")
_MARKED_AT = msg("workbook.col.marked_at", "Когда отмечено")
_CATEGORY_CODE = msg("workbook.col.category_code", "Код категории")
_KEY = msg("workbook.col.key", "Ключ")
_RESULT = msg("workbook.col.result", "Результат сверки")
_ORDER_CREATED = msg("workbook.col.order_created", "Заказ создан")
_ORDER_AMOUNT = msg("workbook.col.order_amount", "Сумма заказа")
_SHOP_PAID = msg("workbook.col.shop_paid", "Оплачен в магазине")
_SHOP_STATUS = msg("workbook.col.shop_status", "Статус в магазине")
_BANK_STATUS = msg("workbook.col.bank_status", "Статус банка")
_STATE = msg("workbook.col.state", "Состояние")
_PAYMENT_CREATED = msg("workbook.col.payment_created", "Платёж создан")
_PAYMENT_AMOUNT = msg("workbook.col.payment_amount", "Сумма платежа")
_HELD = msg("workbook.col.held", "Заблокировано")
_CAPTURED = msg("workbook.col.captured", "Списано")
_REFUNDED = msg("workbook.col.refunded", "Возвращено")
_REMAINING = msg("workbook.col.remaining", "Остаток")
_PAID_OUT = msg("workbook.col.paid_out", "Выплачено банком")
_FEE = msg("workbook.col.fee", "Комиссия")
_CARD = msg("workbook.col.card", "Карта")
_PAYMENT_CURRENCY = msg("workbook.col.payment_currency", "Валюта платежа")
_ORDER_CURRENCY = msg("workbook.col.order_currency", "Валюта заказа")
_CURRENCY = msg("workbook.col.currency", "Валюта")
_TERM = msg("workbook.col.term", "Срок")
_EXPIRES = msg("workbook.col.expires", "Истекает")
_HOURS_LEFT = msg("workbook.col.hours_left", "Осталось, ч")
_HOLD_AMOUNT = msg("workbook.col.hold_amount", "Сумма блокировки")
_CREATED = msg("workbook.col.created", "Создана")
_ACTION = msg("workbook.col.action", "Действие")
_AMOUNT = msg("workbook.col.amount", "Сумма")
_REASON = msg("workbook.col.reason", "Причина")
_OPERATOR = msg("workbook.col.operator", "Оператор")
_APPROVED_BY = msg("workbook.col.approved_by", "Одобрил")
_SETTLED = msg("workbook.col.settled", "Завершена")
_EXTERNAL_ID = msg("workbook.col.external_id", "Идентификатор операции (externalID)")
_ORDERS = msg("workbook.col.orders", "Заказов")
_ORDERED = msg("workbook.col.ordered", "Заказано")
_PAYMENTS = msg("workbook.col.payments", "Платежей")
_NET = msg("workbook.col.net", "Чистыми")
_MATCHED = msg("workbook.col.matched", "Совпало заказов")


def _fee(p: Pair) -> Money | None:
    pay = p.payment
    if pay is None or pay.payout_amount is None:
        return None
    return pay.captured - pay.payout_amount


def _invoice(p: Pair) -> str | None:
    if p.order is not None and p.order.invoice_id:
        return p.order.invoice_id
    return p.payment.invoice_id if p.payment is not None else None


# Each sheet's money columns name the column of their currency: with money in several
# currencies, each currency's totals row adds up the rows of that currency (reports.xlsx).

def _amounts_currency(d: Discrepancy) -> str | None:
    """A discrepancy's amounts are in one currency (the report's, or an operation's own)."""
    amounts = (d.shop_amount, d.bank_amount, d.difference)
    return next((m.currency for m in amounts if m is not None), None)


_DISCREPANCY_CURRENCY: Column[Discrepancy] = Column(_CURRENCY, TEXT, _amounts_currency)
DISCREPANCY_COLUMNS: list[Column[Discrepancy]] = [
    Column(_CATEGORY, TEXT, lambda d: word(CATEGORY_NAMES[d.category])),
    Column(_RESOLVED, TEXT, lambda d: yes_no(d.resolved)),
    Column(_DAY, DAY, lambda d: d.day),
    Column(_INVOICE_ID, TEXT, lambda d: d.invoice_id),
    Column(_SHOP_ORDER, TEXT, lambda d: d.order.order_id if d.order else None),
    Column(_TRANSACTION, TEXT, lambda d: d.transaction_id),
    Column(_CUSTOMER, TEXT, lambda d: d.order.customer if d.order else None),
    Column(_SHOP_AMOUNT, MONEY, lambda d: d.shop_amount, total=True,
           currency=_DISCREPANCY_CURRENCY),
    Column(_BANK_AMOUNT, MONEY, lambda d: d.bank_amount, total=True,
           currency=_DISCREPANCY_CURRENCY),
    Column(_DIFFERENCE, MONEY, lambda d: d.difference, total=True,
           currency=_DISCREPANCY_CURRENCY),
    _DISCREPANCY_CURRENCY,
    Column(_DESCRIPTION, TEXT, lambda d: str(d.message)),
    Column(_NOTE, TEXT, lambda d: d.mark.note if d.mark else None),
    Column(_MARKED_BY, TEXT, lambda d: d.mark.by if d.mark else None),
    Column(_MARKED_AT, MOMENT, lambda d: d.mark.at if d.mark else None),
    Column(_CATEGORY_CODE, TEXT, lambda d: d.category),
    Column(_KEY, TEXT, lambda d: d.key),
]

_ORDER_CURRENCY_COLUMN: Column[Pair] = Column(
    _ORDER_CURRENCY, TEXT, lambda p: p.order.amount.currency if p.order else None)
_PAYMENT_CURRENCY_COLUMN: Column[Pair] = Column(
    _PAYMENT_CURRENCY, TEXT, lambda p: p.payment.currency if p.payment else None)
PAYMENT_COLUMNS: list[Column[Pair]] = [
    Column(_DAY, DAY, lambda p: p.day),
    Column(_RESULT, TEXT, lambda p: category_names(p.categories)),
    Column(_INVOICE_ID, TEXT, _invoice),
    # the shop's side
    Column(_SHOP_ORDER, TEXT, lambda p: p.order.order_id if p.order else None),
    Column(_CUSTOMER, TEXT, lambda p: p.order.customer if p.order else None),
    Column(_ORDER_CREATED, MOMENT, lambda p: p.order.created_at if p.order else None),
    Column(_ORDER_AMOUNT, MONEY, lambda p: p.order.amount if p.order else None, total=True,
           currency=_ORDER_CURRENCY_COLUMN),
    _ORDER_CURRENCY_COLUMN,
    Column(_SHOP_PAID, TEXT, lambda p: yes_no(p.order.shop_paid) if p.order else None),
    Column(_SHOP_STATUS, TEXT, lambda p: p.order.shop_status if p.order else None),
    # the bank's side
    Column(_TRANSACTION, TEXT, lambda p: p.payment.transaction_id if p.payment else None),
    Column(_BANK_STATUS, TEXT, lambda p: p.payment.status_name if p.payment else None),
    Column(_STATE, TEXT, lambda p: word(STATE_TITLES[p.payment.state]) if p.payment else None),
    Column(_PAYMENT_CREATED, MOMENT, lambda p: p.payment.created_at if p.payment else None),
    Column(_PAYMENT_AMOUNT, MONEY, lambda p: p.payment.original if p.payment else None, total=True,
           currency=_PAYMENT_CURRENCY_COLUMN),
    Column(_HELD, MONEY, lambda p: p.payment.held if p.payment else None, total=True,
           currency=_PAYMENT_CURRENCY_COLUMN),
    Column(_CAPTURED, MONEY, lambda p: p.payment.captured if p.payment else None, total=True,
           currency=_PAYMENT_CURRENCY_COLUMN),
    Column(_REFUNDED, MONEY, lambda p: p.payment.refunded if p.payment else None, total=True,
           currency=_PAYMENT_CURRENCY_COLUMN),
    Column(_REMAINING, MONEY, lambda p: p.payment.amount if p.payment else None, total=True,
           currency=_PAYMENT_CURRENCY_COLUMN),
    Column(_PAID_OUT, MONEY, lambda p: p.payment.payout_amount if p.payment else None, total=True,
           currency=_PAYMENT_CURRENCY_COLUMN),
    Column(_FEE, MONEY, _fee, total=True, currency=_PAYMENT_CURRENCY_COLUMN),
    Column("RRN", TEXT, lambda p: p.payment.reference if p.payment else None),
    Column(_CARD, TEXT, lambda p: p.payment.card_mask if p.payment else None),
    _PAYMENT_CURRENCY_COLUMN,
]

_HOLD_TERMS = {HOLDS_AWAITING: msg("workbook.hold_awaiting", "ожидает"),
               HOLDS_EXPIRING: msg("workbook.hold_expiring", "скоро истекает"),
               HOLDS_EXPIRED: msg("workbook.hold_expired", "истекла")}


def _held(p: Pair) -> BankPayment:
    assert p.payment is not None  # every line of the holds sheet is a held payment
    return p.payment


def hold_columns(expire_after: timedelta, now: datetime) -> list[Column[Pair]]:
    def expires(p: Pair) -> datetime:
        return _held(p).created_at + expire_after

    def hours_left(p: Pair) -> Decimal:
        seconds = max(0.0, (expires(p) - now).total_seconds())
        return Decimal(int(seconds // 360)) / 10  # tenths of an hour, rounded down

    def term(p: Pair) -> str:
        return next((word(_HOLD_TERMS[c]) for c in p.categories if c in _HOLD_TERMS), "")

    currency: Column[Pair] = Column(_CURRENCY, TEXT, lambda p: _held(p).currency)
    return [
        Column(_TERM, TEXT, term),
        Column(_EXPIRES, MOMENT, expires),
        Column(_HOURS_LEFT, HOURS, hours_left),
        Column(_HOLD_AMOUNT, MONEY, lambda p: _held(p).held, total=True, currency=currency),
        currency,
        Column(_INVOICE_ID, TEXT, _invoice),
        Column(_SHOP_ORDER, TEXT, lambda p: p.order.order_id if p.order else None),
        Column(_CUSTOMER, TEXT, lambda p: p.order.customer if p.order else None),
        Column(_SHOP_PAID, TEXT,
               lambda p: yes_no(p.order.shop_paid) if p.order else None),
        Column(_TRANSACTION, TEXT, lambda p: _held(p).transaction_id),
        Column(_CREATED, MOMENT, lambda p: _held(p).created_at),
        Column(_CARD, TEXT, lambda p: _held(p).card_mask),
    ]


def is_hold(p: Pair) -> bool:
    return p.payment is not None and p.payment.state is State.HELD


_OPERATION_CURRENCY: Column[OperationLine] = Column(
    _CURRENCY, TEXT, lambda o: o.amount.currency if o.amount else None)
OPERATION_COLUMNS: list[Column[OperationLine]] = [
    Column(_CREATED, MOMENT, lambda o: o.created_at),
    Column(_ACTION, TEXT, _action_title),
    Column(_INVOICE_ID, TEXT, lambda o: o.invoice_id),
    Column(_TRANSACTION, TEXT, lambda o: o.transaction_id),
    Column(_AMOUNT, MONEY, lambda o: o.amount, total=True, currency=_OPERATION_CURRENCY),
    _OPERATION_CURRENCY,
    Column(_STATE, TEXT, lambda o: o.status),
    Column(_REASON, TEXT, lambda o: o.reason),
    Column(_OPERATOR, TEXT, lambda o: o.operator),
    Column(_APPROVED_BY, TEXT, lambda o: o.approved_by),
    Column(_SETTLED, MOMENT, lambda o: o.settled_at),
    Column(_EXTERNAL_ID, TEXT, lambda o: o.external_id),
]

DAILY_COLUMNS: list[Column[DailyTotal]] = [
    Column(_DAY, DAY, lambda d: d.day),
    Column(_ORDERS, COUNT, lambda d: d.orders, total=True),
    Column(_ORDERED, MONEY, lambda d: d.ordered, total=True),
    Column(_PAYMENTS, COUNT, lambda d: d.payments, total=True),
    Column(_CAPTURED, MONEY, lambda d: d.captured, total=True),
    Column(_REFUNDED, MONEY, lambda d: d.refunded, total=True),
    Column(_NET, MONEY, lambda d: d.net, total=True),
    Column(_MATCHED, COUNT, lambda d: d.matched, total=True),
]
