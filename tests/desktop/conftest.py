"""Real displays for the start-up tests: an X server (Xvfb) and a Wayland compositor (weston,
headless) at 1366×768, from packaging/display_server.py.

Without Xvfb or weston those tests do not run, the summary says so loudly, and
HALYK_DESK_REQUIRE_DISPLAY=1 (CI) makes that an error instead, as for PostgreSQL.
Each test's screenshots are kept in its tmp_path (pytest --basetemp DIR to find them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"
if str(PACKAGING) not in sys.path:
    sys.path.insert(0, str(PACKAGING))

import display_server  # noqa: E402

REQUIRE_DISPLAY_ENV = "HALYK_DESK_REQUIRE_DISPLAY"
_DISPLAY_MISSING = pytest.StashKey[list[str]]()


def _display_missing(config: pytest.Config, why: str) -> None:
    config.stash.setdefault(_DISPLAY_MISSING, [])
    if why not in config.stash[_DISPLAY_MISSING]:
        config.stash[_DISPLAY_MISSING].append(why)
    if os.environ.get(REQUIRE_DISPLAY_ENV) == "1":
        pytest.fail(f"real-display tests cannot run: {why} ({REQUIRE_DISPLAY_ENV}=1)",
                    pytrace=False)
    pytest.skip(f"needs a real display server: {why}")


@pytest.fixture
def x_display(request) -> Iterator[dict[str, str]]:
    """A fresh Xvfb at 1366×768; the environment that puts a program's window on it."""
    try:
        with display_server.xvfb() as env:
            yield env
    except display_server.DisplayUnavailable as exc:
        _display_missing(request.config, str(exc))


@pytest.fixture
def wayland_display(request) -> Iterator[dict[str, str]]:
    """A fresh headless weston at 1366×768; the environment that puts a window on it."""
    try:
        with display_server.weston() as env:
            yield env
    except display_server.DisplayUnavailable as exc:
        _display_missing(request.config, str(exc))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    reasons = config.stash.get(_DISPLAY_MISSING, None)
    if not reasons:
        return
    terminalreporter.write_sep("!", "Real-display start-up tests did NOT run", red=True,
                               bold=True)
    terminalreporter.write_line(
        f"Reason: {'; '.join(reasons)}. The window was only tested offscreen in this run. "
        f"Install {' '.join(display_server.X11_PACKAGES + display_server.WAYLAND_PACKAGES)} "
        f"(Debian) to test it on X11 and Wayland; CI sets {REQUIRE_DISPLAY_ENV}=1, which makes "
        f"this an error.", red=True)
