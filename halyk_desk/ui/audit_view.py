"""AuditView: the Audit tab — the append-only log, filtered by operator, action, date and
invoice, and a check of its hash chain."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.domain import utc_now
from halyk_desk.domain.timeutil import business_day_bounds, business_day_of
from halyk_desk.services import audit
from halyk_desk.services.audit import AuditFilter, AuditRecord, VerifyResult
from halyk_desk.services.audit_text import details_text
from halyk_desk.services.changes import Changes
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.date_fields import date_edit, pydate
from halyk_desk.ui.roles import RowRole, SortRole
from halyk_desk.ui.tasks import run

_CONTEXT = "AuditView"
#: How many entries the tab shows at most (newest first); filters narrow it down.
SHOWN = 2000
OK_STYLE = "color: #1b5e20;"
BROKEN_STYLE = "color: #b00020; font-weight: bold;"
_COLUMNS = (
    QT_TRANSLATE_NOOP("AuditView", "№"),
    QT_TRANSLATE_NOOP("AuditView", "Время"),
    QT_TRANSLATE_NOOP("AuditView", "Оператор"),
    QT_TRANSLATE_NOOP("AuditView", "Действие"),
    QT_TRANSLATE_NOOP("AuditView", "Заказ / предмет"),
    QT_TRANSLATE_NOOP("AuditView", "Подробности"),
)


Index = QModelIndex | QPersistentModelIndex


def tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


class AuditModel(QAbstractTableModel):
    """A thin adapter over the entries the service returns."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.entries: list[AuditRecord] = []

    def set_entries(self, entries: list[AuditRecord]) -> None:
        self.beginResetModel()
        self.entries = entries
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(_COLUMNS[section])
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(entry.seq),
                fmt.local_time_text(entry.at, "%d.%m.%Y %H:%M:%S"),
                entry.operator,
                entry.action,
                entry.subject,
                details_text(entry.details),
            )[column]
        if role == SortRole:
            return (entry.seq, fmt.epoch_seconds(entry.at), entry.operator, entry.action,
                    entry.subject, "")[column]
        if role == RowRole:
            return entry
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class AuditView(QWidget):
    """The Audit tab; `refresh()` reads again with the current filters."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditView")
        self._ctx = ctx
        self.model = AuditModel(self)

        self.operator_combo = self._combo("auditOperator")
        self.action_combo = self._combo("auditAction")
        self.invoice_edit = QLineEdit(self)
        self.invoice_edit.setObjectName("auditInvoice")
        self.invoice_edit.setPlaceholderText(tr("Номер заказа"))
        self.invoice_edit.setClearButtonEnabled(True)
        self.all_dates_check = QCheckBox(tr("Все даты"), self)
        self.all_dates_check.setObjectName("auditAllDates")
        self.all_dates_check.setChecked(True)
        today = business_day_of(utc_now())
        self.date_from_edit = date_edit(self, today - timedelta(days=30), "auditFrom")
        self.date_to_edit = date_edit(self, today, "auditTo")
        self.refresh_button = QPushButton(tr("Обновить"), self)
        self.refresh_button.setObjectName("auditRefresh")
        self.refresh_button.setToolTip(tr("Прочитать журнал заново"))
        self.verify_button = QPushButton(tr("Проверить целостность"), self)
        self.verify_button.setObjectName("auditVerify")
        self.verify_label = QLabel(self)
        self.verify_label.setObjectName("auditVerifyResult")
        self.verify_label.setWordWrap(True)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("auditCount")

        self.table = QTableView(self)
        self.table.setObjectName("auditTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate((60, 140, 120, 150, 140)):
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)

        bar = QHBoxLayout()
        for label, widget in ((tr("Оператор:"), self.operator_combo),
                              (tr("Действие:"), self.action_combo)):
            bar.addWidget(QLabel(label, self))
            bar.addWidget(widget)
        bar.addWidget(self.invoice_edit)
        bar.addSpacing(12)
        bar.addWidget(QLabel(tr("Период:"), self))
        bar.addWidget(self.all_dates_check)
        bar.addWidget(self.date_from_edit)
        bar.addWidget(QLabel("—", self))
        bar.addWidget(self.date_to_edit)
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.refresh_button)
        checks = QHBoxLayout()
        checks.addWidget(self.verify_button)
        checks.addWidget(self.verify_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(checks)

        self.operator_combo.currentIndexChanged.connect(self.refresh)
        self.action_combo.currentIndexChanged.connect(self.refresh)
        self.invoice_edit.editingFinished.connect(self.refresh)
        self.all_dates_check.toggled.connect(self._dates_toggled)
        self.date_from_edit.dateChanged.connect(self.refresh)
        self.date_to_edit.dateChanged.connect(self.refresh)
        self.verify_button.clicked.connect(self.verify)
        self.refresh_button.clicked.connect(self.refresh)
        self._dates_toggled(True)

    def showEvent(self, event: Any) -> None:
        """Opening the tab reads the log again: entries are added on every other tab."""
        super().showEvent(event)
        self.refresh()

    def _combo(self, name: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.addItem(tr("Все"), None)
        combo.setMinimumWidth(140)
        return combo

    def _dates_toggled(self, every: bool) -> None:
        self.date_from_edit.setEnabled(not every)
        self.date_to_edit.setEnabled(not every)
        self.refresh()

    # --- reading ------------------------------------------------------------------------------
    def current_filter(self) -> AuditFilter:
        start = end = None
        if not self.all_dates_check.isChecked():
            first, last = self.date_from_edit.date(), self.date_to_edit.date()
            start = business_day_bounds(pydate(first))[0]
            end = business_day_bounds(pydate(last))[1]
        return AuditFilter(
            operator=self.operator_combo.currentData(),
            action=self.action_combo.currentData(),
            date_from=start,
            date_to=end,
            invoice_id=self.invoice_edit.text().strip() or None,
        )

    def start(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        ctx, flt = self._ctx, self.current_filter()
        run(lambda: (audit.entries(ctx, flt, limit=SHOWN), audit.filter_values(ctx)),
            self._arrived,
            lambda error: self.count_label.setText(tr("Ошибка чтения: {error}").format(
                error=error)),
            owner=self)

    def on_changed(self, changes: Changes) -> None:
        if changes.touches("audit"):
            self.refresh()

    def _arrived(self, result: Any) -> None:
        entries, (operators, actions) = result
        self.model.set_entries(entries)
        self.count_label.setText(tr("Записей: {n}").format(n=fmt.grouped(len(entries))))
        self._offer(self.operator_combo, operators)
        families = sorted({a.split(".")[0] for a in actions} | set(actions))
        self._offer(self.action_combo, families)

    def _offer(self, combo: QComboBox, values: list[str]) -> None:
        """Keep the list of choices current without changing (or re-reading for) the choice."""
        chosen = combo.currentData()
        combo.blockSignals(True)
        try:
            while combo.count() > 1:
                combo.removeItem(1)
            for value in values:
                combo.addItem(value, value)
            combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen else 0)
        finally:
            combo.blockSignals(False)

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.verify_label.setText(tr("Проверяю цепочку записей…"))
        self.verify_label.setStyleSheet("")
        ctx = self._ctx
        run(lambda: audit.verify_log(ctx), self._verified, self._verify_failed,
            settle=self._verify_ended, owner=self)

    def _verify_ended(self) -> None:
        self.verify_button.setEnabled(True)
        self.refresh()  # the list shows what was just checked

    def _verify_failed(self, error: BaseException) -> None:
        self.verify_label.setText(tr("Проверка не удалась: {error}").format(error=error))
        self.verify_label.setStyleSheet(BROKEN_STYLE)

    def _verified(self, result: VerifyResult) -> None:
        if result.ok:
            self.verify_label.setText(tr("Журнал цел: {n} записей, цепочка хешей сходится.")
                                      .format(n=fmt.grouped(result.checked)))
            self.verify_label.setStyleSheet(OK_STYLE)
        else:
            kind = {"altered": tr("изменена"), "removed": tr("удалена"),
                    "reordered": tr("переставлена")}.get(result.kind or "", result.kind or "")
            self.verify_label.setText(
                tr("Журнал повреждён: запись №{seq} {kind}. {message}").format(
                    seq=result.seq, kind=kind, message=result.message))
            self.verify_label.setStyleSheet(BROKEN_STYLE)
