"""The Inno Setup script of the Windows installer (it can only be compiled on Windows, so its
contents are checked here): the version comes from the build command, the files from the
one-folder build, and it installs per user with Russian and English pages."""

from __future__ import annotations

import importlib
import re
from pathlib import Path, PureWindowsPath

import bundle
import pytest
from bundle import ROOT

from halyk_desk import __version__

PACKAGING = ROOT / "packaging"
# packaging/build.py, by name: as an import statement, sorting it would depend on whether a build/
# folder happens to exist.
build = importlib.import_module("build")

ISS = PACKAGING / "windows" / "halyk-desk.iss"


def sections(text: str) -> dict[str, list[str]]:
    """Lines of each [Section], comments and preprocessor lines left out."""
    found: dict[str, list[str]] = {"": []}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        match = re.fullmatch(r"\[(\w+)\]", line)
        if match:
            current = match.group(1)
            found[current] = []
        else:
            found[current].append(line)
    return found


def directives(lines: list[str]) -> dict[str, str]:
    return dict(line.split("=", 1) for line in lines)


def entries(lines: list[str]) -> list[dict[str, str]]:
    """`Name: "x"; Flags: y` lines as dicts, quotes removed."""
    parsed = []
    for line in lines:
        fields = {}
        for part in line.split("; "):
            key, value = part.split(":", 1)
            fields[key.strip()] = value.strip().strip('"')
        parsed.append(fields)
    return parsed


def defines(text: str) -> dict[str, str]:
    return dict(re.findall(r'#define\s+(\w+)\s+"([^"]*)"', text))


def from_script(relative: str) -> Path:
    """A path in the script, resolved the way the compiler does: from the script's folder."""
    return (ISS.parent / Path(*PureWindowsPath(relative).parts)).resolve()


@pytest.fixture(scope="module")
def text() -> str:
    return ISS.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def setup(text) -> dict[str, str]:
    return directives(sections(text)["Setup"])


def test_version_is_the_define_the_build_passes(text, setup):
    # Compiling without the define is an error, not a silently versionless installer.
    assert re.search(r"#ifndef AppVersion\s+#error", text)
    assert setup["AppVersion"] == "{#AppVersion}"
    assert setup["VersionInfoVersion"] == "{#AppVersion}"
    assert "{#AppVersion}" in setup["OutputBaseFilename"]
    command = build.iscc_command(Path("ISCC.exe"))
    assert f"/DAppVersion={__version__}" in command
    assert bundle.version() == __version__
    assert command[-1] == str(ISS)


def test_files_come_from_the_one_folder_build(text):
    files = entries(sections(text)["Files"])
    assert [f["Source"] for f in files] == ["{#DistDir}\\*"]
    assert "recursesubdirs" in files[0]["Flags"]
    # The default folder is where build.py puts the build, and build.py passes that folder too.
    assert from_script(defines(text)["DistDir"]) == build.OUTPUT
    assert f"/DDistDir={build.OUTPUT}" in build.iscc_command(Path("ISCC.exe"))
    assert build.OUTPUT == ROOT / "dist" / bundle.NAME


def test_shortcuts_start_the_program_the_spec_builds(text):
    assert defines(text)["AppExe"] == f"{bundle.NAME}.exe"
    icons = entries(sections(text)["Icons"])
    places = {icon["Name"].split("\\")[0]: icon for icon in icons}
    assert set(places) == {"{autoprograms}", "{autodesktop}"}
    assert all(icon["Filename"] == "{app}\\{#AppExe}" for icon in icons)
    # The desktop shortcut is optional and off unless ticked.
    assert places["{autodesktop}"]["Tasks"] == "desktopicon"
    tasks = {task["Name"]: task for task in entries(sections(text)["Tasks"])}
    assert "unchecked" in tasks["desktopicon"]["Flags"]


def test_installs_per_user_by_default(setup):
    assert setup["PrivilegesRequired"] == "lowest"
    assert setup["PrivilegesRequiredOverridesAllowed"] == "dialog"
    assert setup["DefaultDirName"].startswith("{autopf}\\")
    assert setup["UninstallDisplayIcon"] == "{app}\\{#AppExe}"
    assert re.fullmatch(r"\{\{[0-9A-F-]{36}\}", setup["AppId"])


def test_setup_icon_and_output_folder_exist(setup):
    assert from_script(setup["SetupIconFile"]) == bundle.ICO
    assert bundle.ICO.is_file()
    assert from_script(setup["OutputDir"]) == build.DIST


def test_offers_russian_and_english(text):
    found = entries(sections(text)["Languages"])
    languages = {lang["Name"]: lang["MessagesFile"] for lang in found}
    assert languages == {
        "russian": "compiler:Languages\\Russian.isl",
        "english": "compiler:Default.isl",
    }
    # Russian first: Setup falls back to the first language when Windows speaks neither
    # (a Kazakh Windows, say).
    assert next(iter(languages)) == "russian"
