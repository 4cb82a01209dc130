"""Pausing Python's cyclic garbage collector around work that makes millions of acyclic objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Reconciling (and building its input from the store) allocates only acyclic records; with the
    cyclic collector running, each generation-2 pass rescans all the millions already live (a third
    of a run's time). Reference counting still frees everything; the collector is switched back on
    afterwards only if it was on before."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
