"""The Linux .desktop entry: what a menu needs to list Halyk Desk and start it."""

from __future__ import annotations

import tomllib

import pytest
from bundle import ROOT

PACKAGING = ROOT / "packaging"

DESKTOP = PACKAGING / "linux" / "halyk-desk.desktop"


def parse_desktop_entry(text: str) -> dict[str, dict[str, str]]:
    """Groups of key=value lines, as the freedesktop.org Desktop Entry spec lays them out."""
    groups: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = groups.setdefault(line[1:-1], {})
            continue
        if current is None or "=" not in line:
            raise ValueError(f"line {number} is neither a group, a comment nor key=value: {line!r}")
        key, value = (part.strip() for part in line.split("=", 1))
        if key in current:
            raise ValueError(f"line {number}: {key} given twice")
        current[key] = value
    return groups


@pytest.fixture(scope="module")
def entry() -> dict[str, str]:
    groups = parse_desktop_entry(DESKTOP.read_text(encoding="utf-8"))
    return groups["Desktop Entry"]


def test_entry_has_what_a_menu_needs(entry):
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Halyk Desk"
    assert entry["Terminal"] == "false"
    for key in ("Name[ru]", "Comment", "Comment[ru]"):
        assert entry[key], key
    # The Russian comment is Russian, not a copy of the English one.
    assert entry["Comment[ru]"] != entry["Comment"]
    assert any("а" <= ch <= "я" for ch in entry["Comment[ru]"].lower())


def test_entry_starts_the_installed_command():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entry = parse_desktop_entry(DESKTOP.read_text(encoding="utf-8"))["Desktop Entry"]
    assert entry["Exec"] in project["scripts"]
    assert entry["TryExec"] == entry["Exec"]


def test_entry_names_an_icon_that_exists(entry):
    icon = entry["Icon"]
    assert "/" not in icon and "." not in icon, "a theme icon name, not a path"
    assert (ROOT / "resources" / "icons" / f"{icon}.svg").is_file()
    assert (ROOT / "resources" / "icons" / f"{icon}-256.png").is_file()


def test_categories_list_office_and_finance(entry):
    categories = entry["Categories"]
    assert categories.endswith(";")
    assert {"Office", "Finance"} <= set(categories.rstrip(";").split(";"))


def test_the_parser_refuses_a_broken_entry():
    with pytest.raises(ValueError, match="twice"):
        parse_desktop_entry("[Desktop Entry]\nName=a\nName=b\n")
    with pytest.raises(ValueError, match="line 2"):
        parse_desktop_entry("[Desktop Entry]\nno equals sign\n")
