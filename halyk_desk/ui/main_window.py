"""MainWindow: the tabs (Сводка, Платежи, Блокировки, Операции, Аудит) and a status bar with
profile and sync.

The window is built in two steps so that it appears at once: the frame (title, menus, status line)
needs nothing but Qt, and `attach(ctx)` builds the tabs once the data are open. Everything that
reads data (the services and the views over them, which pull in SQLAlchemy, httpx and the rest) is
imported in `attach`, so the frame paints before those imports start (the worker pool and the
signal helpers too: their ctypes work can wait until the frame is up). `MainWindow(ctx)` does both
steps at once; `open_in_background` opens the data on a worker first (the program's start).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QTabWidget, QWidget

from halyk_desk.ui.frame import Frame
from halyk_desk.ui.menus import WindowMenus
from halyk_desk.ui.notify import MessageBoxNotifier, Notifier
from halyk_desk.ui.sign_in import WindowSignIn

if TYPE_CHECKING:
    from halyk_desk.ui.holds_view import HoldsView
    from halyk_desk.ui.payments_view import PaymentsView
    from halyk_desk.ui.sync_panel import SyncFunc, SyncPanel
    from halyk_desk.ui.window_wiring import WindowParts

#: The sandbox badge: black on orange, a contrast of about 9:1.
SANDBOX_BADGE_STYLE = (
    "QLabel { background: #ff8f00; color: #111111; font-weight: bold;"
    " border-radius: 3px; padding: 1px 8px; }"
)
#: How long (ms) the window waits for background work to stop when it closes.
CLOSE_WAIT_MS = 15_000
#: What `attach` imports, loaded on the worker that opens the data so that the GUI thread does
#: not wait for them.
ATTACH_MODULES = (
    "halyk_desk.services.bank",
    "halyk_desk.services.demo",
    "halyk_desk.ui.window_wiring",
)


def startup_error_text(error: BaseException, settings_file: Path | None = None) -> str:
    """What went wrong when opening the data, and what to do about it."""
    text = QCoreApplication.translate(
        "App",
        "Не удалось открыть данные Halyk Desk:\n{error}\n\n"
        "Проверьте адрес базы данных (параметр --db или переменная HALYK_DESK_DB) и файл настроек "
        "в папке программы (параметр --home или переменная HALYK_DESK_HOME). Если база на сервере "
        "PostgreSQL, проверьте, что сервер доступен. Затем запустите программу снова.",
    ).format(error=error)
    if settings_file is not None:
        text += "\n\n" + QCoreApplication.translate(
            "App",
            "Если базу выбрали в настройках (Файл → Настройки → База данных), а она больше не "
            "нужна, удалите строку database_url из файла {path}: программа откроет свою базу "
            "на этом компьютере.",
        ).format(path=settings_file)
    return text


class _FirstPaint(QObject):
    """Calls `then` once, right after the watched widget has painted itself for the first time
    (or at once if it is closed without ever painting)."""

    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)
        self._then: Callable[[], None] | None = then
        widget.installEventFilter(self)

    def fire(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            then()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.fire)
        return False


class MainWindow(QMainWindow):
    #: The data are open and every tab is built.
    ready = Signal()
    #: The data could not be opened (the exception); the user has been told, the window closes.
    failed = Signal(object)
    #: Something changed in the store (a services.changes.Changes): each view decides whether
    #: to read again. Whatever writes data in the window emits it.
    changed = Signal(object)

    def __init__(
        self,
        ctx: Any = None,
        *,
        notifier: Notifier | None = None,
        sync: SyncFunc | None = None,
        owns_context: bool = False,
    ) -> None:
        """`sync` replaces what the Sync button runs (tests bind it to a slow sandbox);
        with `owns_context` the window closes the context (its store) when it closes. Without
        `ctx`, only the frame is built: see open_in_background."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.ctx: Any = None
        self._owns_context = owns_context
        self._sync = sync
        self.notifier: Notifier = notifier or MessageBoxNotifier()
        #: Why the data could not be opened, when they could not.
        self.start_error: BaseException | None = None
        #: The settings file, when its database_url chose the database (named in start errors).
        self.settings_file: Path | None = None
        self._opening: dict[str, Any] | None = None
        self._demo_started = False
        #: The tabs and what works with them, once the data are open (attach).
        self.parts: WindowParts
        self.setWindowTitle(self.tr("Halyk Desk"))

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        # A tab's message is about that tab: it does not follow the person to the next one.
        self.tabs.currentChanged.connect(lambda _index: self.show_message(""))
        self.opening_label = QLabel(self.tr("Открываю данные…"), self)
        self.opening_label.setObjectName("opening")
        self.opening_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(self.opening_label)

        # A label rather than showMessage(): temporary messages would hide the badge.
        self.message_label = QLabel(self)
        self.message_label.setObjectName("statusMessage")
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.opening_bar = QProgressBar(self)
        self.opening_bar.setRange(0, 0)  # busy: opening a database has no measurable steps
        self.opening_bar.setMaximumWidth(160)
        self.opening_bar.setTextVisible(False)
        self.statusBar().addWidget(self.message_label, 1)
        self.statusBar().addPermanentWidget(self.opening_bar)

        self.sync_action = QAction(self.tr("Синхронизировать"), self)
        self.sync_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.sync_action.setEnabled(False)
        self.addAction(self.sync_action)
        #: Menus and shortcuts; what needs the data waits for `ready` (issue 6).
        self.menus = WindowMenus(self, self.tabs, self.sync_action,
                                 lambda: self.sign_in.switch_operator())
        #: Who is working: the sign-in dialog, switching operator, the idle lock (issue 9).
        self.sign_in = WindowSignIn(self, lambda dialog: self.menus.open_dialog(dialog))
        self.sign_in.operator_changed.connect(self._operator_changed)
        self.resize(1400, 820)
        if ctx is not None:
            self.attach(ctx)

    def open_in_background(self, open_context: Callable[[], Any]) -> None:
        """Once the frame has painted, open the data with `open_context()` on a worker
        (importing what the tabs need there too), then build the tabs and start loading. A
        failure is told through the notifier, the window closes and `failed` is emitted."""
        self.show_message(self.tr("Открываю данные…"))
        box: dict[str, Any] = {}
        self._opening = box
        # Not before the first paint: the worker's imports would compete with it for the GIL.
        self._first_paint = _FirstPaint(self, lambda: self._open(box, open_context))

    def _open(self, box: dict[str, Any], open_context: Callable[[], Any]) -> None:
        from halyk_desk.ui import tasks
        from halyk_desk.ui.imports import without_pyside_import_hook

        if self._opening is not box:
            return  # closed before it painted

        def job() -> Any:
            try:
                without_pyside_import_hook(ATTACH_MODULES)
                box["ctx"] = open_context()
            except BaseException as exc:
                box["error"] = exc
                raise
            return box["ctx"]

        def opened(ctx: Any) -> None:
            self._owns_context = True
            if getattr(ctx, "needs_sign_in", False):
                # Nothing is shown until someone proves who they are (ui/sign_in.py).
                self.sign_in.ask_first(ctx, lambda: self._show(ctx))
                return
            self._show(ctx)

        def settle() -> None:
            self._opening = None

        # Closed meanwhile (no longer current): closeEvent dealt with what was opened.
        tasks.run(job, opened, self._open_failed, settle=settle,
                  current=lambda: self._opening is box, owner=self)

    def _show(self, ctx: Any) -> None:
        # The sandbox's demo data (made on the first start) are prepared on a worker while
        # the tabs are being built, rather than after.
        self._prepare_demo(ctx)
        self.attach(ctx)
        self.start()

    def _open_failed(self, error: BaseException, *, closing: bool = False) -> None:

        self.start_error = error
        self.opening_bar.setVisible(False)
        self.show_message(str(error))
        self.notifier.error(self, self.tr("Halyk Desk не запустился"),
                            startup_error_text(error, self.settings_file))
        self.failed.emit(error)
        if not closing:
            self.close()

    def attach(self, ctx: Any) -> None:
        """Build the tabs (ui/window_wiring.py) and the status bar over the open data."""
        from halyk_desk.services.bank import is_sandbox
        from halyk_desk.ui import window_wiring

        self.ctx = ctx
        sandbox = is_sandbox(ctx)
        title = self.tr("Halyk Desk — {profile}").format(profile=ctx.profile.name)
        if sandbox:
            title += self.tr(" [ПЕСОЧНИЦА]")
        self.setWindowTitle(title)

        self.parts = window_wiring.build(self, self.tabs, ctx, notifier=self.notifier,
                                         changed=self.changed, show_message=self.show_message,
                                         sync=self._sync)
        self.setCentralWidget(self.tabs)

        bar = self.statusBar()
        self.opening_bar.setVisible(False)
        self.sandbox_badge = QLabel(self.tr("ПЕСОЧНИЦА / SANDBOX"), self)
        self.sandbox_badge.setObjectName("sandboxBadge")
        self.sandbox_badge.setStyleSheet(SANDBOX_BADGE_STYLE)
        self.sandbox_badge.setToolTip(
            self.tr("Учебный банк на этом компьютере: деньги не движутся, данные демонстрационные.")
        )
        self.sandbox_badge.setVisible(sandbox)
        self.profile_label = QLabel(self.tr("Профиль: {name}").format(name=ctx.profile.name), self)
        self.profile_label.setObjectName("profileLabel")
        self.operator_label = QLabel(self.tr("Оператор: {name}").format(name=ctx.operator), self)
        self.operator_label.setObjectName("operatorLabel")
        bar.insertWidget(0, self.sandbox_badge)
        bar.insertWidget(1, self.profile_label)
        bar.insertWidget(2, self.operator_label)
        bar.addPermanentWidget(self.sync_panel)

        self.sync_action.triggered.connect(self.sync_panel.start_sync)
        self.sync_action.setEnabled(True)
        #: What the window-wide parts (menus, sign-in, import, support report) use of it.
        self.frame = Frame(self, self.tabs, ctx, self.notifier, self.show_message,
                           self.changed.emit)
        self.sign_in.attached(self.frame)
        self.menus.attached(self.frame, self.parts.exporters(), self._find)
        self.ready.emit()

    # The parts other code reaches most (menus, benchmarks, tests).
    @property
    def payments_view(self) -> PaymentsView:
        return self.parts.payments

    @property
    def holds_view(self) -> HoldsView:
        return self.parts.holds

    @property
    def sync_panel(self) -> SyncPanel:
        return self.parts.sync_panel

    def start(self) -> None:
        """After show(): on the sandbox profile make sure the demo data exists, then load."""
        from halyk_desk.services.bank import is_sandbox

        if not is_sandbox(self.ctx):
            self._load()
            return
        self.sync_panel.sync_button.setEnabled(False)
        self.show_message(self.tr("Готовлю демонстрационные данные песочницы…"))
        self._prepare_demo(self.ctx)

    def _prepare_demo(self, ctx: Any) -> None:
        """On the sandbox profile, start making sure the demo data exist (once); the tabs load
        when they do (_demo_ready)."""
        from halyk_desk.services import demo as demo_service
        from halyk_desk.services.bank import is_sandbox
        from halyk_desk.ui import tasks

        if self._demo_started or not is_sandbox(ctx):
            return
        self._demo_started = True
        tasks.run(lambda: demo_service.ensure_demo(ctx), self._demo_ready, self._demo_failed,
                  settle=lambda: self.sync_panel.sync_button.setEnabled(True), owner=self)

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setToolTip(text)

    def _demo_failed(self, error: BaseException) -> None:
        text = self.tr("Не удалось подготовить демо-данные: {error}").format(error=error)
        self.show_message(text)
        self.notifier.error(self, self.tr("Песочница"), text)
        self._load()  # what there is

    def _demo_ready(self, created: bool) -> None:
        self.show_message(self.tr("Демо-данные песочницы загружены.") if created else "")
        self._load()

    def _find(self) -> None:
        """Ctrl+F: the Payments tab, its search chosen."""
        self.tabs.setCurrentWidget(self.parts.payments)
        self.parts.payments.focus_search()

    def _operator_changed(self, name: str) -> None:
        """Another operator works now: what they may do differs, so everything reads again."""
        self.operator_label.setText(self.tr("Оператор: {name}").format(name=name))
        self._load()

    def _load(self) -> None:
        self.parts.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        from halyk_desk.ui import tasks

        # Stop a running sync cleanly (what it read is kept) before the store goes away.
        tasks.cancel_all()
        tasks.wait_for_tasks(CLOSE_WAIT_MS)
        opening, self._opening = self._opening, None
        if opening is not None:
            # Closed while the data were being opened: close what was opened, or say why not.
            if "ctx" in opening:
                opening["ctx"].close()
            elif "error" in opening:
                self._open_failed(opening["error"], closing=True)
        if self._owns_context and self.ctx is not None:
            self.ctx.close()
            self._owns_context = False
        super().closeEvent(event)
