"""The money journal's writes that must never race (docs/architecture.md, "Money movement is a
journal, not a call").

Every change of an operation's status is conditional on the status it was read in: of two
processes settling the same operation (the sender and a resolver, two windows, two computers on
one PostgreSQL database) exactly one changes the row, and the other learns it came second.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from halyk_desk.domain.journal import OperationStatus
from halyk_desk.store.journal_models import MoneyOperation


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
