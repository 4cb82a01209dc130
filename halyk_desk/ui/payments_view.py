"""PaymentsView: every order with its bank picture — search, period, states, detail pane, copy."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QDate,
    QItemSelectionModel,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.domain import utc_now
from halyk_desk.domain.links import LinkState
from halyk_desk.domain.timeutil import business_day_of
from halyk_desk.services.changes import Changes
from halyk_desk.services.payments import PaymentFilter, PaymentRow
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.payment_detail import PaymentDetailPane
from halyk_desk.ui.payments_model import COLUMNS, PaymentsModel, column_of
from halyk_desk.ui.roles import RowRole
from halyk_desk.ui.state_filter import StateFilterButton

#: Pause after the last keystroke before the database is asked.
SEARCH_DEBOUNCE_MS = 250
#: Copying more rows than this is a job for the export, not the clipboard.
COPY_LIMIT = 50_000
#: Ctrl+A selects the whole list only up to this many rows.
SELECT_ALL_LIMIT = 10_000
#: Starting period when "all dates" is switched off.
DEFAULT_PERIOD_DAYS = 30

_ALL_LINKS = frozenset(s.value for s in LinkState)
#: The link filter's choices: all orders, orders with a link, or links in one state.
LINK_FILTERS: tuple[tuple[str, frozenset[str] | None], ...] = (
    (QT_TRANSLATE_NOOP("PaymentsView", "Все заказы"), None),
    (QT_TRANSLATE_NOOP("PaymentsView", "Все ссылки на оплату"), _ALL_LINKS),
    (QT_TRANSLATE_NOOP("PaymentsView", "Ссылки: ждут оплаты"), frozenset({LinkState.ACTIVE.value})),
    (QT_TRANSLATE_NOOP("PaymentsView", "Ссылки: оплачены"), frozenset({LinkState.PAID.value})),
    (QT_TRANSLATE_NOOP("PaymentsView", "Ссылки: срок истёк"), frozenset({LinkState.EXPIRED.value})),
    (QT_TRANSLATE_NOOP("PaymentsView", "Ссылки: платёж отклонён"),
     frozenset({LinkState.FAILED.value})),
)

_COLUMN_WIDTHS = (100, 118, 180, 110, 110, 110, 135, 90, 120, 110, 120)


class PaymentsTable(QTableView):
    """The table itself; Ctrl+C copies whole rows (with a header), not one cell as Qt would.

    Qt's selection costs about 0.1 ms per selected row, so Ctrl+A on a million rows would freeze
    the window for minutes: above SELECT_ALL_LIMIT rows it is refused with a word why.
    """

    copy_requested = Signal()
    select_all_refused = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def selectAll(self) -> None:
        rows = self.model().rowCount()
        if rows > SELECT_ALL_LIMIT:
            self.select_all_refused.emit(rows)
            return
        super().selectAll()


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class PaymentsView(QWidget):
    """The Payments tab."""

    #: A short note for the status bar ("Скопировано 3 строки").
    message = Signal(str)
    #: The payment chosen in the table changed: its invoiceId, or None when none is.
    current_changed = Signal(object)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentsView")
        self.model = PaymentsModel(ctx, self)
        #: An order to select once the list has loaded (show_invoice).
        self._select_when_loaded: str | None = None

        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("search")
        self.search_edit.setPlaceholderText(
            self.tr("Поиск: номер заказа, RRN, карта, покупатель (Ctrl+F)")
        )
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(320)

        today = business_day_of(utc_now())
        self.all_dates_check = QCheckBox(self.tr("Все даты"), self)
        self.all_dates_check.setObjectName("allDates")
        self.all_dates_check.setChecked(True)
        self.date_from_edit = self._date_edit(
            today - timedelta(days=DEFAULT_PERIOD_DAYS), "dateFrom"
        )
        self.date_to_edit = self._date_edit(today, "dateTo")
        self.state_filter = StateFilterButton(self)
        self.link_filter = QComboBox(self)
        self.link_filter.setObjectName("linkFilter")
        for text, states in LINK_FILTERS:
            self.link_filter.addItem(self.tr(text), states)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("paymentsCount")

        self.table = PaymentsTable(self)
        self.table.setObjectName("paymentsTable")
        self.table.setModel(self.model)
        self.model.set_visible_rows(self.visible_rows)
        self._setup_table()

        self.detail = PaymentDetailPane(ctx, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("paymentsSplitter")
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([960, 360])

        #: The filter bar; add_to_bar puts a button at its start.
        self.bar = bar = QHBoxLayout()
        bar.addWidget(self.search_edit, 2)
        bar.addSpacing(12)
        bar.addWidget(QLabel(self.tr("Период:"), self))
        bar.addWidget(self.all_dates_check)
        bar.addWidget(self.date_from_edit)
        bar.addWidget(QLabel("—", self))
        bar.addWidget(self.date_to_edit)
        bar.addSpacing(12)
        bar.addWidget(self.state_filter)
        bar.addWidget(self.link_filter)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filter)
        self.search_edit.textChanged.connect(self._debounce.start)
        self.date_from_edit.dateChanged.connect(self._dates_changed)
        self.date_to_edit.dateChanged.connect(self._dates_changed)
        self.all_dates_check.toggled.connect(self._all_dates_toggled)
        self.state_filter.changed.connect(self.apply_filter)
        self.link_filter.currentIndexChanged.connect(self.apply_filter)
        self.model.loading.connect(self._loading)
        self.model.rows_ready.connect(self._rows_ready)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(self._failed)
        # A new filter or sort clears the selection; the pane follows.
        self.model.modelReset.connect(lambda: self.detail.show_payment(None))
        self.model.modelReset.connect(lambda: self.current_changed.emit(None))
        self.table.copy_requested.connect(self.copy_selection)
        self.table.select_all_refused.connect(self._select_all_refused)
        self._all_dates_toggled(True)

    # --- setup ----------------------------------------------------------------------------------
    def _date_edit(self, day: date, name: str) -> QDateEdit:
        edit = QDateEdit(_qdate(day), self)
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("dd.MM.yyyy")
        return edit

    def _setup_table(self) -> None:
        table = self.table
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setWordWrap(False)
        table.setCornerButtonEnabled(False)
        rows = table.verticalHeader()
        rows.setVisible(False)
        # Fixed row heights: Qt then never measures a million rows.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setHighlightSections(False)
        for column, width in enumerate(_COLUMN_WIDTHS):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        header.setSortIndicator(column_of("created_at"), Qt.SortOrder.DescendingOrder)
        header.sortIndicatorChanged.connect(self._sort_clicked)
        copy_action = QAction(self.tr("Копировать строки"), table)
        copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy_action.triggered.connect(self.copy_selection)
        table.addAction(copy_action)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        table.selectionModel().currentRowChanged.connect(self._current_row_changed)

    # --- filter -----------------------------------------------------------------------------
    def start(self) -> None:
        """First load; the window calls it once it is shown."""
        self.apply_filter()

    def refresh(self) -> None:
        """The data changed underneath (sync, import): read again, keep the place."""
        self.model.refresh()

    def add_to_bar(self, widget: QWidget) -> None:
        """A button of another feature at the start of the filter bar («Выставить счёт…»)."""
        self.bar.insertWidget(0, widget)

    def add_payment_actions(self, widget: QWidget) -> None:
        """Buttons acting on the chosen payment, in its detail pane."""
        self.detail.actions_row.addWidget(widget)

    def open_detail(self) -> None:
        """Make sure the detail pane beside the table is open (not dragged shut)."""
        sizes = self.splitter.sizes()
        if len(sizes) == 2 and sizes[1] == 0:
            total = sum(sizes)
            self.splitter.setSizes([total * 3 // 4, total - total * 3 // 4])
        self.detail.setFocus()

    def on_changed(self, changes: Changes) -> None:
        if changes.touches("payments"):
            self.refresh()

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def current_filter(self) -> PaymentFilter:
        all_dates = self.all_dates_check.isChecked()
        return PaymentFilter(
            text=self.search_edit.text().strip(),
            date_from=None if all_dates else _pydate(self.date_from_edit.date()),
            date_to=None if all_dates else _pydate(self.date_to_edit.date()),
            states=self.state_filter.selected(),
            links=self.link_filter.currentData() or frozenset(),
        )

    def apply_filter(self) -> None:
        self._debounce.stop()
        self.model.set_filter(self.current_filter())

    def show_filter(self, flt: PaymentFilter) -> None:
        """Set the search, period and states to `flt` and load (the dashboard's click-through)."""
        fields = (self.search_edit, self.all_dates_check, self.date_from_edit,
                  self.date_to_edit, self.state_filter, self.link_filter)
        for field in fields:
            field.blockSignals(True)
        self.search_edit.setText(flt.text)
        all_dates = flt.date_from is None and flt.date_to is None
        self.all_dates_check.setChecked(all_dates)
        if flt.date_from is not None:
            self.date_from_edit.setDate(_qdate(flt.date_from))
        if flt.date_to is not None:
            self.date_to_edit.setDate(_qdate(flt.date_to))
        self.state_filter.set_selected(frozenset(flt.states))
        self.link_filter.setCurrentIndex(max(0, self.link_filter.findData(flt.links or None)))
        for field in fields:
            field.blockSignals(False)
        self.date_from_edit.setEnabled(not all_dates)
        self.date_to_edit.setEnabled(not all_dates)
        self.apply_filter()

    def show_invoice(self, invoice_id: str) -> None:
        """Find one order over all dates and states, and select it (its detail pane opens)."""
        self._select_when_loaded = invoice_id
        self.show_filter(PaymentFilter(text=invoice_id))

    def _all_dates_toggled(self, checked: bool) -> None:
        self.date_from_edit.setEnabled(not checked)
        self.date_to_edit.setEnabled(not checked)
        if self.model.ready:
            self.apply_filter()

    def _dates_changed(self) -> None:
        # Keep the period the right way round: moving one end past the other drags it along.
        start, end = self.date_from_edit.date(), self.date_to_edit.date()
        if start > end:
            if self.sender() is self.date_from_edit:
                self.date_to_edit.setDate(start)
            else:
                self.date_from_edit.setDate(end)
        self._debounce.start()

    def _sort_clicked(self, column: int, order: Qt.SortOrder) -> None:
        self.model.sort(column, order)

    def _loading(self) -> None:
        self.count_label.setText(self.tr("Загрузка…"))
        self.count_label.setStyleSheet("")

    def _rows_ready(self) -> None:
        if self.model.counting:
            self.count_label.setText(self.tr("Подсчёт строк…"))

    def _loaded(self, total: int) -> None:
        self.count_label.setText(fmt.counted(self.tr("%n платежей", "", total), total))
        self.count_label.setStyleSheet("")
        self.detail.reload()
        wanted, self._select_when_loaded = self._select_when_loaded, None
        if wanted is not None:
            rows = [n for n in range(min(total, 50))
                    if (row := self.model.row_at(n)) is not None and row.invoice_id == wanted]
            self.select_rows(rows[:1])

    def _failed(self, message: str) -> None:
        self.count_label.setText(self.tr("Ошибка чтения: {message}").format(message=message))
        self.count_label.setStyleSheet("color: #b00020;")

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row: PaymentRow | None = current.data(RowRole) if current.isValid() else None
        if row is not None and row.invoice_id != self.detail.invoice_id:
            self.detail.show_payment(row.invoice_id)
        self.current_changed.emit(row.invoice_id if row is not None else None)

    def visible_rows(self) -> range:
        """The rows the table shows now (empty before it has been laid out)."""
        table = self.table
        first = table.rowAt(0)
        if first < 0:
            return range(0)
        last = table.rowAt(table.viewport().height() - 1)
        return range(first, (last if last >= 0 else self.model.rowCount() - 1) + 1)

    # --- copy -------------------------------------------------------------------------------
    def selected_rows(self) -> list[int]:
        # From the selection's ranges: Qt's selectedRows() checks every cell of every row.
        ranges = self.table.selectionModel().selection()
        return sorted({row for r in ranges for row in range(r.top(), r.bottom() + 1)})

    def _select_all_refused(self, rows: int) -> None:
        text = self.tr(
            "В списке {n} строк: выделить все можно, когда их не больше {limit}. "
            "Сузьте список поиском, периодом или состоянием."
        )
        self.message.emit(text.format(n=fmt.grouped(rows), limit=fmt.grouped(SELECT_ALL_LIMIT)))

    def select_rows(self, rows: list[int]) -> None:
        """Select whole rows (tests and, later, the holds actions)."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        for row in rows:
            selection.select(self.model.index(row, 0), flags)
        if rows:
            selection.setCurrentIndex(self.model.index(rows[0], 0), flags)

    def copy_selection(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        if len(rows) > COPY_LIMIT:
            text = self.tr("Выделено строк: {n} — это больше, чем {limit} для буфера обмена.")
            self.message.emit(text.format(n=fmt.grouped(len(rows)), limit=fmt.grouped(COPY_LIMIT)))
            return
        loaded = [self.model.row_at(row) for row in rows]
        if all(row is not None for row in loaded):
            self._put_on_clipboard([row for row in loaded if row is not None])
        else:
            self.model.fetch_rows(rows, self._put_on_clipboard,
                                  lambda error: self._failed(str(error)))

    def _put_on_clipboard(self, rows: list[PaymentRow]) -> None:
        header = [
            self.model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            for c in range(len(COLUMNS))
        ]
        lines = ["\t".join(header)]
        lines += ["\t".join(_cell(column.copy(row)) for column in COLUMNS) for row in rows]
        QGuiApplication.clipboard().setText("\r\n".join(lines) + "\r\n")
        copied = fmt.counted(self.tr("Скопировано строк: %n", "", len(rows)), len(rows))
        self.message.emit(copied)


def _cell(text: str) -> str:
    """Tabs and line breaks inside a value would break the columns of a spreadsheet paste."""
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")
