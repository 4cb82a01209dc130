"""Typed tables streamed as worksheet XML, row by row, into a file.

openpyxl builds the workbook around them (styles, the summary sheet, the package); a table of a
hundred thousand rows goes through this writer instead of openpyxl's cell objects, which cost
more than twice what XlsxWriter needs for the same cells. Memory stays flat: a row is written as
soon as it is made.

Each column has a kind, so money becomes a number with a ₸ (or $, €) format, a moment a real
Excel date in the report's time zone, text stays text (never a formula). Widths are measured
before the rows are written; the header is frozen, the filter covers the header and the data,
and totals rows sit below a blank row, outside the filter.

Totals follow the filter: each is a SUBTOTAL(109, …) formula (SUMPRODUCT over SUBTOTAL of each
row for a group's total), which adds up only the rows the filter shows, with its value computed
here and cached in the cell, so that a reader without a calculation engine sees it too. A table
totals per group when its rows fall into groups that must not be added together (the
discrepancies: one total per category); else one totals row. Money in several currencies gets
one totals row per currency: each money column names the column that holds its currency
(Column.currency), and a currency's total adds up only the rows shown whose currency cell says
it (SUMPRODUCT over SUBTOTAL of each row, times the currency test), so it stays right when the
accountant filters, edits or adds a row's amount or currency. Every sheet prints landscape,
fitted to the page's width, the header row repeated on each page, page numbers in the footer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Generic, TextIO, TypeVar
from zoneinfo import ZoneInfo

from openpyxl.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.worksheet import Worksheet

from halyk_desk.domain import Money
from halyk_desk.domain.money import SYMBOLS
from halyk_desk.messages import Message

R = TypeVar("R")

TEXT, MONEY, MOMENT, DAY, COUNT, HOURS = "text", "money", "moment", "day", "count", "hours"
DATE_FORMAT = "DD.MM.YYYY"
MOMENT_FORMAT = "DD.MM.YYYY HH:MM"
PERCENT_FORMAT = "0.00%"
HOURS_FORMAT = "0.0"
#: Fixed widths (characters) of kinds whose text length is known from the format.
_WIDTHS = {MONEY: 18, MOMENT: 17, DAY: 11, COUNT: 10, HOURS: 10}
_MAX_WIDTH = 80
#: Characters XML 1.0 (and so Excel) cannot hold: control characters, lone surrogates, FFFE/FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
    '</sheetView></sheetViews>'
    '<sheetFormatPr defaultRowHeight="15"/>'
)
#: Landscape, one page wide and as many long as it takes, "page N of M" in the footer.
PRINT_SETUP = (
    '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    '<headerFooter><oddFooter>&amp;C&amp;P / &amp;N</oddFooter></headerFooter>'
)
_SHEET_END = PRINT_SETUP + "</worksheet>"
#: SUBTOTAL's function number for a sum that leaves out rows the filter hides.
_SUM_VISIBLE = 109


@cache
def money_format(currency: str) -> str:
    symbol = SYMBOLS.get(currency, currency)
    return f'#,##0.00 "{symbol}"'


def money_text(minor: int) -> str:
    """Tenge with two decimals as the cell stores it, e.g. "1500.00" (straight from tiyn)."""
    whole, cents = divmod(abs(minor), 100)
    return f"{'-' if minor < 0 else ''}{whole}.{cents:02d}"


def clean_text(value: object) -> str:
    """Text as a cell can hold it: characters XML refuses are dropped."""
    return _NOT_XML.sub("", str(value))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    """`get` gives the cell's value from a row: str, Money, aware datetime, date, int or Decimal.
    `total` adds the column up in the totals rows (money per currency, counts once)."""

    title: str | Message  # a Message is rendered in the current language
    kind: str
    get: Callable[[R], Any]
    total: bool = False
    #: The text column naming each row's currency of this money column: with several
    #: currencies, each one's total picks its rows by it.
    currency: Column[R] | None = None


class Styles:
    """Style ids of the formats the tables use, registered with openpyxl's workbook so that its
    styles part lists them (any worksheet of that workbook serves as the anchor)."""

    def __init__(self, anchor: Worksheet) -> None:
        self._anchor = anchor
        self._ids: dict[tuple[str, bool], int] = {}

    def id(self, number_format: str | None = None, bold: bool = False) -> int:
        key = (number_format or "", bold)
        found = self._ids.get(key)
        if found is None:
            cell = Cell(self._anchor)  # never placed in the sheet: it only carries the style
            if number_format:
                cell.number_format = number_format
            if bold:
                cell.font = Font(bold=True)
            found = self._ids[key] = cell.style_id
        return found


def _text_cell(ref: str, value: object, style: str = "") -> str:
    text = _escape(clean_text(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _encoder(kind: str, styles: Styles, tz: ZoneInfo) -> Callable[[str, Any], str]:
    """(cell reference, value) → the cell's XML; "" for an empty cell."""
    if kind == TEXT:
        return lambda ref, v: "" if v is None or v == "" else _text_cell(ref, v)
    if kind == COUNT:
        return lambda ref, v: "" if v is None else f'<c r="{ref}"><v>{v}</v></c>'
    if kind == MONEY:
        money_ids: dict[str, int] = {}

        def money(ref: str, v: Money | None) -> str:
            if v is None:
                return ""
            sid = money_ids.get(v.currency)
            if sid is None:
                sid = money_ids[v.currency] = styles.id(money_format(v.currency))
            return f'<c r="{ref}" s="{sid}"><v>{money_text(v.minor)}</v></c>'

        return money
    if kind == MOMENT:
        sid = styles.id(MOMENT_FORMAT)

        def moment(ref: str, v: datetime | None) -> str:
            if v is None:
                return ""
            # Excel has no time zones: the wall-clock time in the report's zone
            serial = to_excel(v.astimezone(tz).replace(tzinfo=None))
            return f'<c r="{ref}" s="{sid}"><v>{serial!r}</v></c>'

        return moment
    if kind == DAY:
        return _number(styles.id(DATE_FORMAT), to_excel)
    return _number(styles.id({HOURS: HOURS_FORMAT}[kind]), str)


def _number(sid: int, convert: Callable[[Any], object]) -> Callable[[str, Any], str]:
    return lambda ref, v: "" if v is None else f'<c r="{ref}" s="{sid}"><v>{convert(v)}</v></c>'


def _widths(titles: list[str], columns: Sequence[Column[R]], rows: Sequence[R]) -> list[float]:
    widths: list[float] = []
    for title, column in zip(titles, columns, strict=True):
        width = len(title)
        if column.kind == TEXT:
            width = max(width, _longest(column, rows, _MAX_WIDTH - 2))
        else:
            width = max(width, _WIDTHS[column.kind])
        widths.append(min(width + 2, _MAX_WIDTH))
    return widths


def _longest(column: Column[R], rows: Sequence[R], enough: int) -> int:
    """The longest text of the column, or `enough` as soon as one reaches it: a column is never
    wider than _MAX_WIDTH, so rendering the rest of a long table would not change it."""
    longest = 0
    for value in map(column.get, rows):
        if value is not None:
            longest = max(longest, len(str(value)))
            if longest >= enough:
                return enough
    return longest


def _formula_cell(ref: str, formula: str, cached: str, style: str = "") -> str:
    return f'<c r="{ref}"{style}><f>{_escape(formula)}</f><v>{cached}</v></c>'


def _literal(text: str) -> str:
    return '"' + clean_text(text).replace('"', '""') + '"'


def _visible_sum(L: str, first: int, last: int, picks: list[tuple[str, str]]) -> str:
    """The sum of column L's rows first..last that the filter shows and whose text in each
    (column letter, text) of `picks` is that text: SUBTOTAL(109) of each row, times the picks."""
    if last < first:
        return "0"
    span = f"{L}{first}:{L}{last}"
    if not picks:
        return f"SUBTOTAL({_SUM_VISIBLE},{span})"
    shown = f"SUBTOTAL({_SUM_VISIBLE},OFFSET({L}{first},ROW({span})-ROW({L}{first}),0))"
    return "SUMPRODUCT(" + shown + "".join(
        f",--(${C}${first}:${C}${last}={_literal(text)})" for C, text in picks) + ")"


def _currency_column(columns: Sequence[Column[R]], column: Column[R]) -> int:
    """The index of the column that names `column`'s currency in each row."""
    found = next((n for n, other in enumerate(columns) if other is column.currency), None)
    if found is None:
        raise ValueError(f"{column.title}: money in several currencies needs a currency column")
    return found


def stream_table(
    out: TextIO,
    columns: Sequence[Column[R]],
    rows: Sequence[R],
    *,
    styles: Styles,
    tz: ZoneInfo,
    currency: str,
    tick: Callable[[], None],
    total_label: str,
    group: int | None = None,
) -> str:
    """Write one worksheet: header, `rows`, a blank row, then the totals rows (module doc).

    `group`, the index of a text column: one totals row per value found there, labelled
    "<total_label>: <value>" (one per currency, "<total_label>: <value>, <currency>", when the
    group's money is in several). Else one row "<total_label>, <currency>" per currency found in
    the money columns (the report's `currency` first, and always present). Count columns are
    added up in a group's first row. Returns the filter's range (header and data rows).
    """
    # Excel has no zones: a moment's header says which zone its wall-clock time is in.
    titles = [f"{c.title}, {tz.key}" if c.kind == MOMENT else str(c.title) for c in columns]
    letters = [get_column_letter(n) for n in range(1, len(columns) + 1)]
    out.write(_SHEET_START)
    out.write("<cols>")
    for n, width in enumerate(_widths(titles, columns, rows), 1):
        out.write(f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>')
    out.write("</cols><sheetData>")
    bold = f' s="{styles.id(bold=True)}"'
    out.write('<row r="1">')
    out.write("".join(_text_cell(f"{L}1", t, bold) for L, t in zip(letters, titles, strict=True)))
    out.write("</row>")

    getters = [c.get for c in columns]
    encoders = list(zip(letters, (_encoder(c.kind, styles, tz) for c in columns), strict=True))
    summed = [(n, c.kind == MONEY) for n, c in enumerate(columns) if c.total]
    #: Money sums (minor units) per (group's value, currency); "" is the group of an ungrouped
    #: table, whose report currency always has its row.
    totals: dict[tuple[str, str], list[int]] = (
        {} if group is not None else {("", currency): [0] * len(columns)})
    #: Count sums per group, in order of the groups' first rows.
    counts: dict[str, list[int]] = {} if group is not None else {"": [0] * len(columns)}
    r = 1
    for row in rows:
        r += 1
        raw = [get(row) for get in getters]
        key = "" if group is None else str(raw[group])
        if key not in counts:
            counts[key] = [0] * len(columns)
        for n, is_money in summed:
            value = raw[n]
            if value is None:
                continue
            if is_money:
                sums = totals.get((key, value.currency))
                if sums is None:
                    sums = totals[(key, value.currency)] = [0] * len(columns)
                sums[n] += value.minor
            else:
                counts[key][n] += value
        number = str(r)
        out.write(f'<row r="{number}">')
        out.write("".join([encode(L + number, v)
                           for (L, encode), v in zip(encoders, raw, strict=True)]))
        out.write("</row>")
        tick()
    last_data = r
    r += 1  # the blank row keeps the totals out of the filter and out of a sort
    for key, counted in counts.items():
        found = [code for g, code in totals if g == key] or [currency]
        found.sort(key=lambda code: code != currency)  # the report's currency first
        several = len(found) > 1
        for k, code in enumerate(found):
            r += 1
            number = str(r)
            label = f"{total_label}, {code}" if group is None else (
                f"{total_label}: {key}, {code}" if several else f"{total_label}: {key}")
            cells = [_text_cell(f"A{number}", label, bold)]
            sums = totals.get((key, code)) or [0] * len(columns)
            for n, column in enumerate(columns[1:], 1):
                if not column.total or (column.kind != MONEY and k > 0):
                    continue  # counts once, in a group's first row
                picks = [] if group is None else [(letters[group], key)]
                if column.kind == MONEY:
                    if several:
                        picks.append((letters[_currency_column(columns, column)], code))
                    cached = money_text(sums[n])
                    style = f' s="{styles.id(money_format(code))}"'
                else:
                    cached, style = str(counted[n]), ""
                formula = _visible_sum(letters[n], 2, last_data, picks)
                cells.append(_formula_cell(letters[n] + number, formula, cached, style))
            out.write(f'<row r="{number}">{"".join(cells)}</row>')
    out.write("</sheetData>")
    ref = f"A1:{letters[-1]}{last_data}"
    out.write(f'<autoFilter ref="{ref}"/>')
    out.write(_SHEET_END)
    return ref
