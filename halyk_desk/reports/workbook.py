"""The reconciliation workbook: Сводка, Расхождения, Платежи, Блокировки, Возвраты и операции,
По дням (their names, titles and words in the reader's language: messages.current()).

openpyxl makes the package, the styles and the summary (a small in-memory workbook); the five
tables are streamed as worksheet XML by reports.xlsx into a scratch folder beside the target and
take the place of openpyxl's empty sheets when the package is zipped, so memory stays flat however
many rows there are. The result goes to a temporary file beside the target and is moved into
place: the path holds either the previous file or a complete new one, and a cancelled or failed
export leaves nothing behind.
"""

from __future__ import annotations

import errno
import os
import secrets
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from halyk_desk.domain import Money
from halyk_desk.messages import Message, MessageError, msg
from halyk_desk.reconcile import CATEGORIES, Pair, ReconcileResult
from halyk_desk.reconcile.categories import CATEGORY_NAMES
from halyk_desk.reports.sheets import (
    DAILY_COLUMNS,
    DISCREPANCY_COLUMNS,
    OPERATION_COLUMNS,
    PAYMENT_COLUMNS,
    OperationLine,
    hold_columns,
    is_hold,
)
from halyk_desk.reports.xlsx import (
    DATE_FORMAT,
    MOMENT_FORMAT,
    PERCENT_FORMAT,
    Column,
    Styles,
    clean_text,
    money_format,
    stream_table,
)

#: How often (in rows) progress is reported and a cancel request is noticed.
_TICK_ROWS = 1000
#: Rows a sheet holds in Excel and LibreOffice, less the header, the blank row and the totals.
MAX_TABLE_ROWS = 1_048_576 - 10


class ExportError(MessageError, OSError):
    """The workbook could not be written; the message names the path and what to do."""


class ExportCancelled(Exception):
    """The person cancelled the export; nothing was written."""


@dataclass(frozen=True, slots=True)
class ReportMeta:
    """Who made the workbook, where, for which profile. `time_zone` defaults to the run's."""

    profile: str
    terminal: str
    generated_at: datetime
    generated_by: str
    time_zone: ZoneInfo | None = None
    #: The audit log's head (N:HASH) when the data was read: `audit verify --head` checks it.
    audit_head: str | None = None


class _Ticker:
    def __init__(self, total: int, progress: Callable[[int, int], None] | None,
                 cancel: threading.Event | None) -> None:
        self.done, self.total = 0, total
        self.progress, self.cancel = progress, cancel

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise ExportCancelled("cancelled")

    def __call__(self) -> None:
        self.done += 1
        if self.done % _TICK_ROWS == 0:
            self.check()
            if self.progress is not None:
                self.progress(self.done, self.total)


def write_reconciliation_workbook(
    path: str | os.PathLike[str],
    result: ReconcileResult,
    meta: ReportMeta,
    *,
    payments: Sequence[Pair] | None = None,
    holds: Sequence[Pair] | None = None,
    refunds_and_operations: Iterable[OperationLine] = (),
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Write the workbook of `result` to `path` (an .xlsx file) and return the path.

    `payments` defaults to every line of the run, `holds` to its held payments; the journal's
    operations come from the caller. `progress(done, total)` is called every thousand rows and at
    the end; setting `cancel` stops the export with ExportCancelled. Raises ExportError when the
    file cannot be written; in both cases nothing is left at `path` or beside it.
    """
    target = Path(path)
    tz = meta.time_zone or result.settings.tz
    lines = result.pairs if payments is None else payments
    held = [p for p in lines if is_hold(p)] if holds is None else holds
    operations = list(refunds_and_operations)
    expire_after = timedelta(days=result.settings.hold_expire_days)
    # Sheet names in the reader's language (each shorter than Excel's 31 characters).
    tables: list[tuple[str, Sequence[Column[Any]], Sequence[Any]]] = [
        (str(msg("workbook.sheet_discrepancies", "Расхождения")), DISCREPANCY_COLUMNS,
         result.discrepancies),
        (str(msg("workbook.sheet_payments", "Платежи")), PAYMENT_COLUMNS, lines),
        (str(msg("workbook.sheet_holds", "Блокировки")), hold_columns(expire_after, result.now),
         held),
        (str(msg("workbook.sheet_operations", "Возвраты и операции")), OPERATION_COLUMNS,
         operations),
        (str(msg("workbook.sheet_daily", "По дням")), DAILY_COLUMNS, result.daily),
    ]
    for title, _, rows in tables:
        if len(rows) > MAX_TABLE_ROWS:
            raise ExportError(msg(
                "export.too_many_rows", "Книга не записана в {path}: на листе «{sheet}» было бы "
                "{rows} строк, а в таблице помещается не больше {most}. Выгрузите период "
                "короче.", path=str(target), sheet=title, rows=len(rows), most=MAX_TABLE_ROWS))
    ticker = _Ticker(len(CATEGORIES) + sum(len(rows) for _, _, rows in tables), progress, cancel)
    ticker.check()
    temporary = _reserve_beside(target)
    try:
        # scratch beside the target: the same disk as the workbook, not a RAM-backed /tmp
        with tempfile.TemporaryDirectory(prefix=f".{target.name}.", dir=target.parent) as work:
            _write(Path(work), temporary, result, meta, tz, tables, ticker)
        os.replace(temporary, target)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, ExportError):
            raise _cannot_write(target, exc) from None
        raise
    if progress is not None:
        progress(ticker.total, ticker.total)
    return target


def _write(
    work: Path, temporary: Path, result: ReconcileResult, meta: ReportMeta, tz: ZoneInfo,
    tables: list[tuple[str, Sequence[Column[Any]], Sequence[Any]]], ticker: _Ticker,
) -> None:
    """openpyxl makes the package: styles, the summary, and an empty sheet per table; each table
    is streamed into a file of its own, which then takes the place of its empty sheet.

    The openpyxl workbook stays in memory (it is small) until it is saved, so stopping earlier
    leaves nothing of it anywhere.
    """
    wb = Workbook()
    summary = wb.active
    summary.title = str(msg("workbook.sheet_summary", "Сводка"))
    styles = Styles(summary)
    streamed = []
    total = str(msg("workbook.total", "Итого"))
    for n, (title, columns, rows) in enumerate(tables):
        sheet = work / f"table{n}.xml"
        with open(sheet, "w", encoding="utf-8", newline="", buffering=1 << 20) as out:
            ref = stream_table(out, columns, rows, styles=styles, tz=tz,
                               currency=result.currency, tick=ticker, total_label=total,
                               group=0 if columns is DISCREPANCY_COLUMNS else None)
        placeholder = wb.create_sheet(title)
        placeholder.auto_filter.ref = ref  # the workbook part names the filter range too
        placeholder.print_title_rows = "1:1"  # the header on every printed page
        streamed.append((placeholder, sheet))
    _write_summary(summary, result, meta, tz, ticker)
    summary.page_setup.orientation = "landscape"
    summary.page_setup.fitToWidth, summary.page_setup.fitToHeight = 1, 0
    summary.page_setup.paperSize = summary.PAPERSIZE_A4
    summary.sheet_properties.pageSetUpPr.fitToPage = True
    summary.oddFooter.center.text = "&P / &N"
    ticker.check()
    package = work / "package.xlsx"
    wb.save(package)
    # a sheet's part name is settled when the package is saved
    parts = {placeholder.path.lstrip("/"): sheet for placeholder, sheet in streamed}
    with zipfile.ZipFile(package) as source, \
            zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as final:
        for info in source.infolist():
            if info.filename in parts:
                final.write(parts[info.filename], info.filename)
            else:
                final.writestr(info, source.read(info.filename))


def _write_summary(ws: Worksheet, result: ReconcileResult, meta: ReportMeta, tz: ZoneInfo,
                   tick: Callable[[], None]) -> None:
    for letter, width in zip("ABCDE", (44, 28, 14, 20, 10), strict=True):
        ws.column_dimensions[letter].width = width
    row = 0

    def line(*values: object, bold: bool = False) -> None:
        """One row; a (value, number format) pair gives a formatted cell."""
        nonlocal row
        row += 1
        for column, value in enumerate(values, 1):
            number_format = None
            if isinstance(value, tuple):
                value, number_format = value
            if value is None:
                continue
            cell = ws.cell(row, column, clean_text(value) if isinstance(value, str) else value)
            if isinstance(value, str):
                cell.data_type = "s"  # "=..." is a name, not a formula
            if number_format:
                cell.number_format = number_format
            if bold or (column == 1 and len(values) == 2):
                cell.font = Font(bold=True)

    def money(value: Money) -> tuple[Decimal, str]:
        return value.to_decimal(), money_format(value.currency)

    def label(message: Message) -> str:
        return message.render()

    line(label(msg("summary.title", "Сверка платежей Halyk ePay")), bold=True)
    row += 1
    line(label(msg("summary.period_from", "Период с")), (result.period_from, DATE_FORMAT))
    line(label(msg("summary.period_to", "Период по")), (result.period_to, DATE_FORMAT))
    line(label(msg("summary.time_zone", "Часовой пояс")),
         label(msg("summary.time_zone_value", "{zone} — даты и время в книге по этому поясу",
                   zone=tz.key)))
    line(label(msg("summary.profile", "Профиль")), meta.profile)
    line(label(msg("summary.terminal", "Терминал")), meta.terminal)
    line(label(msg("summary.generated_at", "Сформировано")),
         (meta.generated_at.astimezone(tz).replace(tzinfo=None), MOMENT_FORMAT))
    line(label(msg("summary.generated_by", "Сформировал")), meta.generated_by)
    line(label(msg("workbook.audit_head", "Журнал аудита на момент сверки (audit verify --head)")),
         meta.audit_head or label(msg("workbook.audit_empty", "пуст")))
    line(label(msg("summary.currency", "Валюта сверки")), result.currency)
    row += 1
    line(label(msg("summary.orders", "Заказов в периоде")), result.orders)
    line(label(msg("summary.expecting", "Из них ожидают оплаты")),
         result.orders_expecting_payment)
    line(label(msg("summary.ordered", "Заказано")), money(result.ordered))
    line(label(msg("summary.captured", "Списано")), money(result.captured))
    line(label(msg("summary.refunded", "Возвращено")), money(result.refunded))
    line(label(msg("summary.net", "Чистыми (списано − возвращено)")), money(result.net))
    line(label(msg("summary.match_rate", "Доля совпадений")),
         (result.match_rate, PERCENT_FORMAT) if result.match_rate is not None
         else label(msg("summary.no_expected", "нет заказов, ожидающих оплаты")))
    row += 1
    line(label(msg("summary.category", "Категория")), label(msg("summary.code", "Код")),
         label(msg("summary.count", "Количество")), label(msg("summary.sum", "Сумма")),
         label(msg("summary.resolved", "Решено")), bold=True)
    for key in CATEGORIES:
        total = result.categories[key]
        line(label(CATEGORY_NAMES[key]), key, total.count, money(total.sum), total.resolved)
        tick()


def _reserve_beside(target: Path) -> Path:
    """Check the target and create the empty temporary file beside it, or say what to do."""
    try:
        return _reserve(target)
    except ExportError:
        raise
    except OSError as exc:  # e.g. a name too long, a folder we may not read
        raise _cannot_write(target, exc) from None


def _reserve(target: Path) -> Path:
    if target.suffix.lower() != ".xlsx":
        raise ExportError(msg(
            "export.not_xlsx", "Книга не записана в {path}: имя файла должно оканчиваться на "
            ".xlsx, например {example}.", path=str(target),
            example=target.with_suffix(".xlsx").name))
    if target.is_dir():
        raise ExportError(msg(
            "export.is_folder", "Книга не записана в {path}: это папка. Укажите имя файла в ней, "
            "например {example}.", path=str(target), example=str(target / "сверка.xlsx")))
    folder = target.parent
    if not folder.is_dir():
        raise ExportError(msg(
            "export.folder_missing", "Книга не записана в {path}: папки {folder} нет. Создайте её "
            "или выберите другую папку.", path=str(target), folder=str(folder)))
    temporary = folder / f".{target.name}.{secrets.token_hex(4)}.part"
    # O_EXCL: never reuse someone else's file; 0o666 lets the umask decide, as for any file.
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    return temporary


def _cannot_write(target: Path, exc: OSError) -> ExportError:
    """What went wrong, by the system's error number: each has its own advice."""
    said = {"path": str(target), "reason": exc.strerror or str(exc)}
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        message = msg("export.no_permission", "Книга не записана в {path}: {reason}. Выберите "
                      "папку, куда у вас есть право записи (например, «Документы»), или закройте "
                      "файл, если он открыт в Excel, и выгрузите снова.", **said)
    elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
        message = msg("export.no_folder", "Книга не записана в {path}: такой папки нет "
                      "({reason}). Выберите существующую папку и выгрузите снова.", **said)
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
        message = msg("export.disk_full", "Книга не записана в {path}: {reason}. Освободите "
                      "место на диске или выберите другую папку и выгрузите снова.", **said)
    elif exc.errno == errno.ENAMETOOLONG:
        message = msg("export.name_too_long", "Книга не записана в {path}: имя слишком длинное. "
                      "Выберите имя короче.", **said)
    else:
        message = msg("export.failed", "Книга не записана в {path}: {reason}. Выберите другую "
                      "папку и выгрузите снова.", **said)
    return ExportError(message)
