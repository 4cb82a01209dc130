"""What the one-folder build carries besides the modules PyInstaller finds by following imports.

Kept apart from halyk-desk.spec so that tests can check it without PyInstaller installed.
Everything here is derived from the source tree, so a new migration, translation or icon is
bundled without editing this file.
"""

from __future__ import annotations

import ast
import re
import tomllib
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "halyk_desk"
MIGRATIONS = PACKAGE / "store" / "migrations"
ICONS = ROOT / "resources" / "icons"
ICO = ICONS / "halyk-desk.ico"
NAME = "halyk-desk"

#: Imported by name at run time, so PyInstaller cannot see them: halyk_desk's own modules (the CLI
#: loads its command modules by name, Alembic runs env.py and the revisions from files), the
#: SQLAlchemy dialects named by database URLs, keyring's backends, psycopg's parts (its binary
#: build, psycopg_binary, comes along with psycopg through PyInstaller's own hook).
HIDDEN_PACKAGES = (
    "halyk_desk",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.postgresql",
    "keyring.backends",
    "psycopg",
    "tzdata",
)
#: Packages whose data files must come along: the IANA time zones (Windows has none of its own).
DATA_PACKAGES = ("tzdata",)
#: Packages found through their installed metadata: keyring lists its backends as entry points.
METADATA = ("keyring", "psycopg", "psycopg-binary")
#: Pulled in by the test tools or optional paths, never needed by the program (Mako highlights
#: template errors with Pygments when it is there; it is only there for the tests).
EXCLUDES = ("tkinter", "_tkinter", "pytest", "_pytest", "pytestqt", "hypothesis", "IPython",
            "pygments")
#: Qt's own translations (standard dialogs' buttons) kept: the program's languages.
QT_LANGUAGES = ("ru", "kk", "en")
#: The platform plugins of a Linux desktop, whose libraries the bundle carries.
DISPLAY_PLUGINS = ("libqxcb.so", "libqwayland.so")
#: What the bundle takes from the system instead (PyInstaller leaves these out, and rightly):
#: the C library; GL and EGL, which come with the graphics drivers; libxcb itself and Wayland's
#: client libraries, whose versions go with the system's X server, Mesa and compositor. Every
#: desktop has them (libc6, libgl1, libegl1, libxcb1; libwayland-client0, libwayland-cursor0);
#: where one is missing, the program names its package at start (halyk_desk/ui/platform_check).
FROM_THE_SYSTEM = re.compile(
    r"(libc|libm|libdl|libpthread|librt|ld-linux[-\w]*|libGL|libEGL|libxcb"
    r"|libwayland-(client|cursor|egl))\.so[.\d]*"
)


def keep_data(destination: str) -> bool:
    """False for Qt's translations of languages the program does not speak (some 7 MB)."""
    path = PurePosixPath(destination.replace("\\", "/"))
    if path.suffix != ".qm" or "PySide6" not in path.parts:
        return True
    # qt_ru.qm, qtbase_ru.qm, qt_help_ru.qm, qtbase_zh_CN.qm
    match = re.search(r"_([a-z]{2,3})(?:_[A-Z]{2})?$", path.stem)
    return match is None or match.group(1) in QT_LANGUAGES


def version() -> str:
    """halyk_desk.__version__, read from the source (the one place the version is kept)."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets
        ):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
    raise ValueError("halyk_desk/__init__.py sets no __version__ string")


def package_data_patterns() -> list[str]:
    """The package-data globs of pyproject.toml: what a wheel carries, the bundle carries too."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = config["tool"]["setuptools"]["package-data"]
    return [pattern for patterns in package_data.values() for pattern in patterns]


def _is_source_file(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"


def app_datas() -> list[tuple[str, str]]:
    """(file, folder in the bundle) pairs for halyk_desk's data files and for the whole migrations
    folder: Alembic reads env.py, script.py.mako and every revision as files next to migrate.py."""
    patterns = package_data_patterns()
    files = {p for p in PACKAGE.rglob("*") if _is_source_file(p)
             and any(fnmatch(p.name, pattern) for pattern in patterns)}
    files.update(p for p in MIGRATIONS.rglob("*") if _is_source_file(p))
    return sorted(
        (str(p), str(p.parent.relative_to(ROOT))) for p in files
    )


def icon_datas() -> list[tuple[str, str]]:
    """The icons, under resources/icons in the bundle (as in the source tree)."""
    return sorted(
        (str(p), str(p.parent.relative_to(ROOT))) for p in ICONS.iterdir() if p.is_file()
    )



def version_tuple(text: str) -> tuple[int, int, int, int]:
    """"1.2.3" -> (1, 2, 3, 0): the four numbers of a Windows version resource. A pre-release
    tail ("1.3.0rc1") keeps only its leading digits."""
    numbers = [int(re.match(r"\d*", part).group() or 0) for part in text.split(".")[:4]]
    return tuple(numbers + [0] * (4 - len(numbers)))  # type: ignore[return-value]


def windows_version_info():  # -> PyInstaller's VSVersionInfo; PyInstaller is imported only here
    """The version resource of the Windows executables (Explorer's Properties > Details)."""
    from PyInstaller.utils.win32 import versioninfo as vi

    text = version()
    numbers = version_tuple(text)
    strings = {
        "CompanyName": "Halyk Desk",
        "FileDescription": "Halyk Desk",
        "FileVersion": text,
        "InternalName": NAME,
        "OriginalFilename": f"{NAME}.exe",
        "ProductName": "Halyk Desk",
        "ProductVersion": text,
    }
    return vi.VSVersionInfo(
        ffi=vi.FixedFileInfo(filevers=numbers, prodvers=numbers),
        kids=[
            vi.StringFileInfo([vi.StringTable(
                "040904B0", [vi.StringStruct(key, value) for key, value in strings.items()]
            )]),
            vi.VarFileInfo([vi.VarStruct("Translation", [0x0409, 1200])]),
        ],
    )


def display_libraries_not_carried(internal: Path) -> list[str]:
    """Libraries that the bundle's X11 and Wayland plugins (and the window's Qt modules) need
    but that are neither in the bundle's folder `internal` (where PyInstaller's launcher points
    the loader: LD_LIBRARY_PATH) nor FROM_THE_SYSTEM. PyInstaller leaves out, with only a
    warning, any library the build machine lacks."""
    from halyk_desk.ui.shared_libraries import system_libraries

    pyside = internal / "PySide6"
    roots = [pyside / "Qt" / "plugins" / "platforms" / name for name in DISPLAY_PLUGINS]
    needed = system_libraries([*roots, *sorted(pyside.glob("QtWidgets.*so"))])
    return [name for name in needed
            if not (internal / name).exists() and not FROM_THE_SYSTEM.fullmatch(name)]
