"""Before Qt starts on Linux: can the platform plugin Qt will choose (X11's xcb, Wayland) load?

Qt itself, when a library of its platform plugin is missing, prints a few lines about plugins and
aborts the process (exit code 134): a user learns neither what is missing nor what to install.
So `halyk-desk` (and the bundle's launcher) checks first, without loading any part of Qt: the
plugin's file and PySide6's QtWidgets module are read for the libraries they need (see
shared_libraries), and when one cannot be found the user reads which Debian/Ubuntu packages to
install, with the exact `apt-get install` line, in the program's language (halyk_desk.messages,
which needs no Qt), and the program exits with EXIT_CODE.

Which plugins Qt tries follows QGuiApplication: QT_QPA_PLATFORM when set (a list separated by
`;`, each possibly with `:options`), else Wayland then X11 in a Wayland session, else X11. One of
them loading is enough; when none can, the message is about the first (the session's own).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from halyk_desk.messages import msg
from halyk_desk.ui.shared_libraries import NotElf, debian_package, missing_libraries

# The exit code of a start refused for missing system libraries (README, Exit codes).
EXIT_CODE = 8
# Plugin files by platform name; Qt before 6.8 ships Wayland as two files.
_PLUGIN_FILES = {
    "wayland": ("libqwayland.so", "libqwayland-generic.so"),
    "wayland-egl": ("libqwayland.so", "libqwayland-egl.so"),
}
_PLATFORM_TITLES = {"xcb": "X11", "wayland": "Wayland", "wayland-egl": "Wayland"}
# Libraries that come with PySide6 (or inside the bundle), not from the system's packages.
_OWN_LIBRARIES = ("libQt6", "libpyside6", "libshiboken6", "libicu")


@dataclass(frozen=True)
class MissingLibraries:
    platform: str
    libraries: tuple[str, ...]

    @property
    def packages(self) -> list[str]:
        """The Debian/Ubuntu packages to install, each once, in the order of the libraries."""
        names = [debian_package(name) for name in self.libraries if not _own(name)]
        return list(dict.fromkeys(names))

    @property
    def own(self) -> list[str]:
        """Missing libraries that the program itself should have brought."""
        return [name for name in self.libraries if _own(name)]


def _own(library: str) -> bool:
    return library.startswith(_OWN_LIBRARIES)


def platform_candidates(environ: Mapping[str, str]) -> list[str]:
    """The platform plugins Qt will try, in order."""
    chosen = environ.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        names = chosen.split(";")
    elif environ.get("XDG_SESSION_TYPE") == "wayland":
        names = ["wayland", "xcb"]
    else:
        names = ["xcb"]
    return [name.split(":", 1)[0].strip() for name in names if name.strip()]


def pyside_folder() -> Path | None:
    """PySide6's folder (in a PyInstaller bundle too), found without importing any of Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def plugin_file(platform: str, environ: Mapping[str, str], pyside: Path) -> Path | None:
    """The platform plugin's file where Qt looks for it; None when there is no such plugin (Qt
    then says so itself)."""
    folders = [Path(p) for p in environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(":") if p]
    folders.append(pyside / "Qt" / "plugins" / "platforms")
    names = _PLUGIN_FILES.get(platform, (f"libq{platform}.so",))
    for folder in folders:
        for name in names:
            if (folder / name).is_file():
                return folder / name
    return None


def find_missing(environ: Mapping[str, str] | None = None) -> MissingLibraries | None:
    """None when one of the platform plugins Qt will try can load, with the window's Qt modules;
    else what the first one lacks."""
    environ = os.environ if environ is None else environ
    pyside = pyside_folder()
    if pyside is None:
        return None
    widgets = sorted(pyside.glob("QtWidgets.*so"))
    problems: list[MissingLibraries] = []
    for platform in platform_candidates(environ):
        plugin = plugin_file(platform, environ, pyside)
        if plugin is None:
            continue
        missing = missing_libraries([plugin, *widgets])
        if not missing:
            return None
        problems.append(MissingLibraries(platform, tuple(missing)))
    return problems[0] if problems else None


def message(problem: MissingLibraries) -> str:
    """What the user reads, in the current language (messages.use): what is missing, the
    packages, the apt-get line."""
    platform = _PLATFORM_TITLES.get(problem.platform, problem.platform)
    parts = [
        msg("desktop.libraries_missing", "Halyk Desk не может открыть окно: в системе нет "
            "библиотек, без которых Qt не работает с {platform}:", platform=platform).render(),
        "    " + " ".join(problem.libraries),
    ]
    if problem.packages:
        parts += [
            "",
            msg("desktop.install_packages",
                "Установите их (Debian, Ubuntu) и запустите программу снова:").render(),
            "    sudo apt-get install " + " ".join(problem.packages),
        ]
    if problem.own:
        parts += ["", msg("desktop.reinstall",
                          "Некоторых файлов самой программы нет: переустановите её.").render()]
    parts += ["", msg("desktop.command_line_works", "Команды без окна работают и без этих "
                      "библиотек (halyk-desk --help).").render()]
    return "\n".join(parts)


def check_before_window() -> int | None:
    """None when the window can start; else tell stderr what to install (in the language of
    messages.use) and return EXIT_CODE."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        problem = find_missing()
    except (OSError, NotElf):  # the check must never be what stops the start: Qt will tell
        return None
    if problem is None:
        return None
    print(message(problem), file=sys.stderr, flush=True)
    return EXIT_CODE
