"""Starting the window: the Qt application, the language, the window's frame, then the data.

The frame paints first: nothing imported here reads data (no services, SQLAlchemy or httpx), so
the window appears about as fast as an empty Qt window does. The settings are read at once (they
choose the language, and a broken settings file stops the start with a message); the store and
the profile are opened on a worker, and the tabs are built when they arrive (see main_window).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication

from halyk_desk import __version__
from halyk_desk.paths import resolve_paths
from halyk_desk.settings import Settings
from halyk_desk.ui import i18n
from halyk_desk.ui.main_window import MainWindow, startup_error_text
from halyk_desk.ui.notify import MessageBoxNotifier, Notifier

DESKTOP_FILE_NAME = "halyk-desk"
ICON_FILE = "halyk-desk.svg"

def icon_path() -> Path | None:
    """The program's icon: beside the program in a PyInstaller bundle, in resources/icons of the
    source tree otherwise; None when neither has it (an installed wheel)."""
    bundle = getattr(sys, "_MEIPASS", None)
    root = Path(bundle) if bundle else Path(__file__).resolve().parents[2]
    path = root / "resources" / "icons" / ICON_FILE
    return path if path.is_file() else None


def _arg(args: Any, name: str) -> Any:
    return getattr(args, name, None) or None


def _settings(args: Any) -> Settings:
    return Settings.load(resolve_paths(_arg(args, "home")).config_dir)


def build_window(args: Any, notifier: Notifier) -> MainWindow | None:
    """The main window for these command-line arguments, already opening its data in the
    background; None, after telling the user why, when the settings cannot be read.

    Once the tabs are built, everything alive (modules, Qt wrappers, the views) is moved out of
    the cyclic garbage collector's sight (gc.freeze): otherwise a full collection, which any
    burst of new objects can set off on any thread, walks all of it while holding the GIL, and
    the window stops answering for 100–200 ms (benchmarks/bench_holds.py)."""
    try:
        settings = _settings(args)
    except Exception as exc:  # any failure here ends the start; the message says what to fix
        notifier.error(
            None,
            QCoreApplication.translate("App", "Halyk Desk не запустился"),
            startup_error_text(exc),
        )
        return None

    def open_data() -> Any:
        from halyk_desk.services.context import open_context

        return open_context(args, sign_in=False)  # the window signs in itself

    window = MainWindow(notifier=notifier)
    window.settings_file = settings.path if settings["database_url"] else None
    window.ready.connect(gc.freeze)
    window.open_in_background(open_data)
    return window


def _application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Halyk Desk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Halyk Desk")
    QGuiApplication.setDesktopFileName(DESKTOP_FILE_NAME)
    icon = icon_path()
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    return app


def install_language(args: Any) -> i18n.Installed:
    """The language of the settings (or the system's); keep what it returns while it is used."""
    try:
        setting = _settings(args)["language"]
    except Exception:  # build_window reports a broken settings file; the language can wait
        setting = "auto"
    return i18n.install(i18n.resolve_language(setting))


def run_window(args: Any, *, notifier: Notifier | None = None) -> int:
    """`halyk-desk` without a command: the window until it is closed; 1 when it cannot start."""
    app = _application()
    language = install_language(args)  # held here: Qt does not keep translators alive
    try:
        window = build_window(args, notifier or MessageBoxNotifier())
        if window is None:
            return 1
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if QGuiApplication.platformName() != "offscreen":  # its 800×600 screen is no real one
            # Never larger than the screen, such as a 1366×768 laptop's.
            window.resize(window.size().boundedTo(window.screen().availableGeometry().size()))
        failures: list[BaseException] = []
        window.failed.connect(failures.append)
        window.show()
        code = app.exec()
        return 1 if failures else code
    finally:
        i18n.uninstall(language)
