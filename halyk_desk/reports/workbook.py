"""The reconciliation workbook: Сводка, Расхождения, Платежи, Блокировки, Возвраты и операции,
По дням.

Written to a temporary file beside the target and moved into place, so the path holds either the
previous file or a complete new one; a cancelled or failed export leaves nothing behind.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from halyk_desk.reconcile import CATEGORIES, TITLES, Pair, ReconcileResult
from halyk_desk.reports.sheets import (
    DAILY_COLUMNS,
    DISCREPANCY_COLUMNS,
    OPERATION_COLUMNS,
    PAYMENT_COLUMNS,
    OperationLine,
    hold_columns,
    is_hold,
)
from halyk_desk.reports.xlsx import Cells, write_table

#: How often (in rows) progress is reported and a cancel request is noticed.
_TICK_ROWS = 1000


class ExportError(OSError):
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


class _Ticker:
    def __init__(self, total: int, progress: Callable[[int, int], None] | None,
                 cancel: threading.Event | None) -> None:
        self.done, self.total = 0, total
        self.progress, self.cancel = progress, cancel

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise ExportCancelled("The export was cancelled; no workbook was written.")

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
    ticker = _Ticker(
        len(CATEGORIES) + len(result.discrepancies) + len(lines) + len(held) + len(operations)
        + len(result.daily),
        progress, cancel,
    )
    ticker.check()
    temporary = _reserve_beside(target)
    wb = Workbook(write_only=True)
    try:
        cells = Cells(wb, tz)
        cur = result.currency
        _write_summary(cells, result, meta, tz, ticker)
        write_table(cells, "Расхождения", DISCREPANCY_COLUMNS, result.discrepancies,
                    currency=cur, tick=ticker)
        write_table(cells, "Платежи", PAYMENT_COLUMNS, lines, currency=cur, tick=ticker)
        expire_after = timedelta(days=result.settings.hold_expire_days)
        write_table(cells, "Блокировки", hold_columns(expire_after, result.now), held,
                    currency=cur, tick=ticker)
        write_table(cells, "Возвраты и операции", OPERATION_COLUMNS, operations,
                    currency=cur, tick=ticker)
        write_table(cells, "По дням", DAILY_COLUMNS, result.daily, currency=cur, tick=ticker)
        ticker.check()
        wb.save(temporary)
        os.replace(temporary, target)
    except BaseException as exc:
        _discard(wb)
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, ExportError):
            raise _cannot_write(target, exc) from None
        raise
    if progress is not None:
        progress(ticker.total, ticker.total)
    return target


def _write_summary(cells: Cells, result: ReconcileResult, meta: ReportMeta, tz: ZoneInfo,
                   tick: Callable[[], None]) -> None:
    ws = cells.wb.create_sheet("Сводка")
    for letter, width in zip("ABCDE", (44, 28, 14, 20, 10), strict=True):
        ws.column_dimensions[letter].width = width

    def pair(label: str, value: object) -> None:
        ws.append([cells.text(ws, label, bold=True), value])

    ws.append([cells.text(ws, "Сверка платежей Halyk ePay", bold=True)])
    ws.append([])
    pair("Период с", cells.day(ws, result.period_from))
    pair("Период по", cells.day(ws, result.period_to))
    pair("Часовой пояс", cells.text(ws, f"{tz.key} — даты и время в книге по этому поясу"))
    pair("Профиль", cells.text(ws, meta.profile))
    pair("Терминал", cells.text(ws, meta.terminal))
    pair("Сформировано", cells.moment(ws, meta.generated_at))
    pair("Сформировал", cells.text(ws, meta.generated_by))
    pair("Валюта сверки", cells.text(ws, result.currency))
    ws.append([])
    pair("Заказов в периоде", result.orders)
    pair("Из них ожидают оплаты", result.orders_expecting_payment)
    pair("Заказано", cells.money(ws, result.ordered))
    pair("Списано", cells.money(ws, result.captured))
    pair("Возвращено", cells.money(ws, result.refunded))
    pair("Чистыми (списано − возвращено)", cells.money(ws, result.net))
    pair("Доля совпадений", cells.percent(ws, result.match_rate)
         if result.match_rate is not None else cells.text(ws, "нет заказов, ожидающих оплаты"))
    ws.append([])
    ws.append([cells.text(ws, title, bold=True)
               for title in ("Категория", "Код", "Количество", "Сумма", "Решено")])
    for key in CATEGORIES:
        total = result.categories[key]
        ws.append([cells.text(ws, TITLES[key]), cells.text(ws, key), total.count,
                   cells.money(ws, total.sum), total.resolved])
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
        raise ExportError(
            f"Cannot write the workbook to {target}: the file name must end in .xlsx, "
            f"e.g. {target.with_suffix('.xlsx').name}."
        )
    if target.is_dir():
        raise ExportError(
            f"Cannot write the workbook to {target}: it is a folder. Give a file name inside it, "
            f"e.g. {target / 'сверка.xlsx'}."
        )
    folder = target.parent
    if not folder.is_dir():
        raise ExportError(
            f"Cannot write the workbook to {target}: the folder {folder} does not exist. "
            "Create it first or choose another folder."
        )
    temporary = folder / f".{target.name}.{secrets.token_hex(4)}.part"
    # O_EXCL: never reuse someone else's file; 0o666 lets the umask decide, as for any file.
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    return temporary


def _cannot_write(target: Path, exc: OSError) -> ExportError:
    reason = exc.strerror or str(exc)
    if isinstance(exc, PermissionError):
        advice = ("Choose a folder you may write to (e.g. Documents), or close the file if it is "
                  "open in Excel, and export again.")
    else:
        advice = "Free some disk space or choose another folder, and export again."
    return ExportError(f"Cannot write the workbook to {target}: {reason}. {advice}")


def _discard(wb: Workbook) -> None:
    """Drop the sheets openpyxl has been streaming into its own temporary files.

    openpyxl removes those files only when it saves, or at interpreter exit; a cancelled export
    must not leave them behind (reaching into `_rows`/`_writer` is the only way to close them).
    """
    for ws in wb.worksheets:
        writer = getattr(ws, "_writer", None)
        if writer is None:
            continue
        rows = getattr(ws, "_rows", None)
        if rows is not None:
            rows.close()
        writer.close()
        if os.path.exists(writer.out):
            writer.cleanup()
