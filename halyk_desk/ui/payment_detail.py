"""PaymentDetailPane: one payment as the bank describes it, and how its state changed over time."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.services import callbacks
from halyk_desk.services import payments as payment_service
from halyk_desk.services.payments import PaymentDetail
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.payment_links import link_state_text
from halyk_desk.ui.state_look import INK, state_background, state_label
from halyk_desk.ui.tasks import run


def _read_only_table(headers: list[str], parent: QWidget | None) -> QTableWidget:
    table = QTableWidget(0, len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.setWordWrap(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
    return table


class PaymentDetailPane(QWidget):
    """Shows the payment chosen in the table; fetched on a worker, latest choice wins."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentDetail")
        self._ctx = ctx
        self._invoice_id: str | None = None
        self._detail: PaymentDetail | None = None

        self.title_label = QLabel(self)
        self.title_label.setObjectName("detailTitle")
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("detailState")
        self.state_label.setMargin(3)

        self._summary = QFormLayout()
        self._summary_values: dict[str, QLabel] = {}
        for key, title in (
            ("amount", self.tr("Сумма")),
            ("captured", self.tr("Списано")),
            ("refunded", self.tr("Возвращено")),
            ("created", self.tr("Заказ создан")),
            ("customer", self.tr("Покупатель")),
            ("card", self.tr("Карта")),
            ("transaction", self.tr("Транзакция банка")),
            ("last_read", self.tr("Прочитано у банка")),
            ("read_error", self.tr("Ошибка чтения")),
        ):
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._summary.addRow(title + ":", value)
            self._summary_values[key] = value

        #: Issue 4 puts confirm / cancel / refund here; empty until then.
        self.actions_row = QHBoxLayout()

        self.bank_fields_table = _read_only_table(
            [self.tr("Поле банка"), self.tr("Значение")], None
        )
        self.bank_fields_table.setObjectName("bankFields")
        self.history_table = _read_only_table(
            [self.tr("Когда"), self.tr("Состояние"), self.tr("Статус банка")], None
        )
        self.history_table.setObjectName("statusHistory")
        self.link_label = QLabel(self)
        self.link_label.setObjectName("detailLink")
        self.link_label.setWordWrap(True)
        self.link_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.callbacks_title = QLabel(self.tr("Уведомления банка"), self)
        self.callbacks_table = _read_only_table(
            [self.tr("Получено"), self.tr("Результат"), self.tr("Проверка"),
             self.tr("Банк при проверке")], None,
        )
        self.callbacks_table.setObjectName("paymentCallbacks")

        head = QHBoxLayout()
        head.addWidget(self.title_label)
        head.addWidget(self.state_label)
        head.addStretch(1)
        #: Everything below the title; hidden while no payment is shown.
        self.body = QWidget(self)
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(self._summary)
        body.addLayout(self.actions_row)
        body.addWidget(self.link_label)
        body.addWidget(self.callbacks_title)
        body.addWidget(self.callbacks_table, 1)
        body.addWidget(QLabel(self.tr("Данные банка"), self.body))
        body.addWidget(self.bank_fields_table, 3)
        body.addWidget(QLabel(self.tr("История статусов"), self.body))
        body.addWidget(self.history_table, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.body, 1)
        layout.addStretch(0)
        self._show_nothing()

    @property
    def invoice_id(self) -> str | None:
        return self._invoice_id

    @property
    def detail(self) -> PaymentDetail | None:
        return self._detail

    def show_payment(self, invoice_id: str | None) -> None:
        self._invoice_id = invoice_id
        if invoice_id is None:
            self._show_nothing()
            return
        ctx = self._ctx
        run(
            lambda: payment_service.payment_detail(ctx, invoice_id),
            self._arrived,
            lambda error: self._show_nothing(
                self.tr("Не удалось прочитать платёж {invoice}: {error}").format(
                    invoice=invoice_id, error=error)),
            current=lambda: invoice_id == self._invoice_id,  # else the user has moved on
            owner=self,
        )

    def reload(self) -> None:
        if self._invoice_id is not None:
            self.show_payment(self._invoice_id)

    def _arrived(self, detail: PaymentDetail) -> None:
        self._detail = detail
        row = detail.row
        self.title_label.setText(self.tr("Заказ {invoice}").format(invoice=row.invoice_id))
        self.state_label.setText(state_label(row.state))
        background = state_background(row.state)
        self.state_label.setStyleSheet(
            ""
            if background is None
            else f"background: {background.name()}; color: {INK.name()}; border-radius: 3px;"
        )
        values = {
            "amount": fmt.money_text(row.amount),
            "captured": fmt.money_text(row.captured),
            "refunded": fmt.money_text(row.refunded),
            "created": fmt.local_time_text(row.created_at),
            "customer": row.customer or "",
            "card": " ".join(
                part for part in (row.card_mask, row.reference and f"RRN {row.reference}") if part
            ),
            "transaction": row.transaction_id or "",
            "last_read": fmt.local_time_text(row.last_read_at) or self.tr("ещё не читали"),
            "read_error": row.read_error or "",
        }
        for key, text in values.items():
            self._summary_values[key].setText(text)
        self._summary.setRowVisible(self._summary_values["read_error"], bool(row.read_error))
        self.body.setVisible(True)
        self._show_link(detail)
        self._fill(self.bank_fields_table, [[name, value] for name, value in detail.bank_fields])
        self._fill(
            self.history_table,
            [
                [
                    fmt.local_time_text(entry.at),
                    " → ".join(
                        state_label(state) for state in (entry.old_state, entry.new_state) if state
                    ),
                    " → ".join(s for s in (entry.old_bank_status, entry.new_bank_status) if s),
                ]
                for entry in sorted(detail.history, key=lambda e: e.at, reverse=True)
            ],
        )

    def _show_link(self, detail: PaymentDetail) -> None:
        """The order's payment link and the bank's callbacks about it, when it has them."""
        link = detail.link
        self.link_label.setVisible(link is not None)
        if link is not None:
            self.link_label.setText(self.tr(
                "Ссылка на оплату ({state}), до {until}; создал {who}: {description}\n{url}"
            ).format(state=link_state_text(link.state), until=fmt.local_time_text(link.expires_at),
                     who=link.created_by, description=link.description, url=link.url))
        shown = bool(detail.callbacks)
        self.callbacks_title.setVisible(shown)
        self.callbacks_table.setVisible(shown)
        self._fill(self.callbacks_table, [
            [fmt.local_time_text(c.received_at), c.code or "",
             self.tr("проверено") if c.verified else self.tr("НЕ ПРОВЕРЕНО: {why}").format(
                 why=callbacks.problem_text(c.problem)),
             (self.tr("у банка нет платежа") if c.checked_status == callbacks.NOT_FOUND
              else c.checked_status) or self.tr("ещё не проверено")]
            for c in detail.callbacks
        ])

    def _show_nothing(self, message: str | None = None) -> None:
        self._detail = None
        self.title_label.setText(message or self.tr("Выберите платёж в списке"))
        self.state_label.setText("")
        self.state_label.setStyleSheet("")
        self.body.setVisible(False)

    @staticmethod
    def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
        table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        table.horizontalHeader().setSectionResizeMode(
            table.columnCount() - 1, QHeaderView.ResizeMode.Stretch
        )
