"""The reconciliation of a period of business days: the shop's orders against the bank's payments.

One pass over each side with dicts (see matching.py), sums kept as int tiyn and turned into Money
once at the end, so a million orders against a million payments take seconds.

Which lines belong to the period: every order made in it (by its business day in settings.tz),
with all its payments wherever they fall; and every payment made in it that no order claims. Pass
payments from a day either side of the period, so an order at 23:59 finds its payment at 00:01;
orders from outside the period may be passed too: they claim their payments, and are then left out.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import chain

from halyk_desk.domain import Money, State, canonical_state
from halyk_desk.domain.timeutil import business_day_bounds, business_day_of
from halyk_desk.messages import Message, MessageError, msg
from halyk_desk.reconcile import wording
from halyk_desk.reconcile.categories import (
    AMOUNT_MISMATCH,
    CATEGORIES,
    CURRENCY_MISMATCH,
    DUPLICATE_PAYMENTS,
    FEE,
    HOLDS_AWAITING,
    HOLDS_EXPIRED,
    HOLDS_EXPIRING,
    MATCHED,
    MISSING_AT_BANK,
    PARTIALLY_REFUNDED,
    REFUNDED,
    STATUS_MISMATCH,
    UNKNOWN_TO_SHOP,
    UNRESOLVED_OPERATIONS,
    Category,
)
from halyk_desk.reconcile.gc_pause import collector_paused
from halyk_desk.reconcile.matching import WITH_MONEY, match_orders
from halyk_desk.reconcile.model import (
    BankOperation,
    BankPayment,
    OpenOperation,
    ReconcileSettings,
    ResolvedMark,
    ShopOrder,
)
from halyk_desk.reconcile.result import (
    CategoryTotal,
    DailyTotal,
    Discrepancy,
    Pair,
    ReconcileResult,
)

#: Money the card holder has paid and the shop still has (a refund after it is its own category).
KEPT = frozenset({State.CAPTURED, State.PARTIALLY_REFUNDED})
CAPTURED_ONCE = frozenset({State.CAPTURED, State.PARTIALLY_REFUNDED, State.REFUNDED})
#: A further payment for an order is a duplicate while it holds or keeps money.
HOLDING = KEPT | {State.HELD}
#: Which of an order's payments stands for it: the one that kept money, else held, else refunded...
_RANK = {
    State.CAPTURED: 0,
    State.PARTIALLY_REFUNDED: 0,
    State.HELD: 1,
    State.REFUNDED: 2,
    State.PENDING: 3,
    State.NEEDS_REVIEW: 3,
    State.RELEASED: 4,
    State.FAILED: 4,
}
_RATE_PLACES = Decimal("0.0001")


class ReconcileError(MessageError, ValueError):
    """Input the engine cannot reconcile; the message says what to give instead."""


def reconcile(
    period_from: date,
    period_to: date,
    orders: Iterable[ShopOrder],
    payments: Sequence[BankPayment],
    *,
    operations: Iterable[BankOperation] = (),
    open_operations: Iterable[OpenOperation] = (),
    marks: Iterable[ResolvedMark] = (),
    settings: ReconcileSettings | None = None,
) -> ReconcileResult:
    """Reconcile the business days period_from..period_to (both included).

    Match rate: matched ÷ orders expecting payment, where the orders expecting payment are the
    period's orders except those the shop marks unpaid or cancelled and for which the bank took no
    money (nothing to reconcile there). Rounded half-up to four places (0.9512 = 95.12 %); None
    when the period has no order expecting payment.
    """
    settings = settings or ReconcileSettings()
    _check(period_from, period_to, settings)
    if operations:
        known = {p.transaction_id for p in payments}
        payments = list(chain(payments, (
            _payment_from_operation(op, settings.now)
            for op in operations
            if op.transaction_id not in known
        )))
    with collector_paused():
        run = _Run(period_from, period_to, settings, marks)
        matching = match_orders(orders, payments, settings.match_window)
        run.order_lines(matching.pairs)
        for payment in matching.unclaimed:
            run.unclaimed_line(payment)
        for operation in open_operations:
            run.open_operation(operation)
        return run.result()


def _check(period_from: date, period_to: date, settings: ReconcileSettings) -> None:
    for name, value in (("start", period_from), ("end", period_to)):
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ReconcileError(
                f"The period's {name} must be a calendar date such as 2026-03-01, not {value!r}."
            )
    if period_from > period_to:
        raise ReconcileError(msg(
            "recon.period_reversed", "Период начинается {start}, позже, чем кончается ({end}): "
            "сначала укажите более раннюю дату.", start=period_from, end=period_to))
    if settings.now.tzinfo is None or settings.now.utcoffset() is None:
        raise ReconcileError("settings.now must carry its time zone (UTC), not be naive.")
    if not 0 < settings.hold_warn_days < settings.hold_expire_days:
        raise ReconcileError(msg(
            "recon.hold_days", "Блокировки отмечаются через {warn} дн., а истекают через {expire} "
            "дн.: отметка должна быть раньше истечения и не раньше, чем через день.",
            warn=settings.hold_warn_days, expire=settings.hold_expire_days))
    tolerance = settings.amount_tolerance
    if tolerance.minor < 0 or (tolerance.minor and tolerance.currency != settings.currency):
        raise ReconcileError(msg(
            "recon.bad_tolerance", "Допуск по сумме должен быть нулём или больше, в {currency}; "
            "сейчас он {tolerance}.", currency=settings.currency, tolerance=tolerance))


@lru_cache(maxsize=512)
def _is_cancelled(shop_status: str) -> bool:
    text = shop_status.strip().lower().replace("ё", "е")
    return text.startswith(("отмен", "аннулир", "cancel"))


def _payment_from_operation(op: BankOperation, now: datetime) -> BankPayment:
    """An operations-list row as a payment: the row gives one amount, read by its status."""
    state = canonical_state(op.status, created_at=op.created_at, now=now)
    zero = Money(0, op.amount.currency)
    return BankPayment(
        invoice_id=op.invoice_id,
        transaction_id=op.transaction_id,
        status_name=op.status,
        state=state,
        amount=zero if state is State.REFUNDED else op.amount,
        original=op.amount,
        held=op.amount if state is State.HELD else zero,
        captured=op.amount if state in CAPTURED_ONCE else zero,
        refunded=op.amount if state is State.REFUNDED else zero,
        payout_amount=None,
        created_at=op.created_at,
        reference=op.reference,
        card_mask=op.card_mask,
    )


def _principal(
    first: BankPayment, more: list[BankPayment]
) -> tuple[BankPayment, list[BankPayment]]:
    every = [first, *more]
    main = min(every, key=lambda p: (_RANK.get(p.state, 3), p.created_at, p.transaction_id))
    return main, [p for p in every if p is not main]


def _bank_amount(p: BankPayment) -> int:
    """The bank's side of the comparison: what it captured, what it holds, else what was asked."""
    if p.state in CAPTURED_ONCE:
        return p.captured.minor
    if p.state is State.HELD:
        return p.held.minor
    return p.original.minor


def _order_key(order: ShopOrder) -> str:
    if order.invoice_id:
        return f"invoice:{order.invoice_id}"
    if order.order_id:
        return f"order:{order.order_id}"
    return f"order:{order.created_at.isoformat()}/{order.amount.minor}"


class _Run:
    """Accumulators of one run: per-category counts and int sums, per-day totals, the items."""

    def __init__(
        self, period_from: date, period_to: date, settings: ReconcileSettings,
        marks: Iterable[ResolvedMark],
    ) -> None:
        self.settings = settings
        self.tz = settings.tz
        self.currency = settings.currency
        self.now = settings.now
        self.tolerance = settings.amount_tolerance.minor
        self.expire_after = timedelta(days=settings.hold_expire_days)
        self.warn_after = timedelta(days=settings.hold_warn_days)
        self.period_from, self.period_to = period_from, period_to
        n = (period_to - period_from).days + 1
        self.days = [period_from + timedelta(days=i) for i in range(n)]
        self.starts = [business_day_bounds(d, settings.tz)[0] for d in self.days]
        self.start = self.starts[0]
        self.end = business_day_bounds(self.days[-1], settings.tz)[1]
        self.marks = {(m.category, m.key): m for m in marks}
        self.count = dict.fromkeys(CATEGORIES, 0)
        self.total = dict.fromkeys(CATEGORIES, 0)
        self.items: list[Discrepancy] = []
        self.pairs: list[Pair] = []
        self.orders = self.orders_expecting = 0
        self.ordered = self.captured = self.refunded = 0
        self.d_orders, self.d_ordered, self.d_payments = [0] * n, [0] * n, [0] * n
        self.d_captured, self.d_refunded, self.d_matched = [0] * n, [0] * n, [0] * n

    # --- lines -------------------------------------------------------------------------------
    def order_lines(
        self, pairs: Iterable[tuple[ShopOrder, BankPayment | None, list[BankPayment] | None]]
    ) -> None:
        """Every order line; the common case (one capture, same amount, shop not saying unpaid or
        cancelled, no payout given) is settled inline, everything else by `order_line`."""
        start, end, starts, days = self.start, self.end, self.starts, self.days
        cur, tolerance, captured_state = self.currency, self.tolerance, State.CAPTURED
        d_orders, d_ordered, d_payments = self.d_orders, self.d_ordered, self.d_payments
        d_captured, d_matched = self.d_captured, self.d_matched
        append = self.pairs.append
        only_matched = (MATCHED,)
        orders = ordered = matched = matched_sum = captured = 0
        for order, p, more in pairs:
            moment = order.created_at
            if moment < start or moment >= end:
                continue
            if (
                p is None or more is not None or p.state is not captured_state
                or p.payout_amount is not None or order.shop_paid is False
                or (order.shop_status and _is_cancelled(order.shop_status))
            ):
                self.order_line(order, p, more)
                continue
            amount, took = order.amount, p.captured
            om = amount.minor
            if (amount.currency != cur or took.currency != cur
                    or abs(took.minor - om) > tolerance):
                self.order_line(order, p, more)
                continue
            i = bisect_right(starts, moment) - 1
            orders += 1
            ordered += om
            matched += 1
            matched_sum += om
            captured += took.minor
            d_orders[i] += 1
            d_ordered[i] += om
            d_matched[i] += 1
            d_payments[i] += 1
            d_captured[i] += took.minor
            append(Pair(days[i], order, p, only_matched))
        self.orders += orders
        self.orders_expecting += orders
        self.ordered += ordered
        self.captured += captured
        self.count[MATCHED] += matched
        self.total[MATCHED] += matched_sum

    def _day_index(self, moment: datetime) -> int | None:
        if self.start <= moment < self.end:
            return bisect_right(self.starts, moment) - 1
        return None

    def order_line(
        self, order: ShopOrder, first: BankPayment | None, more: list[BankPayment] | None
    ) -> None:
        i = self._day_index(order.created_at)
        if i is None:
            return
        day = self.days[i]
        cur = self.currency
        oc, om = order.amount.currency, order.amount.minor
        self.orders += 1
        self.d_orders[i] += 1
        if oc == cur:
            self.ordered += om
            self.d_ordered[i] += om
        p, extra = _principal(first, more) if more and first is not None else (first, ())
        status = order.shop_status
        cancelled = bool(status) and _is_cancelled(status)
        paid = order.shop_paid
        expects = not cancelled and paid is not False
        cats: list[Category] = []
        if p is None or p.state not in WITH_MONEY:
            if expects:
                self.orders_expecting += 1
                if oc != cur:
                    self._flag(cats, CURRENCY_MISMATCH, _order_key(order), day, order, p, 0,
                               wording.foreign_currency(oc, p.currency if p else None, cur))
                elif paid is True and p is not None:
                    said = wording.bank_status(p.status_name, p.state)
                    self._flag(cats, STATUS_MISMATCH, _order_key(order), day, order, p, om,
                               wording.paid_but_not_captured(said), shop=om, bank=_bank_amount(p))
                else:
                    attempt = wording.bank_status(p.status_name, p.state) if p else None
                    self._flag(cats, MISSING_AT_BANK, _order_key(order), day, order, p, om,
                               wording.missing_at_bank(order.amount, attempt), shop=om)
        else:
            self.orders_expecting += 1
            self._compare(cats, order, p, day, cancelled, paid)
            for q in extra:
                if q.state in HOLDING:
                    self._flag(cats, DUPLICATE_PAYMENTS, f"transaction:{q.transaction_id}", day,
                               order, q, _bank_amount(q) if q.currency == cur else 0,
                               wording.duplicate_payment(
                                   Money(_bank_amount(q), q.currency),
                                   wording.bank_status(q.status_name, q.state), p.transaction_id),
                               bank=_bank_amount(q))
            if not cats:
                cats.append(MATCHED)
                self.count[MATCHED] += 1
                self.total[MATCHED] += om
                self.d_matched[i] += 1
        if p is not None:
            cats.extend(self._payment(p, i, day, order))
        self.pairs.append(Pair(day, order, p, tuple(cats)))
        for q in extra:
            qcats = [DUPLICATE_PAYMENTS] if q.state in HOLDING else []
            qcats.extend(self._payment(q, i, day, order))
            self.pairs.append(Pair(day, order, q, tuple(qcats)))

    def _compare(
        self, cats: list[Category], order: ShopOrder, p: BankPayment, day: date,
        cancelled: bool, paid: bool | None,
    ) -> None:
        """An order against the payment that took money for it: currency, amount, status."""
        cur = self.currency
        oc, om = order.amount.currency, order.amount.minor
        key = _order_key(order)
        if oc != cur or p.currency != oc:
            self._flag(cats, CURRENCY_MISMATCH, key, day, order, p, om if oc == cur else 0,
                       wording.foreign_currency(oc, p.currency, cur))
            return
        bank = _bank_amount(p)
        state = p.state
        if abs(bank - om) > self.tolerance:
            self._flag(cats, AMOUNT_MISMATCH, key, day, order, p, abs(bank - om),
                       wording.amount_mismatch(order.amount, Money(bank, cur), state is State.HELD),
                       shop=om, bank=bank)
        if state is State.HELD and (paid is True or cancelled):
            message = (wording.held_for_cancelled(p.held, order.shop_status) if cancelled else
                       wording.paid_but_not_captured(wording.bank_status(p.status_name, state)))
            self._flag(cats, STATUS_MISMATCH, key, day, order, p, bank, message, shop=om, bank=bank)
        elif state in KEPT and (paid is False or cancelled):
            message = wording.captured_but_not_paid(Money(bank, cur), order.shop_status, cancelled)
            self._flag(cats, STATUS_MISMATCH, key, day, order, p, bank, message, shop=om, bank=bank)

    def unclaimed_line(self, p: BankPayment) -> None:
        i = self._day_index(p.created_at)
        if i is None:
            return
        day = self.days[i]
        cats: list[Category] = []
        if p.state in WITH_MONEY or p.state is State.NEEDS_REVIEW:
            key = f"transaction:{p.transaction_id}"
            if p.currency != self.currency:
                self._flag(cats, CURRENCY_MISMATCH, key, day, None, p, 0,
                           wording.foreign_currency(None, p.currency, self.currency))
            else:
                bank = _bank_amount(p)
                self._flag(cats, UNKNOWN_TO_SHOP, key, day, None, p, bank,
                           wording.unknown_to_shop(
                               Money(bank, p.currency), wording.bank_status(p.status_name, p.state),
                               p.invoice_id),
                           bank=bank)
        cats.extend(self._payment(p, i, day, None))
        self.pairs.append(Pair(day, None, p, tuple(cats)))

    def _payment(
        self, p: BankPayment, i: int, day: date, order: ShopOrder | None
    ) -> list[Category]:
        """Totals and the informational categories of one payment line: holds, refunds, fee."""
        if p.currency != self.currency:
            return []
        self.d_payments[i] += 1
        state = p.state
        cats: list[Category] = []
        if state in CAPTURED_ONCE:
            self.captured += p.captured.minor
            self.d_captured[i] += p.captured.minor
            refunded = p.refunded.minor
            self.refunded += refunded
            self.d_refunded[i] += refunded
            if state is State.PARTIALLY_REFUNDED:
                self._count(cats, PARTIALLY_REFUNDED, refunded)
            elif state is State.REFUNDED:
                self._count(cats, REFUNDED, refunded)
        elif state is State.HELD:
            self._hold(cats, p, day, order)
        if p.payout_amount is not None:
            self._count(cats, FEE, p.captured.minor - p.payout_amount.minor)
        return cats

    def _hold(
        self, cats: list[Category], p: BankPayment, day: date, order: ShopOrder | None
    ) -> None:
        expires = p.created_at + self.expire_after
        key = f"transaction:{p.transaction_id}"
        held = p.held.minor
        if self.now >= expires:
            self._flag(cats, HOLDS_EXPIRED, key, day, order, p, held,
                       wording.hold_expired(p.held, expires, self.tz), bank=held)
        elif self.now >= p.created_at + self.warn_after:
            self._flag(cats, HOLDS_EXPIRING, key, day, order, p, held,
                       wording.hold_expiring(p.held, expires, self.tz, self.now), bank=held)
        else:
            self._count(cats, HOLDS_AWAITING, held)

    def open_operation(self, op: OpenOperation) -> None:
        amount = op.amount
        minor = amount.minor if amount is not None and amount.currency == self.currency else 0
        key = (f"operation:{op.operation_id}" if op.operation_id
               else f"operation:{op.invoice_id or op.transaction_id}:{op.action}")
        day = business_day_of(op.created_at, self.tz) if op.created_at else None
        mark = self.marks.get((UNRESOLVED_OPERATIONS, key))
        self._count([], UNRESOLVED_OPERATIONS, minor)
        self.items.append(Discrepancy(
            UNRESOLVED_OPERATIONS, key, day, op.invoice_id, op.transaction_id,
            None, amount, None, wording.unresolved_operation(op.action, amount, op.status),
            operation=op, mark=mark,
        ))

    # --- accumulation ------------------------------------------------------------------------
    def _count(self, cats: list[Category], category: Category, minor: int) -> None:
        cats.append(category)
        self.count[category] += 1
        self.total[category] += minor

    def _flag(
        self, cats: list[Category], category: Category, key: str, day: date,
        order: ShopOrder | None, payment: BankPayment | None, minor: int, message: Message, *,
        shop: int | None = None, bank: int | None = None,
    ) -> None:
        """Count a line under an attention category and list it as a discrepancy."""
        self._count(cats, category, minor)
        cur = self.currency
        self.items.append(Discrepancy(
            category, key, day,
            order.invoice_id if order else (payment.invoice_id if payment else None),
            payment.transaction_id if payment else None,
            None if shop is None else Money(shop, cur),
            None if bank is None else Money(bank, cur),
            None if shop is None or bank is None else Money(bank - shop, cur),
            message, order=order, payment=payment, mark=self.marks.get((category, key)),
        ))

    def result(self) -> ReconcileResult:
        cur = self.currency
        resolved = dict.fromkeys(CATEGORIES, 0)
        for item in self.items:
            resolved[item.category] += item.mark is not None
        order = {key: n for n, key in enumerate(CATEGORIES)}
        items = sorted(self.items, key=lambda d: (order[d.category], d.day or date.min, d.key))
        expecting = self.orders_expecting
        rate = None
        if expecting:
            rate = (Decimal(self.count[MATCHED]) / expecting).quantize(_RATE_PLACES, ROUND_HALF_UP)
        daily = tuple(
            DailyTotal(day, self.d_orders[i], Money(self.d_ordered[i], cur), self.d_payments[i],
                       Money(self.d_captured[i], cur), Money(self.d_refunded[i], cur),
                       self.d_matched[i])
            for i, day in enumerate(self.days)
        )
        return ReconcileResult(
            period_from=self.period_from,
            period_to=self.period_to,
            settings=self.settings,
            categories={
                key: CategoryTotal(self.count[key], Money(self.total[key], cur), resolved[key])
                for key in CATEGORIES
            },
            discrepancies=tuple(items),
            pairs=tuple(self.pairs),
            daily=daily,
            orders=self.orders,
            orders_expecting_payment=expecting,
            ordered=Money(self.ordered, cur),
            captured=Money(self.captured, cur),
            refunded=Money(self.refunded, cur),
            match_rate=rate,
        )
