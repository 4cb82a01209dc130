"""SyncPanel: the Sync button, its progress (done/total, rate, ETA), Cancel and the last sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from halyk_desk.services import payments as payment_service
from halyk_desk.services import sync as sync_service
from halyk_desk.services.payments import SyncRunInfo
from halyk_desk.services.sync import SyncProgress, SyncSummary
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.notify import Notifier
from halyk_desk.ui.tasks import Task, run

#: What the Sync button runs: services.sync.sync_statuses, or the same bound to another bank.
SyncFunc = Callable[..., SyncSummary]


class SyncPanel(QWidget):
    """Runs services.sync.sync_statuses on a worker; one sync at a time."""

    #: A sync ended (finished or cancelled) and wrote what it read: views should read again.
    finished = Signal(object)
    #: The one-line result for the status bar.
    message = Signal(str)

    def __init__(
        self,
        ctx: Any,
        notifier: Notifier,
        parent: QWidget | None = None,
        *,
        sync: SyncFunc | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("syncPanel")
        self._ctx = ctx
        self._sync = sync or sync_service.sync_statuses
        self._notifier = notifier
        self._task: Task | None = None
        self.last_summary: SyncSummary | None = None

        self.last_sync_label = QLabel(self)
        self.last_sync_label.setObjectName("lastSync")
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("syncProgress")
        self.progress_bar.setMinimumWidth(180)
        self.progress_bar.setMaximumWidth(260)
        self.rate_label = QLabel(self)
        self.rate_label.setObjectName("syncRate")
        # Room for the longest text, so the status bar never cuts the ETA off.
        self.rate_label.setMinimumWidth(
            self.rate_label.fontMetrics().horizontalAdvance("9999,9/с · осталось 00:00:00")
        )
        self.cancel_button = QPushButton(self.tr("Отмена"), self)
        self.cancel_button.setObjectName("syncCancel")
        self.sync_button = QPushButton(self.tr("Синхронизировать"), self)
        self.sync_button.setObjectName("syncButton")
        self.sync_button.setToolTip(self.tr("Прочитать у банка состояние платежей (F5)"))

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.last_sync_label)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.rate_label)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.sync_button)

        self.sync_button.clicked.connect(self.start_sync)
        self.cancel_button.clicked.connect(self.cancel_sync)
        self._show_running(False)

    @property
    def running(self) -> bool:
        return self._task is not None

    def refresh_last_sync(self) -> None:
        ctx = self._ctx
        run(lambda: payment_service.last_sync(ctx), self._last_sync_arrived,
            self._last_sync_unknown, owner=self)

    def start_sync(self) -> None:
        if self._task is not None or not self.sync_button.isEnabled():
            return
        ctx, sync = self._ctx, self._sync
        self.progress_bar.setRange(0, 0)  # busy until the first progress tells the total
        self.rate_label.setText(self.tr("Подготовка…"))
        self._show_running(True)
        self._task = run(
            lambda progress, cancel: sync(ctx, progress=progress, cancel=cancel),
            self._done,
            self._failed,
            settle=self._ended,
            progress=self._progress,
            cancellable=True,
            owner=self,
        )

    def cancel_sync(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText(self.tr("Останавливаю…"))

    def _show_running(self, running: bool) -> None:
        self.progress_bar.setVisible(running)
        self.rate_label.setVisible(running)
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.cancel_button.setText(self.tr("Отмена"))
        self.sync_button.setEnabled(not running)

    def _progress(self, progress: SyncProgress) -> None:
        if progress.waiting:
            self.progress_bar.setRange(0, max(progress.total, 1))
            self.progress_bar.setValue(progress.done)
            self.progress_bar.setFormat(self.tr("{done} из {total}").format(
                done=fmt.grouped(progress.done), total=fmt.grouped(progress.total)))
            self.rate_label.setText(self.tr("синхронизирует другой компьютер, ждём"))
            self.rate_label.setToolTip(self.tr(
                "Этот профиль сейчас синхронизирует другой компьютер; ждём его и прочитаем "
                "только то, что он оставит."))
            return
        self.rate_label.setToolTip("")
        self.progress_bar.setRange(0, max(progress.total, 1))
        self.progress_bar.setValue(progress.done)
        self.progress_bar.setFormat(
            self.tr("{done} из {total}").format(
                done=fmt.grouped(progress.done), total=fmt.grouped(progress.total)
            )
        )
        self.rate_label.setText(
            self.tr("{rate}/с · осталось {eta}").format(
                rate=f"{progress.rate_per_s:.1f}".replace(".", ","),
                eta=fmt.eta_text(progress.eta_s),
            )
        )

    def _ended(self) -> None:
        self._task = None
        self._show_running(False)

    def _done(self, summary: SyncSummary) -> None:
        self.last_summary = summary
        self.message.emit(summary_text(summary))
        self.refresh_last_sync()
        self.finished.emit(summary)

    def _failed(self, error: BaseException) -> None:
        text = self.tr("Синхронизация не удалась: {error}").format(error=error)
        self.message.emit(text)
        self._notifier.error(self.window(), self.tr("Синхронизация"), text)
        self.refresh_last_sync()
        self.finished.emit(None)  # what it read before it failed is kept: lists read again

    def _last_sync_unknown(self, error: BaseException) -> None:
        self.last_sync_label.setText(self.tr("Последняя синхронизация: неизвестно"))
        self.last_sync_label.setToolTip(str(error))

    def _last_sync_arrived(self, info: SyncRunInfo | None) -> None:
        label = self.last_sync_label
        label.setToolTip(self.tr("Время Алматы"))
        if info is None:
            label.setText(self.tr("Синхронизации ещё не было"))
        elif info.status == "interrupted":
            label.setText(self.tr("Синхронизация от {when} прервана: программа была остановлена. "
                                  "Следующая продолжит с того, что успела сохранить.").format(
                when=fmt.local_time_text(info.started_at)))
        elif info.finished_at is None:
            # Still running elsewhere, or killed: the next sync carries on from what it kept.
            label.setText(
                self.tr("Синхронизация от {when} не завершена").format(
                    when=fmt.local_time_text(info.started_at)
                )
            )
        else:
            when = fmt.local_time_text(info.finished_at)
            text = {
                "cancelled": self.tr("Синхронизация: {when} (остановлена)"),
                "failed": self.tr("Синхронизация: {when} (с ошибкой)"),
            }.get(info.status, self.tr("Синхронизация: {when}"))
            label.setText(text.format(when=when))


def summary_text(summary: SyncSummary) -> str:
    """ "Синхронизация завершена: прочитано 120, изменилось 15, нет в банке 3, ошибок 2 (...)"."""
    errors = sum(summary.errors_by_kind.values())
    if summary.cancelled:
        head = QCoreApplication.translate("SyncPanel", "Синхронизация остановлена")
    else:
        head = QCoreApplication.translate("SyncPanel", "Синхронизация завершена")
    text = QCoreApplication.translate(
        "SyncPanel",
        "{head}: прочитано {read}, изменилось {changed}, нет в банке {not_found}, ошибок {errors}",
    ).format(
        head=head,
        read=fmt.grouped(summary.read),
        changed=fmt.grouped(summary.changed),
        not_found=fmt.grouped(summary.not_found),
        errors=fmt.grouped(errors),
    )
    if errors:
        kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(summary.errors_by_kind.items()))
        text += f" ({kinds})"
    if summary.cancelled:
        text += QCoreApplication.translate(
            "SyncPanel", "; остальное прочитает следующая синхронизация"
        )
    if summary.unchanged:
        text += QCoreApplication.translate(
            "SyncPanel", "; без изменений и не читались заново: {unchanged}"
        ).format(unchanged=fmt.grouped(summary.unchanged))
    text += "."
    if summary.fallback is not None:
        text += " " + str(summary.fallback)
    return text
