"""Status reads per second through EpayClient against the in-process sandbox bank.

Run: .venv/bin/python benchmarks/bench_client.py [--seconds 3] [--payments 500]

Measures concurrency 1 and 16 (threads sharing one client, as the sync service does) with 0 ms
and 50 ms of latency injected by the sandbox, side by side in one run. With latency L the ideal
is concurrency ÷ L reads per second (16 threads at 50 ms: 320/s); the target is 85% of it.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from datetime import timedelta

from halyk_desk.domain import Money, utc_now
from halyk_desk.epay import EpayClient, EpayProfile
from halyk_desk.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)

TARGET = 0.85


def seed_bank(payments: int) -> tuple[SandboxBank, list[str]]:
    bank = SandboxBank(seed=0)
    now = utc_now()
    invoices = [f"{900000000 + n:09d}" for n in range(payments)]
    for n, invoice in enumerate(invoices):
        status = ("AUTH", "CHARGE", "REFUND", "CANCEL")[n % 4]
        bank.add_payment(invoice, Money(10_000 + n * 37), status=status,
                         created_at=now - timedelta(minutes=n))
    return bank, invoices


def reads_per_second(
    client: EpayClient, invoices: list[str], threads: int, seconds: float
) -> float:
    """Every thread reads statuses back to back until the deadline; completed reads ÷ time."""
    counts = [0] * threads
    failures: list[BaseException] = []
    start = threading.Barrier(threads + 1)
    deadline = 0.0

    def work(slot: int) -> None:
        start.wait()
        n = slot
        try:
            while time.perf_counter() < deadline:
                client.get_status(invoices[n % len(invoices)])
                counts[slot] += 1
                n += threads
        except BaseException as exc:  # reported after the run instead of dying silently
            failures.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    began = time.perf_counter()
    deadline = began + seconds
    start.wait()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"{len(failures)} reads failed, first: {failures[0]}")
    return sum(counts) / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring time per cell")
    parser.add_argument("--payments", type=int, default=500, help="payments in the sandbox")
    args = parser.parse_args()

    bank, invoices = seed_bank(args.payments)
    rows = []
    with SandboxServer(bank, port=0) as server:
        profile = EpayProfile("Benchmark", server.oauth_url, server.api_url, TEST_CLIENT_ID,
                              TEST_TERMINAL, TEST_CLIENT_SECRET)
        with EpayClient(profile, timeout=10.0, max_connections=32) as client:
            for latency_ms in (0, 50):
                server.latency_ms = latency_ms
                for threads in (1, 16):
                    reads_per_second(client, invoices, threads, 0.3)  # warm: token, connections
                    rate = reads_per_second(client, invoices, threads, args.seconds)
                    rows.append((latency_ms, threads, rate))

    print(f"EpayClient status reads against the in-process sandbox ({args.payments} payments, "
          f"{args.seconds:g} s per cell)")
    # Client and sandbox share one process (one GIL) and this machine's cores: say how busy it was.
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at the end of the run")
    print(f"{'latency':>8} {'threads':>8} {'reads/s':>9} {'ideal/s':>8} {'of ideal':>9}")
    verdict = 0
    for latency_ms, threads, rate in rows:
        if latency_ms:
            ideal = threads / (latency_ms / 1000)
            share = rate / ideal
            print(f"{latency_ms:>6} ms {threads:>8} {rate:>9.1f} {ideal:>8.0f} {share:>8.1%}")
            if threads == 16 and share < TARGET:
                verdict = 1
        else:
            print(f"{latency_ms:>6} ms {threads:>8} {rate:>9.1f} {'—':>8} {'—':>9}")
    print(f"target: 16 threads at 50 ms reach {TARGET:.0%} of the ideal 320 reads/s — "
          + ("met" if verdict == 0 else "NOT met"))
    return verdict


if __name__ == "__main__":
    raise SystemExit(main())
