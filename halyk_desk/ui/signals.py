"""Workarounds for two reference-count bugs of PySide6 6.12.0, fatal on Python 3.11.

On Python 3.11 True, False and None are ordinary reference-counted objects, and PySide6 6.12.0
gives one reference too few back in two places: SignalInstance.emit() returns True without taking
a reference, and a Python override of a virtual that returns None where Qt expects a QVariant
(QAbstractItemModel.data / headerData) has None released once more than it was taken. Every emit
and every empty cell painted takes one reference away, and the interpreter aborts with
"deallocating True" or "deallocating None" after a few minutes of use. PySide6 6.11 has neither.

Each bug is detected once, at import, by watching the reference count; only when present is the
missing reference given back. On a fixed PySide6 both helpers do nothing extra. Every signal the
window emits from Python goes through `emit`, and every model's data()/headerData() is wrapped in
`@qt_value`. Once the project requires a PySide6 without these bugs, this module can go.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Signal, SignalInstance

_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_PROBES = 16


class _Probe(QObject):
    ping = Signal()


class _ProbeModel(QAbstractListModel):
    def rowCount(self, parent: Any = None) -> int:
        return 1

    def data(self, index: Any, role: int = 0) -> Any:
        return None


def _steals(obj: object, action: Callable[[], object]) -> bool:
    """Whether `action` leaves `obj` with fewer references; what it took is given back."""
    before = sys.getrefcount(obj)
    for _ in range(_PROBES):
        action()
    taken = before - sys.getrefcount(obj)
    for _ in range(max(0, taken)):
        _incref(obj)
    return taken >= _PROBES


_probe, _model = _Probe(), _ProbeModel()
_index = _model.index(0, 0, QModelIndex())
_EMIT_STEALS_TRUE = _steals(True, _probe.ping.emit)
_DATA_STEALS_NONE = _steals(None, _index.data)
del _probe, _model, _index


def emit(signal: SignalInstance, *args: Any) -> None:
    signal.emit(*args)
    if _EMIT_STEALS_TRUE:
        _incref(True)


F = TypeVar("F", bound=Callable[..., Any])


def qt_value(method: F) -> F:
    """For overrides whose value goes to Qt as a QVariant: data(), headerData(). (A direct call
    from Python that returns None leaves None one reference richer, which does no harm.)"""
    if not _DATA_STEALS_NONE:
        return method

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        value = method(*args, **kwargs)
        if value is None:
            _incref(None)
        return value

    return wrapper  # type: ignore[return-value]
