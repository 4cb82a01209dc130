"""Start-up time: from starting the process to the first window painted, against bare Qt.

Run: .venv/bin/python benchmarks/bench_startup.py [--runs 7] [--frozen]

Each run is a fresh process, offscreen (QT_QPA_PLATFORM=offscreen), timed by this process from just
before it starts the child to the moment the child prints `probe: shown` (packaging/window_probe.py:
printed right after the window's first paint). Measured side by side, alternating run by run:
  - Halyk Desk: `python packaging/launcher.py`, the real start-up path (`halyk-desk` as pip's script
    runs it), on a data folder that is already initialised, so the demo seeding of a first start
    is not counted;
  - the baseline: a bare QApplication with one empty QMainWindow of the same size;
  - with --frozen, also the PyInstaller build in dist/halyk-desk (build it first).
The first start on a new data folder (migrations and demo data, the window then loading it and
its background work finished) is timed on its own. Targets: Halyk Desk's median at most 2x the
baseline's; the first start's median at most 1.5 s (on a quiet machine: the load average is
printed, and every figure moves with it). The exit code is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
FROZEN = ROOT / "dist" / "halyk-desk" / ("halyk-desk.exe" if os.name == "nt" else "halyk-desk")
TARGET_RATIO = 2.0
FIRST_START_TARGET_S = 1.5
TIMEOUT_S = 300


def environment(home: Path, probe: str) -> dict[str, str]:
    # Compiled modules are cached as on a user's machine (a shell or CI may say not to write
    # them: Python would then compile every module of the program at each start).
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("HALYK_DESK_") and key != "PYTHONDONTWRITEBYTECODE"}
    env.update(QT_QPA_PLATFORM="offscreen", HALYK_DESK_HOME=str(home), HALYK_DESK_PROBE=probe)
    return env


def time_to_line(command: list[str], env: dict[str, str], line: str = "probe: shown") -> float:
    """Seconds from starting `command` to its printing `line`; the child must then exit 0."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=ROOT)
    assert child.stdout is not None
    seen_at = None
    for text in child.stdout:
        if text.rstrip("\n") == line and seen_at is None:
            seen_at = time.perf_counter()
    try:
        _, errors = child.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        child.kill()
        raise SystemExit(f"{command[-1]} did not exit within {TIMEOUT_S} s") from None
    if child.returncode != 0 or seen_at is None:
        raise SystemExit(f"{' '.join(command)} failed (exit code {child.returncode}):\n{errors}")
    return seen_at - started


def report(name: str, times: list[float]) -> float:
    median = statistics.median(times)
    spread = ", ".join(f"{t * 1000:.0f}" for t in times)
    print(f"{name:<34} median {median * 1000:7.0f} ms   (runs: {spread})")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each (default 7)")
    parser.add_argument("--first-runs", type=int, default=3,
                        help="first starts on a new data folder (default 3)")
    parser.add_argument("--frozen", action="store_true",
                        help=f"also time the PyInstaller build ({FROZEN.relative_to(ROOT)})")
    args = parser.parse_args()
    if args.frozen and not FROZEN.exists():
        raise SystemExit(f"no build at {FROZEN}: run packaging/build.py first")

    python = sys.executable
    app = [python, str(PACKAGING / "launcher.py")]
    baseline = [python, str(PACKAGING / "window_probe.py"), "baseline"]
    with tempfile.TemporaryDirectory(prefix="halyk-bench-") as temp:
        temp_dir = Path(temp)
        ready = temp_dir / "ready"
        # Initialise the data folder once (migrations, demo data) and warm the disk cache.
        time_to_line(app, environment(ready, "settled"), "probe: settled")
        candidates: dict[str, Callable[[], float]] = {
            "bare QApplication + QMainWindow": lambda: time_to_line(
                baseline, environment(ready, "shown")),
            "Halyk Desk (python, initialised)": lambda: time_to_line(
                app, environment(ready, "shown")),
        }
        if args.frozen:
            candidates["Halyk Desk (PyInstaller build)"] = lambda: time_to_line(
                [str(FROZEN)], environment(ready, "shown"))
        for measure in candidates.values():  # one untimed warm-up each
            measure()
        times: dict[str, list[float]] = {name: [] for name in candidates}
        for _ in range(args.runs):
            for name, measure in candidates.items():
                times[name].append(measure())

        first: list[float] = []
        for n in range(args.first_runs):
            # To the first paint, and to the demo data loaded into it.
            home = temp_dir / f"new-{n}"
            first.append(time_to_line(app, environment(home, "settled"), "probe: settled"))

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Start-up to the first window, {args.runs} runs each, offscreen, "
          f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}")
    medians = {name: report(name, values) for name, values in times.items()}
    base = medians["bare QApplication + QMainWindow"]
    missed = 0
    for name, median in medians.items():
        if name.startswith("Halyk Desk"):
            verdict = "within" if median <= TARGET_RATIO * base else "OVER"
            missed += verdict == "OVER"
            print(f"  {name}: {median / base:.2f}x the baseline ({verdict} the {TARGET_RATIO:g}x "
                  "target)")
    median = report("first start, new data folder", first)
    verdict = "within" if median <= FIRST_START_TARGET_S else "OVER"
    missed += verdict == "OVER"
    print(f"  to the window painted, the new demo data loaded into it and its background work "
          f"done: {median / FIRST_START_TARGET_S:.2f}x the {FIRST_START_TARGET_S:g} s target "
          f"({verdict}); {median / base:.2f}x the bare window")
    print("targets: " + ("all met" if not missed else f"{missed} NOT met"))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
