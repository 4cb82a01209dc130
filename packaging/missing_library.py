"""A platform plugin that needs a library no system has: how the smoke tests make the check of
halyk_desk/ui/platform_check meet a missing library for real.

A copy of Qt's own xcb plugin, whose need for libxcb-icccm.so.4 is rewritten in its string table
to ABSENT, in a folder laid out like PySide6's Qt/ (so the copy's RUNPATH, $ORIGIN/../../lib,
still finds Qt's libraries). Point Qt at it with QT_QPA_PLATFORM_PLUGIN_PATH and
QT_QPA_PLATFORM=xcb: Qt itself would abort on it.
"""

from __future__ import annotations

from pathlib import Path

REAL_NEED = b"libxcb-icccm.so.4"
ABSENT = "libxcb-gone.so.4"
#: The Debian package the program names for ABSENT, by Debian's rule.
ABSENT_PACKAGE = "libxcb-gone4"


def broken_xcb_plugin_folder(qt: Path, target: Path) -> Path:
    """The platform-plugin folder (under `target`) holding the broken copy of the xcb plugin of
    the Qt folder `qt` (PySide6/Qt, in a venv or in a bundle)."""
    folder = target / "Qt" / "plugins" / "platforms"
    folder.mkdir(parents=True)
    (target / "Qt" / "lib").symlink_to(qt / "lib")
    data = (qt / "plugins" / "platforms" / "libqxcb.so").read_bytes()
    old = b"\0" + REAL_NEED + b"\0"
    if data.count(old) != 1:
        raise ValueError(f"the xcb plugin of {qt} does not name {REAL_NEED.decode()} once")
    new = b"\0" + ABSENT.encode().ljust(len(REAL_NEED), b"\0") + b"\0"
    (folder / "libqxcb.so").write_bytes(data.replace(old, new))
    return folder
