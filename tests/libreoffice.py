"""LibreOffice for the workbook tests: the file opened and converted as a user's office would."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def require_soffice() -> str:
    """soffice's path; without it the test is skipped (failed if HALYK_DESK_REQUIRE_SOFFICE=1)."""
    found = shutil.which("soffice")
    if found is None:
        if os.environ.get("HALYK_DESK_REQUIRE_SOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required (HALYK_DESK_REQUIRE_SOFFICE=1): "
                        "apt-get install libreoffice-calc")
        pytest.skip("LibreOffice is not installed: apt-get install libreoffice-calc")
    return found


def convert(soffice: str, source: Path, out: Path, target: str) -> None:
    """Convert `source` into the folder `out`; `target` is "pdf" or a filter such as "csv:..."."""
    profile = out / "lo-profile"  # its own profile: never clash with another running soffice
    # The suite's own locale (tests/conftest.py) may not be generated on the machine; in a locale
    # it cannot load, soffice cannot open a path with Cyrillic letters ("source file could not be
    # loaded"). C.UTF-8 is always there.
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         target, "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180, env=env,
    )
