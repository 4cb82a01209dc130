"""Message boxes behind a small interface, so tests inject a recorder instead of a modal dialog."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QMessageBox, QWidget


class Notifier(Protocol):
    def error(self, parent: QWidget | None, title: str, text: str) -> None: ...

    def info(self, parent: QWidget | None, title: str, text: str) -> None: ...


class MessageBoxNotifier:
    """The real thing: a modal QMessageBox."""

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.critical(parent, title, text)

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)
