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


#: LibreOffice's setting "recalculate formulas when loading an Excel 2007+ file": always (0).
#: By default it shows the values cached in the file, which would hide a wrong formula.
_ALWAYS_RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode"
 oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def convert(soffice: str, source: Path, out: Path, target: str, *,
            recalculate: bool = False) -> None:
    """Convert `source` into the folder `out`; `target` is "pdf" or a filter such as "csv:...".
    `recalculate`: LibreOffice computes every formula itself instead of reading the cached
    values, as an accountant's office does after an edit."""
    profile = out / "lo-profile"  # its own profile: never clash with another running soffice
    if recalculate:
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_ALWAYS_RECALCULATE,
                                                                    encoding="utf-8")
    # The suite's own locale (tests/conftest.py) may not be generated on the machine; in a locale
    # it cannot load, soffice cannot open a path with Cyrillic letters ("source file could not be
    # loaded"). C.UTF-8 is always there.
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to",
         target, "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=180, env=env,
    )
