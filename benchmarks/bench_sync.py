"""Sync throughput: services.sync.sync_statuses over the sandbox bank with latency, ratios side by
side in one run (issue 3, benchmark 8 a and b).

Run: .venv/bin/python benchmarks/bench_sync.py [--orders 10000] [--latency-ms 50]
         [--concurrency 16] [--sample 300] [--sandbox in-process|process] [--db URL]

(a) N orders synced at concurrency C against a sandbox answering after L ms: the wall time
    against the ideal N × L ÷ C (target: at least 85% of it), and against syncing one order at a
    time (target: at least 12 times faster). The one-at-a-time sync is measured on a sample of
    orders and scaled to N, since it would take N × L on its own.
(b) A second sync with nothing changed (every payment in a final state, which the incremental
    rule skips) against the first (target: at most 5% of its time).

By default the sandbox runs in this process, as in the window's first run; it then competes with
the sync for the same interpreter lock. `--sandbox process` serves it from a child process
(`halyk-desk sandbox serve`), which is closer to a real, remote bank.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from halyk_desk.domain import Money, utc_now
from halyk_desk.epay import EpayClient, EpayProfile
from halyk_desk.paths import resolve_paths
from halyk_desk.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)
from halyk_desk.services.context import AppContext
from halyk_desk.services.sync import SyncSummary, sync_statuses
from halyk_desk.settings import Settings
from halyk_desk.store import Store, repository
from halyk_desk.store.records import OrderRecord, ProfileRecord

EFFICIENCY_TARGET = 0.85
SPEEDUP_TARGET = 12.0
SECOND_SYNC_TARGET = 0.05
#: Final states only (refunded, released, failed): the incremental rule skips them.
FINAL_STATUSES = ("REFUND", "CANCEL", "FAILED", "REJECT")


def invoice(n: int) -> str:
    return f"{700000000 + n:09d}"


def seed_bank(orders: int) -> SandboxBank:
    bank = SandboxBank(seed=0)
    now = utc_now()
    for n in range(orders):
        bank.add_payment(invoice(n), Money(10_000 + n * 37),
                         status=FINAL_STATUSES[n % len(FINAL_STATUSES)],
                         created_at=now - timedelta(minutes=n + 1))
    return bank


def make_context(store: Store, paths, name: str, orders: range) -> AppContext:
    """A profile `name` whose orders are invoice(n) for n in `orders`."""
    now = utc_now()
    with store.session() as session:
        repository.save_profile(session, ProfileRecord(name=name, kind="custom"))
        repository.upsert_orders(session, name, [
            OrderRecord(invoice_id=invoice(n), amount_minor=10_000 + n * 37,
                        created_at=now - timedelta(minutes=n + 1))
            for n in orders
        ])
    return AppContext(paths, Settings.load(paths.config_dir), store,
                      ProfileRecord(name=name, kind="custom"), "bench")


@contextlib.contextmanager
def sandbox(bank: SandboxBank, latency_ms: float, where: str, folder: Path) -> Iterator[str]:
    """The sandbox's base URL, served from this process or from a child process."""
    if where == "in-process":
        with SandboxServer(bank, latency_ms=latency_ms) as server:
            yield server.base_url
        return
    books = folder / "bank.json"
    bank.save(books)
    proc = subprocess.Popen(
        [sys.executable, "-m", "halyk_desk", "sandbox", "serve", "--port", "0", "--state",
         str(books), "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        found = re.search(r"listening on (http://\S+)", proc.stdout.readline() if proc.stdout
                          else "")
        if not found:
            raise RuntimeError("the sandbox process did not start")
        yield found.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def timed_sync(ctx: AppContext, client: EpayClient, concurrency: int) -> tuple[float, SyncSummary]:
    start = time.perf_counter()
    summary = sync_statuses(ctx, concurrency=concurrency, client=client)
    elapsed = time.perf_counter() - start
    if summary.errors_by_kind or summary.cancelled:
        raise RuntimeError(f"the sync did not read everything: {summary}")
    return elapsed, summary


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--sample", type=int, default=300,
                        help="orders synced one at a time, scaled to --orders")
    parser.add_argument("--sandbox", choices=("in-process", "process"), default="in-process")
    parser.add_argument("--db", metavar="URL", help="database (default: a new SQLite file)")
    args = parser.parse_args(argv)
    n, latency, conc, sample = args.orders, args.latency_ms / 1000, args.concurrency, args.sample

    with tempfile.TemporaryDirectory(prefix="bench-sync-") as scratch:
        paths = resolve_paths(scratch)
        store = Store.open(args.db, paths)
        try:
            print(f"Sync benchmark: {n:,} orders, sandbox {args.sandbox} at "
                  f"{args.latency_ms:g} ms latency, {store.dialect} store")
            print("preparing the bank and the store...", flush=True)
            bank = seed_bank(n)
            main_ctx = make_context(store, paths, "bench", range(n))
            one_ctx = make_context(store, paths, "bench-one", range(min(sample, n)))
            with sandbox(bank, args.latency_ms, args.sandbox, Path(scratch)) as url:
                profile = EpayProfile("bench", f"{url}/oauth2/token", url, TEST_CLIENT_ID,
                                      TEST_TERMINAL, TEST_CLIENT_SECRET)
                with EpayClient(profile, max_connections=conc + 4) as client:
                    client.get_token()
                    cpu = time.process_time()
                    first, summary = timed_sync(main_ctx, client, conc)
                    cpu = time.process_time() - cpu
                    second, again = timed_sync(main_ctx, client, conc)
                    one, one_summary = timed_sync(one_ctx, client, 1)
        finally:
            store.close()

    ideal = n * latency / conc
    efficiency = ideal / first
    one_scaled = one * n / one_summary.read
    speedup = one_scaled / first
    share = second / first
    print(f"(a) concurrency {conc}: {summary.read:,} read in {first:.1f} s "
          f"({summary.read / first:.0f}/s, {cpu:.1f} s CPU in this process)")
    print(f"    ideal N × latency ÷ concurrency = {ideal:.1f} s -> {efficiency:.1%} of ideal "
          f"(target ≥ {EFFICIENCY_TARGET:.0%}): {verdict(efficiency >= EFFICIENCY_TARGET)}")
    print(f"    one at a time: {one_summary.read} orders in {one:.1f} s, scaled to {n:,}: "
          f"{one_scaled:.0f} s (measured on a sample of {one_summary.read} and scaled) -> "
          f"{speedup:.1f}× faster (target ≥ {SPEEDUP_TARGET:g}×): "
          f"{verdict(speedup >= SPEEDUP_TARGET)}")
    print(f"(b) second sync, nothing changed: {again.total} of {n:,} needed reading (all "
          f"payments final), {second * 1000:.0f} ms = {share:.2%} of the first "
          f"(target ≤ {SECOND_SYNC_TARGET:.0%}): {verdict(share <= SECOND_SYNC_TARGET)}")
    print("    note: captured, held and pending payments are not final and are read on every "
          "sync; with those, a second sync costs about their share of the first.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
