"""Without Xvfb the real-display tests do not pass silently: the summary says so, and CI
(HALYK_DESK_REQUIRE_DISPLAY=1) fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ONE_X11_TEST = ("tests/desktop/test_desktop_start.py::"
                "test_the_window_starts_on_an_x_server_and_closes_cleanly")


def run_without_xvfb(tmp_path, require: str) -> subprocess.CompletedProcess[str]:
    empty = tmp_path / "no-display-servers-here"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty), "HALYK_DESK_REQUIRE_DISPLAY": require}
    return subprocess.run(
        [sys.executable, "-m", "pytest", ONE_X11_TEST, "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "inner")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.mark.slow
def test_a_missing_x_server_is_announced_in_the_summary(tmp_path):
    done = run_without_xvfb(tmp_path, "0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Real-display start-up tests did NOT run" in done.stdout
    assert "apt-get install xvfb x11-apps" in done.stdout
    assert "1 skipped" in done.stdout


@pytest.mark.slow
def test_ci_fails_when_the_x_server_is_missing(tmp_path):
    done = run_without_xvfb(tmp_path, "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Real-display start-up tests did NOT run" in done.stdout
    assert "HALYK_DESK_REQUIRE_DISPLAY=1" in done.stdout
    assert "1 error" in done.stdout
