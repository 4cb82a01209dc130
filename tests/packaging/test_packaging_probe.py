"""The window probe that build.py's smoke test and the start-up benchmark rely on, run against
the real program from source: the same launcher PyInstaller freezes, in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from bundle import ROOT

from halyk_desk import __version__

LAUNCHER = ROOT / "packaging" / "launcher.py"
PROBE = ROOT / "packaging" / "window_probe.py"


def run(args: list[str], probe: str | None, home: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HALYK_DESK_")}
    env.update(QT_QPA_PLATFORM="offscreen", HALYK_DESK_HOME=str(home))
    if probe is not None:
        env["HALYK_DESK_PROBE"] = probe
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          timeout=240, cwd=ROOT)


def probe_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("probe:")]


@pytest.mark.slow
def test_first_start_opens_loads_syncs_and_closes_with_exit_0(tmp_path):
    result = run([str(LAUNCHER)], "sync", tmp_path)
    assert result.returncode == 0, result.stderr
    assert probe_lines(result) == [
        f"probe: version {__version__}", "probe: shown", "probe: settled", "probe: sync started",
        "probe: settled", "probe: ok",
    ]
    assert "Traceback" not in result.stderr
    # It really ran the program: the first start seeded the sandbox and its orders.
    assert (tmp_path / "data" / "sandbox" / "bank.json").is_file()


def test_a_start_that_fails_reports_the_reason_and_exits_1(tmp_path):
    # Nothing listens on port 1, so the store cannot open; no modal box may block the run.
    result = run([str(LAUNCHER), "--db", "postgresql+psycopg://halyk@127.0.0.1:1/halyk"],
                 "settled", tmp_path)
    assert result.returncode == 1
    # The window's frame paints before the data are opened; then the failure closes it.
    assert probe_lines(result)[-1] == "probe: shown"
    assert "probe: error:" in result.stderr and "refused" in result.stderr.lower()


def test_without_the_variable_the_launcher_is_the_plain_program(tmp_path):
    result = run([str(LAUNCHER), "--help"], None, tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: halyk-desk")
    assert probe_lines(result) == []


def test_an_unknown_mode_is_refused(tmp_path):
    result = run([str(LAUNCHER)], "forever", tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "halyk-desk: HALYK_DESK_PROBE must be one of shown, settled, sync, not 'forever'"
    )


def test_baseline_window_is_watched_the_same_way(tmp_path):
    result = run([str(PROBE), "baseline"], None, tmp_path)
    assert result.returncode == 0, result.stderr
    assert probe_lines(result) == ["probe: shown", "probe: ok"]
