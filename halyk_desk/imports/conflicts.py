"""Re-importing a file: the same rows change nothing, a changed row is refused."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from halyk_desk.domain import ALMATY, Money, as_utc
from halyk_desk.imports.errors import RowError
from halyk_desk.imports.model import OrderRow
from halyk_desk.messages import msg


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
        if stored_amount.currency != row.amount.currency:
            errors.append(RowError(
                row.source_row, names.get("currency", names.get("amount", "currency")),
                row.amount.currency,
                msg("import.stored_currency", "заказ {invoice} уже сохранён с валютой {stored}, "
                    "а в файле {file}: исправьте файл или уберите из него этот заказ.",
                    invoice=row.invoice_id, stored=stored_amount.currency,
                    file=row.amount.currency),
            ))
        elif stored_amount != row.amount:
            errors.append(RowError(
                row.source_row, names.get("amount", "amount"), row.amount.to_json(),
                msg("import.stored_amount", "заказ {invoice} уже сохранён с суммой {stored}, а "
                    "в файле {file}: исправьте файл или уберите из него этот заказ.",
                    invoice=row.invoice_id, stored=stored_amount, file=row.amount),
            ))
        if (
            stored_created is not None
            and row.created_at is not None
            and as_utc(stored_created) != row.created_at
        ):
            errors.append(RowError(
                row.source_row, names.get("created_at", "created_at"),
                _local(row.created_at),
                msg("import.stored_date", "заказ {invoice} уже сохранён с датой создания "
                    "{stored}, а в файле {file}: исправьте файл или уберите из него этот заказ.",
                    invoice=row.invoice_id, stored=_local(stored_created),
                    file=_local(row.created_at)),
            ))
    return errors


def _local(moment: datetime) -> str:
    # As the accountant's files and screens show it: Almaty time.
    return as_utc(moment).astimezone(ALMATY).strftime("%d.%m.%Y %H:%M:%S")
