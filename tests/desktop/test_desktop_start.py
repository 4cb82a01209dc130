"""The program on a real display, as on a person's desktop: an X server (Xvfb) and a Wayland
compositor (weston), both 1366×768. The window must appear, load the demo data and sync them, fit
the screen, show something (a screenshot taken from the display server is not blank), and the
program must exit 0 when the window is closed."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import display_server
import pytest
import x11_windows

from halyk_desk import __version__

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "packaging" / "launcher.py"
PROBE_LINES = [f"probe: version {__version__}", "probe: shown", "probe: settled",
               "probe: sync started", "probe: settled", "probe: ok", "probe: holding"]
#: A window on the screen has far more colours than this; a blank screen has one.
MIN_COLOURS = 50
pytestmark = pytest.mark.slow


def program_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("HALYK_DESK_", "QT_QPA_", "DISPLAY", "WAYLAND_"))}
    env.update(HALYK_DESK_HOME=str(home), HALYK_DESK_PROBE="sync",
               HALYK_DESK_PROBE_TIMEOUT="240")
    return env


def check_held_run(run: display_server.HeldRun, picture: Path) -> None:
    assert run.returncode == 0, run.stdout + run.stderr
    assert [line for line in run.stdout.splitlines() if line.startswith("probe:")] == PROBE_LINES
    assert "Traceback" not in run.stderr
    assert run.screenshot is not None
    shot = run.screenshot
    shot.write_png(picture)
    assert (shot.width, shot.height) == (display_server.WIDTH, display_server.HEIGHT)
    assert shot.colours() >= MIN_COLOURS, f"the screen is blank: {picture}"


def test_the_window_starts_on_an_x_server_and_closes_cleanly(x_display, tmp_path):
    run = display_server.run_held([sys.executable, str(LAUNCHER)], program_env(tmp_path / "home"),
                                  x_display)
    check_held_run(run, tmp_path / "x11.png")
    assert (tmp_path / "home" / "data" / "sandbox" / "bank.json").is_file()


def test_the_window_starts_on_wayland_and_closes_cleanly(wayland_display, tmp_path):
    run = display_server.run_held([sys.executable, str(LAUNCHER)], program_env(tmp_path / "home"),
                                  wayland_display)
    check_held_run(run, tmp_path / "wayland.png")


def orders_in_store(home: Path) -> int:
    database = home / "data" / "halyk-desk.sqlite3"
    if not database.is_file():
        return 0
    with sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True) as connection:
        try:
            return connection.execute("SELECT count(*) FROM orders").fetchone()[0]
        except sqlite3.OperationalError:  # not migrated yet
            return 0


def wait_for(what: str, condition, process: subprocess.Popen, timeout_s: float = 240):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process.poll() is not None:
            pytest.fail(f"./run ended ({process.returncode}) before {what}: "
                        f"{process.communicate()}")
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"no {what} after {timeout_s} s: {process.communicate()}")


def test_run_opens_the_window_on_an_x_server_as_a_person_starts_it(x_display, tmp_path):
    """`./run` exactly as the README says: the window appears on the screen, the demo data are
    loaded into the store, and closing the window (as a window manager's close button does) ends
    the program with exit code 0."""
    home = tmp_path / "home"
    env = program_env(home)
    del env["HALYK_DESK_PROBE"], env["HALYK_DESK_PROBE_TIMEOUT"]
    env.update(x_display)
    process = subprocess.Popen([str(ROOT / "run")], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with x11_windows.connect(x_display["DISPLAY"]) as x:
            windows = wait_for("window on the screen", lambda: [
                w for w in x.shown_windows() if w.title.startswith("Halyk Desk")], process)
            assert len(windows) == 1, windows
            window = windows[0]
            assert window.width <= display_server.WIDTH
            assert window.height <= display_server.HEIGHT
            wait_for("demo orders in the store", lambda: orders_in_store(home) > 0, process)
            shots = [display_server.x_screenshot(x_display)]

            def steady() -> bool:  # the window has painted what it loaded
                time.sleep(1)
                shots.append(display_server.x_screenshot(x_display))
                return shots[-1] == shots[-2]

            wait_for("steady screen", steady, process)
            shot = shots[-1]
            shot.write_png(tmp_path / "run-x11.png")
            assert shot.colours() >= MIN_COLOURS
            x.close(window.id)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, out + err
    assert "Traceback" not in err
