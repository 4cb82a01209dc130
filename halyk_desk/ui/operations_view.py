"""OperationsView: the journal of money operations — pending approvals, outcomes still unknown,
and everything done — with approve, reject and "ask the bank now"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.services import operations, operators
from halyk_desk.services.changes import Changes
from halyk_desk.services.operations import OperationRow
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.money_actions import MoneyActions
from halyk_desk.ui.operation_dialogs import PROBLEM_STYLE, action_title
from halyk_desk.ui.roles import RowRole
from halyk_desk.ui.tasks import error_box, run

_CONTEXT = "OperationsView"
T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
_COLUMNS = (
    QT_TRANSLATE_NOOP("OperationsView", "№"),
    QT_TRANSLATE_NOOP("OperationsView", "Создана"),
    QT_TRANSLATE_NOOP("OperationsView", "Заказ"),
    QT_TRANSLATE_NOOP("OperationsView", "Действие"),
    QT_TRANSLATE_NOOP("OperationsView", "Сумма"),
    QT_TRANSLATE_NOOP("OperationsView", "Состояние"),
    QT_TRANSLATE_NOOP("OperationsView", "Оператор"),
    QT_TRANSLATE_NOOP("OperationsView", "Причина"),
    QT_TRANSLATE_NOOP("OperationsView", "Ответ банка"),
)
_STATUS_COLOURS = {
    "pending_approval": QColor("#fff9c4"),
    "intent": QColor("#ffe0b2"),
    "sent": QColor("#ffe0b2"),
    "unknown": QColor("#ffe0b2"),
    "refused": QColor("#ffcdd2"),
    "rejected": QColor("#eeeeee"),
}
#: What the filter offers: title → statuses (None: all).
FILTERS = (
    (QT_TRANSLATE_NOOP("OperationsView", "Нерешённые"), operations.UNRESOLVED),
    (QT_TRANSLATE_NOOP("OperationsView", "Ждут одобрения"), ("pending_approval",)),
    (QT_TRANSLATE_NOOP("OperationsView", "Все"), None),
)


def tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def status_title(status: str) -> str:
    return {
        "pending_approval": tr("ждёт одобрения"),
        "intent": tr("отправляется"),
        "sent": tr("отправлено, ждём ответа"),
        "unknown": tr("результат неизвестен, уточняется у банка"),
        "done": tr("выполнено"),
        "refused": tr("не выполнено"),
        "rejected": tr("отклонено"),
    }.get(status, status)


class OperationsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[OperationRow] = []

    def set_rows(self, rows: list[OperationRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(_COLUMNS[section])
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        op = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(op.id), fmt.local_time_text(op.created_at), op.invoice_id,
                action_title(op.action), fmt.money_text(op.amount), status_title(op.status),
                op.operator + (f" / {op.approved_by}" if op.approved_by else ""), str(op.reason),
                op.rejected_reason or str(op.bank_message or ""),
            )[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            return _STATUS_COLOURS.get(op.status)
        if role == Qt.ItemDataRole.ForegroundRole and op.status in _STATUS_COLOURS:
            return QColor("#111111")
        if role == Qt.ItemDataRole.ToolTipRole:
            return op.rejected_reason or (str(op.bank_message) if op.bank_message else None)
        if role == RowRole:
            return op
        return None


class ApproveDialog(QDialog):
    """What the second manager approves: the request, in full, before it is sent."""

    def __init__(self, op: OperationRow, approver: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("approveDialog")
        self.op = op
        self.setWindowTitle(tr("Одобрить возврат №{id}").format(id=op.id))
        text = tr("{action} {amount} по заказу {invoice}.\nЗапросил: {requester}, "
                  "{when}.\nПричина: {reason}.").format(
            action=action_title(op.action), amount=fmt.money_text(op.amount),
            invoice=op.invoice_id, requester=op.operator,
            when=fmt.local_time_text(op.created_at), reason=op.reason)
        if op.note:
            text += "\n" + tr("Примечание: {note}.").format(note=op.note)
        text += "\n\n" + tr("После одобрения ({approver}) программа ещё раз проверит платёж у "
                            "банка и отправит возврат.").format(approver=approver)
        self.summary_label = QLabel(text, self)
        self.summary_label.setObjectName("summary")
        self.summary_label.setWordWrap(True)
        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton(tr("Одобрить и отправить"),
                                           QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(tr("Не сейчас"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)


class RejectDialog(QDialog):
    """Turning a request down needs a reason."""

    def __init__(self, op: OperationRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rejectDialog")
        self.op = op
        self.setWindowTitle(tr("Отклонить возврат №{id}").format(id=op.id))
        summary = QLabel(tr("{action} {amount} по заказу {invoice} (запросил {requester}) не "
                            "будет отправлен в банк.").format(
            action=action_title(op.action), amount=fmt.money_text(op.amount),
            invoice=op.invoice_id, requester=op.operator), self)
        summary.setWordWrap(True)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("rejectReason")
        self.reason_edit.setMaxLength(500)
        self.reason_edit.setPlaceholderText(tr("Почему (обязательно)"))
        self.problem_label = QLabel(self)
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        buttons = QDialogButtonBox(self)
        self.ok_button = buttons.addButton(tr("Отклонить"),
                                           QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(tr("Не сейчас"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.problem_label)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.reason_edit.textChanged.connect(self._update)
        self._update()

    def reason(self) -> str:
        return self.reason_edit.text().strip()

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.reason()))
        self.problem_label.setText("" if self.reason() else tr("Укажите причину отказа."))

    def accept(self) -> None:
        if self.reason():
            super().accept()


class OperationsView(QWidget):
    """The Operations tab. `money` is the window's MoneyActions (dialogs, results)."""

    #: Something was approved, rejected or settled: what changed (services.changes.Changes).
    changed = Signal(object)

    def __init__(self, money: MoneyActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("operationsView")
        self.money = money
        self.ctx = money.ctx
        self.model = OperationsModel(self)
        self.who: operators.OperatorInfo | None = None

        self.filter_combo = QComboBox(self)
        self.filter_combo.setObjectName("operationsFilter")
        for title, statuses in FILTERS:
            self.filter_combo.addItem(tr(title), statuses)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("operationsCount")
        self.approve_button = QPushButton(tr("Одобрить…"), self)
        self.approve_button.setObjectName("approveOperation")
        self.reject_button = QPushButton(tr("Отклонить…"), self)
        self.reject_button.setObjectName("rejectOperation")
        self.resolve_button = QPushButton(tr("Уточнить у банка"), self)
        self.resolve_button.setObjectName("resolveOperations")
        self.resolve_button.setToolTip(tr("Прочитать статус у банка и решить операции с "
                                          "неизвестным результатом"))
        self.table = QTableView(self)
        self.table.setObjectName("operationsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((50, 120, 100, 150, 120, 200, 130, 180)):
            self.table.horizontalHeader().resizeSection(column, width)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(tr("Показать:"), self))
        bar.addWidget(self.filter_combo)
        bar.addWidget(self.count_label, 1)
        bar.addWidget(self.resolve_button)
        bar.addWidget(self.approve_button)
        bar.addWidget(self.reject_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

        self.filter_combo.currentIndexChanged.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._update)
        self.approve_button.clicked.connect(self.ask_approve)
        self.reject_button.clicked.connect(self.ask_reject)
        self.resolve_button.clicked.connect(self.resolve)
        self._update()

    def start(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        ctx, statuses = self.ctx, self.filter_combo.currentData()
        run(lambda: (operators.current(ctx), operations.list_operations(ctx, statuses=statuses)),
            self._arrived,
            lambda error: self.count_label.setText(tr("Ошибка чтения: {error}").format(
                error=error)),
            owner=self)

    def show_unresolved(self) -> None:
        """The operations still waiting (approval, the bank's answer): the filter's first."""
        self.filter_combo.setCurrentIndex(0)

    def on_changed(self, changes: Changes) -> None:
        if changes.touches("operations"):
            self.refresh()

    def _arrived(self, result: tuple[operators.OperatorInfo | None, list[OperationRow]]) -> None:
        self.who, rows = result
        chosen = self.selected()
        self.model.set_rows(rows)
        self.count_label.setText(tr("Операций: {n}").format(n=fmt.grouped(len(rows))))
        if chosen is not None:
            for row, op in enumerate(rows):
                if op.id == chosen.id:
                    self.table.selectRow(row)
        self._update()

    def selected(self) -> OperationRow | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(RowRole) if rows else None

    def _update(self) -> None:
        op = self.selected()
        waiting = op is not None and op.status == "pending_approval"
        may = self.who is not None and self.who.can(operators.APPROVE)
        self.approve_button.setEnabled(bool(waiting and may and self.who.name != op.operator))
        self.reject_button.setEnabled(bool(waiting and may))
        tip = ""
        if waiting and may and self.who.name == op.operator:
            tip = tr("Свой запрос одобряет другой менеджер.")
        elif waiting and not may:
            tip = tr("Одобряет менеджер.")
        self.approve_button.setToolTip(tip)

    def ask_approve(self) -> None:
        op = self.selected()
        if op is None or self.who is None:
            return
        dialog = ApproveDialog(op, self.who.name, self.window())
        dialog.accepted.connect(lambda: self._approve(op))
        self.money.open_dialog(dialog)

    def _approve(self, op: OperationRow) -> None:
        ctx = self.ctx
        self._run(lambda: operations.approve(ctx, op.id),
                  lambda outcome: self.money.report(outcome, self.window()))

    def ask_reject(self) -> None:
        op = self.selected()
        if op is None:
            return
        dialog = RejectDialog(op, self.window())
        dialog.accepted.connect(lambda: self._reject(op, dialog.reason()))
        self.money.open_dialog(dialog)

    def _reject(self, op: OperationRow, reason: str) -> None:
        ctx = self.ctx
        self._run(lambda: operations.reject(ctx, op.id, reason), lambda _row: None)

    def resolve(self) -> None:
        self.resolve_button.setEnabled(False)
        ctx = self.ctx

        self._run(lambda: operations.resolve_unresolved(ctx), lambda _outcomes: None,
                  settle=lambda: self.resolve_button.setEnabled(True))

    def _run(self, func: Callable[[], T], done: Callable[[T], None], *,
             settle: Callable[[], None] | None = None) -> None:
        """An approval, rejection or resolution; a refusal is told in an error box. Whatever
        its end, the journal changed: this list reads again with the others."""

        def settled() -> None:
            if settle is not None:
                settle()
            self.changed.emit(operations.CHANGES)

        run(func, done, error_box(self.money.notifier, self, tr("Операции")), settle=settled,
            owner=self)
