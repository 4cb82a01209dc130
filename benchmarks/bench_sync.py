"""Sync throughput and the daily re-sync, on a shop's realistic mix (issues 3 and 11), ratios
side by side in one run.

Run: .venv/bin/python benchmarks/bench_sync.py [--orders 10000] [--latency-ms 50]
         [--concurrency 16] [--sample 300] [--sandbox in-process|process] [--db URL]

The bank holds one payment per order: 70% captured, 10% held, 10% refunded, 10% declined,
created over the last 30 days (holds within their 7-day lifetime).

(a) The first sync of N orders at concurrency C against a sandbox answering after L ms: its wall
    time against the ideal N × L ÷ C (target: at least 90% of it), and against syncing one order
    at a time (target: at least 12 times faster; measured on a sample and scaled to N).
(b) A second sync with nothing changed at the bank, against the first: its time and its requests
    to the bank (targets: at most 5% of each). Captured and held payments are not final, so
    without the bank's registry every one of them would be read again.
(c) 1% of the payments change at the bank (refunds in the cabinet, holds confirmed or released):
    the next sync must find every change; its time and requests are shown too.

By default the sandbox runs in this process, as in the window's first run; it then competes with
the sync for the same interpreter lock. `--sandbox process` serves it from a child process
(`halyk-desk sandbox serve`), which is closer to a real, remote bank (requests are then counted
only in-process, so (b) shows time only).
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
from datetime import datetime, timedelta
from pathlib import Path

from halyk_desk.domain import Money, State, utc_now
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

EFFICIENCY_TARGET = 0.90
SPEEDUP_TARGET = 12.0
SECOND_SYNC_TARGET = 0.05
CHANGED_SHARE = 0.01
SPREAD = timedelta(days=30)
HOLD_SPREAD = timedelta(days=5)


def invoice(n: int) -> str:
    return f"{700000000 + n:09d}"


def status_of(n: int) -> str:
    """70% captured, 10% held, 10% refunded, 10% declined."""
    return {1: "AUTH", 2: "REFUND", 3: "FAILED"}.get(n % 10, "CHARGE")


def created(n: int, orders: int, now: datetime) -> datetime:
    spread = HOLD_SPREAD if status_of(n) == "AUTH" else SPREAD
    return now - timedelta(minutes=1) - spread * n / max(orders, 1)


def seed_bank(orders: int, now: datetime) -> SandboxBank:
    bank = SandboxBank(seed=0)
    for n in range(orders):
        bank.add_payment(invoice(n), Money(10_000 + n * 37), status=status_of(n),
                         created_at=created(n, orders, now))
    return bank


def change_one_percent(bank: SandboxBank, orders: int) -> dict[str, State]:
    """Change 1% of the payments as a shop's cabinet would; the state each must now have."""
    wanted: dict[str, State] = {}
    step = max(1, round(1 / CHANGED_SHARE))
    for k, n in enumerate(range(0, orders, step)):
        # Walk the captured and held payments, changing each in a way the bank allows.
        while status_of(n) not in ("CHARGE", "AUTH"):
            n += 1
        tx = bank.get(invoice(n)).id
        if status_of(n) == "AUTH":
            if k % 2:
                bank.charge(tx)
                wanted[invoice(n)] = State.CAPTURED
            else:
                bank.cancel(tx)
                wanted[invoice(n)] = State.RELEASED
        elif k % 2:
            bank.refund(tx)
            wanted[invoice(n)] = State.REFUNDED
        else:
            bank.refund(tx, 10_00)
            wanted[invoice(n)] = State.PARTIALLY_REFUNDED
    return wanted


def make_context(store: Store, paths, name: str, orders: range, total: int,
                 now: datetime) -> AppContext:
    """A profile `name` whose orders are invoice(n) for n in `orders`."""
    with store.session() as session:
        repository.save_profile(session, ProfileRecord(name=name, kind="custom"))
        repository.upsert_orders(session, name, [
            OrderRecord(invoice_id=invoice(n), amount_minor=10_000 + n * 37,
                        created_at=created(n, total, now))
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
        # --lang en: the line read below is the sandbox's English one, whatever the locale.
        [sys.executable, "-m", "halyk_desk", "--lang", "en", "sandbox", "serve", "--port", "0",
         "--state", str(books), "--latency-ms", str(latency_ms)],
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


def timed_sync(ctx: AppContext, client: EpayClient, concurrency: int,
               bank: SandboxBank) -> tuple[float, SyncSummary, int]:
    """(seconds, summary, requests the bank received)."""
    asked = len(bank.requests)
    start = time.perf_counter()
    summary = sync_statuses(ctx, concurrency=concurrency, client=client)
    elapsed = time.perf_counter() - start
    if summary.errors_by_kind or summary.cancelled:
        raise RuntimeError(f"the sync did not read everything: {summary}")
    return elapsed, summary, len(bank.requests) - asked


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def states(ctx: AppContext, invoices: list[str]) -> dict[str, State]:
    with ctx.store.session(readonly=True) as session:
        return {inv: repository.get_payment(session, ctx.profile.name, inv).state
                for inv in invoices}


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
    counted = args.sandbox == "in-process"

    with tempfile.TemporaryDirectory(prefix="bench-sync-") as scratch:
        paths = resolve_paths(scratch)
        store = Store.open(args.db, paths)
        try:
            print(f"Sync benchmark: {n:,} orders (70% captured, 10% held, 10% refunded, 10% "
                  f"declined), sandbox {args.sandbox} at {args.latency_ms:g} ms latency, "
                  f"concurrency {conc}, {store.dialect} store")
            print("preparing the bank and the store...", flush=True)
            now = utc_now()
            bank = seed_bank(n, now)
            main_ctx = make_context(store, paths, "bench", range(n), n, now)
            one_ctx = make_context(store, paths, "bench-one", range(min(sample, n)), n, now)
            with sandbox(bank, args.latency_ms, args.sandbox, Path(scratch)) as url:
                profile = EpayProfile("bench", f"{url}/oauth2/token", url, TEST_CLIENT_ID,
                                      TEST_TERMINAL, TEST_CLIENT_SECRET)
                with EpayClient(profile, max_connections=conc + 4) as client:
                    client.get_token()
                    cpu = time.process_time()
                    first, summary, first_asked = timed_sync(main_ctx, client, conc, bank)
                    cpu = time.process_time() - cpu
                    second, again, second_asked = timed_sync(main_ctx, client, conc, bank)
                    wanted = change_one_percent(bank, n) if counted else {}
                    third, after, third_asked = timed_sync(main_ctx, client, conc, bank)
                    found = states(main_ctx, list(wanted))
                    one, one_summary, _ = timed_sync(one_ctx, client, 1, bank)
        finally:
            store.close()

    ideal = n * latency / conc
    efficiency = ideal / first
    one_scaled = one * n / one_summary.read
    speedup = one_scaled / first
    share = second / first
    asked_share = second_asked / first_asked if first_asked else 0.0
    asked = f"{first_asked:,} requests to the bank" if counted else "requests not counted"
    print(f"(a) first sync: {summary.read:,} read in {first:.1f} s "
          f"({summary.read / first:.0f}/s, {cpu:.1f} s CPU in this process), {asked}")
    print(f"    ideal N × latency ÷ concurrency = {ideal:.1f} s -> {efficiency:.1%} of ideal "
          f"(target ≥ {EFFICIENCY_TARGET:.0%}): {verdict(efficiency >= EFFICIENCY_TARGET)}")
    print(f"    one at a time: {one_summary.read} orders in {one:.1f} s, scaled to {n:,}: "
          f"{one_scaled:.0f} s (measured on a sample of {one_summary.read} and scaled) -> "
          f"{speedup:.1f}× faster (target ≥ {SPEEDUP_TARGET:g}×): "
          f"{verdict(speedup >= SPEEDUP_TARGET)}")
    print(f"(b) second sync, nothing changed: registry of {again.registry or 0:,} records, "
          f"{again.read:,} read one by one, {again.unchanged:,} left unread")
    print(f"    time {second * 1000:.0f} ms = {share:.2%} of the first (target ≤ "
          f"{SECOND_SYNC_TARGET:.0%}): {verdict(share <= SECOND_SYNC_TARGET)}")
    if counted:
        print(f"    requests {second_asked:,} = {asked_share:.2%} of the first's {first_asked:,} "
              f"(target ≤ {SECOND_SYNC_TARGET:.0%}): {verdict(asked_share <= SECOND_SYNC_TARGET)}")
        right = sum(found[inv] is state for inv, state in wanted.items())
        print(f"(c) after {len(wanted):,} payments ({CHANGED_SHARE:.0%}) changed at the bank: "
              f"{after.read:,} read, {after.changed:,} changed in {third * 1000:.0f} ms, "
              f"{third_asked:,} requests; every change found: {right:,} of {len(wanted):,}: "
              f"{verdict(right == len(wanted))}")
    else:
        print("    requests: not counted with --sandbox process; (c) needs the bank in-process")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
