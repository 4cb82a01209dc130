"""Reconciliation from the store against merely reading the same rows from it, in one run.

Run: .venv/bin/python benchmarks/bench_reconcile_store.py [--orders 1000000] [--db URL] [--keep DIR]

A store (SQLite in a temporary folder unless --db) is filled by bulk inserts with N orders and
their payments, a month with every kind of discrepancy (bench_reconcile.generate_rows; the store
holds one payment per invoiceId, so its few second payments for an order are left out). Then,
alternately and twice each (the best of each is kept):

  read       SELECT of the columns the reconciliation needs from the orders and from the
             payments, every row fetched (a partition at a time, as the service does);
  reconcile  services.reconciliation.run_reconciliation of the month, the store only (no bank):
             its reads, the engine's records, the engine, and recording the run.

Target (issue 5): reconcile ≤ 3 × read. Both run in this process, so CPU time and wall time are
shown; CPU time is the fairer on a machine shared with others.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench_reconcile import NOW, PERIOD_FROM, PERIOD_TO, generate_rows
from sqlalchemy import insert, select

from halyk_desk.domain import utc_now
from halyk_desk.domain.timeutil import business_day_bounds
from halyk_desk.paths import resolve_paths
from halyk_desk.services import reconciliation
from halyk_desk.services.context import AppContext
from halyk_desk.settings import Settings
from halyk_desk.store import Store, repository
from halyk_desk.store import reconciliation as stored_reconciliation
from halyk_desk.store.models import Order, Payment
from halyk_desk.store.records import ProfileRecord

TARGET = 3.0
PROFILE = "bench"
INSERT_CHUNK = 20_000


def fill_store(store: Store, n: int) -> None:
    order_rows, payment_rows = generate_rows(n)
    with store.session() as session:
        repository.ensure_profile(session, ProfileRecord(PROFILE, "custom"))
        pid = repository.profile_id(session, PROFILE)
    stamp = utc_now()
    orders = [
        {"profile_id": pid, "invoice_id": inv, "amount_minor": minor, "currency": "KZT",
         "created_at": when, "customer": customer, "customer_key": customer.casefold(),
         "shop_status": status, "shop_paid": paid, "imported_at": stamp}
        for inv, minor, when, customer, paid, status in order_rows
    ]
    seen: set[str] = set()
    payments = []
    for inv, tx, name, state, original, held, captured, refunded, _payout, when in payment_rows:
        if inv in seen:
            continue  # a second payment for an order: the store keeps one per invoiceId
        seen.add(inv)
        payments.append({
            "profile_id": pid, "invoice_id": inv, "transaction_id": tx, "bank_status": name,
            "state": state.value, "currency": "KZT", "original_minor": original,
            "held_minor": held, "captured_minor": captured, "refunded_minor": refunded,
            "remaining_minor": captured - refunded if captured else original,
            "card_mask": "440043...1234", "card_last4": "1234", "reference": "611200000000",
            "created_at": when, "last_read_at": stamp,
        })
    for table, rows in ((Order.__table__, orders), (Payment.__table__, payments)):
        with store.engine.begin() as conn:
            for i in range(0, len(rows), INSERT_CHUNK):
                conn.execute(insert(table), rows[i:i + INSERT_CHUNK])
    print(f"  store filled: {len(orders):,} orders, {len(payments):,} payments")


def read_both(store: Store) -> int:
    """Every needed column of both tables, fetched a partition at a time."""
    svc = stored_reconciliation
    start, end = business_day_bounds(PERIOD_FROM)[0], business_day_bounds(PERIOD_TO)[1]
    count = 0
    with store.session(readonly=True) as session:
        pid = repository.profile_id(session, PROFILE)
        queries = (
            select(*svc.ORDER_COLUMNS).where(Order.profile_id == pid, Order.created_at >= start,
                                         Order.created_at < end),
            select(Payment.invoice_id, *svc.PAYMENT_COLUMNS).where(Payment.profile_id == pid),
        )
        for query in queries:
            for part in svc.partitions(session, query):
                count += len(part)
    return count


@contextmanager
def _clock() -> Iterator[dict[str, float]]:
    gc.collect()
    figures: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    yield figures
    figures["wall"] = time.perf_counter() - wall
    figures["cpu"] = time.process_time() - cpu


def _timed(task: Callable[[], Any], runs: list[dict[str, float]]) -> Any:
    """Run `task`, add its wall and CPU time to `runs`, return what it returned."""
    with _clock() as figures:
        value = task()
    runs.append(figures)
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--db", help="a database URL (default: SQLite in a temporary folder)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the SQLite store in DIR and reuse it on the next run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        home = args.keep or Path(scratch)
        paths = resolve_paths(home)
        url = args.db or f"sqlite:///{home / 'bench.sqlite3'}"
        with Store.open(url, paths) as store:
            print(f"Reconciliation from the store: {args.orders:,} orders, March 2026, "
                  f"{store.dialect}")
            with store.session(readonly=True) as session:
                have = (repository.get_profile(session, PROFILE) is not None
                        and repository.count_orders(session, PROFILE))
            if not have:
                fill_store(store, args.orders)
            with store.session(readonly=True) as session:
                record = repository.get_profile(session, PROFILE)
            assert record is not None
            ctx = AppContext(paths, Settings.load(paths.config_dir), store, record, "bench")
            reads: list[dict[str, float]] = []
            runs: list[dict[str, float]] = []
            for _ in range(2):
                rows = _timed(lambda: read_both(store), reads)
                recon = _timed(lambda: reconciliation.run_reconciliation(
                    ctx, PERIOD_FROM, PERIOD_TO, use_operations_list=False, now=NOW), runs)
            result = recon.result
            read = {k: min(r[k] for r in reads) for k in ("wall", "cpu")}
            run = {k: min(r[k] for r in runs) for k in ("wall", "cpu")}
            for label, figures in ((f"read both ({rows:,} rows)", read), ("reconcile", run)):
                print(f"  {label:<30} {figures['wall']:7.2f} s wall {figures['cpu']:7.2f} s CPU")
            for clock in ("wall", "cpu"):
                print(f"  ratio reconcile ÷ read ({clock:<4}) {run[clock] / read[clock]:7.2f}"
                      f"   (target ≤ {TARGET})")
            print(f"  {result.orders:,} orders, match rate {result.match_rate}, "
                  f"{len(result.discrepancies):,} discrepancies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
