"""The layer contract of docs/architecture.md: the import-linter contracts in pyproject.toml hold
on direct and indirect imports, and no module imports itself through others."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_the_layer_contracts_hold():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    # Every contract of pyproject.toml was checked, none skipped.
    assert "7 kept, 0 broken" in done.stdout
    # None holds only thanks to a list of exceptions: SQL written in services/ again (contract
    # sql-only-in-store) would have to be added to such a list.
    assert "ignored" not in done.stdout


def test_the_contracts_catch_an_indirect_import_up_the_layers(tmp_path):
    """A lower layer reaching a higher one through a module outside the layers is refused: the
    hand-written rules this replaces saw direct imports only."""
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text("")
    (package / "helpers.py").write_text("import shop.services\n")
    (package / "domain.py").write_text("import shop.helpers\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = shop\n\n[importlinter:contract:layers]\n"
        "name = Imports point down\ntype = layers\nlayers =\n    shop.services\n    shop.domain\n"
    )
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "shop.domain -> shop.helpers" in done.stdout
    assert "shop.helpers -> shop.services" in done.stdout


def circles(graph: grimp.ImportGraph) -> list[set[str]]:
    """Groups of modules that import each other, directly or through others (Tarjan)."""
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in imports[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(group)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(imports)))
    for module in imports:
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_through_others():
    # Imports made only for annotations count too: a circle is one whatever its purpose.
    graph = grimp.build_graph("halyk_desk")
    assert len(graph.modules) > 100, "the graph is looking in the wrong place"
    assert circles(graph) == []


def test_the_circle_finder_sees_a_circle(tmp_path, monkeypatch):
    package = tmp_path / "ring"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from ring import b\n")
    (package / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                  "    from ring import a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert circles(grimp.build_graph("ring")) == [{"ring.a", "ring.b"}]
