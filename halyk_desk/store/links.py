"""Queries about payment links and callbacks, in and out as plain records.

Like halyk_desk.store.repository: every function takes an open Session and never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from halyk_desk.domain import State
from halyk_desk.store.link_models import Callback, PaymentLink
from halyk_desk.store.models import Order, Payment
from halyk_desk.store.repository import _dialect_insert, profile_id


@dataclass(frozen=True)
class LinkRecord:
    invoice_id: str
    link_id: str | None
    url: str
    amount_minor: int
    currency: str
    description: str
    email: str | None
    phone: str | None
    bank_status: str | None
    expires_at: datetime
    created_by: str
    created_at: datetime
    #: The state of the order's payment as last read (None: never read).
    payment_state: State | None = None


@dataclass(frozen=True)
class CallbackRecord:
    id: int
    received_at: datetime
    source: str
    body: str
    invoice_id: str | None
    code: str | None
    verified: bool
    problem: str | None
    checked_at: datetime | None
    checked_status: str | None
    check_error: str | None


_LINK_FIELDS = ("invoice_id", "link_id", "url", "amount_minor", "currency", "description",
                "email", "phone", "bank_status", "expires_at", "created_by", "created_at")


def suffix_taken(session: Session, profile: str, suffix: str) -> bool:
    """Whether an order of the profile ends in these six digits (the bank wants the last six of
    every invoiceId longer than six digits unique)."""
    pid = profile_id(session, profile)
    tail = func.substr(Order.invoice_id, func.length(Order.invoice_id) - 5)
    return bool(session.scalar(
        select(exists().where(Order.profile_id == pid, tail == suffix))))


def add_link(session: Session, profile: str, record: LinkRecord, secret_sha256: str) -> None:
    values = {name: getattr(record, name) for name in _LINK_FIELDS}
    session.add(PaymentLink(profile_id=profile_id(session, profile), secret_sha256=secret_sha256,
                            **values))
    session.flush()


def _link_query(pid: int):  # type: ignore[no-untyped-def]
    return (
        select(PaymentLink, Payment.state)
        .outerjoin(Payment, (Payment.profile_id == PaymentLink.profile_id)
                   & (Payment.invoice_id == PaymentLink.invoice_id))
        .where(PaymentLink.profile_id == pid)
    )


def _link_record(row: PaymentLink, state: str | None) -> LinkRecord:
    values = {name: getattr(row, name) for name in _LINK_FIELDS}
    return LinkRecord(payment_state=State(state) if state else None, **values)


def list_links(session: Session, profile: str) -> list[LinkRecord]:
    """Every link of the profile, the newest first, with its payment's state."""
    pid = profile_id(session, profile)
    rows = session.execute(_link_query(pid).order_by(PaymentLink.created_at.desc(),
                                                     PaymentLink.id.desc()))
    return [_link_record(link, state) for link, state in rows]


def get_link(session: Session, profile: str, invoice_id: str) -> LinkRecord | None:
    pid = profile_id(session, profile)
    row = session.execute(_link_query(pid).where(PaymentLink.invoice_id == invoice_id)).first()
    return None if row is None else _link_record(row[0], row[1])


def link_secret(session: Session, profile: str, invoice_id: str) -> str | None:
    """The stored SHA-256 of the link's callback secret; None when the order has no link."""
    return session.scalar(select(PaymentLink.secret_sha256).where(
        PaymentLink.profile_id == profile_id(session, profile),
        PaymentLink.invoice_id == invoice_id))


def order_exists(session: Session, profile: str, invoice_id: str) -> bool:
    return session.scalar(select(Order.id).where(
        Order.profile_id == profile_id(session, profile), Order.invoice_id == invoice_id
    )) is not None


def stop_expecting(session: Session, profile: str, invoice_ids: list[str]) -> int:
    """Mark these orders as not to be paid (their links expired unpaid): reconciliation then no
    longer counts them as expected money. Returns how many changed."""
    if not invoice_ids:
        return 0
    done: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Order)
        .where(Order.profile_id == profile_id(session, profile),
               Order.invoice_id.in_(invoice_ids), Order.shop_paid.is_not(False))
        .values(shop_paid=False)
    )
    return done.rowcount or 0


# --- callbacks ------------------------------------------------------------------------------------

def add_callback(session: Session, profile: str, *, received_at: datetime, source: str,
                 body: str, body_sha256: str, invoice_id: str | None, code: str | None,
                 verified: bool, problem: str | None) -> int | None:
    """Store a callback unless the same body is stored already; its id, or None for a repeat."""
    stored: int | None = session.scalar(
        _dialect_insert(session)(Callback)
        .values(profile_id=profile_id(session, profile), received_at=received_at, source=source,
                body=body, body_sha256=body_sha256, invoice_id=invoice_id, code=code,
                verified=verified, problem=problem)
        .on_conflict_do_nothing(index_elements=["profile_id", "body_sha256"])
        .returning(Callback.id)
    )
    return stored


def mark_checked(session: Session, profile: str, invoice_id: str, *, at: datetime | None,
                 status: str | None, error: str | None) -> None:
    """Note on every unchecked callback about this order what the bank's status read found (one
    read answers them all)."""
    session.execute(update(Callback).where(
        Callback.profile_id == profile_id(session, profile), Callback.invoice_id == invoice_id,
        Callback.checked_at.is_(None),
    ).values(checked_at=at, checked_status=status, check_error=error))


def _callback_record(row: Callback) -> CallbackRecord:
    return CallbackRecord(
        id=row.id, received_at=row.received_at, source=row.source, body=row.body,
        invoice_id=row.invoice_id, code=row.code, verified=row.verified, problem=row.problem,
        checked_at=row.checked_at, checked_status=row.checked_status,
        check_error=row.check_error)


def list_callbacks(session: Session, profile: str, invoice_id: str | None = None,
                   limit: int = 200) -> list[CallbackRecord]:
    query = select(Callback).where(Callback.profile_id == profile_id(session, profile))
    if invoice_id is not None:
        query = query.where(Callback.invoice_id == invoice_id)
    query = query.order_by(Callback.received_at.desc(), Callback.id.desc()).limit(limit)
    return [_callback_record(row) for row in session.scalars(query)]


def unchecked_callbacks(session: Session, profile: str) -> list[CallbackRecord]:
    """Callbacks whose status check has not happened yet (the receiver stopped, the bank was
    unreachable): checked when the receiver starts again."""
    query = (select(Callback).where(Callback.profile_id == profile_id(session, profile),
                                    Callback.checked_at.is_(None),
                                    Callback.invoice_id.is_not(None))
             .order_by(Callback.id))
    return [_callback_record(row) for row in session.scalars(query)]


def count_callbacks(session: Session, profile: str) -> int:
    return session.scalar(select(func.count()).select_from(Callback).where(
        Callback.profile_id == profile_id(session, profile))) or 0
