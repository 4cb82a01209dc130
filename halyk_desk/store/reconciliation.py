"""What a reconciliation reads from the store and what it keeps there: the period's orders with
their payments, the discrepancy marks, and the runs' records. services.reconciliation makes the
engine's records of the rows and runs the engine.

The period is read as plain rows (tuples, no ORM loading), a partition at a time: a run reads a
million orders, and a record object per row would cost a good share of the run. Their layout is
ORDER_COLUMNS and PAYMENT_COLUMNS below, in that order. Functions take the caller's session and
never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select, type_coerce
from sqlalchemy.orm import Session

from halyk_desk.domain import State
from halyk_desk.store.models import Order, Payment
from halyk_desk.store.reconciliation_models import DiscrepancyMark, ReconciliationRun
from halyk_desk.store.records import MarkRecord, RunRecord
from halyk_desk.store.repository import CHUNK
from halyk_desk.store.types import UTCDateTime

#: Rows fetched per round trip while reading the period.
PARTITION = 10_000
#: When the bank gave no createdDate, the payment is placed at its first read.
_PAID_AT = type_coerce(func.coalesce(Payment.created_at, Payment.last_read_at), UTCDateTime())
_LINE_COLUMNS = (
    Order.invoice_id, Order.amount_minor, Order.currency, Order.created_at, Order.customer,
    Order.shop_status, Order.shop_paid,
    Payment.transaction_id, Payment.bank_status, Payment.state, Payment.currency,
    Payment.original_minor, Payment.held_minor, Payment.captured_minor, Payment.refunded_minor,
    Payment.remaining_minor, Payment.reference, Payment.card_mask, _PAID_AT,
)
#: What a run reads of each order (invoice_id, amount_minor, currency, created_at, customer,
#: shop_status, shop_paid), and of its payment (transaction_id, bank_status, state, currency,
#: original, held, captured, refunded and remaining minor, reference, card_mask, paid at). The
#: benchmark reads the same.
ORDER_COLUMNS = _LINE_COLUMNS[:7]
PAYMENT_COLUMNS = _LINE_COLUMNS[7:]
_JOIN = and_(Payment.profile_id == Order.profile_id, Payment.invoice_id == Order.invoice_id)
#: Payment rows that are no payment: the bank has none (102), or it was never read.
NO_PAYMENT = frozenset({State.NOT_FOUND.value, State.UNKNOWN.value})


def partitions(session: Session, query: Any) -> Iterator[Sequence[Any]]:
    """Rows of `query` as plain Core rows (no ORM loading), a partition at a time."""
    result = session.connection().execute(query, execution_options={"yield_per": PARTITION})
    yield from result.partitions()


def count_orders(session: Session, pid: int, start: datetime, end: datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(Order)
        .where(Order.profile_id == pid, Order.created_at >= start, Order.created_at < end)
    ) or 0


def period_lines(session: Session, pid: int, start: datetime,
                 end: datetime) -> Iterator[Sequence[Any]]:
    """The orders made in [start, end), each with its payment: rows of ORDER_COLUMNS followed by
    PAYMENT_COLUMNS (None when never read), a partition at a time."""
    return partitions(session, (
        select(*_LINE_COLUMNS).select_from(Order).outerjoin(Payment, _JOIN)
        .where(Order.profile_id == pid, Order.created_at >= start, Order.created_at < end)
    ))


def orphan_payments(session: Session, pid: int, start: datetime,
                    end: datetime) -> Iterator[Sequence[Any]]:
    """Payments made in [start, end) without an order (an order deleted from the shop's
    records): rows of invoice_id followed by PAYMENT_COLUMNS, a partition at a time."""
    return partitions(session, (
        select(Payment.invoice_id, *PAYMENT_COLUMNS)
        .select_from(Payment).outerjoin(Order, _JOIN)
        .where(Payment.profile_id == pid, Payment.created_at >= start, Payment.created_at < end,
               Order.id.is_(None), Payment.state.not_in(NO_PAYMENT))
    ))


def orders_by_invoice(session: Session, pid: int,
                      invoice_ids: Iterable[str]) -> Iterator[Sequence[Any]]:
    """The orders `invoice_ids` (of any period): rows of ORDER_COLUMNS."""
    wanted = sorted(set(invoice_ids))
    for n in range(0, len(wanted), CHUNK):
        yield from session.execute(
            select(*ORDER_COLUMNS)
            .where(Order.profile_id == pid, Order.invoice_id.in_(wanted[n:n + CHUNK]))
        )


def list_marks(session: Session, pid: int) -> list[MarkRecord]:
    """Every discrepancy mark of the profile, by category ("" first: marks made without one)."""
    return [MarkRecord(category, key, note, by, at) for category, key, note, by, at in
            session.execute(
                select(DiscrepancyMark.category, DiscrepancyMark.key, DiscrepancyMark.note,
                       DiscrepancyMark.operator, DiscrepancyMark.at)
                .where(DiscrepancyMark.profile_id == pid).order_by(DiscrepancyMark.category))]


def save_mark(session: Session, pid: int, mark: MarkRecord) -> str | None:
    """Keep `mark`, replacing the note of an earlier mark of the same category and key; the
    note it replaced (None for a new mark)."""
    row = session.scalar(select(DiscrepancyMark).where(
        DiscrepancyMark.profile_id == pid, DiscrepancyMark.category == mark.category,
        DiscrepancyMark.key == mark.key))
    old = row.note if row is not None else None
    if row is None:
        row = DiscrepancyMark(profile_id=pid, category=mark.category, key=mark.key)
        session.add(row)
    row.note, row.operator, row.at = mark.note, mark.operator, mark.at
    session.flush()
    return old


def add_run(session: Session, pid: int, *, date_from: date, date_to: date, time_zone: str,
            operator: str, at: datetime, summary: dict[str, Any]) -> int:
    """Keep a run's record; its new id."""
    row = ReconciliationRun(profile_id=pid, date_from=date_from, date_to=date_to,
                            time_zone=time_zone, operator=operator, at=at, summary=summary)
    session.add(row)
    session.flush()
    return row.id


def list_runs(session: Session, pid: int, *, limit: int | None) -> list[RunRecord]:
    """The profile's recorded runs, newest first."""
    rows = session.scalars(
        select(ReconciliationRun).where(ReconciliationRun.profile_id == pid)
        .order_by(ReconciliationRun.at.desc(), ReconciliationRun.id.desc()).limit(limit)
    )
    return [RunRecord(r.id, r.date_from, r.date_to, r.time_zone, r.operator, r.at,
                      dict(r.summary)) for r in rows]


def latest_summary(session: Session, pid: int) -> dict[str, Any] | None:
    """The summary of the profile's latest run; None before the first."""
    return session.scalar(
        select(ReconciliationRun.summary).where(ReconciliationRun.profile_id == pid)
        .order_by(ReconciliationRun.at.desc(), ReconciliationRun.id.desc()).limit(1)
    )
