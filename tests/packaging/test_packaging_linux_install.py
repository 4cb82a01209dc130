"""The Linux archive's install.sh, run for real into a temporary home on a stand-in program folder
(a real build takes minutes; packaging/build.py smoke-tests that one)."""

from __future__ import annotations

import importlib
import os
import subprocess
from pathlib import Path

import pytest
from test_packaging_desktop_entry import parse_desktop_entry

# packaging/build.py, by name: as an import statement, sorting it would depend on whether a build/
# folder happens to exist.
build = importlib.import_module("build")


@pytest.fixture
def staged(tmp_path) -> Path:
    """The archive's layout around a program folder whose program prints what it was given."""
    program = tmp_path / "build" / "halyk-desk"
    (program / "_internal").mkdir(parents=True)
    (program / "_internal" / "lib.so").write_bytes(b"\x7fELF stand-in")
    (program / "halyk-desk").write_text('#!/bin/sh\necho "halyk-desk ran with: $*"\n')
    (program / "halyk-desk").chmod(0o755)
    return build.stage_linux(program, tmp_path / "archive" / build.linux_archive_name())


def install(staged: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    return subprocess.run(["sh", str(staged / "install.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_installs_program_command_menu_entry_and_icons(staged, tmp_path):
    home = tmp_path / "home"
    result = install(staged, home)
    assert result.returncode == 0, result.stderr
    local = home / ".local"
    command = local / "bin" / "halyk-desk"
    assert (local / "lib" / "halyk-desk" / "_internal" / "lib.so").is_file()
    ran = subprocess.run([str(command), "--help"], capture_output=True, text=True, check=True)
    assert ran.stdout == "halyk-desk ran with: --help\n"

    entry_file = local / "share" / "applications" / "halyk-desk.desktop"
    entry = parse_desktop_entry(entry_file.read_text(encoding="utf-8"))["Desktop Entry"]
    assert entry["Exec"] == f'"{command}"'
    assert entry["TryExec"] == str(command)
    assert entry["Icon"] == "halyk-desk"
    icons = local / "share" / "icons" / "hicolor"
    for size in (16, 32, 48, 64, 128, 256):
        assert (icons / f"{size}x{size}" / "apps" / "halyk-desk.png").is_file()
    assert (icons / "scalable" / "apps" / "halyk-desk.svg").is_file()


def test_upgrade_replaces_the_program_and_uninstall_keeps_the_data(staged, tmp_path):
    home = tmp_path / "home"
    assert install(staged, home).returncode == 0
    app = home / ".local" / "lib" / "halyk-desk"
    (app / "_internal" / "left-from-old-version.py").write_text("")
    data = home / ".local" / "share" / "HalykDesk"
    data.mkdir(parents=True)
    (data / "halyk-desk.sqlite3").write_bytes(b"the shop's data")

    assert install(staged, home).returncode == 0
    assert not (app / "_internal" / "left-from-old-version.py").exists()

    result = install(staged, home, "--uninstall")
    assert result.returncode == 0, result.stderr
    assert not app.exists()
    assert not (home / ".local" / "bin" / "halyk-desk").exists()
    assert not (home / ".local" / "share" / "applications" / "halyk-desk.desktop").exists()
    assert (data / "halyk-desk.sqlite3").read_bytes() == b"the shop's data"


def test_refuses_to_install_without_the_program(staged, tmp_path):
    for item in (staged / "halyk-desk").iterdir():
        if item.is_file():
            item.unlink()
    result = install(staged, tmp_path / "home")
    assert result.returncode == 1
    assert "unpack the whole archive" in result.stderr
    assert not (tmp_path / "home" / ".local" / "bin" / "halyk-desk").exists()


def test_archive_holds_what_install_sh_expects(staged):
    assert sorted(p.name for p in staged.iterdir()) == [
        "halyk-desk", "halyk-desk.desktop", "icons", "install.sh",
    ]
    assert os.access(staged / "install.sh", os.X_OK)
    assert not list((staged / "icons").glob("*.ico"))
