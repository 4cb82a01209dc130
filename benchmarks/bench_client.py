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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Cell:
    reads_per_second: float
    client_cpu_ms: float  # per read, in the client's threads (httpx and parsing)
    sandbox_cpu_ms: float  # per read, everything else in the process: the sandbox's threads


def measure(client: EpayClient, invoices: list[str], threads: int, seconds: float) -> Cell:
    """Every thread reads statuses back to back until the deadline; completed reads ÷ time."""
    counts = [0] * threads
    cpu = [0.0] * threads
    failures: list[BaseException] = []
    start = threading.Barrier(threads + 1)
    deadline = 0.0

    def work(slot: int) -> None:
        start.wait()
        began = time.thread_time()
        n = slot
        try:
            while time.perf_counter() < deadline:
                client.get_status(invoices[n % len(invoices)])
                counts[slot] += 1
                n += threads
        except BaseException as exc:  # reported after the run instead of dying silently
            failures.append(exc)
        cpu[slot] = time.thread_time() - began

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    process_cpu = time.process_time()
    began = time.perf_counter()
    deadline = began + seconds
    start.wait()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    process_cpu = time.process_time() - process_cpu
    if failures:
        raise RuntimeError(f"{len(failures)} reads failed, first: {failures[0]}")
    reads = max(1, sum(counts))
    return Cell(reads / elapsed, sum(cpu) / reads * 1000, (process_cpu - sum(cpu)) / reads * 1000)


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
                    measure(client, invoices, threads, 0.3)  # warm up: token, connections
                    rows.append((latency_ms, threads, measure(client, invoices, threads,
                                                              args.seconds)))

    print(f"EpayClient status reads against the in-process sandbox ({args.payments} payments, "
          f"{args.seconds:g} s per cell)")
    # Client and sandbox share one process (one GIL) and this machine's cores: say how busy it was.
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at the end of the run")
    print(f"{'latency':>8} {'threads':>8} {'reads/s':>9} {'ideal/s':>8} {'of ideal':>9}"
          f" {'client CPU':>11} {'sandbox CPU':>12}")
    verdict = 0
    for latency_ms, threads, cell in rows:
        cpu = f" {cell.client_cpu_ms:>8.2f} ms {cell.sandbox_cpu_ms:>9.2f} ms"
        if latency_ms:
            ideal = threads / (latency_ms / 1000)
            share = cell.reads_per_second / ideal
            print(f"{latency_ms:>6} ms {threads:>8} {cell.reads_per_second:>9.1f} {ideal:>8.0f}"
                  f" {share:>8.1%}{cpu}")
            if threads == 16 and share < TARGET:
                verdict = 1
        else:
            print(f"{latency_ms:>6} ms {threads:>8} {cell.reads_per_second:>9.1f} {'—':>8}"
                  f" {'—':>9}{cpu}")
    print("CPU columns: CPU time per read in this process (one GIL), client threads vs the rest.")
    print(f"target: 16 threads at 50 ms reach {TARGET:.0%} of the ideal 320 reads/s — "
          + ("met" if verdict == 0 else "NOT met"))
    return verdict


if __name__ == "__main__":
    raise SystemExit(main())
