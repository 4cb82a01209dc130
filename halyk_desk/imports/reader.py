"""read_orders: an order file -> validated OrderRows, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import tzinfo
from pathlib import Path
from typing import TypeVar

from halyk_desk.domain import ALMATY, DEFAULT_CURRENCY
from halyk_desk.imports.cells import (
    Cell,
    cell_text,
    parse_amount,
    parse_created,
    parse_currency,
    parse_invoice_id,
    parse_paid,
    parse_text,
)
from halyk_desk.imports.errors import ImportFailed, Problems, RowError, file_error
from halyk_desk.imports.headers import ColumnResolver
from halyk_desk.imports.limits import HEADER_SEARCH
from halyk_desk.imports.model import FIELDS, ImportReport, Mapping, OrderRow
from halyk_desk.imports.sources import read_table
from halyk_desk.messages import Message, msg

T = TypeVar("T")
_NAMED_ROWS = 10  # rows named in a duplicate's message
_SEPARATOR_NAMES = {
    ";": msg("import.separator.semicolon", "точка с запятой"),
    ",": msg("import.separator.comma", "запятая"),
    "\t": msg("import.separator.tab", "табуляция"),
}


def read_orders(
    path: Path | str,
    *,
    mapping: Mapping | dict[str, str] | None = None,
    default_currency: str = DEFAULT_CURRENCY,
    tz: tzinfo = ALMATY,
) -> ImportReport:
    """Read every order in a CSV or XLSX file, or raise ImportFailed listing every problem in it.

    Dates without an offset are local time in `tz`; a row without a currency is in
    `default_currency`. Nothing is returned unless every row is valid.
    """
    path = Path(path)
    try:
        return _read(path, Mapping.of(mapping), default_currency, tz)
    except ImportFailed as failed:
        raise ImportFailed(failed.errors, path.name, failed.more, failed.mapping_example) \
            from None


def _read(path: Path, mapping: Mapping, default_currency: str, tz: tzinfo) -> ImportReport:
    resolver = ColumnResolver(mapping.columns)
    table = read_table(path, resolver.score)
    if not table.rows:
        raise file_error(msg("import.no_rows", "В файле нет строк: выгрузите заказы снова, "
                             "со строкой заголовков."))
    header_at = _find_header(table.rows, resolver.score)
    header_row, header_cells = table.rows[header_at]
    headers = [cell_text(cell).strip() for cell in header_cells]
    columns = resolver.resolve(headers)
    body = table.rows[header_at + 1 :]
    if not body:
        raise file_error(msg("import.no_orders", "В файле есть заголовок (строка {row}), но "
                             "под ним нет заказов.", row=str(header_row)))

    warnings: list[Message] = list(columns.warnings)
    if header_at:
        skipped = ", ".join(str(number) for number, _ in table.rows[:header_at])
        warnings.append(msg("import.rows_skipped", "Строки {rows} над заголовком (строка "
                            "{row}) пропущены.", rows=skipped, row=str(header_row)))
    if "created_at" not in columns.index:
        warnings.append(msg("import.no_date_column", "В файле нет колонки с датой создания: "
                            "заказы загружены без дат."))
    id_column = columns.index["invoice_id"]
    ids = (cells[id_column] for _, cells in body if id_column < len(cells))
    if any(isinstance(value, int | float) for value in ids):
        warnings.append(msg(
            "import.ids_are_numbers", "В колонке «{column}» числа: Excel отбрасывает у них "
            "нули в начале. Если номера заказов магазина начинаются с 0, сделайте колонку "
            "текстовой и выгрузите снова.", column=headers[id_column]))

    errors = Problems()
    rows: list[OrderRow] = []
    seen: dict[str, list[int]] = {}  # order number -> the rows it is on
    separator = _SEPARATOR_NAMES.get(table.delimiter or "") \
        or msg("import.separator.other", "разделитель")
    for number, cells in body:
        if table.format == "csv" and len(cells) > len(headers) and any(
            cell.strip() for cell in cells[len(headers) :] if isinstance(cell, str)
        ):
            errors.append(RowError(
                number, None, None,
                msg("import.too_many_cells", "значений в строке — {values}, а колонок в "
                    "заголовке — {columns}: видимо, в значении есть разделитель ({separator}); "
                    'возьмите это значение в двойные кавычки ("...") или сохраните файл с '
                    "другим разделителем.", values=len(cells), columns=len(headers),
                    separator=separator),
            ))
            continue
        invoice_id, row = _parse_row(
            number, cells, columns.index, headers, default_currency, tz, errors
        )
        if invoice_id is not None:
            seen.setdefault(invoice_id, []).append(number)
        if row is not None:
            rows.append(row)

    errors.extend(_duplicates(seen, headers[id_column]))
    if errors:
        order = {name: i for i, name in enumerate(headers)}
        raise errors.failed(lambda e: (e.row or 0, order.get(e.column or "", -1)))
    return ImportReport(
        rows=rows,
        source_file=path.name,
        format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        sheet=table.sheet,
        columns={name: headers[i] for name, i in sorted(columns.index.items(), key=_field_order)},
        warnings=warnings,
        other_choice=columns.other_choice,
    )


def _field_order(item: tuple[str, int]) -> int:
    return FIELDS.index(item[0])


def _find_header(
    rows: list[tuple[int, tuple[Cell, ...]]], score: Callable[[Sequence[Cell]], int]
) -> int:
    """The first row with the most recognised header names among the first few; else the first."""
    scores = [score(cells) for _, cells in rows[:HEADER_SEARCH]]
    best = max(scores)
    return scores.index(best) if best else 0


def _parse_row(
    number: int,
    cells: tuple[Cell, ...],
    index: dict[str, int],
    headers: list[str],
    default_currency: str,
    tz: tzinfo,
    errors: Problems,
) -> tuple[str | None, OrderRow | None]:
    """One data row -> its order number (when readable) and its OrderRow, or None with every
    problem in the row added to `errors`."""
    found = len(errors)

    def field(name: str, parse: Callable[..., T], *args: object, fallback: T) -> T:
        if name not in index:
            return fallback
        value = cells[index[name]] if index[name] < len(cells) else None
        try:
            return parse(value, *args)
        except ValueError as exc:
            errors.append(RowError(number, headers[index[name]], cell_text(value), str(exc)))
            return fallback

    # A bad currency is reported, and the amount is still checked as if in the default currency.
    currency = field("currency", parse_currency, default_currency, fallback=default_currency)
    invoice_id = field("invoice_id", parse_invoice_id, fallback=None)
    amount = field("amount", parse_amount, currency, fallback=None)
    created_at = field("created_at", parse_created, tz, fallback=None)
    customer = field("customer", parse_text, "customer", fallback=None)
    shop_paid = field("shop_paid", parse_paid, fallback=None)
    shop_status = field("shop_status", parse_text, "shop_status", fallback=None)
    if len(errors) > found or invoice_id is None or amount is None:
        return invoice_id, None
    return invoice_id, OrderRow(
        invoice_id=invoice_id,
        amount=amount,
        created_at=created_at,
        customer=customer,
        shop_paid=shop_paid,
        shop_status=shop_status,
        source_row=number,
    )


def _duplicates(where: dict[str, list[int]], column: str) -> Iterator[RowError]:
    """Every row of an order number that appears more than once, each naming the others (the
    first few of them: a number repeated on every row must not make each message as long)."""
    for invoice_id, numbers in where.items():
        if len(numbers) > 1:
            named = ", ".join(map(str, numbers[:_NAMED_ROWS]))
            if len(numbers) > _NAMED_ROWS:
                named += ", ..."
            message = msg("import.order_repeated", "Номер заказа {invoice} встречается в "
                          "файле %n раз (строки {rows}): оставьте одну строку на заказ.",
                          invoice=invoice_id, rows=named, n=len(numbers))
            for number in numbers:
                yield RowError(number, column, invoice_id, message)
