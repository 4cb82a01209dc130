"""The receiver's one background worker: reads the bank's status for each callback's order.

The HTTP side only stores a callback and answers; the bank is asked here, one order at a time,
so that a burst of callbacks (or a flood of forged ones) never becomes a burst of requests to the
bank. An order already waiting in the queue is not queued again.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from halyk_desk.services import callbacks

if TYPE_CHECKING:
    from halyk_desk.epay import EpayClient
    from halyk_desk.services.context import AppContext

log = logging.getLogger(__name__)

#: Orders waiting for a check at most; beyond it a callback stays unchecked until the restart
#: (or `callbacks check`), which the health endpoint shows.
QUEUE_LIMIT = 10_000


class StatusChecker:
    """Start with start(), stop with stop(); `open_client` gives the bank for the worker's life."""

    def __init__(self, ctx: AppContext,
                 open_client: Callable[[], AbstractContextManager[EpayClient]]) -> None:
        self.ctx = ctx
        self._open_client = open_client
        self._queue: queue.Queue[str | None] = queue.Queue(QUEUE_LIMIT)
        self._waiting: set[str] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._busy = 0
        self._thread: threading.Thread | None = None
        self.checked = 0
        self.failed = 0
        self.dropped = 0

    def start(self) -> StatusChecker:
        self._thread = threading.Thread(target=self._run, name="callback-checker", daemon=True)
        self._thread.start()
        for record in callbacks.unchecked(self.ctx):  # left over from the last run
            assert record.invoice_id is not None
            self.submit(record.invoice_id)
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join()
        self._thread = None

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._waiting) + self._busy

    def submit(self, invoice_id: str) -> None:
        with self._lock:
            if invoice_id in self._waiting:
                return  # the check already queued reads the same status and marks them all
            try:
                self._queue.put_nowait(invoice_id)
            except queue.Full:
                self.dropped += 1
                log.warning("Too many callbacks waiting; order %s is checked later", invoice_id)
                return
            self._waiting.add(invoice_id)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or being checked (tests, a graceful stop)."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._waiting and not self._busy, timeout)

    def _run(self) -> None:
        with self._open_client() as client:
            while True:
                invoice_id = self._queue.get()
                if invoice_id is None:
                    return
                with self._lock:
                    self._waiting.discard(invoice_id)
                    self._busy += 1
                try:
                    status = callbacks.check(self.ctx, client, invoice_id)
                except Exception:  # the store failed: keep serving, the check stays due
                    log.exception("Checking the callback for order %s failed", invoice_id)
                    status = None
                with self._idle:
                    self._busy -= 1
                    if status is None:
                        self.failed += 1
                    else:
                        self.checked += 1
                    self._idle.notify_all()
