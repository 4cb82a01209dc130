"""The menu bar and the window-wide shortcuts.

    Файл:    Синхронизировать (F5), Импорт заказов… (Ctrl+I), Экспорт… (Ctrl+E),
             Настройки… (Ctrl+,), Сменить оператора…, Выход (Ctrl+Q)
    Правка:  Найти платёж (Ctrl+F)
    Справка: Сохранить отчёт для поддержки…, О программе

Ctrl+E exports what the open tab shows: the window names the tabs that can export, with what
runs (`attached(exporters)`: the reconciliation tab its workbook); on other tabs the action is
disabled and its tooltip says where to go. Dialogs are opened through `open_dialog`
(window-modal, not blocking), which tests replace.

The menus are part of the window's frame, shown before the data are open (see main_window): this
module imports only Qt, and the dialogs when they are asked for; the actions that need the data
are enabled by `attached()`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow, QTabWidget, QWidget

if TYPE_CHECKING:
    from halyk_desk.ui.frame import Frame

OpenDialog = Callable[[QDialog], None]


def open_window_modal(dialog: QDialog) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


class WindowMenus(QObject):
    def __init__(self, window: QMainWindow, tabs: QTabWidget, sync_action: QAction,
                 switch_operator: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.tabs = tabs
        self.open_dialog: OpenDialog = open_window_modal
        self.importer: Any = None  # made on first use: it imports the services
        self.reporter: Any = None
        #: The window over its open data (attached).
        self.frame: Frame | None = None
        self._exporters: Mapping[QWidget, Callable[[], object]] = {}
        self._find: Callable[[], None] | None = None
        bar = window.menuBar()

        file_menu = bar.addMenu(self.tr("&Файл"))
        file_menu.setObjectName("fileMenu")
        file_menu.addAction(sync_action)
        self.import_action = self._action(self.tr("&Импорт заказов…"), "Ctrl+I", self.import_orders)
        file_menu.addAction(self.import_action)
        self.export_action = self._action(self.tr("&Экспорт…"), "Ctrl+E", self.export)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        self.settings_action = self._action(self.tr("&Настройки…"), "Ctrl+,", self.open_settings)
        file_menu.addAction(self.settings_action)
        self.switch_operator_action = self._action(self.tr("Сменить &оператора…"), "",
                                                   switch_operator)
        file_menu.addAction(self.switch_operator_action)
        file_menu.addSeparator()
        self.quit_action = self._action(self.tr("В&ыход"), "Ctrl+Q", window.close)
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu(self.tr("&Правка"))
        edit_menu.setObjectName("editMenu")
        self.find_action = self._action(self.tr("&Найти платёж"), "Ctrl+F", self.find)
        edit_menu.addAction(self.find_action)

        help_menu = bar.addMenu(self.tr("&Справка"))
        help_menu.setObjectName("helpMenu")
        self.support_action = self._action(self.tr("&Сохранить отчёт для поддержки…"), "",
                                           self.save_support_report)
        help_menu.addAction(self.support_action)
        self.about_action = self._action(self.tr("&О программе"), "", self.open_about)
        help_menu.addAction(self.about_action)

        self._needs_data = (self.import_action, self.export_action, self.settings_action,
                            self.switch_operator_action,
                            self.find_action, self.about_action, self.support_action)
        for action in self._needs_data:
            action.setEnabled(False)
        tabs.currentChanged.connect(self._tab_changed)

    def attached(self, frame: Frame, exporters: Mapping[QWidget, Callable[[], object]],
                 find: Callable[[], None]) -> None:
        """The window's data are open: everything may be used. `exporters`: what Ctrl+E runs
        on the tabs that export; `find`: Ctrl+F (the payments' search)."""
        self.frame = frame
        self._exporters = exporters
        self._find = find
        for action in self._needs_data:
            action.setEnabled(True)
        self._tab_changed()

    def _action(self, text: str, keys: str, slot: Callable[[], Any]) -> QAction:
        action = QAction(text, self.window)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    # --- actions ------------------------------------------------------------------------------
    def _attached(self) -> Frame:
        assert self.frame is not None, "the window's data are not open yet"
        return self.frame

    def open_settings(self) -> QDialog:
        from halyk_desk.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self._attached().ctx, self.window)
        dialog.saved.connect(self._settings_saved)
        self.open_dialog(dialog)
        dialog.load()
        return dialog

    def _settings_saved(self, changes: list[Any], warning: str) -> None:
        from halyk_desk.services.changes import EVERYTHING
        from halyk_desk.ui.settings_dialog import restart_note

        frame = self._attached()
        frame.show_message(restart_note(changes))
        if warning:
            frame.notifier.info(self.window, self.tr("Пароль базы данных"), warning)
        # Hold days, the time zone and reasons change what the tabs show: read them again.
        frame.report(EVERYTHING)

    def import_orders(self) -> None:
        from halyk_desk.ui.import_orders import OrdersImporter

        if self.importer is None:
            self.importer = OrdersImporter(self._attached())
        self.importer.run()

    def save_support_report(self) -> None:
        from halyk_desk.ui.support_report import SupportReporter

        if self.reporter is None:
            self.reporter = SupportReporter(self._attached())
        self.reporter.run()

    def open_about(self) -> QDialog:
        from halyk_desk.ui.about import AboutDialog

        dialog = AboutDialog(self._attached().ctx, self.window)
        self.open_dialog(dialog)
        return dialog

    def find(self) -> None:
        if self._find is not None:
            self._find()

    def _exporter(self) -> Callable[[], object] | None:
        return self._exporters.get(self.tabs.currentWidget())

    def export(self) -> None:
        exporter = self._exporter()
        if exporter is not None:
            exporter()

    def _tab_changed(self, _index: int = -1) -> None:
        can = self.frame is not None and self._exporter() is not None
        self.export_action.setEnabled(can)
        self.export_action.setToolTip("" if can else self.tr(
            "Выгружать в Excel можно со вкладки, которая это умеет, например со сверки."))

