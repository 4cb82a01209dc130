"""The money journal's queries (docs/architecture.md, "Money movement is a journal, not a call"):
reading operations as OperationRow, adding one, and the writes that must never race.

Every change of an operation's status is conditional on the status it was read in: of two
processes settling the same operation (the sender and a resolver, two windows, two computers on
one PostgreSQL database) exactly one changes the row, and the other learns it came second.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from halyk_desk.domain import Money
from halyk_desk.domain.journal import Action, OperationStatus
from halyk_desk.messages import Message
from halyk_desk.store.journal_models import MoneyOperation
from halyk_desk.store.records import OperationRow, Reason
from halyk_desk.store.repository import profile_id


def _row(op: MoneyOperation, profile: str) -> OperationRow:
    return OperationRow(
        id=op.id, profile=profile, invoice_id=op.invoice_id, transaction_id=op.transaction_id,
        action=Action(op.action), amount=Money(op.amount_minor, op.currency),
        reason=Reason(op.reason_code, op.reason_text), note=op.note, operator=op.operator,
        external_id=op.external_id, status=OperationStatus(op.status),
        bank_message=Message.load(op.bank_message) if op.bank_message else None,
        created_at=op.created_at, sent_at=op.sent_at, resolved_at=op.resolved_at,
        approved_by=op.approved_by, approval_at=op.approval_at, rejected_by=op.rejected_by,
        rejected_reason=op.rejected_reason, before_status=op.before_status,
        before_refunded_minor=op.before_refunded_minor,
    )


def get_operation(session: Session, profile: str, operation_id: int) -> OperationRow | None:
    """The operation `operation_id` of `profile`; None when the profile has no such one."""
    op = session.get(MoneyOperation, operation_id)
    if op is None or op.profile_id != profile_id(session, profile):
        return None
    return _row(op, profile)


def list_operations(
    session: Session, profile: str, *, invoice_id: str | None = None,
    statuses: Iterable[str] | None = None, limit: int | None = None,
) -> list[OperationRow]:
    """The profile's operations (of one payment, in some statuses), newest first."""
    query = select(MoneyOperation).where(MoneyOperation.profile_id == profile_id(session, profile))
    if invoice_id is not None:
        query = query.where(MoneyOperation.invoice_id == invoice_id)
    if statuses is not None:
        query = query.where(MoneyOperation.status.in_(list(statuses)))
    query = query.order_by(MoneyOperation.id.desc()).limit(limit)
    return [_row(op, profile) for op in session.scalars(query)]


def add_operation(
    session: Session, profile: str, *, invoice_id: str, transaction_id: str, action: Action,
    amount: Money, reason: Reason, note: str | None, operator: str, external_id: str,
    status: OperationStatus, created_at: datetime,
) -> OperationRow:
    """A new operation (an intent, or a request for approval), flushed: IntegrityError here
    when the payment is held by an unresolved operation already (the journal's unique index)."""
    op = MoneyOperation(
        profile_id=profile_id(session, profile), invoice_id=invoice_id,
        transaction_id=transaction_id, action=action, amount_minor=amount.minor,
        currency=amount.currency, reason_code=reason.code, reason_text=reason.text, note=note,
        operator=operator, external_id=external_id, status=status, created_at=created_at,
    )
    session.add(op)
    session.flush()
    return _row(op, profile)


def change_status(session: Session, operation_id: int, read_in: OperationStatus,
                  to: OperationStatus, **values: Any) -> bool:
    """Set the operation's status to `to` (and the other columns `values`) if it is still
    `read_in`; whether it was. Nothing is committed here: the caller's transaction, with its
    audit entry, is all or nothing."""
    executed = session.execute(
        update(MoneyOperation)
        .where(MoneyOperation.id == operation_id, MoneyOperation.status == read_in)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", executed).rowcount == 1
