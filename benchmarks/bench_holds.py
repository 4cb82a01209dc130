"""The Holds tab with many holds: how long the window stops answering while it loads and sorts them.

Run: .venv/bin/python benchmarks/bench_holds.py [--holds 10000] [--runs 3]

A store is built (in a temporary folder, through the program's own repository) with N holds of
every age (some past the warning age, some expired) among 2N other orders. Each run is a fresh
process, offscreen, through the program's own start (ui.app.build_window) on that store. Once the
window has settled (every tab loaded, no background work), a 1 ms precise timer watches the event
loop: the longest gap between two ticks is how long the window could not answer a click or paint.
Measured:
  - idle (the baseline): the window doing nothing for as long as the steps below take together;
  - reload: the Holds tab asked to reload (as after a sync or an operation), until it is shown;
  - sort by each column: its header clicked (ascending, then descending).
Each figure is the median over the runs of the longest gap, against the target (50 ms) and the
idle window's. The load average is printed: on a shared machine every figure moves with it. The
exit code is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROFILE = "bench"
TARGET_S = 0.050
TIMEOUT_S = 600
#: How long the window must be idle and answering at once to count as settled (seconds).
SETTLE_S = 0.5


def build_store(home: Path, holds: int) -> str:
    """A SQLite store with `holds` held payments and twice as many captured ones; its URL."""
    from halyk_desk.domain import State, utc_now
    from halyk_desk.paths import resolve_paths
    from halyk_desk.store import Store, repository
    from halyk_desk.store.records import OrderRecord, PaymentRecord, ProfileRecord

    url = f"sqlite:///{home / 'holds.sqlite3'}"
    now = utc_now()
    orders, payments = [], []
    for i in range(holds * 3):
        invoice = f"{200_000_000 + i}"
        held = i % 3 == 0
        # Holds over the last 9 days (a week's lifetime: some past warning, some expired).
        created = now - timedelta(minutes=(i * 37) % (9 * 24 * 60) if held else i * 7)
        amount = 500_00 + (i * 7919) % 500_000_00
        orders.append(OrderRecord(invoice_id=invoice, amount_minor=amount, created_at=created,
                                  customer=None if i % 11 == 0 else f"Покупатель {i % 997}"))
        state = State.HELD if held else State.CAPTURED
        payments.append(PaymentRecord(
            invoice_id=invoice, state=state, bank_status="AUTH" if held else "CHARGE",
            transaction_id=f"tx{i}", original_minor=amount, held_minor=amount if held else 0,
            captured_minor=0 if held else amount, remaining_minor=amount,
            card_mask=f"440043...{i % 10_000:04d}", reference=f"{300_000_000_000 + i}",
            created_at=created, last_read_at=now))
    with Store.open(url, resolve_paths(home)) as store:
        with store.session() as session:
            repository.save_profile(session, ProfileRecord(
                name=PROFILE, kind="custom", oauth_url="http://127.0.0.1:9/oauth2/token",
                api_url="http://127.0.0.1:9", client_id="bench",
                terminal_id="67e34d63-102f-4bd1-898e-370781d0074d"))
        with store.session() as session:
            repository.upsert_orders(session, PROFILE, orders)
            repository.save_payments(session, PROFILE, payments)
    return url


def child(home: Path, url: str) -> dict[str, float]:
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from halyk_desk.ui import tasks
    from halyk_desk.ui.app import build_window
    from halyk_desk.ui.holds_model import HOLD_COLUMNS

    _app = QApplication(sys.argv[:1])  # kept alive for the run

    class Notifier:
        def error(self, parent: Any, title: str, text: str) -> None:
            print(f"the window reported an error: {title}: {text}", file=sys.stderr, flush=True)
            os._exit(1)

        def info(self, parent: Any, title: str, text: str) -> None:
            pass

    ticks: list[float] = []

    def tick() -> None:
        ticks.append(time.perf_counter())

    watch = QTimer()
    watch.setTimerType(Qt.TimerType.PreciseTimer)
    watch.setInterval(1)
    watch.timeout.connect(tick)
    watch.start()

    def wait(condition: Callable[[], bool], what: str, limit_s: float = 120.0) -> None:
        deadline = time.perf_counter() + limit_s
        loop = QEventLoop()
        poll = QTimer()
        poll.setInterval(1)
        late: list[bool] = []

        def look() -> None:
            if condition():
                loop.quit()
            elif time.perf_counter() > deadline:
                late.append(True)
                loop.quit()

        poll.timeout.connect(look)
        poll.start()
        if not condition():
            loop.exec()
        poll.stop()
        if late:
            print(f"timed out waiting for {what}", file=sys.stderr, flush=True)
            os._exit(1)

    def settled() -> bool:
        """No background work and the event loop ticking steadily for SETTLE_S."""
        now = time.perf_counter()
        if tasks.pool().activeThreadCount() or not ticks or now - ticks[-1] > 0.01:
            settled.since = now  # type: ignore[attr-defined]
        return now - getattr(settled, "since", now) >= SETTLE_S

    def longest_gap(step: Callable[[], None], done: Callable[[], bool]) -> float:
        """The longest the event loop went without a tick from `step` until `done()` and the
        window settled again."""
        ticks.clear()
        tick()
        QTimer.singleShot(0, step)
        wait(lambda: len(ticks) > 2 and done() and settled(), "the step")
        return max(b - a for a, b in pairwise(ticks))

    args = SimpleNamespace(home=str(home), db=url, profile=PROFILE, operator="bench")
    window = build_window(args, Notifier())
    assert window is not None
    ready: list[bool] = []
    window.ready.connect(lambda: ready.append(True))
    window.show()
    wait(lambda: bool(ready), "the data to open")
    view = window.holds_view
    window.tabs.setCurrentWidget(view)
    wait(lambda: view.model.rowCount() > 0 and settled(), "the holds")

    figures: dict[str, float] = {}
    loaded: list[int] = []
    view.loaded.connect(loaded.append)
    figures["reload"] = longest_gap(view.refresh, lambda: bool(loaded))
    header = view.table.horizontalHeader()
    for column, spec in enumerate(HOLD_COLUMNS):
        for order, word in ((Qt.SortOrder.AscendingOrder, "ascending"),
                            (Qt.SortOrder.DescendingOrder, "descending")):
            figures[f"sort by {spec.title}, {word}"] = longest_gap(
                lambda column=column, order=order: header.setSortIndicator(column, order),
                lambda: True)
    # The baseline: the same window doing nothing, for about as long.
    busy = sum(figures.values()) + SETTLE_S * len(figures)
    ticks.clear()
    until = time.perf_counter() + busy
    wait(lambda: time.perf_counter() >= until, "the idle time")
    figures["idle (baseline)*"] = max(b - a for a, b in pairwise(ticks))
    figures["holds shown*"] = float(view.model.rowCount())
    window.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--holds", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("HOME", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.child[0]), args.child[1])))
        return 0

    with tempfile.TemporaryDirectory(prefix="halyk-holds-") as temp:
        home = Path(temp)
        started = time.perf_counter()
        url = build_store(home, args.holds)
        print(f"Holds tab benchmark: {args.holds:,} holds among {args.holds * 3:,} orders "
              f"(store built in {time.perf_counter() - started:.0f} s), {args.runs} runs, "
              "offscreen", flush=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HALYK_DESK_")}
        env["QT_QPA_PLATFORM"] = "offscreen"
        runs = []
        for _ in range(args.runs):
            done = subprocess.run([sys.executable, __file__, "--child", str(home), url],
                                  env=env, capture_output=True, text=True, timeout=TIMEOUT_S,
                                  cwd=ROOT)
            if done.returncode != 0:
                raise SystemExit(f"the window run failed ({done.returncode}):\n{done.stderr}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} at the end of the run")
    idle = statistics.median(run["idle (baseline)*"] for run in runs)
    print(f"{'longest the window did not answer':<40} {'median':>8} {'target':>8} "
          f"{'÷ target':>9} {'÷ idle':>7}   (runs in ms)")
    missed = 0
    for name in runs[0]:
        values = [run[name] for run in runs]
        median = statistics.median(values)
        if name == "holds shown*":
            print(f"{name:<40} {median:>8.0f}")
            continue
        target = None if name.endswith("*") else TARGET_S
        spread = ", ".join(f"{v * 1000:.0f}" for v in values)
        print(f"{name:<40} {median * 1000:>5.0f} ms "
              + (f"{target * 1000:>5.0f} ms {median / target:>8.2f}x" if target
                 else f"{'—':>8} {'—':>9}")
              + f" {median / idle:>6.1f}x   ({spread})")
        if target and median > target:
            missed += 1
    print("* not a target. Each figure: the longest gap between two ticks of a 1 ms timer from the "
          "step until the window settled again.")
    print("targets: " + ("all met" if not missed else f"{missed} NOT met"))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
