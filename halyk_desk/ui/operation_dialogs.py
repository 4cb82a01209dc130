"""Dialogs of the money operations: confirm, release, refund, and several holds at once.

A dialog only asks: the amount (prefilled with the most allowed), the reason (from the managed list
in the settings; "Другое" needs the operator's own words) and shows what will happen before
anything is sent. The rules are the domain's own, checked as the operator types; the service
checks them again against the bank before sending. The dialog hands back an OperationRequest (or,
for several holds, emits `submitted`); the caller runs the service on a worker. Tests fill the
dialogs and accept them without ever opening a modal window.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, assert_never

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.domain import Money, MoneyError, RuleViolation, check_confirm, check_refund, utc_now
from halyk_desk.domain.journal import Action, OperationResult
from halyk_desk.services.operations import (
    CANCEL,
    CONFIRM,
    REFUND,
    ActionLimits,
    Outcome,
    Reason,
    ReasonError,
    check_reason,
    is_other,
    parse_amount,
)
from halyk_desk.services.payments import HoldRow
from halyk_desk.ui import formatting as fmt

_CONTEXT = "OperationDialogs"
PROBLEM_STYLE = "color: #b00020;"
_RESULT_COLOURS = {
    OperationResult.DONE: QColor("#c8e6c9"),
    OperationResult.REFUSED: QColor("#ffcdd2"),
    OperationResult.NOT_ALLOWED: QColor("#ffcdd2"),
    OperationResult.ERROR: QColor("#ffcdd2"),
    OperationResult.UNKNOWN: QColor("#ffe0b2"),
    OperationResult.PENDING_APPROVAL: QColor("#fff9c4"),
}


def tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def action_title(action: Action) -> str:
    match action:
        case Action.CONFIRM:
            return tr("Подтвердить списание")
        case Action.CANCEL:
            return tr("Отменить блокировку")
        case Action.REFUND:
            return tr("Возврат")
        case unhandled:
            assert_never(unhandled)


def result_title(result: OperationResult) -> str:
    match result:
        case OperationResult.DONE:
            return tr("Выполнено")
        case OperationResult.REFUSED:
            return tr("Банк отказал")
        case OperationResult.NOT_ALLOWED:
            return tr("Не разрешено")
        case OperationResult.UNKNOWN:
            return tr("Результат неизвестен, уточняется у банка")
        case OperationResult.PENDING_APPROVAL:
            return tr("Ждёт одобрения второго менеджера")
        case OperationResult.ERROR:
            return tr("Не удалось")
        case unhandled:
            assert_never(unhandled)


def outcome_text(outcome: Outcome) -> str:
    """What a person is told after an operation: a headline in Russian, then the details."""
    amount = fmt.money_text(outcome.amount) if outcome.amount is not None else ""
    head = tr("{result}: {action} {amount}, заказ {invoice}.").format(
        result=result_title(outcome.result), action=action_title(outcome.action).lower(),
        amount=amount, invoice=outcome.invoice_id,
    )
    advice = {
        "unknown": tr("Банк не ответил. Программа сама сверит результат со статусом банка; до "
                      "тех пор действия с этим платежом недоступны. Повторять не нужно."),
        "pending_approval": tr("Возврат уйдёт в банк после одобрения другим менеджером."),
    }.get(outcome.result, "")
    return "\n\n".join(part for part in (head, advice, str(outcome.message)) if part)


@dataclass(frozen=True)
class OperationRequest:
    """What the operator asked for in a dialog."""

    action: Action
    invoice_id: str
    amount: Money | None
    reason: Reason
    note: str | None = None


@dataclass(frozen=True)
class BulkRequest:
    action: Action
    invoice_ids: tuple[str, ...]
    reason: Reason


class ReasonPicker(QWidget):
    """A reason from the managed list, and the operator's own words ("Другое" needs them)."""

    changed = Signal()

    def __init__(self, reasons: list[str], parent: QWidget | None = None, *,
                 words_only_for_other: bool = False) -> None:
        super().__init__(parent)
        self.reasons = list(reasons)
        #: The words field only when the reason needs them («Другое»): a dialog with a note of
        #: its own (a refund's) would otherwise show two look-alike free-text fields.
        self.words_only_for_other = words_only_for_other
        self.combo = QComboBox(self)
        self.combo.setObjectName("reasonCombo")
        self.combo.addItems(self.reasons)
        self.combo.setPlaceholderText(tr("— выберите причину —"))
        self.combo.setCurrentIndex(-1)
        self.text_edit = QLineEdit(self)
        self.text_edit.setObjectName("reasonText")
        self.text_edit.setMaxLength(500)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.text_edit)
        self.combo.currentIndexChanged.connect(self._picked)
        self.text_edit.textChanged.connect(self.changed)
        self._picked()

    def choose(self, reason: str, text: str = "") -> None:
        self.combo.setCurrentIndex(self.reasons.index(reason))
        self.text_edit.setText(text)

    def _picked(self) -> None:
        other = self.combo.currentIndex() >= 0 and is_other(self.combo.currentText())
        self.text_edit.setPlaceholderText(
            tr("Опишите причину своими словами (обязательно)") if other
            else tr("Комментарий (необязательно)")
        )
        self.text_edit.setVisible(other or not self.words_only_for_other)
        if not self.text_edit.isVisibleTo(self):
            self.text_edit.clear()
        self.changed.emit()

    def reason(self) -> Reason:
        """The chosen reason, or ReasonError with a message for the operator."""
        if self.combo.currentIndex() < 0:
            raise ReasonError(tr("Выберите причину."))
        try:
            return check_reason(self.reasons, self.combo.currentText(), self.text_edit.text())
        except ReasonError:
            raise ReasonError(tr("Для причины «{reason}» опишите её своими словами.").format(
                reason=self.combo.currentText())) from None


def _rule_text(violation: RuleViolation, limits: ActionLimits) -> str:
    """The domain's refusal, in the operator's language."""
    rest = limits.captured - limits.refunded
    return {
        "amount_not_positive": tr("Сумма должна быть больше нуля."),
        "above_held": tr("Можно подтвердить не больше {held}.").format(
            held=fmt.money_text(limits.held)),
        "below_minimum": tr("Возврат — не меньше {minimum}.").format(
            minimum=fmt.money_text(limits.min_refund)),
        "above_remaining": tr("Можно вернуть не больше {rest}: списано {captured}, уже "
                              "возвращено {refunded}.").format(
            rest=fmt.money_text(rest), captured=fmt.money_text(limits.captured),
            refunded=fmt.money_text(limits.refunded)),
        "currency": tr("Сумма указывается в валюте платежа ({currency}).").format(
            currency=limits.currency),
        "hold_expired": tr("Блокировка истекла: подтвердить её уже нельзя."),
    }.get(violation.code, str(violation))


def _show_problem(label: QLabel, ok_button: QPushButton, problem: str | None) -> None:
    """Why the dialog cannot go ahead, shown under it; OK is enabled only when nothing is wrong."""
    label.setText(problem or "")
    label.setVisible(problem is not None)
    ok_button.setEnabled(problem is None)


class OperationDialog(QDialog):
    """One payment, one operation. Subclasses name the action."""

    action = CONFIRM

    def __init__(
        self, limits: ActionLimits, reasons: list[str], operator: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"{self.action}Dialog")
        self.limits = limits
        self.operator = operator
        self.setWindowTitle(tr("{action} — заказ {invoice}").format(
            action=action_title(self.action), invoice=limits.invoice_id))

        self.heading = QLabel(self._heading(), self)
        self.heading.setObjectName("heading")
        self.heading.setWordWrap(True)
        form = QFormLayout()
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setObjectName("amount")
        most = self._most()
        self.amount_edit.setText(fmt.money_plain(most))
        self.amount_edit.setReadOnly(self.action == CANCEL)
        form.addRow(tr("Сумма, {currency}:").format(currency=limits.currency), self.amount_edit)
        self.reason_picker = ReasonPicker(reasons, self,
                                          words_only_for_other=self.action == REFUND)
        form.addRow(tr("Причина:"), self.reason_picker)
        self.note_edit: QLineEdit | None = None
        if self.action == REFUND:
            self.note_edit = QLineEdit(self)
            self.note_edit.setObjectName("note")
            self.note_edit.setMaxLength(1000)
            self.note_edit.setPlaceholderText(tr("Например, номер акта возврата"))
            form.addRow(tr("Примечание к возврату (необязательно):"), self.note_edit)

        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("summary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("problem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton(self._ok_text(),
                                                QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("ok")
        self.close_button = self.buttons.addButton(tr("Не выполнять"),
                                                   QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

        self.amount_edit.textChanged.connect(self._update)
        self.reason_picker.changed.connect(self._update)
        self._update()

    # --- what the subclasses say ------------------------------------------------------------
    def _most(self) -> Money:
        return self.limits.max_confirm or self.limits.held

    def _heading(self) -> str:
        return tr("Заказ {invoice}: заблокировано {held}.").format(
            invoice=self.limits.invoice_id, held=fmt.money_text(self.limits.held))

    def _ok_text(self) -> str:
        return tr("Подтвердить")

    def _check_amount(self, amount: Money) -> Money:
        return check_confirm(self.limits.state, self.limits.held, amount,
                             expires_at=self.limits.expires_at, now=utc_now())

    def _summary(self, amount: Money, reason: Reason) -> str:
        text = tr("Будет списано {amount} из заблокированных {held}.").format(
            amount=fmt.money_text(amount), held=fmt.money_text(self.limits.held))
        rest = self.limits.held - amount
        if rest.minor > 0:
            text += " " + tr("Остаток {rest} будет разблокирован и вернётся покупателю.").format(
                rest=fmt.money_text(rest))
        return text

    # --- validation -------------------------------------------------------------------------
    def amount(self) -> Money:
        """The amount typed, checked by the rules; MoneyError or RuleViolation otherwise."""
        return self._check_amount(parse_amount(self.amount_edit.text(), self.limits.currency))

    def problem(self) -> str | None:
        """Why the request cannot be sent as it is, or None."""
        try:
            self.amount()
        except MoneyError as exc:  # what is wrong with it: zero, a sign, letters...
            return str(exc)
        except RuleViolation as violation:
            return _rule_text(violation, self.limits)
        try:
            self.reason_picker.reason()
        except ReasonError as exc:
            return str(exc)
        return None

    def _update(self) -> None:
        problem = self.problem()
        _show_problem(self.problem_label, self.ok_button, problem)
        if problem is None:
            reason = self.reason_picker.reason()
            self.summary_label.setText(
                self._summary(self.amount(), reason) + "\n"
                + tr("Причина: {reason}. Оператор: {operator}.").format(
                    reason=reason, operator=self.operator)
            )
        else:
            self.summary_label.setText(tr("Заполните форму: ниже сказано, чего не хватает."))

    def request(self) -> OperationRequest:
        """The operator's request; only when the dialog has no problem."""
        problem = self.problem()
        if problem is not None:
            raise ValueError(problem)
        note = self.note_edit.text().strip() if self.note_edit is not None else ""
        amount = None if self.action == CANCEL else self.amount()
        return OperationRequest(self.action, self.limits.invoice_id, amount,
                                self.reason_picker.reason(), note or None)

    def accept(self) -> None:
        if self.problem() is None:
            super().accept()


class ConfirmDialog(OperationDialog):
    action = CONFIRM


class CancelDialog(OperationDialog):
    action = CANCEL

    def _most(self) -> Money:
        return self.limits.held

    def _ok_text(self) -> str:
        return tr("Отменить блокировку")

    def _check_amount(self, amount: Money) -> Money:
        return amount  # always the whole hold; the field is read-only

    def _summary(self, amount: Money, reason: Reason) -> str:
        return tr("Блокировка {held} будет снята целиком: деньги снова станут доступны "
                  "покупателю. Списано не будет ничего.").format(
            held=fmt.money_text(self.limits.held))


class RefundDialog(OperationDialog):
    action = REFUND

    def _most(self) -> Money:
        return self.limits.max_refund or Money.zero(self.limits.currency)

    def _heading(self) -> str:
        return tr("Заказ {invoice}: списано {captured}, уже возвращено {refunded}.").format(
            invoice=self.limits.invoice_id, captured=fmt.money_text(self.limits.captured),
            refunded=fmt.money_text(self.limits.refunded))

    def _ok_text(self) -> str:
        return tr("Вернуть")

    def _check_amount(self, amount: Money) -> Money:
        return check_refund(self.limits.state, self.limits.captured, self.limits.refunded,
                            amount)

    def _summary(self, amount: Money, reason: Reason) -> str:
        after = self.limits.captured - self.limits.refunded - amount
        text = tr("Покупателю будет возвращено {amount}; после возврата останется {after}.") \
            .format(amount=fmt.money_text(amount), after=fmt.money_text(after))
        if amount > self.limits.approval_threshold:
            text += " " + tr("Возврат больше {limit}: он дождётся одобрения второго менеджера и "
                             "только потом уйдёт в банк.").format(
                limit=fmt.money_text(self.limits.approval_threshold))
        return text


DIALOGS: dict[str, type[OperationDialog]] = {
    CONFIRM: ConfirmDialog, CANCEL: CancelDialog, REFUND: RefundDialog,
}


class BulkHoldsDialog(QDialog):
    """Confirm or release several holds in full: one summary before, one result per payment
    after. `submitted` carries the BulkRequest; the caller runs it and calls show_results."""

    submitted = Signal(object)
    COLUMNS = (
        QT_TRANSLATE_NOOP("OperationDialogs", "Заказ"),
        QT_TRANSLATE_NOOP("OperationDialogs", "Покупатель"),
        QT_TRANSLATE_NOOP("OperationDialogs", "Сумма"),
        QT_TRANSLATE_NOOP("OperationDialogs", "Осталось"),
        QT_TRANSLATE_NOOP("OperationDialogs", "Результат"),
    )
    RESULT_COLUMN = 4

    def __init__(
        self, action: Action, holds: list[HoldRow], reasons: list[str], operator: str,
        blocked: dict[str, str] | None = None, parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        if action not in (CONFIRM, CANCEL):
            raise ValueError("only holds are confirmed or released together")
        self.setObjectName("bulkHoldsDialog")
        self.action = action
        self.operator = operator
        self.holds = list(holds)
        blocked = blocked or {}
        #: invoiceId → why it is left out (expired, an operation in progress).
        self.skipped: dict[str, str] = {}
        for hold in self.holds:
            if hold.invoice_id in blocked:
                self.skipped[hold.invoice_id] = blocked[hold.invoice_id]
            elif action == CONFIRM and hold.expired:
                self.skipped[hold.invoice_id] = tr("пропущена: блокировка истекла")
        self.included = [h for h in self.holds if h.invoice_id not in self.skipped]
        self.setWindowTitle(tr("{action}: несколько блокировок").format(
            action=action_title(action)))

        self.table = QTableWidget(len(self.holds), len(self.COLUMNS), self)
        self.table.setObjectName("bulkTable")
        self.table.setHorizontalHeaderLabels([tr(str(c)) for c in self.COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        for row, hold in enumerate(self.holds):
            left = tr("истекла") if hold.expired else fmt.duration_text(hold.time_left)
            cells = (hold.invoice_id, hold.customer or "", fmt.money_text(hold.amount), left,
                     self.skipped.get(hold.invoice_id, ""))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)

        self.summary_label = QLabel(self._summary(), self)
        self.summary_label.setObjectName("summary")
        self.summary_label.setWordWrap(True)
        self.reason_picker = ReasonPicker(reasons, self)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("problem")
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        self.buttons = QDialogButtonBox(self)
        ok_text = tr("Подтвердить все") if action == CONFIRM else tr("Отменить все")
        self.ok_button: QPushButton = self.buttons.addButton(
            ok_text, QDialogButtonBox.ButtonRole.ApplyRole)
        self.ok_button.setObjectName("ok")
        self.close_button = self.buttons.addButton(tr("Закрыть"),
                                                   QDialogButtonBox.ButtonRole.RejectRole)
        self.ok_button.clicked.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow(tr("Причина:"), self.reason_picker)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary_label)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self.resize(720, 420)
        self.reason_picker.changed.connect(self._update)
        self._update()

    def _summary(self) -> str:
        totals: dict[str, Money] = {}
        for hold in self.included:
            currency = hold.amount.currency
            totals[currency] = totals.get(currency, Money.zero(currency)) + hold.amount
        total = " + ".join(fmt.money_text(m) for m in totals.values()) or fmt.money_text(
            Money.zero())
        count = fmt.count_text(_CONTEXT, "%n блокировок", len(self.included))
        text = (tr("Будет списано полностью: {count} на сумму {total}.") if self.action == CONFIRM
                else tr("Будут сняты целиком: {count} на сумму {total}; списано не будет "
                        "ничего.")).format(count=count, total=total)
        if self.skipped:
            text += " " + tr("Пропущено: {n} (см. таблицу).").format(n=len(self.skipped))
        return text + " " + tr("Оператор: {operator}.").format(operator=self.operator)

    def problem(self) -> str | None:
        if not self.included:
            return tr("Нечего выполнять: все выбранные блокировки пропущены.")
        try:
            self.reason_picker.reason()
        except ReasonError as exc:
            return str(exc)
        return None

    def _update(self) -> None:
        problem = self.problem()
        _show_problem(self.problem_label, self.ok_button, problem)

    def request(self) -> BulkRequest:
        problem = self.problem()
        if problem is not None:
            raise ValueError(problem)
        return BulkRequest(self.action, tuple(h.invoice_id for h in self.included),
                           self.reason_picker.reason())

    def submit(self) -> None:
        if self.problem() is not None:
            return
        request = self.request()
        self.ok_button.setEnabled(False)
        self.reason_picker.setEnabled(False)
        self.summary_label.setText(tr("Выполняется… {n} операций, по одной.").format(
            n=len(request.invoice_ids)))
        self.submitted.emit(request)

    def show_result(self, outcome: Outcome) -> None:
        """One payment's result, as it arrives."""
        for row, hold in enumerate(self.holds):
            if hold.invoice_id == outcome.invoice_id:
                item = QTableWidgetItem(result_title(outcome.result))
                item.setToolTip(outcome_text(outcome))
                item.setBackground(_RESULT_COLOURS[outcome.result])
                item.setForeground(QColor("#111111"))
                self.table.setItem(row, self.RESULT_COLUMN, item)

    def show_results(self, outcomes: list[Outcome]) -> None:
        """Every result and one line that counts them; the dialog then only closes."""
        for outcome in outcomes:
            self.show_result(outcome)
        counts: dict[OperationResult, int] = {}
        for outcome in outcomes:
            counts[outcome.result] = counts.get(outcome.result, 0) + 1
        parts = [f"{result_title(result)}: {n}" for result, n in counts.items()]
        self.summary_label.setText(tr("Готово. ") + "; ".join(parts) + ".")
        self.ok_button.setVisible(False)

    def show_failure(self, error: Any) -> None:
        self.summary_label.setText(tr("Не удалось выполнить: {error}").format(error=error))
        self.ok_button.setVisible(False)
