"""The reconciliation categories: stable keys (for --json and stored marks) and Russian titles.

What each one counts and sums (a category's "sum" is always in the report's currency):
- matched: orders paired with a payment of theirs whose amount and status agree;
  sum = order amounts.
- amount_mismatch: the bank's amount (captured, or held for a hold) differs from the order's by more
  than the tolerance; sum = absolute differences.
- status_mismatch: the shop says paid and the bank did not capture; the bank captured and the shop
  says unpaid or cancelled; the bank holds money for an order the shop cancelled. Sum = the money in
  question (the bank's amount when it took money, else the order's).
- missing_at_bank: an order that expects money (not cancelled, not marked unpaid) with no payment
  that took money; sum = order amounts.
- unknown_to_shop: a payment that took money (or whose status is unknown) that no order claims;
  sum = the bank's amounts.
- duplicate_payments: each further payment holding money for an order that already has one;
  sum = those payments' amounts.
- holds_awaiting / holds_expiring / holds_expired: held payments by time left; sum = held amounts.
- partially_refunded / refunded: payments by refund state; sum = refunded amounts.
- fee: payments for which the bank gives a payout; sum = captured − payout.
- currency_mismatch: an order and its payment in different currencies, or either in a currency that
  is not the report's; sum = the report-currency amounts of the orders concerned.
- unresolved_operations: journal operations not yet settled with the bank; sum = their amounts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import assert_never

from halyk_desk.messages import Message, msg


class Category(StrEnum):
    """A reconciliation category; its value is the stable key."""

    MATCHED = "matched"
    AMOUNT_MISMATCH = "amount_mismatch"
    STATUS_MISMATCH = "status_mismatch"
    MISSING_AT_BANK = "missing_at_bank"
    UNKNOWN_TO_SHOP = "unknown_to_shop"
    DUPLICATE_PAYMENTS = "duplicate_payments"
    HOLDS_AWAITING = "holds_awaiting"
    HOLDS_EXPIRING = "holds_expiring"
    HOLDS_EXPIRED = "holds_expired"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    FEE = "fee"
    CURRENCY_MISMATCH = "currency_mismatch"
    UNRESOLVED_OPERATIONS = "unresolved_operations"


# Module-level names for the engine's hot loops (a global, not an attribute lookup per order).
MATCHED = Category.MATCHED
AMOUNT_MISMATCH = Category.AMOUNT_MISMATCH
STATUS_MISMATCH = Category.STATUS_MISMATCH
MISSING_AT_BANK = Category.MISSING_AT_BANK
UNKNOWN_TO_SHOP = Category.UNKNOWN_TO_SHOP
DUPLICATE_PAYMENTS = Category.DUPLICATE_PAYMENTS
HOLDS_AWAITING = Category.HOLDS_AWAITING
HOLDS_EXPIRING = Category.HOLDS_EXPIRING
HOLDS_EXPIRED = Category.HOLDS_EXPIRED
PARTIALLY_REFUNDED = Category.PARTIALLY_REFUNDED
REFUNDED = Category.REFUNDED
FEE = Category.FEE
CURRENCY_MISMATCH = Category.CURRENCY_MISMATCH
UNRESOLVED_OPERATIONS = Category.UNRESOLVED_OPERATIONS

#: Every category, in the order reports show them.
CATEGORIES: tuple[Category, ...] = tuple(Category)

#: Categories that list discrepancy items someone should look at (and may mark resolved); the
#: others are counted only, their payments are in the Payments, Holds and Refunds lists.
ATTENTION: frozenset[Category] = frozenset({
    AMOUNT_MISMATCH,
    STATUS_MISMATCH,
    MISSING_AT_BANK,
    UNKNOWN_TO_SHOP,
    DUPLICATE_PAYMENTS,
    HOLDS_EXPIRING,
    HOLDS_EXPIRED,
    CURRENCY_MISMATCH,
    UNRESOLVED_OPERATIONS,
})


def category_name(category: Category) -> Message:
    """The category's name for people, in the user's language (the Сводка sheet, messages)."""
    match category:
        case Category.MATCHED:
            return msg("category.matched", "Совпадает")
        case Category.AMOUNT_MISMATCH:
            return msg("category.amount_mismatch", "Расхождение суммы")
        case Category.STATUS_MISMATCH:
            return msg("category.status_mismatch", "Расхождение статуса")
        case Category.MISSING_AT_BANK:
            return msg("category.missing_at_bank", "Нет оплаты в банке")
        case Category.UNKNOWN_TO_SHOP:
            return msg("category.unknown_to_shop", "Платёж неизвестен магазину")
        case Category.DUPLICATE_PAYMENTS:
            return msg("category.duplicate_payments", "Несколько платежей по заказу")
        case Category.HOLDS_AWAITING:
            return msg("category.holds_awaiting", "Блокировки, ожидают подтверждения")
        case Category.HOLDS_EXPIRING:
            return msg("category.holds_expiring", "Блокировки, скоро истекают")
        case Category.HOLDS_EXPIRED:
            return msg("category.holds_expired", "Блокировки, срок истёк")
        case Category.PARTIALLY_REFUNDED:
            return msg("category.partially_refunded", "Частичный возврат")
        case Category.REFUNDED:
            return msg("category.refunded", "Возврат")
        case Category.FEE:
            return msg("category.fee", "Комиссия банка")
        case Category.CURRENCY_MISMATCH:
            return msg("category.currency_mismatch", "Расхождение валюты")
        case Category.UNRESOLVED_OPERATIONS:
            return msg("category.unresolved_operations", "Незавершённые операции")
        case unhandled:
            assert_never(unhandled)


CATEGORY_NAMES: dict[Category, Message] = {c: category_name(c) for c in Category}
#: The same names in Russian, the engine's own language.
TITLES: dict[Category, str] = {key: name.source for key, name in CATEGORY_NAMES.items()}
