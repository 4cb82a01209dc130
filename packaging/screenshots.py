"""Screenshots of the real window for the README, made offscreen so they can be remade any time.

    .venv/bin/python packaging/screenshots.py [--out docs/screenshots]

Starts Halyk Desk the way `halyk-desk` does, on a new temporary data folder: the sandbox bank's
demo data are made, the window loads them and syncs once (F5), then every tab is shown in turn
(its first row chosen where a detail pane shows it) and saved as <tab>.png, named after the tab's
view: payments.png, holds.png, ... Then the sign-in dialog and the lock of a shared computer
(sign-in.png, lock.png) over the window at 1366×768, the size of a small laptop. `--only` writes
some of them. The run fails, writing nothing, if the window reports an error on the way.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import window_probe

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "screenshots"
#: Seconds a tab may take to load what it shows.
SETTLE_TIMEOUT_S = 60


#: The smallest screen the window is made for (a laptop), as the README shows it.
LAPTOP = (1366, 768)


def tab_file_name(view: object) -> str:
    """PaymentsView -> payments.png, HoldsView -> holds.png, ReconciliationView -> ..."""
    name = re.sub(r"(View|Tab|Widget)$", "", type(view).__name__) or type(view).__name__
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower() + ".png"


def settle(timeout_s: float = SETTLE_TIMEOUT_S) -> None:
    """Let the window finish its background work (a tab's first load, a detail pane's read)."""
    from PySide6.QtCore import QCoreApplication

    from halyk_desk.ui import tasks

    deadline = time.monotonic() + timeout_s
    idle = 0
    while idle < window_probe.IDLE_POLLS:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the window was still busy after {timeout_s:g} s")
        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents()
        idle = 0 if tasks.pool().activeThreadCount() else idle + 1
        time.sleep(window_probe.POLL_MS / 1000)


def choose_first_row(view: object) -> None:
    """In a tab with a detail pane beside its table (a splitter), select the first row so the
    pane shows something. Other tabs keep their rows unselected: the highlight would hide the
    first row's own colour."""
    from PySide6.QtWidgets import QAbstractItemView, QSplitter

    if not view.findChildren(QSplitter):  # type: ignore[attr-defined]
        return
    tables = view.findChildren(QAbstractItemView)  # type: ignore[attr-defined]
    tables = [table for table in tables if table.model() is not None and table.isVisible()]
    if tables and tables[0].model().rowCount() > 0:
        table = tables[0]
        table.setCurrentIndex(table.model().index(0, 0))
        table.selectRow(0)


def reconcile_demo_month(view: object) -> None:
    """On the reconciliation tab, reconcile the demo month: the picture shows its discrepancies."""
    run_button = getattr(view, "run_button", None)
    if run_button is None:
        return
    last = view.to_edit.date()  # type: ignore[attr-defined]
    view.from_edit.setDate(last.addDays(-29))  # type: ignore[attr-defined]
    run_button.click()
    settle()


def over_window(window: Any, dialog: Any) -> Any:
    """The window, dimmed, with `dialog` and its title bar drawn in its middle, as the screen
    shows a window-modal dialog (offscreen, a grab of the window leaves its dialogs out)."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QPainter

    dialog.adjustSize()
    picture = window.grab()
    face = dialog.grab()
    title_height = 28
    left = (picture.width() - face.width()) // 2
    top = (picture.height() - face.height()) // 3
    painter = QPainter(picture)
    painter.fillRect(picture.rect(), QColor(0, 0, 0, 70))
    frame = QRect(left - 1, top - title_height - 1, face.width() + 2,
                  face.height() + title_height + 2)
    painter.fillRect(frame, QColor("#5a5a5a"))
    painter.setPen(QColor("white"))
    painter.drawText(QRect(left + 10, top - title_height, face.width() - 20, title_height),
                     Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                     dialog.windowTitle())
    painter.drawPixmap(left, top, face)
    painter.end()
    return picture.toImage()


def sign_in_dialogs(window: Any) -> list[tuple[str, Any]]:
    """The sign-in dialog and the lock, as a shared computer shows them: data hidden."""
    from halyk_desk.ui.sign_in import SignInDialog

    window.resize(1366, 768)
    window.tabs.setVisible(False)
    settle()
    shots = []
    for name, dialog in (
        ("sign-in.png", SignInDialog(window.ctx, window)),
        ("lock.png", SignInDialog(window.ctx, window, locked=True,
                                   operator=window.ctx.operator)),
    ):
        shots.append((name, over_window(window, dialog)))
        dialog.deleteLater()
    window.tabs.setVisible(True)
    return shots


def shoot(window: object, out: Path, only: set[str] | None = None) -> list[Path]:
    tabs = window.tabs  # type: ignore[attr-defined]
    pictures = []
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        view = tabs.widget(index)
        settle()
        reconcile_demo_month(view)
        choose_first_row(view)
        settle()
        image = window.grab().toImage()  # type: ignore[attr-defined]
        pictures.append((out / tab_file_name(view), image))
    pictures += [(out / name, image) for name, image in sign_in_dialogs(window)]
    # The reconciliation tab as a 1366×768 laptop shows it, a discrepancy chosen.
    for index in range(tabs.count()):
        view = tabs.widget(index)
        if getattr(view, "run_button", None) is not None:
            tabs.setCurrentIndex(index)
            window.resize(*LAPTOP)  # type: ignore[attr-defined]
            settle()
            choose_first_row(view)
            settle()
            image = window.grab().toImage()  # type: ignore[attr-defined]
            pictures.append((out / "reconciliation-1366x768.png", image))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path, image in pictures:
        if only and path.name not in only:
            continue
        if not image.save(str(path), "PNG"):
            raise OSError(f"could not write {path}")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder for the PNGs (default {DEFAULT_OUT.relative_to(ROOT)})")
    parser.add_argument("--only", nargs="+", metavar="NAME.png",
                        help="write only these pictures, e.g. sign-in.png lock.png")
    args = parser.parse_args(argv)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    for name in [key for key in os.environ if key.startswith("HALYK_DESK_")]:
        del os.environ[name]
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="halyk-screens-") as home:
        os.environ["HALYK_DESK_HOME"] = home
        probe = window_probe.Probe(
            "sync", on_ready=lambda window: written.extend(
                shoot(window, args.out.resolve(), set(args.only or ())))
        )
        probe.install()
        from halyk_desk.cli import main as halyk_desk

        code = halyk_desk([])
    if code or probe.failed or not written:
        print("screenshots: the window did not get through its start; nothing written",
              file=sys.stderr)
        return code or 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
