"""What an import produces: order rows, a report about the file, and the user's column mapping."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from halyk_desk.domain import Money, as_utc
from halyk_desk.imports.errors import file_error
from halyk_desk.messages import Message, msg

#: The order fields a file can provide, in the order they are checked and reported.
FIELDS = ("invoice_id", "amount", "currency", "created_at", "customer", "shop_paid", "shop_status")
#: Without these two columns a file cannot be imported.
REQUIRED = ("invoice_id", "amount")
#: A mapping as --mapping takes it, for the messages that explain it.
_EXAMPLE = '{"invoice_id": "Order No", "amount": "Total"}'


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRow:
    """One order as the shop's file states it.

    `created_at` is None only when the file has no date column at all; `source_row` is the row
    number the user sees in the file (Excel's row number; for CSV the record number, header = 1).
    """

    invoice_id: str
    amount: Money
    created_at: datetime | None
    customer: str | None = None
    shop_paid: bool | None = None
    shop_status: str | None = None
    source_row: int

    def __post_init__(self) -> None:
        if self.created_at is not None:
            as_utc(self.created_at)  # refuses a naive datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    """The parsed orders and how the file was read, for the import summary and the store."""

    rows: list[OrderRow]
    source_file: str
    format: Literal["csv", "xlsx"]
    encoding: str | None  # None for XLSX
    delimiter: str | None  # None for XLSX
    sheet: str | None  # the worksheet read; None for CSV
    columns: dict[str, str]  # field -> header as written in the file
    warnings: list[Message] = field(default_factory=list)
    #: field -> the other column that could have been it (see headers.Columns.other_choice).
    other_choice: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Mapping:
    """Which file column holds which order field, given by the user for headers we do not know.

    Columns not named here are still recognised by their usual Russian or English names.
    """

    columns: dict[str, str]

    def __post_init__(self) -> None:
        unknown = [name for name in self.columns if name not in FIELDS]
        if unknown:
            raise file_error(msg(
                "import.mapping_unknown_fields", "В сопоставлении неизвестные поля {fields}: "
                "используйте {known}.", fields=", ".join(map(repr, unknown)), known=list(FIELDS)))
        blank = [name for name, header in self.columns.items() if not str(header).strip()]
        if blank:
            raise file_error(msg("import.mapping_blank", "В сопоставлении не указано имя "
                                 "колонки для {fields}.", fields=blank))

    @classmethod
    def parse(cls, text: str) -> Mapping:
        """--mapping: a JSON object such as {"invoice_id": "Order No", "amount": "Total"}."""
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise file_error(msg(
                "import.mapping_not_json", "Сопоставление — не правильный JSON ({error}, знак "
                "{position}): напишите его так: {example}.", error=exc.msg, position=exc.pos,
                example=_EXAMPLE)) from None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise file_error(msg(
                "import.mapping_not_object", "Сопоставление должно быть объектом JSON из имён "
                "полей и имён колонок, например {example}.", example=_EXAMPLE))
        return cls(value)

    @classmethod
    def of(cls, value: Mapping | dict[str, str] | None) -> Mapping:
        if isinstance(value, Mapping):
            return value
        return cls(dict(value or {}))
