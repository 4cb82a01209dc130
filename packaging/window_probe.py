"""Watch the first window of one run of Halyk Desk from outside the program: an install check,
the start-up benchmark and the screenshots all drive the real start-up path through it.

    HALYK_DESK_PROBE=shown    halyk-desk    # close the window once it has been painted
    HALYK_DESK_PROBE=settled  halyk-desk    # ... once its background work has finished too
    HALYK_DESK_PROBE=sync     halyk-desk    # ... after a sync (F5) has finished as well

With HALYK_DESK_PROBE_HOLD=stdin the window stays open once the mode's condition holds (after
`probe: ok`, `probe: holding` is printed) until a line arrives on stdin: a smoke test on a real
display takes its screenshot from the display server meanwhile.

The probe wraps halyk_desk.ui.app.build_window, so nothing in the program knows about it. Messages
the window would show in a modal box go to stderr instead (a modal box would block an offscreen run
for ever); any of them, or a window that does not appear in time, makes the run a failure. Progress
goes to stdout as lines starting with `probe:`, flushed at once, so a parent process can time them:
`probe: shown` is printed when the window has painted itself for the first time.

`python packaging/window_probe.py baseline` shows a bare QMainWindow under the same watch: the
benchmark's yardstick for what starting any Qt window costs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

ENV = "HALYK_DESK_PROBE"
TIMEOUT_ENV = "HALYK_DESK_PROBE_TIMEOUT"
HOLD_ENV = "HALYK_DESK_PROBE_HOLD"
MODES = ("shown", "settled", "sync")
#: How often the settle check looks at the worker pool, and how many idle looks in a row count.
POLL_MS = 50
IDLE_POLLS = 3


def say(text: str) -> None:
    print(f"probe: {text}", flush=True)


def on_first_paint(widget: Any, callback: Callable[[], None]) -> None:
    """Call `callback` once, right after `widget` has painted itself for the first time."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                watched.removeEventFilter(self)
                # After this paint event is handled, not before: the pixels are then in the
                # backing store.
                QTimer.singleShot(0, callback)
            return False

    watcher = FirstPaint(widget)
    widget.installEventFilter(watcher)


class ReportingNotifier:
    """The probe's stand-in for message boxes: tells stderr, and remembers that it was told."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, parent: Any, title: str, text: str) -> None:
        self.errors.append(f"{title}: {text}")
        print(f"probe: error: {title}: {text}", file=sys.stderr, flush=True)

    def info(self, parent: Any, title: str, text: str) -> None:
        print(f"probe: info: {title}: {text}", file=sys.stderr, flush=True)


class Probe:
    """Drives the first MainWindow of this process; `failures` says what went wrong, if anything.

    `on_ready(window)` runs once the mode's condition holds and before the window closes (the
    screenshot script takes its pictures there).
    """

    def __init__(
        self,
        mode: str,
        *,
        timeout_s: float = 120.0,
        on_ready: Callable[[Any], None] | None = None,
        hold: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"{ENV} must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode = mode
        self.timeout_s = timeout_s
        self.on_ready = on_ready
        self.hold = hold
        self.notifier = ReportingNotifier()
        self.failures: list[str] = []
        self.window: Any = None
        self._idle_polls = 0
        self._synced = False
        self._finished = False

    @property
    def failed(self) -> bool:
        return bool(self.failures or self.notifier.errors)

    def install(self) -> None:
        """Wrap the program's window factory; call before halyk_desk.cli.main()."""
        from halyk_desk import __version__
        from halyk_desk.ui import app

        say(f"version {__version__}")

        build = app.build_window

        def build_watched(args: Any, _notifier: Any) -> Any:
            window = build(args, self.notifier)
            if window is None:
                self.failures.append("the window was not built (see the error above)")
                say("no window")
                return None
            self.watch(window)
            return window

        app.build_window = build_watched

    def watch(self, window: Any) -> None:
        from PySide6.QtCore import QTimer

        self.window = window
        on_first_paint(window, self._shown)
        QTimer.singleShot(int(self.timeout_s * 1000), self._timed_out)

    # The steps, in order ------------------------------------------------------------------------
    def _shown(self) -> None:
        say("shown")
        if self.mode == "shown":
            self._finish()
        else:
            self._wait_until_idle(self._settled)

    def _settled(self) -> None:
        say("settled")
        if self.mode == "sync" and not self._synced:
            self._synced = True
            say("sync started")
            self.window.sync_action.trigger()
            self._wait_until_idle(self._settled)
            return
        self._finish()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        if self.on_ready is not None and not self.failed:
            try:
                self.on_ready(self.window)
            except Exception as exc:  # reported as the run's failure, the window still closes
                self.failures.append(f"{type(exc).__name__}: {exc}")
        for failure in self.failures:
            print(f"probe: failed: {failure}", file=sys.stderr, flush=True)
        say("failed" if self.failed else "ok")
        if self.hold:
            self._close_on_a_line_from_stdin()
        else:
            self.window.close()

    def _close_on_a_line_from_stdin(self) -> None:
        from PySide6.QtCore import QSocketNotifier

        notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read, self.window)

        def arrived() -> None:
            notifier.setEnabled(False)
            sys.stdin.readline()
            self.window.close()

        notifier.activated.connect(arrived)
        say("holding")

    def _timed_out(self) -> None:
        if not self._finished:
            self.failures.append(f"the window did not reach '{self.mode}' in {self.timeout_s:g} s")
            self._finish()

    # Waiting for the window's background work -----------------------------------------------------
    def _wait_until_idle(self, then: Callable[[], None]) -> None:
        from PySide6.QtCore import QTimer

        self._idle_polls = 0

        def poll() -> None:
            from PySide6.QtCore import QCoreApplication

            from halyk_desk.ui import tasks

            if self._finished:
                return
            # Results posted by finished workers are delivered first: they may start more work.
            QCoreApplication.sendPostedEvents()
            busy = tasks.pool().activeThreadCount() > 0
            self._idle_polls = 0 if busy else self._idle_polls + 1
            if self._idle_polls >= IDLE_POLLS:
                then()
            else:
                QTimer.singleShot(POLL_MS, poll)

        QTimer.singleShot(POLL_MS, poll)


def probe_from_environment() -> Probe | None:
    """The probe asked for by HALYK_DESK_PROBE (and HALYK_DESK_PROBE_TIMEOUT, seconds), if any."""
    mode = os.environ.get(ENV, "").strip()
    if not mode:
        return None
    timeout = float(os.environ.get(TIMEOUT_ENV) or 120)
    hold = os.environ.get(HOLD_ENV, "").strip()
    if hold not in ("", "stdin"):
        raise ValueError(f"{HOLD_ENV} can only be 'stdin', not {hold!r}")
    return Probe(mode, timeout_s=timeout, hold=hold == "stdin")


def run_baseline() -> int:
    """A bare QApplication with one empty QMainWindow, watched the same way as the program."""
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.resize(1400, 820)

    def shown() -> None:
        say("shown")
        say("ok")
        window.close()

    on_first_paint(window, shown)
    window.show()
    return app.exec()


if __name__ == "__main__":
    if sys.argv[1:] != ["baseline"]:
        raise SystemExit("usage: window_probe.py baseline")
    raise SystemExit(run_baseline())
