"""The tables, as typed SQLAlchemy models. The schema itself is made by the migrations in
`halyk_desk/store/migrations/versions/`; a test checks that both say the same.

Money is an integer count of minor units (tiyn) beside a currency code. Times are UTCDateTime.
Nothing here is secret: client secrets live in the keyring (halyk_desk.secrets).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from halyk_desk.store.types import BoundedText, UTCDateTime, code_string

# Named constraints: Alembic's batch mode on SQLite can only alter what it can name.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Profile(Base):
    """A bank profile: which bank endpoints and which merchant terminal. Never the secret."""

    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(BoundedText("profile"), unique=True)
    #: sandbox | halyk-test | custom
    kind: Mapped[str] = mapped_column(String(16))
    #: None for the sandbox: its addresses are those of the in-process sandbox, known at run time.
    oauth_url: Mapped[str | None] = mapped_column(String(500))
    api_url: Mapped[str | None] = mapped_column(String(500))
    client_id: Mapped[str | None] = mapped_column(String(200))
    terminal_id: Mapped[str | None] = mapped_column(String(36))
    #: The merchant cabinet's user (its password is in the keyring, never here).
    cabinet_user: Mapped[str | None] = mapped_column(String(200))
    #: How the bank pages the operations list, once found out: zero | one | skip.
    operations_paging: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]
    #: The shop's id at the bank (a UUID from the cabinet), sent with every payment link.
    shop_id: Mapped[str | None] = mapped_column(String(36))
    #: The public address of the shop's callback receiver, sent as postLink/failurePostLink.
    callback_url: Mapped[str | None] = mapped_column(String(500))


class Order(Base):
    """One order of the shop, as imported from its export."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("profile_id", "invoice_id"),
        Index(None, "profile_id", "created_at"),
        Index(None, "profile_id", "customer_key"),
        # The window's sorts; the id breaks ties, as the list does.
        Index(None, "profile_id", "amount_minor", "id"),
        Index(None, "profile_id", "payment_state", "id"),
        Index(None, "profile_id", "payment_card_mask", "id"),
        Index(None, "profile_id", "payment_reference", "id"),
        Index(None, "profile_id", "payment_bank_status", "id"),
        Index(None, "profile_id", "payment_captured", "id"),
        Index(None, "profile_id", "payment_refunded", "id"),
        Index(None, "profile_id", "shop_status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    #: 6–15 digits as text: leading zeros are part of the number.
    invoice_id: Mapped[str] = mapped_column(code_string(15))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime]
    customer: Mapped[str | None] = mapped_column(BoundedText("customer"))
    #: casefold(customer): what search and sorting by customer use, on an index.
    customer_key: Mapped[str | None] = mapped_column(code_string(255))
    #: The shop's own status text and paid flag, as the export says.
    shop_status: Mapped[str | None] = mapped_column(BoundedText("shop_status"))
    shop_paid: Mapped[bool | None] = mapped_column(Boolean)
    source_file: Mapped[str | None] = mapped_column(BoundedText("source_file"))
    source_row: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[datetime]
    # Copies of the payment's state, card mask, RRN, bank status, captured and refunded, so that
    # the list sorts by them on an index; triggers keep them true whoever writes (migrations 0006
    # and 0012). Read, never written here.
    payment_state: Mapped[str] = mapped_column(String(24), server_default="unknown")
    payment_card_mask: Mapped[str | None] = mapped_column(code_string(32))
    payment_reference: Mapped[str | None] = mapped_column(code_string(32))
    payment_bank_status: Mapped[str | None] = mapped_column(String(32))
    payment_captured: Mapped[int | None] = mapped_column(BigInteger)
    payment_refunded: Mapped[int | None] = mapped_column(BigInteger)


class Payment(Base):
    """The bank's picture of the payment for one invoiceId, as last read."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("profile_id", "invoice_id"),
        Index(None, "profile_id", "state"),
        Index(None, "profile_id", "reference"),
        Index(None, "profile_id", "card_mask"),
        Index(None, "profile_id", "card_last4"),
        Index(None, "transaction_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    invoice_id: Mapped[str] = mapped_column(code_string(15))
    #: The bank's transaction id: money moves by it.
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    #: statusName exactly as the bank gave it.
    bank_status: Mapped[str | None] = mapped_column(String(32))
    #: halyk_desk.domain.State value.
    state: Mapped[str] = mapped_column(String(24))
    currency: Mapped[str] = mapped_column(String(3))
    original_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    held_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    captured_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    remaining_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    card_mask: Mapped[str | None] = mapped_column(code_string(32))
    #: Last four digits of the card, for search: people type those.
    card_last4: Mapped[str | None] = mapped_column(String(4))
    card_type: Mapped[str | None] = mapped_column(String(32))
    #: RRN.
    reference: Mapped[str | None] = mapped_column(code_string(32))
    approval_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime | None]
    last_read_at: Mapped[datetime | None]
    #: Why the last read failed (kind and message); None after a good read.
    read_error: Mapped[str | None] = mapped_column(BoundedText("read_error"))
    #: The bank's reply as received (JSON text), for the detail pane and for disputes.
    raw_reply: Mapped[str | None] = mapped_column(Text)


class SyncRun(Base):
    """One `sync`: what it was asked, and what it found. A run killed midway stays "running" in
    the table, but stops beating: read back, it is "interrupted" (repository.last_sync_run)."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index(None, "profile_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    #: running | finished | cancelled | failed
    status: Mapped[str] = mapped_column(String(16))
    #: When the running sync last said it was alive (every HEARTBEAT_EVERY).
    heartbeat_at: Mapped[datetime | None]
    date_from: Mapped[datetime | None]
    date_to: Mapped[datetime | None]
    include_final: Mapped[bool] = mapped_column(Boolean, default=False)
    total: Mapped[int] = mapped_column(Integer, default=0)
    read_count: Mapped[int] = mapped_column(Integer, default=0)
    changed_count: Mapped[int] = mapped_column(Integer, default=0)
    not_found_count: Mapped[int] = mapped_column(Integer, default=0)
    #: {error kind: count}
    errors: Mapped[dict[str, Any]] = mapped_column(default=dict)


class StatusChange(Base):
    """A payment's state or bank status changed, seen at `at` (by a sync run, when one did)."""

    __tablename__ = "status_history"
    __table_args__ = (Index(None, "payment_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    old_state: Mapped[str | None] = mapped_column(String(24))
    new_state: Mapped[str] = mapped_column(String(24))
    old_bank_status: Mapped[str | None] = mapped_column(String(32))
    new_bank_status: Mapped[str | None] = mapped_column(String(32))
    sync_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("sync_runs.id", ondelete="SET NULL")
    )
