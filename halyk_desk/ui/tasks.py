"""Background work for the window, in the manner of MusicBrainz Picard's `run_task`.

`run(func, done, failed)` runs `func` on a worker thread of one application pool and, on the GUI
thread when it ends, calls `done(result)` or `failed(error)`; `error_box(...)` is the usual
`failed`: an error box saying what could not be done. An unexpected fault (a bug, not a refusal
that explains itself) reaches `failed` as UnexpectedError, whose text is one plain sentence; its
traceback went to the log. `run_task(func, on_done)` is the one-callback form underneath, for the
few callers that treat a result and an error alike. A task that reports progress gets a
thread-safe `progress` callable; one that can be stopped gets a `cancel` threading.Event — the
same keyword arguments the services take, so a service function can be passed as it is.
Nothing long ever runs on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from halyk_desk import logs

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from halyk_desk.ui.notify import Notifier

log = logging.getLogger(__name__)

OnDone = Callable[[Any, BaseException | None], None]
#: What to do when a task failed (its exception).
Failed = Callable[[BaseException], None]
T = TypeVar("T")

_pool: QThreadPool | None = None
_running: set[Task] = set()


def pool() -> QThreadPool:
    """The window's own pool: a few threads, so a long sync never starves the table's fetches."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(4)
    return _pool


class Task(QObject):
    """One background job. Lives on the GUI thread; its signals carry the worker's news there."""

    _finished = Signal(object, object)
    _progressed = Signal()

    def __init__(
        self,
        on_done: OnDone,
        progress: Callable[[Any], None] | None,
        owner: QObject | None,
    ) -> None:
        super().__init__()
        self.cancel_event = threading.Event()
        self._on_done = on_done
        self._on_progress = progress
        self._owner = owner
        self._lock = threading.Lock()
        self._latest: Any = None
        self._progress_queued = False
        self._finished.connect(self._deliver_result)
        self._progressed.connect(self._deliver_progress)

    def cancel(self) -> None:
        """Ask the job to stop; the service looks at the event between units of work."""
        self.cancel_event.set()

    @property
    def running(self) -> bool:
        return self in _running

    # Worker side -----------------------------------------------------------------------------
    def report(self, value: Any) -> None:
        """Progress from the worker. Bursts are coalesced: the GUI sees the latest value only."""
        with self._lock:
            self._latest = value
            if self._progress_queued:
                return
            self._progress_queued = True
        self._progressed.emit()

    def finish(self, result: Any, error: BaseException | None) -> None:
        self._finished.emit(result, error)

    # GUI side --------------------------------------------------------------------------------
    def _owner_alive(self) -> bool:
        return self._owner is None or shiboken6.isValid(self._owner)

    @Slot()
    def _deliver_progress(self) -> None:
        with self._lock:
            value, self._progress_queued = self._latest, False
        if self._on_progress is not None and self.running and self._owner_alive():
            self._on_progress(value)

    @Slot(object, object)
    def _deliver_result(self, result: Any, error: BaseException | None) -> None:
        _running.discard(self)
        if self._owner_alive():
            self._on_done(result, error)


class _Job(QRunnable):
    def __init__(self, task: Task, func: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        super().__init__()
        self._task = task
        self._func = func
        self._kwargs = kwargs

    def run(self) -> None:
        try:
            result, error = self._func(**self._kwargs), None
        except BaseException as exc:  # delivered to on_done, which decides what the user sees
            result, error = None, exc
            if not logs.explained(exc):
                name = getattr(self._func, "__qualname__", repr(self._func))
                log.error("Unexpected error in %s", name, exc_info=exc)
                error = UnexpectedError(exc)
        self._task.finish(result, error)


class UnexpectedError(Exception):
    """A fault of the program in a worker: its traceback went to the journal; people read one
    plain sentence that says so."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause

    def __str__(self) -> str:
        return str(logs.unexpected(self.cause))



def run_task(
    func: Callable[..., Any],
    on_done: OnDone,
    *,
    progress: Callable[[Any], None] | None = None,
    cancellable: bool = False,
    owner: QObject | None = None,
) -> Task:
    """Run `func` in the pool; `on_done(result, error)` follows on the GUI thread.

    With `progress`, func is called with `progress=<callable>`, whose values reach `progress` on the
    GUI thread; with `cancellable`, with `cancel=<threading.Event>` set by Task.cancel(). When
    `owner` (a widget) is deleted before the job ends, its callbacks are skipped.
    """
    task = Task(on_done, progress, owner)
    kwargs: dict[str, Any] = {}
    if progress is not None:
        kwargs["progress"] = task.report
    if cancellable:
        kwargs["cancel"] = task.cancel_event
    _running.add(task)
    pool().start(_Job(task, func, kwargs))
    return task


def run(
    func: Callable[..., T],
    done: Callable[[T], None],
    failed: Failed,
    *,
    settle: Callable[[], None] | None = None,
    current: Callable[[], bool] | None = None,
    progress: Callable[[Any], None] | None = None,
    cancellable: bool = False,
    owner: QObject | None = None,
) -> Task:
    """Run `func` in the pool; on the GUI thread `done(result)` follows when it returned,
    `failed(error)` when it raised. `settle()` comes first either way (a button enabled again,
    a busy mark cleared). With `current`, a result is dropped when `current()` is False by then
    (a newer request of the same view is on its way). `progress`, `cancellable` and `owner` as
    for run_task."""

    def on_done(result: Any, error: BaseException | None) -> None:
        if current is not None and not current():
            return
        if settle is not None:
            settle()
        if error is None:
            done(result)
        else:
            failed(error)

    return run_task(func, on_done, progress=progress, cancellable=cancellable, owner=owner)


def error_box(notifier: Notifier, parent: QWidget, title: str,
              text: Callable[[BaseException], str] = str) -> Failed:
    """The default way a failure reaches the person: an error box titled `title` over
    `parent`'s window, saying `text(error)` (by default what the error says)."""

    def failed(error: BaseException) -> None:
        notifier.error(parent.window(), title, text(error))

    return failed


def cancel_all() -> None:
    for task in list(_running):
        task.cancel()


def wait_for_tasks(timeout_ms: int = 30_000) -> bool:
    """Block until the pool is idle (closing the window, tests); False when time ran out."""
    return pool().waitForDone(timeout_ms)
