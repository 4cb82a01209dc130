"""Tables of taking payments: the payment links the program created, and the bank's callbacks.

A link belongs to one order (orders.invoice_id): the order is what sync reads and reconciliation
counts, the link says how the customer was asked to pay. The per-link callback secret is kept only
as its SHA-256: the store never holds what would let a reader forge a callback.

A callback is kept exactly as it arrived (body text), once: its SHA-256 is unique per profile, so a
bank that delivers the same notice twice, or a log imported twice, stores it once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from halyk_desk.store.models import Base
from halyk_desk.store.types import BoundedText, code_string


class PaymentLink(Base):
    """One invoice link created through the bank's POST /invoice."""

    __tablename__ = "payment_links"
    __table_args__ = (UniqueConstraint("profile_id", "invoice_id"), Index(None, "link_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    invoice_id: Mapped[str] = mapped_column(code_string(15))
    #: The bank's id of the link (observed field `id`); None if the bank gave none.
    link_id: Mapped[str | None] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(1000))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(BoundedText("link_description"))
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    #: The bank's own word for the link when created (observed `status`, e.g. ACTIVE).
    bank_status: Mapped[str | None] = mapped_column(String(32))
    expires_at: Mapped[datetime]
    #: hex SHA-256 of the random secret carried by this link's callback address.
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class Callback(Base):
    """One postLink notice as received: raw, deduplicated, with what checking it found."""

    __tablename__ = "callbacks"
    __table_args__ = (
        UniqueConstraint("profile_id", "body_sha256"),
        Index(None, "profile_id", "invoice_id"),
        Index(None, "profile_id", "checked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    received_at: Mapped[datetime]
    #: http (the receiver) | import (a log file)
    source: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    body_sha256: Mapped[str] = mapped_column(String(64))
    #: The invoiceId the body names, when it names one that is well formed.
    invoice_id: Mapped[str | None] = mapped_column(code_string(15))
    #: What the body says happened (`code`: ok | error), as given.
    code: Mapped[str | None] = mapped_column(String(32))
    #: The link's secret matched (compared in constant time). False: kept, shown, never trusted.
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Why it is unverified, for the detail pane.
    problem: Mapped[str | None] = mapped_column(String(200))
    #: When the bank's status was read because of it, and what the bank said then.
    checked_at: Mapped[datetime | None]
    checked_status: Mapped[str | None] = mapped_column(String(32))
    check_error: Mapped[str | None] = mapped_column(String(500))
