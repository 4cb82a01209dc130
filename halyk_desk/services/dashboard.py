"""The dashboard's figures: money taken and returned per business day, holds by age, operations
still unresolved. Plain dataclasses out; the database does the sums.

Money is counted on the day the order was made (its business day in the settings' time zone), the
same day the Payments tab files it under, so every figure can be opened as a list that adds up to
it: captured is what the bank took for those payments (refunds included), refunded what went back,
net the difference, count the payments with money captured.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from halyk_desk.domain import DEFAULT_CURRENCY, Money, State, utc_now
from halyk_desk.domain.journal import UNRESOLVED, OperationStatus
from halyk_desk.domain.timeutil import business_day_bounds, business_day_of
from halyk_desk.messages import MessageError, msg
from halyk_desk.services import operations, payments
from halyk_desk.services.operations import OperationRow
from halyk_desk.store import dashboard as stored
from halyk_desk.store import repository

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext

#: States whose payments carry captured money: what the money cards open in the Payments tab.
CAPTURED_STATES = frozenset({State.CAPTURED, State.PARTIALLY_REFUNDED, State.REFUNDED})
REFUNDED_STATES = frozenset({State.PARTIALLY_REFUNDED, State.REFUNDED})
#: Upper ends (days of age) of the younger hold buckets; the last bucket runs to the expiry.
HOLD_AGE_EDGES = (1, 3, 5)
#: Longest period the daily chart covers.
MAX_DAYS = 366


class PeriodError(MessageError, ValueError):
    """A period the dashboard cannot show: reversed, or longer than MAX_DAYS."""


@dataclass(frozen=True)
class Totals:
    """Money of one currency over some days."""

    currency: str
    captured: Money
    refunded: Money
    #: Payments with money captured.
    count: int

    @property
    def net(self) -> Money:
        return self.captured - self.refunded

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.currency, self.captured + other.captured,
                      self.refunded + other.refunded, self.count + other.count)

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Totals:
        return cls(currency, Money.zero(currency), Money.zero(currency), 0)


@dataclass(frozen=True)
class DayTotals:
    day: date
    #: By currency; the main currency (KZT) is always there, zero on a quiet day.
    totals: dict[str, Totals]


@dataclass(frozen=True)
class HoldBucket:
    """Holds whose age is in [from_days, to_days), or every expired hold."""

    from_days: int
    to_days: int
    expired: bool
    count: int
    #: Total held, by currency.
    amounts: dict[str, Money] = field(default_factory=dict)
    #: The holds themselves, for the window to select them on the Holds tab.
    invoice_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dashboard:
    today: date
    date_from: date
    date_to: date
    time_zone: str
    #: Every day of the period, oldest first.
    days: list[DayTotals]
    today_totals: dict[str, Totals]
    period_totals: dict[str, Totals]
    holds: list[HoldBucket]
    #: Operations not yet settled (waiting for approval, being sent, outcome unknown), newest first.
    unresolved: list[OperationRow]
    made_at: datetime
    #: Whether the bank has been read at all (a sync finished): before that, no money shown
    #: means "nothing read yet", not "no money".
    synced: bool = True

    def unresolved_by_status(self) -> dict[OperationStatus, int]:
        counts = dict.fromkeys(UNRESOLVED, 0)
        for op in self.unresolved:
            counts[op.status] = counts.get(op.status, 0) + 1
        return counts


def _sum(by_currency: list[dict[str, Totals]]) -> dict[str, Totals]:
    total: dict[str, Totals] = {DEFAULT_CURRENCY: Totals.zero()}
    for totals in by_currency:
        for currency, value in totals.items():
            total[currency] = total.get(currency, Totals.zero(currency)) + value
    return total


def daily_totals(ctx: AppContext, date_from: date, date_to: date) -> list[DayTotals]:
    """Captured and refunded money of the payments made on each business day (both ends
    included), with their count, summed by the database in one indexed pass."""
    if date_to < date_from:
        raise PeriodError(msg("dashboard.period_reversed", "Период кончается ({date_to}) "
                              "раньше, чем начинается ({date_from}).", date_to=date_to,
                              date_from=date_from))
    days = [date_from + timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    if len(days) > MAX_DAYS:
        raise PeriodError(msg("dashboard.period_too_long", "Период слишком длинный: {days} "
                              "дн., а можно не больше {max}.", days=len(days), max=MAX_DAYS))
    tz = ZoneInfo(ctx.settings["business_tz"])
    ends = [business_day_bounds(day, tz)[1] for day in days]
    start = business_day_bounds(days[0], tz)[0]
    with ctx.store.session(readonly=True) as session:
        sums = stored.captured_by_period(session, ctx.profile.name, start, ends)
    found: dict[int, dict[str, Totals]] = defaultdict(dict)
    for day in sums:
        found[day.period][day.currency] = Totals(
            day.currency, Money(day.captured_minor, day.currency),
            Money(day.refunded_minor, day.currency), day.count)
    return [DayTotals(day, _sum([found.get(n, {})])) for n, day in enumerate(days)]


def hold_buckets(ctx: AppContext, *, now: datetime | None = None) -> list[HoldBucket]:
    """Held payments by age: under a day, 1–3, 3–5, 5 days to the expiry, and expired."""
    expire = ctx.settings["hold_expire_days"]
    edges = [0, *(edge for edge in HOLD_AGE_EDGES if edge < expire), expire]
    groups: list[list[payments.HoldRow]] = [[] for _ in range(len(edges))]
    for hold in payments.list_holds(ctx, now=now):
        if hold.expired:
            groups[-1].append(hold)
            continue
        age_days = hold.age / timedelta(days=1)
        index = next(n for n in range(len(edges) - 1) if age_days < edges[n + 1]
                     or n == len(edges) - 2)
        groups[index].append(hold)
    buckets = []
    for n, holds in enumerate(groups):
        amounts: dict[str, Money] = {}
        for hold in holds:
            currency = hold.amount.currency
            amounts[currency] = amounts.get(currency, Money.zero(currency)) + hold.amount
        expired = n == len(groups) - 1
        buckets.append(HoldBucket(edges[n] if not expired else expire,
                                  edges[n + 1] if not expired else expire,
                                  expired, len(holds), amounts,
                                  tuple(hold.invoice_id for hold in holds)))
    return buckets


def dashboard(ctx: AppContext, date_from: date, date_to: date, *,
              now: datetime | None = None) -> Dashboard:
    """Every figure of the dashboard for the period date_from..date_to (business days)."""
    moment = now or utc_now()
    tz = ctx.settings["business_tz"]
    today = business_day_of(moment, ZoneInfo(tz))
    days = daily_totals(ctx, date_from, date_to)
    todays = (daily_totals(ctx, today, today)[0].totals if not date_from <= today <= date_to
              else next(d.totals for d in days if d.day == today))
    return Dashboard(
        today=today, date_from=date_from, date_to=date_to, time_zone=tz, days=days,
        today_totals=todays, period_totals=_sum([d.totals for d in days]),
        holds=hold_buckets(ctx, now=moment),
        unresolved=operations.list_operations(ctx, statuses=UNRESOLVED, limit=None),
        made_at=moment, synced=_ever_synced(ctx),
    )


def _ever_synced(ctx: AppContext) -> bool:
    with ctx.store.session(readonly=True) as session:
        return repository.last_sync_run(session, ctx.profile.name) is not None


def business_today(ctx: AppContext, *, now: datetime | None = None) -> date:
    return business_day_of(now or utc_now(), ZoneInfo(ctx.settings["business_tz"]))
