"""The dashboard's sums, done by the database in one indexed pass (services.dashboard turns them
into the figures on the screen)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from halyk_desk.store.models import Order, Payment
from halyk_desk.store.repository import profile_id


@dataclass(frozen=True)
class DaySum:
    """Captured and refunded money of one currency over the payments of one period."""

    #: The period's place in the list given to captured_by_period.
    period: int
    currency: str
    captured_minor: int
    refunded_minor: int
    #: Payments with money captured.
    count: int


def captured_by_period(session: Session, profile: str, start: datetime,
                       ends: list[datetime]) -> list[DaySum]:
    """For the orders made from `start` until the last of `ends`, filed under the first period
    whose end is after their time, the sums of their payments with money captured, by period and
    currency (periods without any are left out)."""
    period = case(*[(Order.created_at < end, n) for n, end in enumerate(ends)])
    rows = session.execute(
        select(period, Payment.currency, func.sum(Payment.captured_minor),
               func.sum(Payment.refunded_minor), func.count())
        .select_from(Order)
        .join(Payment, and_(Payment.profile_id == Order.profile_id,
                            Payment.invoice_id == Order.invoice_id))
        .where(Order.profile_id == profile_id(session, profile), Order.created_at >= start,
               Order.created_at < ends[-1], Payment.captured_minor > 0)
        .group_by(period, Payment.currency)
    ).all()
    return [DaySum(number, currency, int(captured), int(refunded), int(count))
            for number, currency, captured, refunded, count in rows]
