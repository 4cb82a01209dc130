"""Reconciliation engine and workbook export, measured side by side in one run.

Run: .venv/bin/python benchmarks/bench_reconcile.py [--orders 1000000] [--export 100000]
(the export baseline needs the bench extra: .venv/bin/pip install XlsxWriter)

1. Engine: N orders against N payments (a month with every kind of discrepancy mixed in). The
   time of `reconcile` is set against the time of building its inputs from plain row tuples, which
   is what reading them from the store ends with; the issue's target (engine ≤ 3 × reading both
   from the store) is measured by the store's own benchmark, this one shows the engine's share.
2. Export: the workbook of a run with M payments, written by the program (openpyxl's package
   with the tables streamed as sheet XML) and, from the same result and the same column
   definitions, by XlsxWriter (default and constant_memory modes). Each export runs in a fresh
   subprocess; its peak memory is that process's maximum resident size (data included).
   Targets: ≤ 1.5 × XlsxWriter's time, ≤ 300 MB peak. Times are wall and CPU: on a shared
   machine the CPU ratio is the steadier one.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from halyk_desk.domain import ALMATY, Money, State
from halyk_desk.reconcile import (
    BankPayment,
    ReconcileResult,
    ReconcileSettings,
    ShopOrder,
    reconcile,
    to_json,
)

PERIOD_FROM, PERIOD_TO = date(2026, 3, 1), date(2026, 3, 31)
NOW = datetime(2026, 4, 1, 9, 0, tzinfo=ALMATY).astimezone(UTC)
EXPORT_TARGET = 1.5
MEMORY_TARGET_MB = 300

OrderRow = tuple  # (invoice, minor, created_at, customer, paid, status)
PaymentRow = tuple  # (invoice, tx, status, state, original, held, captured, refunded, payout, ...)


def generate_rows(n: int, seed: int = 7) -> tuple[list[OrderRow], list[PaymentRow]]:
    """n order rows and n payment rows as a store query would return them: plain values.

    Per hundred orders: 94 matched captures, and one each of amount mismatch, hold, partial
    refund, full refund, shop-unpaid capture, and a pair of (order the bank lacks, payment the
    shop lacks); every 200th order gives its payment slot to a second capture of the order before
    it (a duplicate, and one more order missing at the bank).
    """
    rnd = random.Random(seed)
    start = datetime(2026, 3, 1, tzinfo=ALMATY).astimezone(UTC)
    span = 31 * 86400 - 600
    orders: list[OrderRow] = []
    payments: list[PaymentRow] = []
    for i in range(n):
        inv = f"{100000000 + i:09d}"
        when = start + timedelta(seconds=rnd.randrange(span))
        paid_at = when + timedelta(seconds=rnd.randrange(20, 300))
        minor = rnd.randrange(500_00, 900_000_00)
        kind = i % 100
        tx = f"tx-{i:08x}"
        paid, status = True, "Оплачен"
        row: PaymentRow | None
        if kind == 0:  # amount mismatch
            row = (inv, tx, "CHARGE", State.CAPTURED, minor, 0, minor - 100_00, 0, None, paid_at)
        elif kind == 1:  # hold awaiting or expiring, depending on its day
            paid, status = False, "Ожидает подтверждения"
            row = (inv, tx, "AUTH", State.HELD, minor, minor, 0, 0, None, paid_at)
        elif kind == 2:  # partially refunded
            row = (inv, tx, "CHARGE", State.PARTIALLY_REFUNDED, minor, 0, minor, minor // 4, None,
                   paid_at)
        elif kind == 3:  # refunded, shop cancelled
            paid, status = False, "Отменён"
            row = (inv, tx, "REFUND", State.REFUNDED, minor, 0, minor, minor, None, paid_at)
        elif kind == 4:  # bank captured, shop says unpaid
            paid, status = False, "Новый"
            row = (inv, tx, "CHARGE", State.CAPTURED, minor, 0, minor, 0, None, paid_at)
        elif kind == 5:  # missing at the bank; its payment slot goes to a stranger
            row = (f"{900000000 + i:09d}", tx, "CHARGE", State.CAPTURED, minor, 0, minor, 0, None,
                   paid_at)
        else:
            payout = minor - minor // 100 if kind == 6 else None  # fee where a statement says
            row = (inv, tx, "CHARGE", State.CAPTURED, minor, 0, minor, 0, payout, paid_at)
        orders.append((inv, minor, when, f"Покупатель {i}", paid, status))
        if kind == 7 and i % 200 == 7:  # a second capture for an earlier matched order
            row = (orders[i - 1][0], tx, "CHARGE", State.CAPTURED, orders[i - 1][1], 0,
                   orders[i - 1][1], 0, None, paid_at)
        payments.append(row)
    return orders, payments


def build_inputs(
    order_rows: list[OrderRow], payment_rows: list[PaymentRow]
) -> tuple[list[ShopOrder], list[BankPayment]]:
    """Rows → the engine's records, as the service layer will do after reading the store."""
    zero = Money(0)
    orders = [ShopOrder(inv, Money(minor), when, customer, paid, status)
              for inv, minor, when, customer, paid, status in order_rows]
    payments = []
    for inv, tx, name, state, original, held, captured, refunded, payout, when in payment_rows:
        took = Money(captured) if captured else zero
        back = Money(refunded) if refunded else zero
        payments.append(BankPayment(
            inv, tx, name, state, took - back if captured else Money(original), Money(original),
            Money(held) if held else zero, took, back,
            None if payout is None else Money(payout), when, "611200000000", "440043...1234",
        ))
    return orders, payments


def run_engine(orders: list[ShopOrder], payments: list[BankPayment]) -> ReconcileResult:
    return reconcile(PERIOD_FROM, PERIOD_TO, orders, payments, settings=ReconcileSettings(now=NOW))


def bench_engine(n: int) -> None:
    print(f"Engine: {n:,} orders against {n:,} payments, March 2026 (Asia/Almaty)")
    order_rows, payment_rows = generate_rows(n)
    # CPU time of this process: the machine may be shared, and both sides run here, one after
    # the other
    t0 = time.process_time()
    orders, payments = build_inputs(order_rows, payment_rows)
    t1 = time.process_time()
    result = run_engine(orders, payments)
    t2 = time.process_time()
    build, engine = t1 - t0, t2 - t1
    doc = to_json(result)
    print(f"  build inputs from rows  {build:8.2f} s CPU")
    print(f"  reconcile               {engine:8.2f} s CPU   ({engine / n * 1e6:.1f} µs per order)")
    print(f"  ratio engine ÷ build    {engine / build:8.2f}")
    print(f"  match rate {doc['match_rate']}; "
          + ", ".join(f"{k} {v['count']:,}" for k, v in doc["categories"].items() if v["count"]))


# --- export --------------------------------------------------------------------------------

def _export_result(rows: int) -> ReconcileResult:
    orders, payments = build_inputs(*generate_rows(rows, seed=11))
    return run_engine(orders, payments)


def _export_program(result: ReconcileResult, path: Path) -> None:
    from halyk_desk.reports import ReportMeta, write_reconciliation_workbook

    meta = ReportMeta("Бенчмарк", "67e34d63-102f-4bd1-898e-370781d0074d", NOW, "bench")
    write_reconciliation_workbook(path, result, meta)


def _export_xlsxwriter(result: ReconcileResult, path: Path, constant_memory: bool) -> None:
    """The same sheets and cells: values from the program's column definitions and converters,
    the same number formats, widths, frozen header, filter and totals rows."""
    import xlsxwriter

    from halyk_desk.reconcile import CATEGORIES, TITLES
    from halyk_desk.reports import sheets
    from halyk_desk.reports.xlsx import (
        DATE_FORMAT,
        HOURS_FORMAT,
        MOMENT,
        MOMENT_FORMAT,
        MONEY,
        TEXT,
        clean_text,
        money_format,
    )

    def money_number(value: Money) -> Decimal:
        return Decimal(value.minor).scaleb(-2)

    tz = result.settings.tz
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    formats: dict[str, object] = {}

    def fmt(spec: str) -> object:
        if spec not in formats:
            formats[spec] = wb.add_format({"num_format": spec})
        return formats[spec]

    bold = wb.add_format({"bold": True})
    summary = wb.add_worksheet("Сводка")
    summary.write_row(0, 0, ["Категория", "Код", "Количество", "Сумма", "Решено"], bold)
    for r, key in enumerate(CATEGORIES, 1):
        total = result.categories[key]
        summary.write_row(r, 0, [TITLES[key], key, total.count])
        summary.write_number(r, 3, money_number(total.sum), fmt(money_format(total.sum.currency)))
        summary.write_number(r, 4, total.resolved)

    def table(title, columns, rows) -> None:
        ws = wb.add_worksheet(title)
        for n, c in enumerate(columns):
            width = len(str(c.title)) + 2
            if c.kind == TEXT:
                width = max(width, max((len(str(v)) for v in map(c.get, rows) if v), default=0))
            ws.set_column(n, n, min(width + 2, 80))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(rows), len(columns) - 1)
        ws.write_row(0, 0, [str(c.title) for c in columns], bold)
        sums: dict[str, list[int]] = {result.currency: [0] * len(columns)}
        for r, item in enumerate(rows, 1):
            for n, c in enumerate(columns):
                value = c.get(item)
                if value is None or value == "":
                    continue
                if c.kind == MONEY:
                    sums.setdefault(value.currency, [0] * len(columns))[n] += value.minor
                    ws.write_number(r, n, money_number(value), fmt(money_format(value.currency)))
                elif c.kind == MOMENT:
                    local = value.astimezone(tz).replace(tzinfo=None)
                    ws.write_datetime(r, n, local, fmt(MOMENT_FORMAT))
                elif isinstance(value, date):
                    ws.write_datetime(r, n, value, fmt(DATE_FORMAT))
                elif c.kind == TEXT:
                    ws.write_string(r, n, clean_text(value))
                else:
                    ws.write_number(r, n, value, fmt(HOURS_FORMAT))
        r = len(rows) + 2
        for code, line in sums.items():
            ws.write_string(r, 0, f"Итого, {code}", bold)
            for n, c in enumerate(columns):
                if c.total and c.kind == MONEY:
                    ws.write_number(r, n, money_number(Money(line[n], code)),
                                    fmt(money_format(code)))
            r += 1

    table("Расхождения", sheets.DISCREPANCY_COLUMNS, result.discrepancies)
    table("Платежи", sheets.PAYMENT_COLUMNS, result.pairs)
    holds = [p for p in result.pairs if sheets.is_hold(p)]
    table("Блокировки", sheets.hold_columns(timedelta(days=7), NOW), holds)
    table("Возвраты и операции", sheets.OPERATION_COLUMNS, [])
    table("По дням", sheets.DAILY_COLUMNS, result.daily)
    wb.close()


def _child(kind: str, rows: int) -> None:
    """One export in this (fresh) process; prints its figures as JSON."""
    result = _export_result(rows)
    before_mb = _status_mb("VmRSS")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.xlsx"
        t0, c0 = time.perf_counter(), time.process_time()
        if kind == "halyk-desk":
            _export_program(result, path)
        else:
            _export_xlsxwriter(result, path, constant_memory=kind == "xlsxwriter-constant")
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        size = path.stat().st_size
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": _status_mb("VmHWM"),
                      "before_mb": before_mb,
                      "bytes": size, "lines": len(result.pairs)}))


def _status_mb(field: str) -> float:
    """Resident size now (VmRSS) or at its peak (VmHWM) of this process image. Not ru_maxrss:
    Linux carries the parent's peak across fork and exec into it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # elsewhere: the best there is


def _measure(kind: str, rows: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", kind, "--export", str(rows)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_export(rows: int) -> None:
    print(f"\nExport: workbook of {rows:,} payments (six sheets), each in a fresh process")
    figures = {kind: _measure(kind, rows)
               for kind in ("halyk-desk", "xlsxwriter", "xlsxwriter-constant")}
    for kind, f in figures.items():
        print(f"  {kind:20} {f['seconds']:7.2f} s wall {f['cpu']:7.2f} s CPU   "
              f"peak {f['peak_mb']:4.0f} MB (data alone {f['before_mb']:4.0f} MB)   "
              f"{f['bytes'] / 1e6:5.1f} MB file")
    ours = figures["halyk-desk"]
    for clock in ("seconds", "cpu"):
        fastest = min(figures["xlsxwriter"][clock], figures["xlsxwriter-constant"][clock])
        print(f"  ratio halyk-desk ÷ fastest XlsxWriter ({'wall' if clock == 'seconds' else 'CPU'})"
              f"  {ours[clock] / fastest:5.2f}   (target ≤ {EXPORT_TARGET})")
    print(f"  peak memory of the program's export  {ours['peak_mb']:5.0f} MB"
          f"   (target ≤ {MEMORY_TARGET_MB} MB)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--export", type=int, default=100_000)
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.export)
        return 0
    if not args.skip_engine:
        bench_engine(args.orders)
    if not args.skip_export:
        bench_export(args.export)
    return 0


if __name__ == "__main__":
    sys.exit(main())
