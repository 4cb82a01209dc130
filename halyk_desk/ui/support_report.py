"""Справка → Сохранить отчёт для поддержки…: the same ZIP as `halyk-desk support-report PATH`
(services/support_report.py), written in the background where the manager chooses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QFileDialog, QWidget

from halyk_desk.ui import tasks
from halyk_desk.ui.frame import Frame

ChooseTarget = Callable[[QWidget, str], str | None]


def tr(text: str) -> str:
    return QCoreApplication.translate("SupportReporter", text)


def choose_target(parent: QWidget, suggested: str) -> str | None:
    """The real save dialog (tests inject their own chooser instead)."""
    path, _ = QFileDialog.getSaveFileName(parent, tr("Сохранить отчёт для поддержки"), suggested,
                                          tr("Архив ZIP (*.zip)"))
    return path or None


class SupportReporter(QObject):
    def __init__(self, frame: Frame, *, choose: ChooseTarget = choose_target) -> None:
        super().__init__(frame.window)
        self.frame = frame
        self.choose = choose
        self.task: tasks.Task | None = None

    def run(self) -> None:
        if self.task is not None and self.task.running:
            return
        suggested = str(Path.home() / f"halyk-desk-support-{datetime.now():%Y%m%d-%H%M}.zip")
        path = self.choose(self.frame.window, suggested)
        if not path:
            return
        from halyk_desk.services.support_report import report_of

        ctx = self.frame.ctx
        self.frame.show_message(tr("Записываю отчёт для поддержки…"))
        self.task = tasks.run(lambda: report_of(ctx, Path(path)), self._done, self._failed,
                              owner=self.frame.window)

    def _failed(self, error: BaseException) -> None:
        self.frame.show_message(tr("Отчёт для поддержки не записан."))
        self.frame.notifier.error(self.frame.window, tr("Отчёт для поддержки"),
                                   tr("Отчёт не записан: {error}").format(error=error))

    def _done(self, report: Any) -> None:
        self.frame.show_message(tr("Отчёт для поддержки записан."))
        self.frame.notifier.info(self.frame.window, tr("Отчёт для поддержки"), tr(
            "Отчёт записан: {path}\n\nОтправьте этот файл в поддержку. В нём журнал, версии, "
            "настройки и сведения о базе; секретов, токенов и номеров карт в нём нет."
        ).format(path=report.path))
