"""MainWindow: the tabs (Payments, Holds; more to come) and a status bar with profile and sync."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QWidget

from halyk_desk.services import demo as demo_service
from halyk_desk.services.bank import is_sandbox
from halyk_desk.ui import dashboard_view, layout_state, menus, money_actions, table_menus, tasks
from halyk_desk.ui.holds_view import HoldsView
from halyk_desk.ui.notify import MessageBoxNotifier, Notifier
from halyk_desk.ui.payments_view import PaymentsView
from halyk_desk.ui.sync_panel import SyncFunc, SyncPanel

#: The sandbox badge: black on orange, a contrast of about 9:1.
SANDBOX_BADGE_STYLE = (
    "QLabel { background: #ff8f00; color: #111111; font-weight: bold;"
    " border-radius: 3px; padding: 1px 8px; }"
)
#: How long (ms) the window waits for background work to stop when it closes.
CLOSE_WAIT_MS = 15_000


class MainWindow(QMainWindow):
    def __init__(
        self,
        ctx: Any,
        *,
        notifier: Notifier | None = None,
        sync: SyncFunc | None = None,
        owns_context: bool = False,
    ) -> None:
        """`sync` replaces what the Sync button runs (tests bind it to a slow sandbox);
        with `owns_context` the window closes the context (its store) when it closes."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.ctx = ctx
        self._owns_context = owns_context
        self.notifier: Notifier = notifier or MessageBoxNotifier()
        sandbox = is_sandbox(ctx)
        title = self.tr("Halyk Desk — {profile}").format(profile=ctx.profile.name)
        if sandbox:
            title += self.tr(" [ПЕСОЧНИЦА]")
        self.setWindowTitle(title)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        self.payments_view = PaymentsView(ctx, self)
        self.holds_view = HoldsView(ctx, self)
        self.add_tab(self.payments_view, self.tr("Платежи"))
        self.add_tab(self.holds_view, self.tr("Блокировки"))
        self.setCentralWidget(self.tabs)

        bar = self.statusBar()
        self.sandbox_badge = QLabel(self.tr("ПЕСОЧНИЦА / SANDBOX"), self)
        self.sandbox_badge.setObjectName("sandboxBadge")
        self.sandbox_badge.setStyleSheet(SANDBOX_BADGE_STYLE)
        self.sandbox_badge.setToolTip(
            self.tr("Учебный банк на этом компьютере: деньги не движутся, данные демонстрационные.")
        )
        self.sandbox_badge.setVisible(sandbox)
        self.profile_label = QLabel(self.tr("Профиль: {name}").format(name=ctx.profile.name), self)
        self.profile_label.setObjectName("profileLabel")
        # A label rather than showMessage(): temporary messages would hide the badge.
        self.message_label = QLabel(self)
        self.message_label.setObjectName("statusMessage")
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sync_panel = SyncPanel(ctx, self.notifier, self, sync=sync)
        bar.addWidget(self.sandbox_badge)
        bar.addWidget(self.profile_label)
        bar.addWidget(self.message_label, 1)
        bar.addPermanentWidget(self.sync_panel)

        self.sync_action = QAction(self.tr("Синхронизировать"), self)
        self.sync_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.sync_action.triggered.connect(self.sync_panel.start_sync)
        self.addAction(self.sync_action)

        self.sync_panel.message.connect(self.show_message)
        self.sync_panel.finished.connect(self._synced)
        self.payments_view.message.connect(self.show_message)
        self.holds_view.loaded.connect(self._holds_loaded)
        #: Money buttons, the Audit tab, resolution of unknown operations (issue 4).
        self.money_movement = money_actions.install(self)
        #: The dashboard (first tab), menus, context menus, the remembered layout (issue 6).
        self.dashboard = dashboard_view.install(self)
        self.menus = menus.install(self)
        self.table_menus = table_menus.install(self)
        self.resize(1400, 820)
        self.layout_state = layout_state.install(self)

    def add_tab(self, view: QWidget, title: str) -> int:
        """Later issues add Audit, Reconciliation and a Dashboard the same way."""
        return self.tabs.addTab(view, title)

    def start(self) -> None:
        """After show(): on the sandbox profile make sure the demo data exists, then load."""
        if not is_sandbox(self.ctx):
            self._load()
            return
        self.sync_panel.sync_button.setEnabled(False)
        self.show_message(self.tr("Готовлю демонстрационные данные песочницы…"))
        ctx = self.ctx
        tasks.run_task(lambda: demo_service.ensure_demo(ctx), self._demo_ready, owner=self)

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setToolTip(text)

    def _demo_ready(self, created: bool | None, error: BaseException | None) -> None:
        self.sync_panel.sync_button.setEnabled(True)
        if error is not None:
            text = self.tr("Не удалось подготовить демо-данные: {error}").format(error=error)
            self.show_message(text)
            self.notifier.error(self, self.tr("Песочница"), text)
        elif created:
            self.show_message(self.tr("Демо-данные песочницы загружены."))
        else:
            self.show_message("")
        self._load()

    def _load(self) -> None:
        self.payments_view.start()
        self.holds_view.start()
        self.money_movement.start()
        self.dashboard.start()
        self.sync_panel.refresh_last_sync()

    def _synced(self, _summary: object) -> None:
        self.payments_view.refresh()
        self.holds_view.refresh()

    def _holds_loaded(self, count: int) -> None:
        index = self.tabs.indexOf(self.holds_view)
        title = self.tr("Блокировки")
        self.tabs.setTabText(index, f"{title} ({count})" if count else title)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Stop a running sync cleanly (what it read is kept) before the store goes away.
        tasks.cancel_all()
        tasks.wait_for_tasks(CLOSE_WAIT_MS)
        if self._owns_context:
            self.ctx.close()
            self._owns_context = False
        super().closeEvent(event)
