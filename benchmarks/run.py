"""Every benchmark in benchmarks/, one after the other, each with its own output as it comes.

Run: .venv/bin/python benchmarks/run.py [--quick] [--only NAME ...] [--skip NAME ...]

Each bench_*.py script runs in a process of its own with its defaults (the sizes the issues set
targets for), or with --quick at smaller sizes for a check that the benchmarks work (their figures
are then not the ones the targets are about). A script added to the folder is run too, with its
defaults. A summary at the end gives each script's time and exit code (the benchmarks exit 1
when a target is missed or they fail: their output says which), and the machine's load average:
on a shared machine every figure moves with it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

#: The order they run in (the quick ones first); scripts not named here run after, by name.
ORDER = ("bench_client", "bench_sync", "bench_window", "bench_holds", "bench_reconcile",
         "bench_reconcile_store", "bench_startup", "bench_callbacks")
#: Smaller sizes for --quick, per script.
QUICK: dict[str, list[str]] = {
    "bench_client": ["--seconds", "1", "--payments", "200"],
    "bench_sync": ["--orders", "1000", "--sample", "100"],
    "bench_window": ["--orders", "100000", "--runs", "1"],
    "bench_holds": ["--holds", "2000", "--runs", "1"],
    "bench_reconcile": ["--orders", "100000", "--export", "10000"],
    "bench_reconcile_store": ["--orders", "100000"],
    "bench_startup": ["--runs", "3", "--first-runs", "1"],
    "bench_callbacks": ["--callbacks", "300", "--checks", "30"],
}


def scripts() -> list[str]:
    found = sorted(path.stem for path in HERE.glob("bench_*.py"))
    return [name for name in ORDER if name in found] + [n for n in found if n not in ORDER]


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, to check they run")
    parser.add_argument("--only", nargs="+", metavar="NAME", default=[],
                        help="run only these (bench_sync or sync)")
    parser.add_argument("--skip", nargs="+", metavar="NAME", default=[], help="leave these out")
    args = parser.parse_args(argv)

    def named(name: str, names: list[str]) -> bool:
        return any(name in (given, f"bench_{given}", given.removesuffix(".py")) for given in names)

    chosen = [name for name in scripts()
              if (not args.only or named(name, args.only)) and not named(name, args.skip)]
    if not chosen:
        parser.error(f"no such benchmark; there are: {', '.join(scripts())}")

    print(f"{len(chosen)} benchmarks{' (--quick: smaller sizes)' if args.quick else ''}, "
          f"{os.cpu_count()} CPUs, load average {load()}", flush=True)
    results: list[tuple[str, int, float]] = []
    for name in chosen:
        command = [sys.executable, str(HERE / f"{name}.py"),
                   *(QUICK.get(name, []) if args.quick else [])]
        print(f"\n=== {' '.join([f'{name}.py', *command[2:]])} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.run(command, cwd=ROOT, check=False).returncode
        results.append((name, code, time.perf_counter() - started))

    print(f"\n=== summary (load average {load()}) ===")
    for name, code, seconds in results:
        outcome = "ok" if code == 0 else f"exit {code}: a target missed or a failure, see above"
        print(f"{name:<24} {seconds:7.0f} s   {outcome}")
    return 0 if all(code == 0 for _, code, _ in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
