"""Build the one-folder program with PyInstaller into dist/halyk-desk/, then smoke-test it.

    python packaging/build.py               # build and smoke-test (on Linux, then the archive)
    python packaging/build.py --installer   # ... then the Windows installer (Windows, Inno Setup 6)

Runs PyInstaller from the project's .venv, creating it and installing the `packaging` extra there
when PyInstaller is missing. On Linux the bundle must carry the libraries of Qt's X11 and Wayland
plugins (bundle.display_libraries_not_carried). The smoke test starts the built program offscreen
on a new temporary data folder: `--help` must work, and the window must open, load the sandbox's
demo data, sync with the sandbox bank and close with exit code 0 (HALYK_DESK_PROBE=sync, see
window_probe.py). On Linux, with a library of the X11 plugin missing (missing_library.py), it must
name the package to install and exit 8; and the window must start as above on a real X server and
Wayland compositor, with a screenshot from each (display_server.py; where they are not installed
the build says so, and HALYK_DESK_REQUIRE_DISPLAY=1 makes that a failure). Anything else fails the
build with the program's output. On Linux the result is then packed as
dist/halyk-desk-<version>-linux-<machine>.tar.gz with install.sh, the menu entry and the icons.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import bundle
import display_server
import missing_library

ROOT = bundle.ROOT
# The checks of the bundle read its libraries with halyk_desk's own (pure-Python) ELF reader.
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent
SPEC = HERE / "halyk-desk.spec"
ISS = HERE / "windows" / "halyk-desk.iss"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
OUTPUT = DIST / bundle.NAME
WINDOWS = sys.platform == "win32"
#: Seconds the smoke test gives the program: a first start seeds the demo data and syncs it.
SMOKE_TIMEOUT_S = 300


#: Set to 1 (CI) to make a missing display server fail the build instead of being reported.
REQUIRE_DISPLAY_ENV = "HALYK_DESK_REQUIRE_DISPLAY"
#: A window on the screen has far more colours than this; a blank screen has one.
MIN_COLOURS = 50


class BuildError(RuntimeError):
    pass


def venv_python() -> Path:
    venv = ROOT / ".venv"
    return venv / ("Scripts/python.exe" if WINDOWS else "bin/python")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    print("+ " + " ".join(str(part) for part in command), flush=True)
    return subprocess.run([str(part) for part in command], text=True, **kwargs)


def ensure_pyinstaller() -> Path:
    """The venv's Python, with PyInstaller installed (the `packaging` extra) if it was missing."""
    python = venv_python()
    if not python.exists() and run([sys.executable, "-m", "venv", ROOT / ".venv"]).returncode:
        raise BuildError("could not create .venv (Debian/Ubuntu: apt-get install python3-venv)")
    has_it = run([python, "-c", "import PyInstaller"], capture_output=True).returncode == 0
    if not has_it:
        print("PyInstaller is missing: installing the packaging extra into .venv", flush=True)
        if run([python, "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[packaging]"]).returncode:
            raise BuildError("pip could not install the packaging extra (see above)")
    return python


def build(python: Path) -> float:
    """Run PyInstaller on the spec from scratch; seconds it took."""
    shutil.rmtree(OUTPUT, ignore_errors=True)
    started = time.monotonic()
    result = run([python, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
                  "--distpath", DIST, "--workpath", WORK, SPEC], cwd=ROOT)
    if result.returncode != 0:
        raise BuildError(f"PyInstaller failed (exit code {result.returncode}, see above)")
    return time.monotonic() - started


def program(cli: bool = False) -> Path:
    """The built executable; on Windows the console one for command-line checks."""
    name = bundle.NAME + ("-cli" if cli and WINDOWS else "")
    return OUTPUT / (name + (".exe" if WINDOWS else ""))


def smoke_environment(home: Path, probe: str | None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HALYK_DESK_")}
    env.update(QT_QPA_PLATFORM="offscreen", HALYK_DESK_HOME=str(home))
    if probe:
        env.update(HALYK_DESK_PROBE=probe, HALYK_DESK_PROBE_TIMEOUT=str(SMOKE_TIMEOUT_S - 30))
    return env


def check_run(what: str, command: list[Path | str], env: dict[str, str], *,
              stdout_has: list[str], stderr_has: tuple[str, ...] = (), code: int = 0) -> None:
    """Run the built program; BuildError with its output unless it exits with `code` and says
    what it should (`stderr_has` is matched without regard to case)."""
    try:
        result = run(command, env=env, capture_output=True, timeout=SMOKE_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise BuildError(f"{what}: still running after {SMOKE_TIMEOUT_S} s") from exc
    missing = [text for text in stdout_has if text not in result.stdout]
    missing += [text for text in stderr_has if text.lower() not in result.stderr.lower()]
    if result.returncode != code or missing or "Traceback" in result.stderr:
        raise BuildError(
            f"{what}: exit code {result.returncode} (expected {code})"
            + (f", output lacks {missing}" if missing else "")
            + f"\n--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    print(f"ok: {what}", flush=True)


def smoke_test() -> None:
    version = bundle.version()
    with tempfile.TemporaryDirectory(prefix="halyk-desk-smoke-") as temp:
        home = Path(temp)
        check_run("--help", [program(cli=True), "--help"], smoke_environment(home, None),
                  stdout_has=["halyk-desk", "sandbox"])
        check_run("first start: window, demo data, sync", [program()],
                  smoke_environment(home, "sync"),
                  stdout_has=[f"probe: version {version}", "probe: shown", "probe: settled",
                              "probe: ok"])
        for made in ("data/sandbox/bank.json", "data/sandbox/demo-orders.csv"):
            if not (home / made).is_file():
                raise BuildError(f"first start made no {made} in the data folder")
        check_run("second start on the same data", [program()], smoke_environment(home, "shown"),
                  stdout_has=["probe: shown", "probe: ok"])
        # Nothing listens on port 1: the bundled PostgreSQL driver must get as far as being
        # refused, and the program must say so and exit 1 (a missing driver says something else).
        check_run("PostgreSQL driver reaches the network",
                  [program(), "--db", "postgresql+psycopg://halyk@127.0.0.1:1/halyk"],
                  smoke_environment(home, "settled"),
                  stdout_has=["probe: shown"], stderr_has=("refused",), code=1)
        if sys.platform.startswith("linux"):
            # A library of the X11 plugin missing: the program names its package, Qt never starts.
            env = smoke_environment(home, None)
            env.update(QT_QPA_PLATFORM="xcb", QT_QPA_PLATFORM_PLUGIN_PATH=str(
                missing_library.broken_xcb_plugin_folder(OUTPUT / "_internal" / "PySide6" / "Qt",
                                                         home / "broken")))
            check_run("a missing X11 library is named with its package", [program()], env,
                      stdout_has=[], code=8,
                      stderr_has=(f"sudo apt-get install {missing_library.ABSENT_PACKAGE}",))


def check_display_libraries() -> None:
    """The bundle carries every library its X11 and Wayland plugins need beyond what every
    desktop has (bundle.FROM_THE_SYSTEM): PyInstaller copies them from the build machine, and
    leaves out with only a warning those the build machine lacks."""
    from halyk_desk.ui.shared_libraries import debian_package

    lacking = bundle.display_libraries_not_carried(OUTPUT / "_internal")
    if lacking:
        packages = " ".join(dict.fromkeys(debian_package(name) for name in lacking))
        raise BuildError(
            f"the bundle lacks libraries of Qt's X11/Wayland plugins ({' '.join(lacking)}): "
            f"the build machine does not have them. Install them (sudo apt-get install "
            f"{packages}) and build again.")
    print("ok: the bundle carries the libraries of its X11 and Wayland plugins", flush=True)


def display_smoke_test() -> None:
    """The bundle on a real X server (Xvfb) and Wayland compositor (weston) at 1366×768: the
    window appears, loads the demo data and syncs them, the screen shows it (a screenshot taken
    from the display server, kept in dist/), and the program exits 0 once it closes.
    Without the servers this is reported as not done; HALYK_DESK_REQUIRE_DISPLAY=1 fails."""
    version = bundle.version()
    expected = [f"probe: version {version}", "probe: shown", "probe: settled",
                "probe: sync started", "probe: settled", "probe: ok", "probe: holding"]
    for name, server in (("X11", display_server.xvfb), ("Wayland", display_server.weston)):
        what = f"window on {name}"
        try:
            with server() as display, tempfile.TemporaryDirectory(prefix="halyk-smoke-") as temp:
                env = smoke_environment(Path(temp), "sync")
                del env["QT_QPA_PLATFORM"]
                run = display_server.run_held([str(program())], env, display,
                                              timeout_s=SMOKE_TIMEOUT_S)
        except display_server.DisplayUnavailable as exc:
            if os.environ.get(REQUIRE_DISPLAY_ENV) == "1":
                raise BuildError(f"{what}: {exc} ({REQUIRE_DISPLAY_ENV}=1)") from exc
            print(f"NOT TESTED: {what}: {exc}", flush=True)
            continue
        lines = [line for line in run.stdout.splitlines() if line.startswith("probe:")]
        if run.returncode != 0 or lines != expected or "Traceback" in run.stderr:
            raise BuildError(f"{what}: exit code {run.returncode}\n--- stdout ---\n{run.stdout}"
                             f"\n--- stderr ---\n{run.stderr}")
        picture = DIST / f"smoke-{name.lower()}.png"
        if run.screenshot is None or run.screenshot.colours() < MIN_COLOURS:
            raise BuildError(f"{what}: the screen stayed blank")
        run.screenshot.write_png(picture)
        print(f"ok: {what}, demo data, sync; screenshot {picture.relative_to(ROOT)}", flush=True)


def linux_archive_name() -> str:
    return f"{bundle.NAME}-{bundle.version()}-linux-{platform.machine()}"


def stage_linux(app_folder: Path, target: Path) -> Path:
    """The Linux archive's contents in `target`: the program's folder, install.sh, the menu entry
    and the icons (the layout install.sh expects beside itself)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(app_folder, target / bundle.NAME, symlinks=True)
    for name in ("install.sh", "halyk-desk.desktop"):
        shutil.copy2(HERE / "linux" / name, target / name)
    shutil.copytree(bundle.ICONS, target / "icons",
                    ignore=shutil.ignore_patterns("*.ico"))
    return target


def make_linux_archive() -> Path:
    """dist/halyk-desk-<version>-linux-<machine>.tar.gz: unpack, run ./install.sh."""
    name = linux_archive_name()
    staged = stage_linux(OUTPUT, WORK / name)
    archive = DIST / f"{name}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(staged, arcname=name)
    return archive


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def find_iscc() -> Path | None:
    found = shutil.which("ISCC") or shutil.which("iscc")
    if found:
        return Path(found)
    for base in (os.environ.get("PROGRAMFILES(X86)"), os.environ.get("PROGRAMFILES")):
        if base and (Path(base) / "Inno Setup 6" / "ISCC.exe").exists():
            return Path(base) / "Inno Setup 6" / "ISCC.exe"
    return None


def build_installer() -> Path:
    """dist/HalykDesk-<version>-setup.exe from the one-folder build (Windows with Inno Setup 6)."""
    iscc = find_iscc()
    if not WINDOWS or iscc is None:
        raise BuildError("the installer is built on Windows with Inno Setup 6 (ISCC.exe) installed")
    result = run(iscc_command(iscc))
    if result.returncode != 0:
        raise BuildError(f"Inno Setup failed (exit code {result.returncode}, see above)")
    return DIST / f"HalykDesk-{bundle.version()}-setup.exe"


def iscc_command(iscc: Path) -> list[str]:
    """The compiler's command: the version from halyk_desk/__init__.py, the build it packs."""
    return [str(iscc), f"/DAppVersion={bundle.version()}", f"/DDistDir={OUTPUT}", str(ISS)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-smoke", action="store_true", help="build only, skip the smoke test")
    parser.add_argument("--installer", action="store_true",
                        help="also build the Windows installer (Windows with Inno Setup 6)")
    args = parser.parse_args(argv)
    try:
        python = ensure_pyinstaller()
        seconds = build(python)
        size_mb = folder_size(OUTPUT) / 1e6
        print(f"built {OUTPUT.relative_to(ROOT)} in {seconds:.0f} s: {size_mb:.0f} MB", flush=True)
        if sys.platform.startswith("linux"):
            check_display_libraries()
        if not args.no_smoke:
            smoke_test()
            if sys.platform.startswith("linux"):
                display_smoke_test()
        if sys.platform.startswith("linux"):
            archive = make_linux_archive()
            print(f"archive: {archive.relative_to(ROOT)} ({archive.stat().st_size / 1e6:.0f} MB)",
                  flush=True)
        if args.installer:
            print(f"installer: {build_installer()}", flush=True)
    except BuildError as exc:
        print(f"BUILD FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
