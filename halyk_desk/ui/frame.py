"""What the parts that act for the whole window (menus, sign-in, the import of orders, the
support report) use of it once the data are open, as one typed value.

MainWindow makes it in `attach` and hands it to them; they never take the window itself, so they
name no window attribute and need not import main_window (which imports them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMainWindow, QTabWidget

from halyk_desk.ui.notify import Notifier

if TYPE_CHECKING:
    from halyk_desk.services.changes import Changes
    from halyk_desk.services.workspace import AppContext


@dataclass(frozen=True)
class Frame:
    #: The window: the parent of dialogs.
    window: QMainWindow
    tabs: QTabWidget
    ctx: AppContext
    notifier: Notifier
    #: Writes the status line.
    show_message: Callable[[str], None]
    #: Tells every view what changed in the store (MainWindow.changed).
    report: Callable[[Changes], None]
