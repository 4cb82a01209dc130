"""Before Qt starts, the program checks the libraries of the platform plugin Qt will load, and
names the Debian packages to install instead of letting Qt abort (halyk_desk/ui/platform_check).

A missing library is made real: a copy of PySide6's own xcb plugin that needs a library no system
has, where Qt looks for platform plugins (packaging/missing_library.py). Qt itself would abort on
it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import missing_library
import pytest

from halyk_desk.ui import platform_check
from halyk_desk.ui.shared_libraries import debian_package, read_dynamic, system_libraries

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "packaging" / "launcher.py"
PYSIDE = platform_check.pyside_folder()
PLATFORMS = PYSIDE / "Qt" / "plugins" / "platforms"


def broken_plugin_folder(tmp_path: Path) -> Path:
    return missing_library.broken_xcb_plugin_folder(PYSIDE / "Qt", tmp_path / "broken")


def start_window(tmp_path: Path, command: list[str], *, language: str | None = None,
                 **extra: str) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "home"
    if language is not None:
        (home / "config").mkdir(parents=True, exist_ok=True)
        (home / "config" / "settings.json").write_text(json.dumps({"language": language}))
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("HALYK_DESK_", "QT_", "LC_", "LANG"))}
    env.update({"HALYK_DESK_HOME": str(home), "QT_QPA_PLATFORM": "xcb", "LANG": "ru_RU.UTF-8",
                "QT_QPA_PLATFORM_PLUGIN_PATH": str(broken_plugin_folder(tmp_path)), **extra})
    return subprocess.run([sys.executable, *command], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)


def test_a_missing_library_is_named_with_its_package_and_the_apt_get_line(tmp_path):
    done = start_window(tmp_path, ["-m", "halyk_desk"], language="ru")
    assert done.returncode == platform_check.EXIT_CODE == 8
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "Halyk Desk не может открыть окно: в системе нет библиотек, без которых Qt не работает "
        "с X11:",
        "    libxcb-gone.so.4",
        "",
        "Установите их (Debian, Ubuntu) и запустите программу снова:",
        "    sudo apt-get install libxcb-gone4",
        "",
        "Команды без окна работают и без этих библиотек (halyk-desk --help).",
    ]


def test_the_bundle_launcher_checks_before_its_probe_loads_qt(tmp_path):
    done = start_window(tmp_path, [str(LAUNCHER)], HALYK_DESK_PROBE="settled")
    assert done.returncode == 8
    assert "probe:" not in done.stdout
    assert "sudo apt-get install libxcb-gone4" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(("language", "first_words"), [
    ("en", "Halyk Desk cannot open its window: this system lacks libraries"),
    ("kk", "Halyk Desk терезені аша алмайды"),
])
def test_the_message_speaks_the_language_of_the_settings(tmp_path, language, first_words):
    done = start_window(tmp_path, ["-m", "halyk_desk"], language=language)
    assert done.returncode == 8
    assert done.stderr.startswith(first_words)
    assert "    sudo apt-get install libxcb-gone4\n" in done.stderr


def test_with_no_language_chosen_the_message_follows_the_system_locale(tmp_path):
    done = start_window(tmp_path, ["-m", "halyk_desk"], LANG="de_DE.UTF-8")
    assert done.returncode == 8
    assert done.stderr.startswith("Halyk Desk cannot open its window")


def test_command_line_commands_do_not_need_the_display_libraries(tmp_path):
    done = start_window(tmp_path, ["-m", "halyk_desk", "--lang", "en", "--help"])
    assert done.returncode == 0
    assert done.stdout.startswith("usage: halyk-desk")


def test_another_platform_that_can_load_is_enough(tmp_path):
    """Qt tries each platform of QT_QPA_PLATFORM in turn: offscreen loads, so the window starts
    (and the check does not stand in its way)."""
    env = {"QT_QPA_PLATFORM": "xcb;offscreen",
           "QT_QPA_PLATFORM_PLUGIN_PATH": str(broken_plugin_folder(tmp_path))}
    assert platform_check.find_missing(env) is None
    problem = platform_check.find_missing({**env, "QT_QPA_PLATFORM": "xcb"})
    assert problem == platform_check.MissingLibraries("xcb", ("libxcb-gone.so.4",))


def test_the_platforms_qt_tries():
    candidates = platform_check.platform_candidates
    assert candidates({}) == ["xcb"]
    assert candidates({"XDG_SESSION_TYPE": "x11"}) == ["xcb"]
    assert candidates({"XDG_SESSION_TYPE": "wayland"}) == ["wayland", "xcb"]
    assert candidates({"QT_QPA_PLATFORM": "wayland:hidden;xcb",
                       "XDG_SESSION_TYPE": "x11"}) == ["wayland", "xcb"]


def test_missing_files_of_the_program_itself_ask_for_a_reinstall():
    problem = platform_check.MissingLibraries("xcb", ("libQt6XcbQpa.so.6", "libxcb-gone.so.4"))
    text = platform_check.message(problem)  # in English, the suite's language
    assert "sudo apt-get install libxcb-gone4\n" in text
    assert "libqt6" not in text
    assert "Some of the program's own files are missing: reinstall it." in text


def test_the_xcb_plugins_needs_are_read_from_the_plugin_itself():
    dynamic = read_dynamic(PLATFORMS / "libqxcb.so")
    for name in ("libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1",
                 "libxkbcommon-x11.so.0", "libQt6XcbQpa.so.6"):
        assert name in dynamic.needed
    assert (PYSIDE / "Qt" / "lib").resolve() in [p.resolve() for p in dynamic.search_path]


def window_libraries(plugin: str) -> list[str]:
    return system_libraries([PLATFORMS / plugin, *PYSIDE.glob("QtWidgets.*so")])


def dpkg_owner(soname: str) -> str | None:
    """The installed package that has the library, by dpkg itself."""
    found = subprocess.run(["dpkg-query", "-S", f"*/{soname}"], capture_output=True, text=True)
    if found.returncode != 0:
        return None
    return found.stdout.splitlines()[0].split(":")[0]


@pytest.mark.parametrize("plugin", ["libqxcb.so", "libqwayland.so"])
def test_package_names_agree_with_dpkg_for_every_installed_library(plugin):
    """The derived package names against Debian's own record, for each library the window's
    platform plugin needs that is installed here."""
    compared = 0
    for soname in window_libraries(plugin):
        owner = dpkg_owner(soname)
        if owner is not None:
            assert debian_package(soname) == owner, soname
            compared += 1
    assert compared >= 10


#: Packages of every Debian and Ubuntu system (priority required or important there: apt and
#: Python need them), which the README need not name.
EVERY_SYSTEM_HAS = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libzstd1"}


def readme_desktop_packages(platform: str) -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = re.search(rf"^- {platform}: `sudo apt-get install ([^`]+)`", readme, re.MULTILINE)
    assert line, f"README lists no packages for {platform}"
    return set(line.group(1).split())


@pytest.mark.parametrize(("plugin", "platform"), [("libqxcb.so", "X11"),
                                                  ("libqwayland.so", "Wayland")])
def test_readme_names_every_package_the_window_needs(plugin, platform):
    """Every library the plugin and the window's Qt modules need comes from a package the README
    lists for that kind of desktop (or one every system has)."""
    wanted = {debian_package(name) for name in window_libraries(plugin)} - EVERY_SYSTEM_HAS
    assert wanted <= readme_desktop_packages(platform)


def test_no_check_off_linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    assert platform_check.check_before_window() is None
