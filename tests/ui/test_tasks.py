"""run_task: work on the pool, results and progress on the GUI thread, cancellation by event."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread
from PySide6.QtWidgets import QApplication, QWidget

from halyk_desk.store.repository import UnknownProfile
from halyk_desk.ui.tasks import UnexpectedError, run_task, wait_for_tasks


def test_result_arrives_on_the_gui_thread(qtbot):
    worker_threads: list[QThread] = []
    delivered: list[tuple[object, object, bool]] = []

    def work() -> int:
        worker_threads.append(QThread.currentThread())
        return 42

    def done(result, error):
        on_gui = QThread.currentThread() is QApplication.instance().thread()
        delivered.append((result, error, on_gui))

    run_task(work, done)
    qtbot.waitUntil(lambda: bool(delivered))
    assert delivered == [(42, None, True)]
    assert worker_threads[0] is not QApplication.instance().thread()


def test_an_error_is_delivered_not_raised(qtbot, caplog):
    delivered = []

    def fail():
        raise LookupError("no such order")

    run_task(fail, lambda result, error: delivered.append((result, error)))
    qtbot.waitUntil(lambda: bool(delivered))
    result, error = delivered[0]
    # Not the program's own error: one plain sentence for people, the traceback in the journal
    # (issue 14).
    assert result is None and isinstance(error, UnexpectedError)
    assert isinstance(error.cause, LookupError) and str(error.cause) == "no such order"
    assert "(LookupError)" in str(error) and "no such order" not in str(error)
    [logged] = [r for r in caplog.records if r.exc_info and r.exc_info[1] is error.cause]
    assert "fail" in logged.getMessage()


def test_the_programs_own_error_is_delivered_as_it_is(qtbot):
    delivered = []

    def fail():
        raise UnknownProfile("shop")

    run_task(fail, lambda result, error: delivered.append((result, error)))
    qtbot.waitUntil(lambda: bool(delivered))
    assert isinstance(delivered[0][1], UnknownProfile)


def test_progress_reaches_the_gui_and_cancel_stops_the_job(qtbot):
    seen: list[int] = []
    finished = []
    started = threading.Event()

    def job(progress, cancel: threading.Event) -> str:
        started.set()
        step = 0
        while not cancel.wait(0.005):
            step += 1
            progress(step)
        return f"stopped after {step}"

    task = run_task(
        job, lambda r, e: finished.append((r, e)), progress=seen.append, cancellable=True
    )
    qtbot.waitUntil(lambda: len(seen) >= 3)
    assert task.running
    task.cancel()
    qtbot.waitUntil(lambda: bool(finished))
    assert finished[0][1] is None and finished[0][0].startswith("stopped after")
    assert seen == sorted(seen), "progress arrives in order; bursts are merged, never reordered"
    assert not task.running


def test_callbacks_of_a_deleted_owner_are_skipped(qtbot):
    owner = QWidget()
    release = threading.Event()
    called = []
    run_task(lambda: release.wait(5), lambda r, e: called.append(r), owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner))
    release.set()
    assert wait_for_tasks(5_000)
    QApplication.processEvents()
    assert called == []


def _alive(obj: QObject) -> bool:
    import shiboken6

    return shiboken6.isValid(obj)
