"""Typed tables streamed into openpyxl's write-only workbook.

Each column has a kind, so money becomes a number with a ₸ (or $, €) format, a moment a real Excel
date in the report's time zone, text stays text (never a formula). Widths are measured before the
first row is written, as write-only mode requires; the header is frozen, the filter covers the
header and the data, and totals rows (one per currency) sit below a blank row, outside the filter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from halyk_desk.domain import Money
from halyk_desk.domain.money import SYMBOLS

R = TypeVar("R")

TEXT, MONEY, MOMENT, DAY, COUNT, HOURS, PERCENT = (
    "text", "money", "moment", "day", "count", "hours", "percent")
DATE_FORMAT = "DD.MM.YYYY"
MOMENT_FORMAT = "DD.MM.YYYY HH:MM"
PERCENT_FORMAT = "0.00%"
HOURS_FORMAT = "0.0"
#: Fixed widths (characters) of kinds whose text length is known from the format.
_WIDTHS = {MONEY: 18, MOMENT: 17, DAY: 11, COUNT: 10, HOURS: 10, PERCENT: 10}
_MAX_WIDTH = 80


@cache
def money_format(currency: str) -> str:
    symbol = SYMBOLS.get(currency, currency)
    return f'#,##0.00 "{symbol}"'


def money_number(value: Money) -> Decimal:
    """Tenge with exactly two decimals, e.g. Decimal('1500.00'): what the cell stores."""
    return Decimal(value.minor).scaleb(-2)


def clean_text(value: object) -> str:
    """Text as a cell can hold it: control characters Excel refuses are dropped."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    """`get` gives the cell's value from a row: str, Money, aware datetime, date, int or Decimal.
    `total` adds the column up in the totals rows (money per currency, counts once)."""

    title: str
    kind: str
    get: Callable[[R], Any]
    total: bool = False


class Cells:
    """Cells of one workbook with their styles made once and shared (a style per cell would cost
    more than writing the cell)."""

    def __init__(self, wb: Workbook, tz: ZoneInfo) -> None:
        self.wb = wb
        self.tz = tz
        self._styles: dict[tuple[str, bool], Any] = {}

    def _style(self, ws: WriteOnlyWorksheet, number_format: str | None, bold: bool) -> Any:
        key = (number_format or "", bold)
        style = self._styles.get(key)
        if style is None:
            template = WriteOnlyCell(ws)
            if number_format:
                template.number_format = number_format
            if bold:
                template.font = Font(bold=True)
            style = self._styles[key] = template._style
        return style

    def cell(self, ws: WriteOnlyWorksheet, value: Any, number_format: str | None = None,
             bold: bool = False) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value)
        cell._style = self._style(ws, number_format, bold)
        return cell

    def text(
        self, ws: WriteOnlyWorksheet, value: object, bold: bool = False
    ) -> WriteOnlyCell | None:
        """A cell of its own (headers, the summary); table rows use `column`."""
        if value is None or value == "":
            return None
        cell = self.cell(ws, clean_text(value), bold=bold)
        cell.data_type = "s"  # "=..." is a name, not a formula
        return cell

    def money(self, ws: WriteOnlyWorksheet, value: Money | None) -> WriteOnlyCell | None:
        if value is None:
            return None
        return self.cell(ws, money_number(value), money_format(value.currency))

    def moment(self, ws: WriteOnlyWorksheet, value: datetime | None) -> WriteOnlyCell | None:
        """Excel has no time zones: the moment as a wall-clock time in the report's zone."""
        if value is None:
            return None
        return self.cell(ws, value.astimezone(self.tz).replace(tzinfo=None), MOMENT_FORMAT)

    def day(self, ws: WriteOnlyWorksheet, value: date | None) -> WriteOnlyCell | None:
        return None if value is None else self.cell(ws, value, DATE_FORMAT)

    def percent(self, ws: WriteOnlyWorksheet, value: Decimal | None) -> WriteOnlyCell | None:
        return None if value is None else self.cell(ws, value, PERCENT_FORMAT)

    def hours(self, ws: WriteOnlyWorksheet, value: Decimal | None) -> WriteOnlyCell | None:
        return None if value is None else self.cell(ws, value, HOURS_FORMAT)

    def column(self, ws: WriteOnlyWorksheet, kind: str) -> Callable[[Any], Any]:
        """What to append for each value of one column of a big table.

        A write-only sheet serialises a row while it is appended, so each column keeps one
        styled cell per format and refills it row after row: creating a styled cell per value
        would cost more than writing it. Text goes in as plain strings.
        """
        if kind == TEXT:
            return lambda v: _text_value(ws, v)
        if kind == COUNT:
            return _same
        reused: dict[str, WriteOnlyCell] = {}

        def styled(value: Any, number_format: str) -> WriteOnlyCell:
            cell = reused.get(number_format)
            if cell is None:
                cell = reused[number_format] = self.cell(ws, None, number_format)
            cell.value = value
            return cell

        tz = self.tz
        if kind == MONEY:
            return lambda v: (None if v is None
                              else styled(money_number(v), money_format(v.currency)))
        if kind == MOMENT:
            return lambda v: (None if v is None
                              else styled(v.astimezone(tz).replace(tzinfo=None), MOMENT_FORMAT))
        number_format = {DAY: DATE_FORMAT, HOURS: HOURS_FORMAT, PERCENT: PERCENT_FORMAT}[kind]
        return lambda v: None if v is None else styled(v, number_format)


def _same(value: Any) -> Any:
    return value


def _text_value(ws: WriteOnlyWorksheet, value: object) -> str | WriteOnlyCell | None:
    """Text as a plain string, which needs no cell object, unless it would read as a formula."""
    if value is None or value == "":
        return None
    text = clean_text(value)
    if text.startswith("="):  # typed by a customer: a name, not a formula
        cell = WriteOnlyCell(ws, text)
        cell.data_type = "s"
        return cell
    return text


def _text_width(value: object) -> int:
    return 0 if value is None else len(str(value))


def write_table(
    cells: Cells,
    title: str,
    columns: Sequence[Column[R]],
    rows: Sequence[R],
    *,
    currency: str,
    tick: Callable[[], None],
) -> WriteOnlyWorksheet:
    """One sheet: header, `rows`, a blank row, then "Итого, <currency>" rows.

    A totals row per currency found in the money columns (the report's `currency` first, and
    always present), each adding up only the cells in its currency; count columns are added up
    in the first totals row.
    """
    ws = cells.wb.create_sheet(title)
    # Excel has no zones: a moment's header says which zone its wall-clock time is in.
    titles = [f"{c.title}, {cells.tz.key}" if c.kind == MOMENT else c.title for c in columns]
    widths = [len(t) for t in titles]
    for n, column in enumerate(columns):
        if column.kind == TEXT:
            widths[n] = max(widths[n], max((_text_width(column.get(r)) for r in rows), default=0))
        else:
            widths[n] = max(widths[n], _WIDTHS[column.kind])
    for n, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(n)].width = min(width + 2, _MAX_WIDTH)
    ws.freeze_panes = "A2"
    last = get_column_letter(len(columns))
    ws.auto_filter.ref = f"A1:{last}{len(rows) + 1}"

    ws.append([cells.text(ws, t, bold=True) for t in titles])
    getters = [c.get for c in columns]
    writers = [cells.column(ws, c.kind) for c in columns]
    money_totals: dict[str, list[int]] = {currency: [0] * len(columns)}
    count_totals = [0] * len(columns)
    summed = [(n, c.kind == MONEY) for n, c in enumerate(columns) if c.total]
    for row in rows:
        raw = [get(row) for get in getters]
        for n, is_money in summed:
            value = raw[n]
            if value is None:
                continue
            if is_money:
                money_totals.setdefault(value.currency, [0] * len(columns))[n] += value.minor
            else:
                count_totals[n] += value
        ws.append([write(value) for write, value in zip(writers, raw, strict=True)])
        tick()

    ws.append([])
    for k, (code, sums) in enumerate(money_totals.items()):
        line: list[Any] = [cells.text(ws, f"Итого, {code}", bold=True)]
        for n, column in enumerate(columns[1:], 1):
            if column.total and column.kind == MONEY:
                line.append(cells.money(ws, Money(sums[n], code)))
            elif column.total and k == 0:
                line.append(count_totals[n])
            else:
                line.append(None)
        ws.append(line)
    return ws
