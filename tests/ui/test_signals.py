"""The window survives PySide6 6.12.0's reference-count bugs: True and None keep their references.

Without ui.signals, each emit takes a reference from True and each empty cell one from None, and
the interpreter aborts after a few minutes of use ("deallocating None").
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QSortFilterProxyModel, Qt, Signal

from halyk_desk.ui.holds_model import HoldsModel
from halyk_desk.ui.signals import emit

CALLS = 2_000


class _Pinger(QObject):
    ping = Signal(int)


def test_emitting_keeps_true_alive(qapp):
    pinger = _Pinger()
    before = sys.getrefcount(True)
    for n in range(CALLS):
        emit(pinger.ping, n)
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
