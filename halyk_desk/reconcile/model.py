"""What the reconciliation engine reads: plain frozen records the services build from store rows.

Every datetime is aware (UTC from the store); a naive one makes the engine fail loudly, not guess.
Money stays integer tiyn (domain.Money); the engine sums `.minor` ints and builds Money at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from halyk_desk.domain import ALMATY, DEFAULT_CURRENCY, Money, State, utc_now
from halyk_desk.messages import Message
from halyk_desk.reconcile.categories import Category


@dataclass(frozen=True, slots=True)
class ShopOrder:
    """One order as the shop knows it.

    `shop_paid` is the shop's own "paid" flag (None when the shop's export does not say);
    `shop_status` its status text, e.g. "Оплачен" or "Отменён" (a cancelled order expects no money).
    `reference` is an RRN the shop may have kept; `order_id` the shop's own order number, used to
    name an order that has no invoiceId.
    """

    invoice_id: str | None
    amount: Money
    created_at: datetime
    customer: str = ""
    shop_paid: bool | None = None
    shop_status: str | None = None
    reference: str | None = None
    order_id: str = ""


@dataclass(frozen=True, slots=True)
class BankPayment:
    """One bank transaction as last read from the status API.

    `amount` is what remains (the bank's `amount`), `original` the amount asked (`orgAmount`),
    `held` what is blocked while AUTH, `captured` what was debited, `refunded` what went back.
    `payout_amount` is what the bank paid out to the shop for this payment, when a statement
    gives it; the fee is then captured − payout. The status API's own `payoutAmount` means
    "refunded so far" and belongs in `refunded`, not here.
    """

    invoice_id: str | None
    transaction_id: str
    status_name: str
    state: State
    amount: Money
    original: Money
    held: Money
    captured: Money
    refunded: Money
    payout_amount: Money | None
    created_at: datetime
    reference: str | None = None  # RRN
    card_mask: str | None = None

    @property
    def currency(self) -> str:
        return self.original.currency


@dataclass(frozen=True, slots=True)
class BankOperation:
    """A row of the bank's operations list (`POST /operations`), where the profile can read it.

    It finds payments the status API cannot: several payments for one invoiceId, and payments for
    invoiceIds the shop does not know. A row whose transaction the status API already gave is
    ignored (the status reply is the fuller one).
    """

    invoice_id: str | None
    transaction_id: str
    status: str
    amount: Money
    created_at: datetime
    reference: str | None = None
    card_mask: str | None = None


@dataclass(frozen=True, slots=True)
class OpenOperation:
    """A journal operation (confirm, cancel, refund) not yet settled with the bank."""

    invoice_id: str | None
    action: str
    amount: Money | None
    status: str | Message  # the journal status as the accountant reads it
    transaction_id: str | None = None
    created_at: datetime | None = None
    operation_id: str = ""  # the journal's id (its externalID): keeps a resolved mark on it


@dataclass(frozen=True, slots=True)
class ResolvedMark:
    """A person's "resolved" on one discrepancy, found again in later runs by (category, key);
    `category` None: that key in every category."""

    category: Category | None
    key: str
    note: str
    by: str
    at: datetime


NO_TOLERANCE = Money(0)


@dataclass(frozen=True, slots=True)
class ReconcileSettings:
    """Knobs of one run.

    `currency` is the report's currency: every sum is in it, and an order or payment in another one
    is reported under currency_mismatch instead of being compared. A hold expires
    `hold_expire_days` after it was made and is "expiring" from `hold_warn_days` on (whole days,
    warn < expire, so a hold that expires within a day is always among them). `match_window`
    bounds the amount-and-time fallback for orders without an invoiceId or RRN.
    """

    tz: ZoneInfo = ALMATY
    currency: str = DEFAULT_CURRENCY
    amount_tolerance: Money = NO_TOLERANCE
    hold_warn_days: int = 5
    hold_expire_days: int = 7
    match_window: timedelta = timedelta(minutes=10)
    now: datetime = field(default_factory=utc_now)
