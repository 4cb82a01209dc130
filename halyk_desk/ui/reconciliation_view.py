"""ReconciliationView, the Сверка tab: pick a day or a range, run, read the summary cards, go
through the discrepancies (with the payment's detail beside them), mark them resolved, export the
workbook (Ctrl+E). Runs and exports go to a worker with progress and a cancel button.

Dialogs are injected: `open_dialog` shows the "mark resolved" dialog (window-modal, not blocking)
and `ask_save_path(suggested)` asks where to save the workbook; tests replace both.
Its `export()` is what Ctrl+E runs on this tab.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.domain import Money
from halyk_desk.reconcile import ATTENTION, CATEGORIES, Discrepancy
from halyk_desk.reports import ExportCancelled, ExportError
from halyk_desk.services import reconciliation as service
from halyk_desk.services.dashboard import business_today
from halyk_desk.services.reconciliation import (
    EmptyPeriod,
    ReconcileProgress,
    Reconciliation,
    ReconciliationCancelled,
)
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui import i18n
from halyk_desk.ui.dashboard_view import CARD_STYLE, StatCard
from halyk_desk.ui.date_fields import date_edit, pydate, qdate
from halyk_desk.ui.notify import Notifier
from halyk_desk.ui.payment_detail import PaymentDetailPane
from halyk_desk.ui.reconciliation_model import (
    COLUMNS,
    MESSAGE_COLUMN,
    DiscrepancyFilter,
    DiscrepancyModel,
    category_title,
)
from halyk_desk.ui.roles import RowRole
from halyk_desk.ui.tasks import Task, error_box, run

WARN_STYLE = "color: #8a4b00;"
ERROR_STYLE = "color: #b00020;"
#: Widths of the columns but the message's, which takes what is left: narrow enough that on a
#: 1366 px laptop the message keeps room for a sentence (long names are elided, with a tooltip).
_COLUMN_WIDTHS = (150, 82, 88, 96, 96, 96, 0, 84)
#: The least width of the message column: about forty characters.
MESSAGE_MIN_CHARS = 40
#: Category cards per row under the money cards.
CARDS_PER_ROW = 7
OpenDialog = Callable[[QDialog], None]
AskPath = Callable[[QWidget, str], str | None]


def _open(dialog: QDialog) -> None:
    """Window-modal without blocking: the answer arrives through the dialog's signals."""
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def _ask_save_path(parent: QWidget, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(
        parent, QCoreApplication.translate("ReconciliationView", "Сохранить сверку в Excel"),
        suggested, QCoreApplication.translate("ReconciliationView", "Книга Excel (*.xlsx)"))
    return path or None


class MarkDialog(QDialog):
    """"Отметить решённым": what the discrepancy is, and a note saying how it was resolved."""

    def __init__(self, item: Discrepancy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("markResolvedDialog")
        self.setWindowTitle(self.tr("Отметить расхождение решённым"))
        self.item = item
        what = QLabel(f"<b>{category_title(item.category)}</b>"
                      + (f" · {item.invoice_id}" if item.invoice_id else ""), self)
        message = QLabel(str(item.message), self)
        message.setWordWrap(True)
        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setObjectName("markNote")
        self.note_edit.setPlaceholderText(self.tr(
            "Как решено: например, «магазин исправил сумму заказа» или «банк подтвердил "
            "возврат»"))
        if item.mark is not None:
            self.note_edit.setPlainText(item.mark.note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Отметить решённым"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Отмена"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(what)
        layout.addWidget(message)
        layout.addWidget(QLabel(self.tr("Примечание (обязательно):"), self))
        layout.addWidget(self.note_edit)
        layout.addWidget(self.buttons)
        self.note_edit.textChanged.connect(self._update)
        self._update()
        self.resize(520, 300)

    def note(self) -> str:
        return self.note_edit.toPlainText().strip()

    def _update(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(0 < len(self.note()) <= service.MAX_NOTE)


class ReconciliationView(QWidget):
    """The Сверка tab."""

    #: A run arrived and is shown (the Reconciliation).
    ran = Signal(object)
    #: A run or an export failed or was cancelled (the text shown).
    failed = Signal(str)
    #: The workbook was written (its path).
    exported = Signal(object)
    #: A discrepancy was marked resolved (the Discrepancy as it now reads).
    marked = Signal(object)
    #: A line for the window's status bar.
    message = Signal(str)

    def __init__(self, ctx: Any, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reconciliationView")
        self.setStyleSheet(CARD_STYLE)
        self._ctx = ctx
        self.notifier = notifier
        self.open_dialog: OpenDialog = _open
        self.ask_save_path: AskPath = _ask_save_path
        self.recon: Reconciliation | None = None
        self._task: Task | None = None
        self._last_folder: Path | None = None

        yesterday = business_today(ctx) - timedelta(days=1)
        self.from_edit = date_edit(self, yesterday, "reconcileFrom")
        self.to_edit = date_edit(self, yesterday, "reconcileTo")
        self.yesterday_button = QPushButton(self.tr("Вчера"), self)
        self.yesterday_button.setObjectName("reconcileYesterday")
        self.last_month_button = QPushButton(self.tr("Прошлый месяц"), self)
        self.last_month_button.setObjectName("reconcileLastMonth")
        self.operations_check = QCheckBox(self.tr("Реестр операций банка"), self)
        self.operations_check.setObjectName("useOperationsList")
        self.operations_check.setChecked(True)
        self.operations_check.setToolTip(self.tr(
            "Запросить у банка реестр операций: он показывает платежи, неизвестные магазину, и "
            "повторные оплаты одного заказа."))
        self.run_button = QPushButton(self.tr("Сверить"), self)
        self.run_button.setObjectName("runReconciliation")
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("Отменить"), self)
        self.cancel_button.setObjectName("cancelReconciliation")
        self.cancel_button.setVisible(False)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("reconcileProgress")
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setVisible(False)
        self.export_button = QPushButton(self.tr("Экспорт в Excel…"), self)
        self.export_button.setObjectName("exportReconciliation")
        self.export_button.setToolTip(self.tr("Книга Excel со всеми листами сверки (Ctrl+E)"))
        self.export_button.setEnabled(False)

        self.status_label = QLabel(self.tr(
            "Выберите день или период и нажмите «Сверить»: заказы магазина сравниваются с "
            "платежами банка."), self)
        self.status_label.setObjectName("reconcileStatus")
        self.status_label.setWordWrap(True)
        self.warning_label = QLabel(self)
        self.warning_label.setObjectName("reconcileWarning")
        self.warning_label.setStyleSheet(WARN_STYLE)
        self.warning_label.setWordWrap(True)
        self.warning_label.setVisible(False)

        self.cards: dict[str, StatCard] = {}
        money = QHBoxLayout()
        for name, title in (("ordered", self.tr("Заказано")), ("captured", self.tr("Списано")),
                            ("refunded", self.tr("Возвращено")),
                            ("net", self.tr("Чистыми (списано − возвращено)")),
                            ("match_rate", self.tr("Доля совпадений"))):
            card = StatCard(f"card_{name}", title, self)
            money.addWidget(card)
            self.cards[name] = card
        self.category_cards: dict[str, StatCard] = {}
        categories = QGridLayout()
        categories.setHorizontalSpacing(8)
        categories.setVerticalSpacing(6)
        for n, key in enumerate(CATEGORIES):
            card = StatCard(f"category_{key}", category_title(key), self)
            card.title_label.setWordWrap(True)
            card.activated.connect(lambda k=key: self.show_category(k))
            categories.addWidget(card, n // CARDS_PER_ROW, n % CARDS_PER_ROW)
            self.category_cards[key] = card
        self.cards_box = QWidget(self)
        cards_layout = QVBoxLayout(self.cards_box)
        cards_layout.setContentsMargins(0, 0, 0, 0)
        cards_layout.addLayout(money)
        cards_layout.addLayout(categories)
        self.cards_box.setVisible(False)

        self.category_combo = QComboBox(self)
        self.category_combo.setObjectName("discrepancyCategory")
        self.category_combo.addItem(self.tr("Все расхождения"), None)
        for key in CATEGORIES:
            if key in ATTENTION:
                self.category_combo.addItem(category_title(key), key)
        self.resolved_check = QCheckBox(self.tr("Показывать решённые"), self)
        self.resolved_check.setObjectName("showResolved")
        self.resolved_check.setChecked(True)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("discrepancyCount")

        self.model = DiscrepancyModel(self)
        self.proxy = DiscrepancyFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setObjectName("discrepancyTable")
        self.table.setModel(self.proxy)
        self._setup_table()

        self.item_label = QLabel(self)
        self.item_label.setObjectName("discrepancyDetail")
        self.item_label.setWordWrap(True)
        self.item_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.mark_button = QPushButton(self.tr("Отметить решённым…"), self)
        self.mark_button.setObjectName("markResolved")
        self.mark_button.setEnabled(False)
        self.detail = PaymentDetailPane(ctx, self)
        side_content = QWidget(self)
        side_layout = QVBoxLayout(side_content)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.item_label)
        side_layout.addWidget(self.mark_button, 0, Qt.AlignmentFlag.AlignLeft)
        side_layout.addWidget(self.detail, 1)
        # Scrolled, so that a long payment never makes the window taller than the screen.
        side = QScrollArea(self)
        side.setObjectName("discrepancySide")
        side.setWidgetResizable(True)
        side.setFrameShape(QScrollArea.Shape.NoFrame)
        side.setWidget(side_content)
        list_box = QWidget(self)
        list_layout = QVBoxLayout(list_box)
        list_layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("Показать:"), self))
        filters.addWidget(self.category_combo)
        filters.addWidget(self.resolved_check)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        list_layout.addLayout(filters)
        list_layout.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(list_box)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1000, 340])

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Период:"), self))
        bar.addWidget(self.from_edit)
        bar.addWidget(QLabel("—", self))
        bar.addWidget(self.to_edit)
        bar.addWidget(self.yesterday_button)
        bar.addWidget(self.last_month_button)
        bar.addSpacing(12)
        bar.addWidget(self.operations_check)
        bar.addWidget(self.run_button)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.progress_bar)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.cards_box)
        layout.addWidget(self.splitter, 1)

        self.from_edit.dateChanged.connect(self._from_changed)
        self.to_edit.dateChanged.connect(self._to_changed)
        self.yesterday_button.clicked.connect(self.choose_yesterday)
        self.last_month_button.clicked.connect(self.choose_last_month)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button.clicked.connect(self.export)
        self.mark_button.clicked.connect(self.mark_selected)
        self.category_combo.currentIndexChanged.connect(self._filter_changed)
        self.resolved_check.toggled.connect(self._filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.proxy.modelReset.connect(lambda: self._show_item(None))

    # --- setup ----------------------------------------------------------------------------------
    def _setup_table(self) -> None:
        table = self.table
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.setSortingEnabled(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        rows = table.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        # Amounts as wide as the language writes a large one ("KZT 9,999,999.99" is wider than
        # "9 999 999,99 ₸"), so that they are not cut off.
        amount = table.fontMetrics().horizontalAdvance(fmt.money_text(Money(9_999_999_99))) + 14
        for column, width in enumerate(_COLUMN_WIDTHS):
            if column != MESSAGE_COLUMN:
                header.resizeSection(column, max(width, amount) if COLUMNS[column].right
                                     else width)
        header.setSectionResizeMode(MESSAGE_COLUMN, QHeaderView.ResizeMode.Stretch)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        assert len(_COLUMN_WIDTHS) == len(COLUMNS)

    # --- period ---------------------------------------------------------------------------------
    def period(self) -> tuple[date, date]:
        return pydate(self.from_edit.date()), pydate(self.to_edit.date())

    def set_period(self, first: date, last: date) -> None:
        """first <= last; the end first, so that neither edit has to move the other."""
        self.to_edit.setDate(qdate(last))
        self.from_edit.setDate(qdate(first))

    def choose_yesterday(self) -> None:
        yesterday = business_today(self._ctx) - timedelta(days=1)
        self.set_period(yesterday, yesterday)

    def choose_last_month(self) -> None:
        end = business_today(self._ctx).replace(day=1) - timedelta(days=1)
        self.set_period(end.replace(day=1), end)

    def _from_changed(self, day: QDate) -> None:
        if day > self.to_edit.date():  # never an empty period: the end follows the start
            self.to_edit.setDate(day)

    def _to_changed(self, day: QDate) -> None:
        if day < self.from_edit.date():
            self.from_edit.setDate(day)

    # --- running --------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._task is not None and self._task.running

    def _set_busy(self, busy: bool) -> None:
        self.run_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy and self.recon is not None)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.progress_bar.setVisible(busy)
        if busy:
            self.progress_bar.setRange(0, 0)

    def run(self) -> None:
        """Reconcile the chosen days on a worker; the result replaces what is shown."""
        if self.busy:
            return
        ctx, (first, last) = self._ctx, self.period()
        use_list = self.operations_check.isChecked()

        def job(progress: Callable[[Any], None], cancel: threading.Event) -> Reconciliation:
            return service.run_reconciliation(ctx, first, last, use_operations_list=use_list,
                                              progress=progress, cancel=cancel)

        self.status_label.setText(self.tr("Сверяю {period}…").format(
            period=self._period_text(first, last)))
        self.status_label.setStyleSheet("")
        self._set_busy(True)
        self._task = run(job, self._ran, self._run_failed, settle=self._ended,
                         progress=self._progress, cancellable=True, owner=self)

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)

    def _progress(self, report: ReconcileProgress) -> None:
        texts = {
            "reading": self.tr("Читаю заказы и платежи"),
            "operations_list": self.tr("Читаю реестр операций банка"),
            "matching": self.tr("Сопоставляю"),
            "saving": self.tr("Сохраняю результат"),
            "export": self.tr("Записываю книгу Excel"),
        }
        total = report.total or 0
        if total:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(report.done, total))
        else:
            self.progress_bar.setRange(0, 0)
        text = texts.get(report.stage, report.stage)
        if report.done and not total:
            text += f": {fmt.grouped(report.done)}"
        self.progress_bar.setFormat(text)
        self.progress_bar.setToolTip(text)

    def _ended(self) -> None:
        """A run or an export ended, however (the buttons follow once what is shown is)."""
        self._task = None

    def _ran(self, recon: Reconciliation) -> None:
        self.recon = recon
        self._set_busy(False)
        self._show_result(recon)
        self.ran.emit(recon)

    def _run_failed(self, error: BaseException) -> None:
        if isinstance(error, ReconciliationCancelled) and self.recon is not None:
            # The earlier result stays, under its own dates.
            shown = self.recon.result
            self.set_period(shown.period_from, shown.period_to)
        else:
            self._clear_result()
        self._set_busy(False)
        self._failed(self._run_error_text(error))

    def _run_error_text(self, error: BaseException) -> str:
        if isinstance(error, ReconciliationCancelled):
            return self.tr("Сверка отменена: ничего не сохранено.")
        if isinstance(error, EmptyPeriod):
            return self.tr(
                "За {period} сверять нечего: в базе нет заказов, платежей и операций этих дней. "
                "Проверьте даты, загрузите заказы магазина и синхронизируйте (F5).").format(
                period=self._period_text(*self.period()))
        text = self.tr("Сверка не выполнена: {error}").format(error=error)
        self.notifier.error(self.window(), self.tr("Сверка"), text)
        return text

    def _failed(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet(ERROR_STYLE)
        self.failed.emit(text)

    def _period_text(self, first: date, last: date) -> str:
        if first == last:
            return first.strftime("%d.%m.%Y")
        return f"{first:%d.%m.%Y} — {last:%d.%m.%Y}"

    # --- showing --------------------------------------------------------------------------------
    def _clear_result(self) -> None:
        """Nothing shown: a failed run must not leave another period's figures under new dates."""
        self.recon = None
        self.cards_box.setVisible(False)
        self.warning_label.setVisible(False)
        self.model.set_items([])
        self._update_count()

    def _show_result(self, recon: Reconciliation) -> None:
        r = recon.result
        listing = recon.operations_list
        listed = {
            service.LIST_READ: self.tr("реестр операций банка прочитан ({n})").format(
                n=fmt.grouped(listing.records)),
            service.LIST_OFF: self.tr("без реестра операций банка"),
            service.LIST_NOT_AVAILABLE: self.tr("реестр операций банка недоступен профилю"),
            service.LIST_FAILED: self.tr("реестр операций банка не прочитан"),
        }[listing.status]
        self.status_label.setStyleSheet("")
        self.status_label.setText(self.tr(
            "Сверка за {period} ({tz}) · выполнена {at}, {who} · {listed}").format(
            period=self._period_text(r.period_from, r.period_to), tz=r.time_zone,
            at=fmt.local_time_text(recon.at), who=recon.operator, listed=listed))
        warnings = []
        if recon.unread_orders:
            warnings.append(self.tr(
                "Платежи {n} заказов ещё не прочитаны из банка: они показаны как «нет оплаты в "
                "банке». Синхронизируйте (F5) и сверьте снова.").format(
                n=fmt.grouped(recon.unread_orders)))
        if listing.status in (service.LIST_NOT_AVAILABLE, service.LIST_FAILED):
            warnings.append(self.tr(
                "Без реестра операций не видны платежи, неизвестные магазину, и повторные оплаты "
                "({why}).").format(why=listing.note))
        self.warning_label.setText("\n".join(warnings))
        self.warning_label.setVisible(bool(warnings))

        self.cards["ordered"].set_value(fmt.money_text(r.ordered), self.tr(
            "заказов: {n}").format(n=fmt.grouped(r.orders)))
        for name, amount in (("captured", r.captured), ("refunded", r.refunded), ("net", r.net)):
            self.cards[name].set_value(fmt.money_text(amount))
        rate = r.match_rate
        self.cards["match_rate"].set_value(
            "—" if rate is None else percent_text(rate),
            self.tr("совпало {matched} из {expected}").format(
                matched=fmt.grouped(r.categories["matched"].count),
                expected=fmt.grouped(r.orders_expecting_payment)))
        self._show_categories(recon)
        self.cards_box.setVisible(True)
        self.model.set_items(list(r.discrepancies))
        self._update_count()

    def _show_categories(self, recon: Reconciliation) -> None:
        for key, card in self.category_cards.items():
            total = recon.result.categories[key]
            still_open = total.count - total.resolved
            tone = ("alarm" if key in ATTENTION and still_open else "")
            detail = fmt.money_text(total.sum)
            if total.resolved:
                detail += " · " + self.tr("решено: {n}").format(n=total.resolved)
            card.set_value(fmt.grouped(total.count), detail, tone=tone)
            card.setToolTip(category_title(key))

    def show_category(self, key: str | None) -> None:
        """Show one category's discrepancies (a category card was clicked)."""
        index = self.category_combo.findData(key)
        if index < 0:
            index = 0  # a category that lists nothing (matched, refunds...): everything
        self.category_combo.setCurrentIndex(index)

    def _filter_changed(self) -> None:
        self.proxy.set_category(self.category_combo.currentData())
        self.proxy.set_show_resolved(self.resolved_check.isChecked())
        self._update_count()

    def _update_count(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        still_open = sum(1 for d in self.model.items if not d.resolved)
        self.count_label.setText(self.tr("показано {shown} из {total} · открытых {open}").format(
            shown=fmt.grouped(shown), total=fmt.grouped(total), open=fmt.grouped(still_open)))

    def visible_items(self) -> list[Discrepancy]:
        """The discrepancies in the order the table shows them."""
        return [self.proxy.index(row, 0).data(RowRole) for row in range(self.proxy.rowCount())]

    def select_row(self, row: int) -> None:
        self.table.setCurrentIndex(self.proxy.index(row, 0))

    def selected(self) -> Discrepancy | None:
        index = self.table.currentIndex()
        return index.data(RowRole) if index.isValid() else None

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._show_item(current.data(RowRole) if current.isValid() else None)

    def _show_item(self, item: Discrepancy | None) -> None:
        """The discrepancy beside the list, and its payment's detail (the drill-down)."""
        self.mark_button.setEnabled(item is not None)
        if item is None:
            self.item_label.setText("")
            self.detail.setVisible(True)
            self.detail.show_payment(None)
            return
        lines = [f"<b>{category_title(item.category)}</b>", _escape(str(item.message))]
        if item.mark is not None:
            lines.append(self.tr("Решено: {note} ({by}, {at})").format(
                note=_escape(item.mark.note), by=item.mark.by,
                at=fmt.local_time_text(item.mark.at)))
        payment = item.payment
        if item.order is None and payment is not None:
            lines.append(self.tr(
                "Заказа нет в магазине. Платёж банка: {tx}, {amount}, карта {card}, "
                "RRN {rrn}.").format(tx=payment.transaction_id,
                                     amount=fmt.money_text(payment.original),
                                     card=payment.card_mask or "—", rrn=payment.reference or "—"))
        self.item_label.setText("<br>".join(lines))
        self.mark_button.setText(self.tr("Изменить примечание…") if item.mark is not None
                                 else self.tr("Отметить решённым…"))
        # The payment pane shows orders of the store; a payment no order claims has none.
        self.detail.setVisible(item.order is not None)
        self.detail.show_payment(item.invoice_id if item.order is not None else None)

    # --- marks ----------------------------------------------------------------------------------
    def mark_selected(self) -> MarkDialog | None:
        item = self.selected()
        if item is None:
            return None
        dialog = MarkDialog(item, self.window())
        dialog.accepted.connect(lambda: self._mark(item, dialog.note()))
        self.open_dialog(dialog)
        return dialog

    def _mark(self, item: Discrepancy, note: str) -> None:
        ctx = self._ctx
        run(lambda: service.mark_resolved(ctx, item.key, note, category=item.category),
            lambda mark: self._marked(item, mark),
            error_box(self.notifier, self, self.tr("Отметить решённым"), lambda error: self.tr(
                "Не удалось отметить расхождение: {error}").format(error=error)),
            owner=self)

    def _marked(self, item: Discrepancy, mark: Any) -> None:
        if self.recon is None:  # cleared by a failed run meanwhile: nothing shown to mark
            return
        self.recon = self.recon.with_mark(mark)
        self.model.replace_items(list(self.recon.result.discrepancies))
        self._show_categories(self.recon)
        self._update_count()
        now = next(d for d in self.recon.result.discrepancies
                   if d.key == item.key and d.category == item.category)
        if self.selected() is not None and self.selected().key == item.key:
            self._show_item(now)
        self.marked.emit(now)

    # --- export ---------------------------------------------------------------------------------
    def export(self) -> None:
        """Ctrl+E: the workbook of the run shown, where the person chooses."""
        recon = self.recon
        if recon is None:
            self.notifier.info(self.window(), self.tr("Экспорт"), self.tr(
                "Сначала выполните сверку: в книгу Excel попадает её результат."))
            return
        if self.busy:
            return
        r = recon.result
        name = self.tr("Сверка {period}.xlsx").format(
            period=self._period_text(r.period_from, r.period_to).replace(" — ", "–"))
        folder = self._last_folder or Path.home()
        chosen = self.ask_save_path(self, str(folder / name))
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        self._last_folder = path.parent
        ctx = self._ctx

        def job(progress: Callable[[Any], None], cancel: threading.Event) -> Path:
            return service.export_workbook(ctx, recon, path, progress=progress, cancel=cancel)

        self._set_busy(True)
        self._task = run(job, self._exported, self._export_failed, settle=self._ended,
                         progress=self._progress, cancellable=True, owner=self)

    def _export_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, ExportCancelled):
            text = self.tr("Экспорт отменён: файл не записан.")
        elif isinstance(error, ExportError):  # its message says where and what to do
            text = str(error)
            self.notifier.error(self.window(), self.tr("Экспорт"), text)
        else:
            text = self.tr("Книга Excel не записана: {error}").format(error=error)
            self.notifier.error(self.window(), self.tr("Экспорт"), text)
        self.warning_label.setText(text)
        self.warning_label.setVisible(True)
        self.message.emit(text)  # in place of an earlier export's «записана»
        self.failed.emit(text)

    def _exported(self, path: Path) -> None:
        self._set_busy(False)
        self.message.emit(self.tr("Книга Excel записана: {path}").format(path=path))
        self.exported.emit(path)

    # --- the dashboard's card -------------------------------------------------------------------
    def show_latest(self) -> None:
        """The dashboard's "open discrepancies": the latest run's period, run again, unresolved
        first; what is on screen already stays when there is one."""
        self.resolved_check.setChecked(False)
        if self.recon is not None or self.busy:
            return
        ctx = self._ctx
        # Unreadable runs are no reason not to reconcile: the period shown is run then.
        run(lambda: service.list_runs(ctx, limit=1), self._latest_arrived,
            lambda _error: self._latest_arrived([]), owner=self)

    def _latest_arrived(self, runs: list[service.RunRecord]) -> None:
        if runs:
            self.set_period(runs[0].date_from, runs[0].date_to)
        if self.recon is None and not self.busy:
            self.run()


def percent_text(share: Decimal) -> str:
    """0.9512 → "95,12 %" (the decimal point of the window's language)."""
    point = i18n.current_locale().decimalPoint()
    return f"{share * 100:.2f}".replace(".", point) + " %"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
