"""Fixtures for the window tests: real services over a temporary HALYK_DESK_HOME, no modal dialogs.

Every test here is marked `gui`, fails on any Qt warning (pytest-qt's qt_log_level_fail) and on a
top-level widget left alive after it, and waits for the window's background tasks before the
temporary home goes away.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget

from halyk_desk import messages
from halyk_desk.paths import HOME_ENV
from halyk_desk.services.context import open_context
from halyk_desk.services.demo import ensure_demo
from halyk_desk.services.sync import sync_statuses
from halyk_desk.ui import tasks
from halyk_desk.ui.main_window import MainWindow

#: Qt platform noise of the offscreen plugin, not the window's doing.
QT_LOG_IGNORE = ["This plugin does not support propagateSizeHints"]


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gui)
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*QT_LOG_IGNORE))


class RecordingNotifier:
    """Stands in for message boxes: records what the user would have been told."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.infos: list[tuple[str, str]] = []

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        self.errors.append((title, text))

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self.infos.append((title, text))


def _args(**overrides: object) -> SimpleNamespace:
    values: dict[str, object] = {"home": None, "db": None, "profile": None, "operator": None}
    values.update(overrides)
    return SimpleNamespace(**values)


@pytest.fixture
def make_args():
    """Command-line arguments as cli.py would parse them (no command: the window)."""
    return _args


@pytest.fixture(autouse=True)
def _russian_messages() -> None:
    """The window's tests build it in Russian, its source language: services' messages too."""
    messages.use("ru")


@pytest.fixture(autouse=True)
def _no_leftovers(qapp: QApplication) -> Iterator[None]:
    """No background task may outlive a test, and every window it opened must be gone."""
    before = set(QApplication.topLevelWidgets())
    yield
    tasks.cancel_all()
    assert tasks.wait_for_tasks(30_000), "a background task did not stop"
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    leaked = [w for w in QApplication.topLevelWidgets() if w not in before]
    assert not leaked, f"widgets left alive: {[type(w).__name__ for w in leaked]}"


def _make_home(root: Path, *, synced: bool) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(HOME_ENV, str(root))
        opened = open_context(_args())
        try:
            ensure_demo(opened)
            if synced:
                sync_statuses(opened)
        finally:
            opened.close()
    return root


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory) -> Path:
    """A home with the sandbox's demo orders imported and never synced (made once per session)."""
    return _make_home(tmp_path_factory.mktemp("demo-home"), synced=False)


@pytest.fixture(scope="session")
def synced_home(tmp_path_factory) -> Path:
    """The demo home after one sync: every order has its bank picture (made once per session)."""
    return _make_home(tmp_path_factory.mktemp("synced-home"), synced=True)


def _use_home(template: Path) -> None:
    """Copy a prepared home into this test's own HALYK_DESK_HOME (set by tests/conftest.py)."""
    shutil.copytree(template, Path(os.environ[HOME_ENV]), dirs_exist_ok=True)


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


def _open_window(qtbot, ctx, notifier: RecordingNotifier) -> MainWindow:
    win = MainWindow(ctx, notifier=notifier)
    qtbot.addWidget(win)
    win.show()
    loaded = [win.payments_view.model.loaded, win.holds_view.loaded]
    with qtbot.waitSignals(loaded, timeout=30_000):
        win.start()
    return win


@pytest.fixture
def ctx(demo_home):
    """The context of a home with the demo orders, not yet synced."""
    _use_home(demo_home)
    opened = open_context(_args())
    yield opened
    opened.close()


@pytest.fixture
def synced_ctx(synced_home):
    _use_home(synced_home)
    opened = open_context(_args())
    yield opened
    opened.close()


@pytest.fixture
def open_window(qtbot, notifier):
    """Opens the main window on a context, shown and loaded (for tests that set things up first)."""
    return lambda ctx: _open_window(qtbot, ctx, notifier)


@pytest.fixture
def window(qtbot, ctx, notifier) -> MainWindow:
    """The main window on the unsynced demo data, shown and loaded."""
    return _open_window(qtbot, ctx, notifier)


@pytest.fixture
def synced_window(qtbot, synced_ctx, notifier) -> MainWindow:
    """The main window on the synced demo data, shown and loaded."""
    return _open_window(qtbot, synced_ctx, notifier)
