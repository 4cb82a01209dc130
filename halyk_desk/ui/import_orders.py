"""Файл → Импорт заказов…: the shop's export (1C-Bitrix CSV, any CSV, XLSX) loaded from the window.

The import is the same service as `halyk-desk orders import`: all or nothing, every error listed
with its row number. It runs on a worker; the lists are refreshed when it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QFileDialog, QWidget

from halyk_desk.ui import tasks
from halyk_desk.ui.frame import Frame

#: How many of a refused file's errors the message lists; the rest are counted.
SHOWN_ERRORS = 25

ChooseFile = Callable[[QWidget], str | None]


def tr(text: str) -> str:
    return QCoreApplication.translate("OrdersImporter", text)


def choose_orders_file(parent: QWidget) -> str | None:
    """The real file dialog (tests inject their own chooser instead)."""
    path, _ = QFileDialog.getOpenFileName(
        parent, tr("Импорт заказов магазина"), "",
        tr("Выгрузка заказов (*.csv *.txt *.xlsx);;Все файлы (*)"),
    )
    return path or None


def refused_text(error: Any) -> str:
    """What the accountant reads when a file is refused: every problem, or the first ones."""
    from halyk_desk.imports.errors import more_problems

    problems = [str(problem) for problem in error.errors]
    lines = [tr("Ничего не загружено: исправьте файл и загрузите его снова."), ""]
    lines += problems[:SHOWN_ERRORS]
    hidden = len(problems) - len(problems[:SHOWN_ERRORS]) + getattr(error, "more", 0)
    if hidden:
        lines.append(str(more_problems(hidden)))
    return "\n".join(lines)


def done_text(summary: Any) -> str:
    text = tr("Файл {file}: новых заказов — {added}, без изменений — {unchanged}, "
              "обновлено — {updated}.").format(file=summary.source_file, added=summary.added,
                                              unchanged=summary.unchanged,
                                              updated=summary.updated)
    if summary.warnings:
        text += "\n\n" + "\n".join(map(str, summary.warnings))
    return text


class OrdersImporter(QObject):
    """Asks for a file, imports it in the background, says what happened, refreshes the lists."""

    def __init__(self, frame: Frame, *, choose_file: ChooseFile = choose_orders_file) -> None:
        super().__init__(frame.window)
        self.frame = frame
        self.choose_file = choose_file
        self.task: tasks.Task | None = None

    def run(self) -> None:
        if self.task is not None and self.task.running:
            return  # one import at a time
        path = self.choose_file(self.frame.window)
        if not path:
            return
        from halyk_desk.services.orders import import_orders

        ctx = self.frame.ctx
        self.frame.show_message(tr("Загружаю заказы из {file}…").format(file=Path(path).name))
        self.task = tasks.run(lambda: import_orders(ctx, Path(path)), self._done, self._failed,
                              owner=self.frame.window)

    def _failed(self, error: BaseException) -> None:
        from halyk_desk.imports import ImportFailed

        if isinstance(error, ImportFailed):
            self.frame.show_message(tr("Заказы не загружены: в файле есть ошибки."))
            text = refused_text(error)
        else:
            self.frame.show_message(tr("Заказы не загружены."))
            text = tr("Не удалось загрузить файл: {error}").format(error=error)
        self.frame.notifier.error(self.frame.window, tr("Заказы не загружены"), text)

    def _done(self, summary: Any) -> None:
        self.frame.show_message(done_text(summary).split("\n", 1)[0])
        self.frame.notifier.info(self.frame.window, tr("Заказы загружены"), done_text(summary))
        from halyk_desk.services import orders

        self.frame.report(orders.CHANGES)
