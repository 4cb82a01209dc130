"""Without PostgreSQL the store tests on it do not pass silently: the summary says so, and CI
(HALYK_DESK_REQUIRE_POSTGRES=1) fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ONE_STORE_TEST = "tests/store/test_store.py::test_a_session_commits_when_its_block_ends"


def run_without_postgres(tmp_path, require: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HALYK_DESK_PG_BINDIR": str(tmp_path / "no-postgres-here"),
           "HALYK_DESK_REQUIRE_POSTGRES": require}
    return subprocess.run(
        [sys.executable, "-m", "pytest", ONE_STORE_TEST, "-p", "no:cacheprovider",
         "--basetemp", str(tmp_path / "inner")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.mark.slow
def test_a_missing_postgresql_is_announced_in_the_summary(tmp_path):
    done = run_without_postgres(tmp_path, "0")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PostgreSQL store tests did NOT run" in done.stdout
    assert "apt-get install postgresql" in done.stdout
    assert "1 passed, 1 skipped" in done.stdout


@pytest.mark.slow
def test_ci_fails_when_postgresql_is_missing(tmp_path):
    done = run_without_postgres(tmp_path, "1")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "PostgreSQL store tests did NOT run" in done.stdout
    assert "HALYK_DESK_REQUIRE_POSTGRES=1" in done.stdout
    assert "1 passed, 1 error" in done.stdout
