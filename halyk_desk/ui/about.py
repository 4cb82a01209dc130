"""AboutDialog (Справка → О программе): the version, where the data is, what it runs on.

Support asks for exactly these lines, so they can be copied in one click; the data folder opens in
the file manager (backups are taken from there).
"""

from __future__ import annotations

import platform
import sys
from typing import Any

import PySide6
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from halyk_desk import __version__
from halyk_desk.ui import i18n


class AboutDialog(QDialog):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(self.tr("О программе"))
        self._ctx = ctx
        paths = ctx.paths
        title = QLabel(self.tr("<h2>Halyk Desk {version}</h2>").format(version=__version__), self)
        title.setObjectName("aboutTitle")
        blurb = QLabel(self.tr("Бэк-офис магазина для платежей через Halyk ePay: сверка, "
                               "блокировки, возвраты."), self)
        blurb.setWordWrap(True)
        self.rows: list[tuple[str, str]] = [
            (self.tr("Версия"), __version__),
            (self.tr("Папка данных"), str(paths.data_dir)),
            (self.tr("Настройки"), str(paths.config_dir)),
            (self.tr("Журналы"), str(paths.log_dir)),
            (self.tr("База данных"), ctx.store.url),
            (self.tr("Профиль"), ctx.profile.name),
            (self.tr("Оператор"), ctx.operator),
            (self.tr("Язык"), i18n.NATIVE_NAMES[i18n.current()]),
            (self.tr("Система"), f"Python {platform.python_version()}, Qt {qVersion()}, "
                                 f"PySide6 {PySide6.__version__}, {sys.platform}"),
        ]
        form = QFormLayout()
        self.value_labels: dict[str, QLabel] = {}
        for name, value in self.rows:
            label = QLabel(value, self)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            form.addRow(name + ":", label)
            self.value_labels[name] = label
        self.open_button = QPushButton(self.tr("Открыть папку данных"), self)
        self.open_button.setObjectName("openDataFolder")
        self.copy_button = QPushButton(self.tr("Копировать сведения"), self)
        self.copy_button.setObjectName("copyAbout")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(self.tr("Закрыть"))
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(blurb)
        layout.addLayout(form)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        self.open_button.clicked.connect(self.open_data_folder)
        self.copy_button.clicked.connect(self.copy)
        self.resize(640, self.sizeHint().height())

    def text(self) -> str:
        return "\n".join(f"{name}: {value}" for name, value in self.rows)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(f"Halyk Desk {__version__}\n{self.text()}\n")

    def open_data_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._ctx.paths.data_dir)))
