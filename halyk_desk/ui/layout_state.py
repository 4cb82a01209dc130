"""The window's layout remembered between runs: size and place, splitters, column widths and order,
the tab that was open. Kept in window-state.json (settings.WindowState), apart from the settings:
losing it costs a layout, never a setting.

Only widgets with an object name take part, so a renamed or new widget starts from its default
instead of inheriting another's layout. Column widths and order are kept, not the sort: a sort is
the view's own business (restoring it would start a second query before the first).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QObject
from PySide6.QtWidgets import QMainWindow, QSplitter, QTableView, QTabWidget

from halyk_desk.settings import WindowState

log = logging.getLogger(__name__)


def _encode(data: QByteArray) -> str:
    return bytes(data.toBase64().data()).decode("ascii")


def _decode(text: Any) -> QByteArray | None:
    if not isinstance(text, str) or not text:
        return None
    return QByteArray.fromBase64(text.encode("ascii"))


class LayoutState(QObject):
    """Restores the layout once the window is built; saves it when the window closes."""

    def __init__(self, window: QMainWindow, tabs: QTabWidget, config_dir: Path) -> None:
        """`window`'s size and place, `tabs`' current tab, and every named splitter and table
        in the window; kept in `config_dir`."""
        super().__init__(window)
        self.window = window
        self.tabs = tabs
        self.state = WindowState.load(config_dir)
        if self.state.problem:
            log.warning("Window layout not restored: %s", self.state.problem)
        window.installEventFilter(self)

    # --- what is remembered -----------------------------------------------------------------
    def _splitters(self) -> dict[str, QSplitter]:
        return {s.objectName(): s for s in self.window.findChildren(QSplitter) if s.objectName()}

    def _tables(self) -> dict[str, QTableView]:
        return {t.objectName(): t for t in self.window.findChildren(QTableView)
                if t.objectName() and t.model() is not None}

    def snapshot(self) -> dict[str, Any]:
        window = self.window
        current = self.tabs.currentWidget()
        return {
            "geometry": _encode(window.saveGeometry()),
            "tab": current.objectName() if current is not None else "",
            "splitters": {name: _encode(s.saveState()) for name, s in self._splitters().items()},
            "columns": {
                name: {
                    "widths": [t.horizontalHeader().sectionSize(c)
                               for c in range(t.horizontalHeader().count())],
                    "order": [t.horizontalHeader().logicalIndex(v)
                              for v in range(t.horizontalHeader().count())],
                }
                for name, t in self._tables().items()
            },
        }

    # --- restoring and saving -----------------------------------------------------------------
    def restore(self) -> None:
        values = self.state.values
        geometry = _decode(values.get("geometry"))
        if geometry is not None:
            self.window.restoreGeometry(geometry)
        for name, splitter in self._splitters().items():
            state = _decode((values.get("splitters") or {}).get(name))
            if state is not None:
                splitter.restoreState(state)
        for name, table in self._tables().items():
            self._restore_columns(table, (values.get("columns") or {}).get(name))
        tab = values.get("tab")
        tabs = self.tabs
        for index in range(tabs.count()):
            if tab and tabs.widget(index).objectName() == tab:
                tabs.setCurrentIndex(index)

    @staticmethod
    def _restore_columns(table: QTableView, saved: Any) -> None:
        if not isinstance(saved, dict):
            return
        header = table.horizontalHeader()
        widths, order = saved.get("widths"), saved.get("order")
        count = header.count()
        if isinstance(widths, list) and len(widths) == count:
            for column, width in enumerate(widths):
                if isinstance(width, int) and width > 0:
                    header.resizeSection(column, width)
        if isinstance(order, list) and sorted(order) == list(range(count)):
            for visual, logical in enumerate(order):
                header.moveSection(header.visualIndex(logical), visual)

    def save(self) -> None:
        self.state.values = self.snapshot()
        try:
            self.state.save()
        except OSError as exc:  # a layout is not worth an error box on the way out
            log.warning("Window layout not saved to %s: %s", self.state.path, exc)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.save()
        return False

