"""The callback receiver under a burst, against its own HTTP stack as the baseline.

Run: .venv/bin/python benchmarks/bench_callbacks.py [--callbacks 2000] [--concurrency 50]
     [--checks 200] [--latency-ms 20] [--db URL]

One receiver (uvicorn + Starlette, as `halyk-desk callbacks serve` runs it) on loopback over a new
SQLite store (or --db). Side by side in one run:
  1. GET /health at `concurrency` requests at once: the HTTP stack alone (the baseline);
  2. distinct callbacks about unknown orders: each stored raw, once, and answered 200;
  3. the same callbacks again: repeats, recognised and not stored twice;
  4. callbacks about `checks` known orders: stored, then each status read from the sandbox bank
     (`latency-ms` per reply) by the receiver's one checker, until it is idle.
Prints requests per second, the ratio of 2 and 3 to 1, the checks' pace against the ideal of one
read per latency, and the load average. Exits 1 if a callback was lost or stored twice.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx

from halyk_desk.domain import Money, utc_now
from halyk_desk.paths import resolve_paths
from halyk_desk.receiver.server import Limits, Receiver
from halyk_desk.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)
from halyk_desk.secrets import SecretStore
from halyk_desk.services.context import AppContext
from halyk_desk.settings import Settings
from halyk_desk.store import Store, repository
from halyk_desk.store import links as store_links
from halyk_desk.store.records import OrderRecord, ProfileRecord

PROFILE = "bench"


def known(n: int) -> str:
    return f"{700000000 + n:09d}"


def make_context(store: Store, paths, server: SandboxServer, checks: int) -> AppContext:
    record = ProfileRecord(name=PROFILE, kind="custom", oauth_url=server.oauth_url,
                           api_url=server.api_url, client_id=TEST_CLIENT_ID,
                           terminal_id=TEST_TERMINAL)
    SecretStore(paths.config_dir).set(PROFILE, TEST_CLIENT_SECRET)
    now = utc_now()
    with store.session() as session:
        repository.save_profile(session, record)
        repository.upsert_orders(session, PROFILE, [
            OrderRecord(invoice_id=known(n), amount_minor=10_000 + n,
                        created_at=now - timedelta(minutes=n + 1)) for n in range(checks)])
    for n in range(checks):
        server.bank.add_payment(known(n), Money(10_000 + n), status="AUTH")
    return AppContext(paths, Settings.load(paths.config_dir), store, record, "bench")


def burst(url: str, bodies: list[bytes] | None, count: int, concurrency: int) -> float:
    """`count` requests from `concurrency` threads sharing one keep-alive client (GET when no
    bodies); seconds taken. Threads, not asyncio: a second event loop in this process would
    compete with the receiver's for the interpreter and measure that instead."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with httpx.Client(timeout=30, limits=limits) as client:
        def one(n: int) -> None:
            reply = client.get(url) if bodies is None else client.post(url, content=bodies[n])
            if reply.status_code != 200:
                raise RuntimeError(f"HTTP {reply.status_code} for request {n}")

        began = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, range(count)))
        return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--callbacks", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--checks", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--db", metavar="URL", help="database (default: a new SQLite file)")
    args = parser.parse_args(argv)
    n, conc = args.callbacks, args.concurrency
    bodies = [json.dumps({"invoiceId": f"{900000000 + i}", "code": "ok", "amount": "100.00",
                          "n": i}).encode() for i in range(n)]
    checked = [json.dumps({"invoiceId": known(i), "code": "ok"}).encode()
               for i in range(args.checks)]

    with tempfile.TemporaryDirectory(prefix="bench-callbacks-") as scratch:
        paths = resolve_paths(scratch)
        store = Store.open(args.db, paths)
        bank = SandboxBank(seed=0)
        try:
            with SandboxServer(bank, port=0, latency_ms=args.latency_ms) as server:
                ctx = make_context(store, paths, server, args.checks)
                print(f"Callback receiver: {n:,} callbacks, {conc} at once, {store.dialect} "
                      f"store; {args.checks} checks at {args.latency_ms:g} ms bank latency",
                      flush=True)
                receiver = Receiver(ctx, "127.0.0.1", 0, Limits(), timeout=10.0)
                with receiver.running():
                    base = f"http://127.0.0.1:{receiver.port}"
                    health = burst(base + "/health", None, n, conc)
                    stored = burst(base + "/halyk/callback", bodies, n, conc)
                    repeats = burst(base + "/halyk/callback", bodies, n, conc)
                    began = time.perf_counter()
                    burst(base + "/halyk/callback", checked, args.checks, conc)
                    answered = time.perf_counter() - began
                    idle = receiver.checker.wait_idle(600)
                    checks_took = time.perf_counter() - began
                    done, failed = receiver.checker.checked, receiver.checker.failed
                with store.session(readonly=True) as session:
                    kept = store_links.count_callbacks(session, PROFILE)
        finally:
            store.close()

    def rate(seconds: float, count: int) -> str:
        return f"{count / seconds:8.0f}/s"

    print(f"  GET /health (baseline)       {rate(health, n)}")
    for what, seconds in (("new callbacks, stored     ", stored),
                          ("the same again, not stored", repeats)):
        print(f"  {what}   {rate(seconds, n)}   {health / seconds:5.2f} of baseline")
    ideal = args.checks * args.latency_ms / 1000
    print(f"  {args.checks} callbacks answered in {answered:.2f} s; their status checks done in "
          f"{checks_took:.2f} s (one reader: ideal {ideal:.2f} s, "
          f"{ideal / checks_took:.0%} of it); {done} checked, {failed} failed")
    expected = n + args.checks
    print(f"  kept: {kept} of {expected} distinct callbacks "
          f"({'none lost, none twice' if kept == expected else 'MISMATCH'})")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"  load average: {load} (on a shared machine every figure moves with it)")
    return 0 if kept == expected and idle and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
