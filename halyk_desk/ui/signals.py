"""`emit(signal, *args)`: every signal the window emits from Python goes through here.

PySide6 6.12.0 returns `True` from SignalInstance.emit() without taking a reference to it, so on
Python 3.11 (where True is not immortal) each emit takes one reference from True, and after a
few hundred emits the interpreter aborts with "bool_dealloc: deallocating True". 6.11 does not do
this. The bug is detected once at import by watching True's reference count, and only then is the
missing reference given back after each emit; on a fixed PySide6 this is a plain emit.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    ping = Signal()


def _emit_drops_true() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    dropped = before - sys.getrefcount(True) >= 8
    for _ in range(8 if dropped else 0):
        _incref(True)  # give back what the probe took
    return dropped


_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_DROPS_TRUE = _emit_drops_true()


def emit(signal: SignalInstance, *args: Any) -> None:
    signal.emit(*args)
    if _DROPS_TRUE:
        _incref(True)
