"""Importing the modules that read data (SQLAlchemy, alembic, httpx, the services) without the
cost PySide6 adds to every import.

Once PySide6 is imported, it replaces Python's `__import__` with its own, which, for each module
imported from then on, reads and scans the module's source (inspect.getsource) to see whether it
uses PySide's `from __feature__ import ...` switches. Halyk Desk uses none of them, and the window
imports several hundred modules after the frame is shown: the scan was about a seventh of the
whole first start's work (benchmarks/bench_startup.py). Modules imported through Python's own
import are simply unknown to PySide's feature switching, which then leaves them alone — the same
as for a module without `from __feature__`.
"""

from __future__ import annotations

import builtins
import importlib
from collections.abc import Iterable

from halyk_desk.ui import PLAIN_IMPORT


def without_pyside_import_hook(names: Iterable[str]) -> None:
    """Import the modules `names` (and what they import) with Python's own import. Another
    thread importing meanwhile does so without the hook too, which does no harm."""
    hooked = builtins.__import__
    builtins.__import__ = PLAIN_IMPORT
    try:
        for name in names:
            importlib.import_module(name)
    finally:
        builtins.__import__ = hooked
