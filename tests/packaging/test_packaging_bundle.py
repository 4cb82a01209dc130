"""What the PyInstaller build carries besides followed imports (packaging/bundle.py, used by
packaging/halyk-desk.spec): Alembic's files, package data, modules imported by name."""

from __future__ import annotations

import ast
from pathlib import Path

import bundle
from bundle import ROOT

from halyk_desk import __version__
from halyk_desk.cli import COMMAND_MODULES

PACKAGING = ROOT / "packaging"

SPEC = PACKAGING / "halyk-desk.spec"


def bundled() -> dict[Path, str]:
    """Bundled file -> its folder inside the bundle."""
    return {Path(source): folder for source, folder in bundle.app_datas()}


def test_every_migration_file_is_bundled_where_alembic_looks():
    migrations = ROOT / "halyk_desk" / "store" / "migrations"
    files = bundled()
    wanted = [p for p in migrations.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    names = {p.name for p in wanted}
    # Alembic needs these as files, not as modules in PyInstaller's archive.
    assert {"env.py", "script.py.mako"} <= names
    assert any(p.parent.name == "versions" and p.suffix == ".py" for p in wanted)
    for path in wanted:
        # Same layout as the source: Alembic finds them next to halyk_desk/store/migrate.py.
        assert files.get(path) == str(path.parent.relative_to(ROOT)), path


def test_package_data_of_the_wheel_is_bundled_too():
    """What pyproject.toml ships in the wheel (translations, icons...) ships in the bundle."""
    patterns = bundle.package_data_patterns()
    assert "*.qm" in patterns and "*.mako" in patterns
    files = bundled()
    for source in files:
        assert source.is_file()
        assert ROOT / "halyk_desk" in source.parents
    assert not any(p.suffix == ".pyc" or "__pycache__" in p.parts for p in files)


def test_icons_are_bundled_under_resources():
    icons = dict((Path(source).name, folder) for source, folder in bundle.icon_datas())
    assert icons["halyk-desk.svg"] == str(Path("resources", "icons"))
    assert "halyk-desk.ico" in icons and "halyk-desk-256.png" in icons


def test_modules_imported_by_name_are_hidden_imports():
    hidden = bundle.HIDDEN_PACKAGES
    # The CLI imports its command modules by name; the whole package is collected.
    assert "halyk_desk" in hidden
    assert all(name.startswith("halyk_desk.") for name in COMMAND_MODULES)
    # Database URLs name SQLAlchemy dialects; keyring finds its backends at run time.
    for name in ("sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql",
                 "keyring.backends", "psycopg", "tzdata"):
        assert name in hidden
    assert "tzdata" in bundle.DATA_PACKAGES
    assert "keyring" in bundle.METADATA


def test_version_is_read_from_the_package():
    assert bundle.version() == __version__
    assert bundle.version_tuple("1.2.3") == (1, 2, 3, 0)
    assert bundle.version_tuple("2.0rc1") == (2, 0, 0, 0)


def test_spec_uses_bundle_lists_and_the_launcher():
    """The spec is PyInstaller's Python: checked as a syntax tree, for the names it uses."""
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    attributes = {node.attr for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id == "bundle"}
    assert {"app_datas", "icon_datas", "HIDDEN_PACKAGES", "DATA_PACKAGES", "METADATA",
            "EXCLUDES", "ICO", "NAME"} <= attributes
    strings = {node.value for node in ast.walk(tree)
               if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert "launcher.py" in strings
    assert (PACKAGING / "launcher.py").is_file()


def test_qt_translations_are_kept_for_the_programs_languages_only():
    keep = bundle.keep_data
    for kept in ("PySide6/Qt/translations/qtbase_ru.qm", "PySide6/Qt/translations/qt_kk.qm",
                 "PySide6\\Qt\\translations\\qtbase_en.qm", "PySide6/Qt/lib/libQt6Core.so.6"):
        assert keep(kept), kept
    for dropped in ("PySide6/Qt/translations/qtbase_de.qm",
                    "PySide6/Qt/translations/qtbase_zh_CN.qm"):
        assert not keep(dropped), dropped
    # The program's own translations are never filtered, whatever their language.
    assert keep("halyk_desk/translations/halyk_desk_de.qm")


def test_test_tools_stay_out_of_the_bundle():
    assert {"pytest", "hypothesis", "pygments", "tkinter"} <= set(bundle.EXCLUDES)


def test_the_bundle_must_carry_the_display_plugins_libraries(tmp_path):
    """Read from the real plugins: a bundle folder with PySide6 but none of the libraries lacks
    the xcb helpers, not what it takes from the system; with them all there it lacks nothing."""
    from halyk_desk.ui.platform_check import pyside_folder

    internal = tmp_path / "_internal"
    internal.mkdir()
    (internal / "PySide6").symlink_to(pyside_folder())
    lacking = bundle.display_libraries_not_carried(internal)
    for name in ("libxcb-icccm.so.4", "libxcb-cursor.so.0", "libxkbcommon-x11.so.0",
                 "libfontconfig.so.1"):
        assert name in lacking
    for name in ("libxcb.so.1", "libGL.so.1", "libEGL.so.1", "libc.so.6",
                 "libwayland-client.so.0", "libwayland-cursor.so.0"):
        assert name not in lacking
    for name in lacking:
        (internal / name).touch()
    assert bundle.display_libraries_not_carried(internal) == []
