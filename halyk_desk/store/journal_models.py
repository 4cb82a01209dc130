"""Tables of money movement: operators, the journal of money operations, and the audit log.

They share `Base.metadata` with halyk_desk.store.models, so the migrations and the schema test
see them as soon as this module is imported (halyk_desk.store imports it).

The journal's central promise is made by the database, not by the program: a partial unique
index allows at most one unresolved operation per payment, so two windows, two processes or two
people on one PostgreSQL database cannot both send money for the same payment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from halyk_desk.domain.journal import RESOLVED, UNRESOLVED, Action
from halyk_desk.domain.roles import ROLES
from halyk_desk.store.models import Base
from halyk_desk.store.types import BoundedText, code_string

ACTIONS = tuple(Action)
#: Every status an operation can have. The unresolved ones hold the payment.
STATUSES = UNRESOLVED + RESOLVED


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


#: The WHERE of the one-unresolved-operation index, the same text on SQLite and PostgreSQL.
UNRESOLVED_WHERE = text(_one_of("status", UNRESOLVED))


class Operator(Base):
    """A person who may act in the program, with a role (accountant, manager or admin)."""

    __tablename__ = "operators"
    __table_args__ = (CheckConstraint(_one_of("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(BoundedText("operator"), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str | None] = mapped_column(String(64))
    #: scrypt hash (halyk_desk.services.passwords); None: may act only as their own OS login.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    #: Wrong passwords in a row, and when the next try will be heard (sign-in slow-down).
    failed_signins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    signin_wait_until: Mapped[datetime | None]


class MoneyOperation(Base):
    """One confirm, cancel or refund: written as an intent and committed before it is sent.

    `before_*` is the bank's picture read after the payment was claimed and before the request
    left; resolving an operation whose answer was lost compares the bank's status with it.
    """

    __tablename__ = "money_operations"
    __table_args__ = (
        CheckConstraint(_one_of("action", ACTIONS), name="action"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        Index(
            "uq_money_operations_one_unresolved",
            "profile_id",
            "invoice_id",
            unique=True,
            sqlite_where=UNRESOLVED_WHERE,
            postgresql_where=UNRESOLVED_WHERE,
        ),
        Index(None, "profile_id", "status"),
        Index(None, "profile_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    invoice_id: Mapped[str] = mapped_column(code_string(15))
    transaction_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    #: A reason from the managed list (settings "reasons"), as it was spelled then.
    reason_code: Mapped[str] = mapped_column(BoundedText("reason"))
    #: The operator's own words: required for "Другое", optional otherwise.
    reason_text: Mapped[str | None] = mapped_column(BoundedText("reason_text"))
    note: Mapped[str | None] = mapped_column(BoundedText("note"))
    operator: Mapped[str] = mapped_column(BoundedText("operator"))
    #: Our own id of this operation; sent to the bank as a refund's externalID.
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    bank_message: Mapped[str | None] = mapped_column(BoundedText("bank_message"))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approval_at: Mapped[datetime | None]
    rejected_by: Mapped[str | None] = mapped_column(String(64))
    rejected_reason: Mapped[str | None] = mapped_column(BoundedText("rejected_reason"))
    before_status: Mapped[str | None] = mapped_column(String(32))
    before_held_minor: Mapped[int | None] = mapped_column(BigInteger)
    before_captured_minor: Mapped[int | None] = mapped_column(BigInteger)
    before_refunded_minor: Mapped[int | None] = mapped_column(BigInteger)


class AuditEntry(Base):
    """One line of the append-only audit log. `hash` is sha256 over the entry and `prev_hash`
    (see halyk_desk.services.audit), so an edit, a removal or a reordering breaks the chain.
    Triggers made by the migration refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index(None, "action"),
        Index(None, "operator"),
        Index(None, "subject"),
        Index(None, "at"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    operator: Mapped[str] = mapped_column(BoundedText("operator"))
    action: Mapped[str] = mapped_column(String(64))
    #: What the entry is about: an invoiceId, "operator:NAME", "setting:KEY"...
    subject: Mapped[str] = mapped_column(code_string(200))
    profile: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
