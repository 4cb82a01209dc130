"""Starting the window: the Qt application, the context (settings, store, profile), MainWindow."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QApplication

from halyk_desk import __version__
from halyk_desk.services.context import open_context
from halyk_desk.ui.main_window import MainWindow
from halyk_desk.ui.notify import MessageBoxNotifier, Notifier


def startup_error_text(error: BaseException) -> str:
    """What went wrong when opening the data, and what to do about it."""
    return QCoreApplication.translate(
        "App",
        "Не удалось открыть данные Halyk Desk:\n{error}\n\n"
        "Проверьте адрес базы данных (параметр --db или переменная HALYK_DESK_DB) и файл настроек "
        "в папке программы (параметр --home или переменная HALYK_DESK_HOME). Если база на сервере "
        "PostgreSQL, проверьте, что сервер доступен. Затем запустите программу снова.",
    ).format(error=error)


def build_window(args: Any, notifier: Notifier) -> MainWindow | None:
    """The main window for these command-line arguments, or None after telling the user why not."""
    try:
        ctx = open_context(args)
    except Exception as exc:  # any failure here ends the start; the message says what to fix
        notifier.error(
            None,
            QCoreApplication.translate("App", "Halyk Desk не запустился"),
            startup_error_text(exc),
        )
        return None
    return MainWindow(ctx, notifier=notifier, owns_context=True)


def _application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Halyk Desk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("Halyk Desk")
    # Russian month names and number forms until issue 6 makes the language a setting.
    QLocale.setDefault(QLocale(QLocale.Language.Russian, QLocale.Country.Kazakhstan))
    return app


def run_window(args: Any, *, notifier: Notifier | None = None) -> int:
    """`halyk-desk` without a command: the window until it is closed; 1 when it cannot start."""
    app = _application()
    window = build_window(args, notifier or MessageBoxNotifier())
    if window is None:
        return 1
    window.show()
    window.start()
    return app.exec()
