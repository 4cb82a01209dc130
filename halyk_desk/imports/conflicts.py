"""Re-importing a file: the same rows change nothing, a changed row is refused."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from halyk_desk.domain import ALMATY, Money, as_utc
from halyk_desk.imports.errors import RowError
from halyk_desk.imports.model import OrderRow


def find_conflicts(
    new_rows: list[OrderRow],
    existing: Mapping[str, tuple[Money, datetime | None]],
    *,
    columns: Mapping[str, str] | None = None,
) -> list[RowError]:
    """Rows whose order is already stored with another amount, currency or creation date.

    `existing` maps invoice_id -> (amount, created_at) of the stored orders (only those in the
    file are needed); `columns` is ImportReport.columns, to name the file's columns in the errors.
    A date missing on either side is no conflict: the file or the store simply does not say.
    """
    names = dict(columns or {})
    errors = []
    for row in new_rows:
        if row.invoice_id not in existing:
            continue
        stored_amount, stored_created = existing[row.invoice_id]
        stored = f"order {row.invoice_id} is already stored with"
        fix = "correct the file, or leave this order out of it."
        if stored_amount.currency != row.amount.currency:
            errors.append(RowError(
                row.source_row, names.get("currency", names.get("amount", "currency")),
                row.amount.currency,
                f"{stored} currency {stored_amount.currency}; "
                f"the file says {row.amount.currency}: {fix}",
            ))
        elif stored_amount != row.amount:
            errors.append(RowError(
                row.source_row, names.get("amount", "amount"), row.amount.to_json(),
                f"{stored} amount {stored_amount}; the file says {row.amount}: {fix}",
            ))
        if (
            stored_created is not None
            and row.created_at is not None
            and as_utc(stored_created) != row.created_at
        ):
            errors.append(RowError(
                row.source_row, names.get("created_at", "created_at"),
                _local(row.created_at),
                f"{stored} creation date {_local(stored_created)}; the file says "
                f"{_local(row.created_at)}: {fix}",
            ))
    return errors


def _local(moment: datetime) -> str:
    # As the accountant's files and screens show it: Almaty time.
    return as_utc(moment).astimezone(ALMATY).strftime("%d.%m.%Y %H:%M:%S")
