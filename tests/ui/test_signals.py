"""The PySide6 the project allows keeps True and None alive (pyproject.toml pins it below 6.12:
6.12.0 took a reference from True at each emit and from None at each empty cell Qt asked for, and
the interpreter aborted after a few minutes of use with "deallocating None")."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt, Signal

from halyk_desk.ui.holds_model import HoldsModel

CALLS = 2_000


class _Pinger(QObject):
    ping = Signal(int)


def test_emitting_keeps_true_alive(qapp):
    pinger = _Pinger()
    before = sys.getrefcount(True)
    for n in range(CALLS):
        pinger.ping.emit(n)
    assert abs(sys.getrefcount(True) - before) < CALLS // 10


def test_empty_cells_keep_none_alive(qapp):
    # Through a proxy, as a view asks: Qt (C++) calls the model's Python headerData().
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(HoldsModel())
    before = sys.getrefcount(None)
    for _ in range(CALLS):
        assert (
            proxy.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.DecorationRole) is None
        )
    assert abs(sys.getrefcount(None) - before) < CALLS // 10
