"""The layer contract of docs/architecture.md, checked on the source: imports point down only."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "halyk_desk"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules_under(*parts: str) -> list[Path]:
    return sorted(PACKAGE.joinpath(*parts).rglob("*.py"))


def offenders(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in files:
        for name in imported_modules(path):
            if name.split(".")[0] in forbidden or name.startswith(forbidden):
                found.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return found


def test_only_ui_imports_qt():
    outside_ui = [p for p in modules_under() if "ui" not in p.relative_to(PACKAGE).parts[:1]]
    assert outside_ui, "no modules found: the test is looking in the wrong place"
    assert offenders(outside_ui, ("PySide6", "shiboken6")) == []


def test_ui_imports_neither_httpx_nor_sqlalchemy():
    assert offenders(modules_under("ui"), ("httpx", "sqlalchemy", "alembic", "psycopg")) == []


@pytest.mark.parametrize("layer", ["domain", "sandbox"])
def test_domain_and_sandbox_share_only_the_domain(layer):
    forbidden = ("httpx", "sqlalchemy", "PySide6", "halyk_desk.store", "halyk_desk.services",
                 "halyk_desk.epay", "halyk_desk.ui")
    if layer == "domain":
        forbidden += ("halyk_desk.sandbox",)
    assert offenders(modules_under(layer), forbidden) == []


def test_the_checker_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from PySide6.QtCore import QObject\nimport sqlalchemy.orm\n")
    assert imported_modules(bad) == {"PySide6.QtCore", "sqlalchemy.orm"}
