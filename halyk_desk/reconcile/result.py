"""What one reconciliation run produces, and its --json form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from halyk_desk.domain import Money
from halyk_desk.messages import Message
from halyk_desk.reconcile.categories import CATEGORIES, Category
from halyk_desk.reconcile.model import (
    BankPayment,
    OpenOperation,
    ReconcileSettings,
    ResolvedMark,
    ShopOrder,
)


@dataclass(frozen=True, slots=True)
class CategoryTotal:
    count: int
    sum: Money
    resolved: int = 0  # items of this category a person marked resolved


class Pair(NamedTuple):
    """One line of the Payments list: an order and one payment of it, or either side alone.

    `day` is the business day the line belongs to: the order's, or the payment's when no order
    claims it. `categories` are the keys the line counts under (empty for an unpaid order that
    expects no money, or a failed attempt nobody ordered).
    """

    day: date
    order: ShopOrder | None
    payment: BankPayment | None
    categories: tuple[Category, ...]


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """One thing for a person to look at. `difference` is bank − shop where both sides exist."""

    category: Category
    key: str
    day: date | None
    invoice_id: str | None
    transaction_id: str | None
    shop_amount: Money | None
    bank_amount: Money | None
    difference: Money | None
    message: Message
    order: ShopOrder | None = None
    payment: BankPayment | None = None
    operation: OpenOperation | None = None
    mark: ResolvedMark | None = None

    @property
    def resolved(self) -> bool:
        return self.mark is not None


@dataclass(frozen=True, slots=True)
class DailyTotal:
    day: date
    orders: int
    ordered: Money
    payments: int
    captured: Money
    refunded: Money
    matched: int

    @property
    def net(self) -> Money:
        return self.captured - self.refunded


@dataclass(frozen=True, slots=True)
class ReconcileResult:
    """Totals are over the period's lines in the report's currency.

    ordered: amounts of every order made in the period; captured / refunded: over every payment
    line of the period (an order's payments, and payments no order claims); net = captured −
    refunded. `match_rate` is defined in the engine (see `reconcile`).
    """

    period_from: date
    period_to: date
    settings: ReconcileSettings
    categories: dict[Category, CategoryTotal]
    discrepancies: tuple[Discrepancy, ...]
    pairs: tuple[Pair, ...]
    daily: tuple[DailyTotal, ...]
    orders: int
    orders_expecting_payment: int
    ordered: Money
    captured: Money
    refunded: Money
    match_rate: Decimal | None

    @property
    def net(self) -> Money:
        return self.captured - self.refunded

    @property
    def time_zone(self) -> str:
        return self.settings.tz.key

    @property
    def currency(self) -> str:
        return self.settings.currency

    @property
    def now(self) -> datetime:
        return self.settings.now


def to_json(result: ReconcileResult) -> dict[str, Any]:
    """The `--json` document: every category key present, sums as decimal strings."""
    return {
        "from": result.period_from.isoformat(),
        "to": result.period_to.isoformat(),
        "time_zone": result.time_zone,
        "match_rate": None if result.match_rate is None else str(result.match_rate),
        "categories": {
            key: {"count": total.count, "sum": total.sum.to_json()}
            for key, total in ((key, result.categories[key]) for key in CATEGORIES)
        },
    }
