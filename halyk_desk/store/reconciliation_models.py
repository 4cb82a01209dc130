"""Tables of the reconciliation: each run's summary, and the discrepancies people marked resolved.

A run keeps only its summary (period, time zone, who, when, totals per category as JSON): its
lines are made again from the store whenever they are needed. A mark names a discrepancy by its
category and the engine's stable key ("invoice:000123", "transaction:…", "operation:…"), so later
runs of any period find it again; an empty category marks the key in every category.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from halyk_desk.store.models import Base
from halyk_desk.store.types import BoundedText, code_string


class ReconciliationRun(Base):
    """One reconciliation of the business days date_from..date_to (both included)."""

    __tablename__ = "reconciliation_runs"
    __table_args__ = (Index(None, "profile_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    #: The business time zone the days were cut in, e.g. Asia/Almaty.
    time_zone: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(BoundedText("operator"))
    at: Mapped[datetime]
    #: The --json document of the run, plus its totals and whether the operations list was read.
    summary: Mapped[dict[str, Any]]


class DiscrepancyMark(Base):
    """A person's "resolved", with a note; kept across runs."""

    __tablename__ = "discrepancy_marks"
    __table_args__ = (UniqueConstraint("profile_id", "category", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    #: A category key (reconcile.CATEGORIES), or "" for every category of `key`.
    category: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(code_string(200))
    note: Mapped[str] = mapped_column(BoundedText("note"))
    operator: Mapped[str] = mapped_column(BoundedText("operator"))
    at: Mapped[datetime]
