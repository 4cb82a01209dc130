"""Import the shop's order file into the store: every row or none.

The file is read and checked first (imports.read_orders lists every bad row). Then, in one
transaction, the rows are compared with the orders already stored: an order stored with another
amount, currency or date refuses the whole file, with every such row listed
(imports.find_conflicts).
Rows identical to what is stored change nothing, so importing the same file twice is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from halyk_desk.domain import Money, utc_now
from halyk_desk.imports import ImportFailed, Mapping, OrderRow, find_conflicts, read_orders
from halyk_desk.imports.limits import MAX_LISTED_PROBLEMS
from halyk_desk.messages import Message
from halyk_desk.services.changes import Changes
from halyk_desk.store import repository
from halyk_desk.store.records import OrderRecord

#: An import of the shop's orders.
CHANGES = Changes(payments=True, holds=True)

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext


@dataclass(frozen=True)
class ImportSummary:
    #: New orders.
    added: int
    #: Orders already stored exactly as the file states them.
    unchanged: int
    #: The file's name, as stored with each order.
    source_file: str
    #: Orders whose customer or the shop's status/paid flag changed since the last import.
    updated: int = 0
    #: Things about the file worth knowing that did not stop the import.
    warnings: tuple[Message, ...] = field(default=())
    #: field -> the other column that could have been it, for a --mapping the command line offers.
    other_choice: dict[str, str] = field(default_factory=dict)


def _record(row: OrderRow, source_file: str, created_at: datetime) -> OrderRecord:
    return OrderRecord(
        invoice_id=row.invoice_id,
        amount_minor=row.amount.minor,
        currency=row.amount.currency,
        created_at=created_at,
        customer=row.customer,
        shop_status=row.shop_status,
        shop_paid=row.shop_paid,
        source_file=source_file,
        source_row=row.source_row,
    )


def import_orders(
    ctx: AppContext, path: Path | str, mapping: Mapping | dict[str, str] | None = None
) -> ImportSummary:
    """Import every order in the file, or raise ImportFailed (nothing imported) listing every
    problem with its row number. Dates without an offset are in the business time zone."""
    report = read_orders(path, mapping=mapping, tz=ZoneInfo(ctx.settings["business_tz"]))
    profile = ctx.profile.name
    now = utc_now()
    with ctx.store.session() as session:  # takes the write lock: no import slips in between
        stored = repository.get_orders(session, profile, [row.invoice_id for row in report.rows])
        conflicts = find_conflicts(
            report.rows,
            {inv: (Money(o.amount_minor, o.currency), o.created_at) for inv, o in stored.items()},
            columns=report.columns,
        )
        if conflicts:
            listed = conflicts[:MAX_LISTED_PROBLEMS]
            raise ImportFailed(listed, report.source_file, len(conflicts) - len(listed))
        # A file without a date column: a stored order keeps its date, a new one is dated now.
        result = repository.upsert_orders(session, profile, [
            _record(
                row, report.source_file,
                row.created_at or (stored[row.invoice_id].created_at
                                   if row.invoice_id in stored else now),
            )
            for row in report.rows
        ], now=now)
    return ImportSummary(
        added=result.inserted, unchanged=result.unchanged, source_file=report.source_file,
        updated=result.updated, warnings=tuple(report.warnings),
        other_choice=report.other_choice,
    )
