"""The operators table's queries: finding, adding and changing operators, in and out as
OperatorRecord. Who may do what is services.operators'; how a sign-in is checked is
services.signin's. Functions take the caller's session and never commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from halyk_desk.store.journal_models import Operator
from halyk_desk.store.records import OperatorRecord


def _record(row: Operator) -> OperatorRecord:
    return OperatorRecord(
        name=row.name, role=row.role, active=row.active, created_at=row.created_at,
        created_by=row.created_by, password_hash=row.password_hash,
        failed_signins=row.failed_signins, signin_wait_until=row.signin_wait_until,
    )


def _row(session: Session, name: str) -> Operator | None:
    return session.scalar(select(Operator).where(Operator.name == name))


def find(session: Session, name: str) -> OperatorRecord | None:
    row = _row(session, name)
    return None if row is None else _record(row)


def list_all(session: Session) -> list[OperatorRecord]:
    """Every operator, by name."""
    return [_record(r) for r in session.scalars(select(Operator).order_by(Operator.name))]


def lock_for_first(session: Session) -> None:
    """Until the transaction ends, nobody else adds an operator: two first runs at once on
    PostgreSQL must not both become the first admin (SQLite writers are serialised anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE operators IN SHARE ROW EXCLUSIVE MODE"))


def exist(session: Session) -> bool:
    """Whether any operator is registered."""
    return bool(session.scalar(select(func.count()).select_from(Operator)))


def other_active_admins(session: Session, leaving: str) -> int:
    return session.scalar(
        select(func.count()).select_from(Operator)
        .where(Operator.role == "admin", Operator.active, Operator.name != leaving)
    ) or 0


def add(session: Session, *, name: str, role: str, created_at: datetime,
        created_by: str | None, password_hash: str | None = None) -> OperatorRecord:
    row = Operator(name=name, role=role, active=True, created_at=created_at,
                   created_by=created_by, password_hash=password_hash)
    session.add(row)
    session.flush()
    return _record(row)


def change(session: Session, name: str, *, role: str | None = None, active: bool | None = None,
           password_hash: str | None = None) -> OperatorRecord | None:
    """Set the given columns of operator `name`; the operator as it now is, None when there is
    no such operator. A new password_hash also clears the wrong-password count and wait."""
    row = _row(session, name)
    if row is None:
        return None
    if role is not None:
        row.role = role
    if active is not None:
        row.active = active
    if password_hash is not None:
        row.password_hash, row.failed_signins, row.signin_wait_until = password_hash, 0, None
    session.flush()
    return _record(row)


def set_signin_failures(session: Session, name: str, failures: int,
                        wait_until: datetime | None) -> None:
    """Wrong passwords in a row for `name`, and when the next try will be heard."""
    row = _row(session, name)
    if row is not None:
        row.failed_signins, row.signin_wait_until = failures, wait_until
        session.flush()


def database_login(session: Session) -> str:
    """The login the session is connected as (PostgreSQL)."""
    return str(session.scalar(text("SELECT current_user")))


def owns_the_schema(session: Session) -> bool:
    """Whether the database login owns the program's tables or is a superuser (PostgreSQL)."""
    return bool(session.scalar(text(
        "SELECT rolsuper OR EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'audit_log' "
        "AND tableowner = current_user) FROM pg_roles WHERE rolname = current_user")))
