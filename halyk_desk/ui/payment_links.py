"""Payment links in the window: «Выставить счёт…» on the Payments tab (Ctrl+N), the result with
Copy, a QR code and «Отправить по e-mail».

The creation dialog only asks; LinkActions runs services.links.create_link on a worker. A
refusal (bad input, the bank said no) is shown in the dialog, which stays open to be corrected.
`open_dialog` and `open_url` are replaceable: tests fill the dialogs and catch the mailto: address
without a modal window or a mail program.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import segno
from PySide6.QtCore import QCoreApplication, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.domain import Money, MoneyError
from halyk_desk.services import links, operations, operators
from halyk_desk.services.bank import is_sandbox, pay_sandbox_link
from halyk_desk.services.links import LinkInfo
from halyk_desk.services.operations import parse_amount
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui.tasks import run

_CONTEXT = "PaymentLinks"
PROBLEM_STYLE = "color: #b00020;"
OpenDialog = Callable[[QDialog], None]
OpenUrl = Callable[[QUrl], Any]


def tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def link_state_text(state: links.LinkState) -> str:
    return {
        links.LinkState.ACTIVE: tr("активна, ждёт оплаты"),
        links.LinkState.PAID: tr("оплачена"),
        links.LinkState.EXPIRED: tr("срок истёк, не оплачена"),
        links.LinkState.FAILED: tr("платёж отклонён"),
    }[state]


@dataclass(frozen=True)
class LinkRequest:
    amount: Money
    description: str
    email: str
    phone: str
    expires: str
    language: str


class CreateLinkDialog(QDialog):
    """Asks for the amount, what it is for, the customer's contact and the link's lifetime."""

    submitted = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("createLinkDialog")
        self.setWindowTitle(tr("Выставить счёт"))
        self.amount_edit = QLineEdit(self)
        self.amount_edit.setObjectName("linkAmount")
        self.amount_edit.setPlaceholderText(tr("например, 15 000 или 1 500,50"))
        self.currency_combo = QComboBox(self)
        self.currency_combo.setObjectName("linkCurrency")
        self.currency_combo.addItems(["KZT", "USD"])
        self.description_edit = QLineEdit(self)
        self.description_edit.setObjectName("linkDescription")
        self.description_edit.setPlaceholderText(tr("что оплачивает покупатель"))
        self.email_edit = QLineEdit(self)
        self.email_edit.setObjectName("linkEmail")
        self.email_edit.setPlaceholderText("buyer@example.kz")
        self.phone_edit = QLineEdit(self)
        self.phone_edit.setObjectName("linkPhone")
        self.phone_edit.setPlaceholderText("+7 701 123 45 67")
        self.expires_combo = QComboBox(self)
        self.expires_combo.setObjectName("linkExpires")
        for text, period in ((tr("1 час"), "1h"), (tr("1 день"), "1d"), (tr("3 дня"), "3d"),
                             (tr("7 дней"), "7d")):
            self.expires_combo.addItem(text, period)
        self.expires_combo.setCurrentIndex(1)
        self.language_combo = QComboBox(self)
        self.language_combo.setObjectName("linkLanguage")
        for text, code in (("Русский", "rus"), ("Қазақша", "kaz"), ("English", "eng")):
            self.language_combo.addItem(text, code)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("linkProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(PROBLEM_STYLE)

        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount_edit, 1)
        amount_row.addWidget(self.currency_combo)
        form = QFormLayout()
        form.addRow(tr("Сумма:"), amount_row)
        form.addRow(tr("За что:"), self.description_edit)
        form.addRow(tr("E-mail покупателя:"), self.email_edit)
        form.addRow(tr("Телефон покупателя:"), self.phone_edit)
        form.addRow(tr("Ссылка действует:"), self.expires_combo)
        form.addRow(tr("Язык страницы оплаты:"), self.language_combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText(tr("Создать ссылку"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Отмена"))
        intro = QLabel(tr("Банк создаст ссылку на оплату; заказ появится в списке платежей как "
                          "ожидающий оплаты."), self)
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(460)

    def request(self) -> LinkRequest:
        """What was typed; MoneyError for an amount that is no amount."""
        currency = self.currency_combo.currentText()
        return LinkRequest(
            amount=parse_amount(self.amount_edit.text(), currency),
            description=self.description_edit.text(), email=self.email_edit.text(),
            phone=self.phone_edit.text(), expires=self.expires_combo.currentData(),
            language=self.language_combo.currentData())

    def submit(self) -> None:
        try:
            request = self.request()
        except MoneyError as exc:
            self.show_problem(str(exc))
            self.amount_edit.setFocus()
            return
        self.create_button.setEnabled(False)
        self.problem_label.setText(tr("Создаю ссылку…"))
        self.problem_label.setStyleSheet("")
        self.submitted.emit(request)

    def show_problem(self, text: str) -> None:
        self.create_button.setEnabled(True)
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        self.problem_label.setText(text)


def qr_pixmap(url: str, scale: int = 5) -> QPixmap:
    """The link as a QR code a phone camera reads off the screen."""
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=scale, border=2)
    pixmap = QPixmap()
    pixmap.loadFromData(png.getvalue(), "PNG")
    return pixmap


def mailto(email: str | None, subject: str, body: str) -> QUrl:
    return QUrl(f"mailto:{quote(email or '')}?subject={quote(subject)}&body={quote(body)}",
                QUrl.ParsingMode.TolerantMode)


class LinkResultDialog(QDialog):
    """The link: its address with Copy, a QR code, and an e-mail to the customer."""

    #: The sandbox took the payment (its status has been read): the lists should read again.
    paid = Signal()

    def __init__(self, info: LinkInfo, language: str, time_zone: str,
                 open_url: OpenUrl, parent: QWidget | None = None, *,
                 sandbox_ctx: Any = None) -> None:
        """With `sandbox_ctx` (the sandbox profile) a button pays the link as a customer would,
        with the bank's test card: the sandbox bank lives inside the program, so its page is
        only reachable while the program talks to it."""
        super().__init__(parent)
        self.setObjectName("linkResultDialog")
        self.info = info
        self.setWindowTitle(tr("Ссылка на оплату заказа {invoice}").format(
            invoice=info.invoice_id))
        self._open_url = open_url
        self._mail = links.invitation(info, language, time_zone)
        self.url_edit = QLineEdit(info.url, self)
        self.url_edit.setObjectName("linkUrl")
        self.url_edit.setReadOnly(True)
        self.url_edit.setCursorPosition(0)
        self.copy_button = QPushButton(tr("Копировать"), self)
        self.copy_button.setObjectName("copyLink")
        self.qr_label = QLabel(self)
        self.qr_label.setObjectName("linkQr")
        self.qr_label.setPixmap(qr_pixmap(info.url))
        self.qr_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.mail_button = QPushButton(tr("Отправить по e-mail"), self)
        self.mail_button.setObjectName("mailLink")
        self.note = QLabel(self)
        self.note.setObjectName("linkNote")
        close = QPushButton(tr("Закрыть"), self)
        summary = QLabel(tr("Заказ {invoice} на {amount}: {description}.\nДействует до {until}.")
                         .format(invoice=info.invoice_id, amount=fmt.money_text(info.amount),
                                 description=info.description,
                                 until=fmt.local_time_text(info.expires_at)), self)
        summary.setObjectName("linkSummary")
        summary.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.url_edit, 1)
        row.addWidget(self.copy_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.mail_button)
        self._sandbox_ctx = sandbox_ctx
        self.pay_button = QPushButton(tr("Оплатить в песочнице (тестовая карта)"), self)
        self.pay_button.setObjectName("payInSandbox")
        self.pay_button.setVisible(sandbox_ctx is not None)
        self.pay_button.clicked.connect(self.pay_in_sandbox)
        buttons.addWidget(self.pay_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addLayout(row)
        layout.addWidget(QLabel(tr("Покажите код покупателю: камера телефона откроет "
                                   "страницу оплаты."), self))
        layout.addWidget(self.qr_label, 1)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        self.copy_button.clicked.connect(self.copy)
        self.mail_button.clicked.connect(self.send_mail)
        close.clicked.connect(self.accept)
        self.setMinimumWidth(520)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.info.url)
        self.note.setText(tr("Ссылка скопирована."))

    def mail_url(self) -> QUrl:
        subject, body = self._mail
        return mailto(self.info.email, subject, body)

    def pay_in_sandbox(self) -> None:
        ctx, info = self._sandbox_ctx, self.info
        if ctx is None or info.link_id is None:
            return
        link_id = info.link_id

        def pay() -> str:
            said = pay_sandbox_link(ctx, link_id)
            return operations.refresh_status(ctx, info.invoice_id).status_name if said == \
                "PAID" else said

        self.pay_button.setEnabled(False)
        self.note.setText(tr("Покупатель платит тестовой картой…"))
        run(pay, self._paid, self._not_paid, owner=self)

    def _not_paid(self, error: BaseException) -> None:
        self.pay_button.setEnabled(True)
        self.note.setText(tr("Оплата не прошла: {error}").format(error=error))

    def _paid(self, status: str) -> None:
        self.note.setText(tr("Оплачено тестовой картой; статус у банка: {status}.").format(
            status=status))
        self.paid.emit()

    def send_mail(self) -> None:
        if not self._open_url(self.mail_url()):
            self.note.setText(tr("Почтовая программа не открылась: скопируйте ссылку и "
                                 "отправьте её сами."))


def _open(dialog: QDialog) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


class LinkActions(QObject):
    """«Выставить счёт…»: `button` (the window puts it on the Payments tab) and Ctrl+N in
    `window`."""

    #: A link was made (its invoiceId): the Payments tab shows it.
    created = Signal(str)
    #: The sandbox took a link's payment: what changed (services.changes.Changes).
    changed = Signal(object)

    def __init__(self, ctx: Any, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ctx
        self.open_dialog: OpenDialog = _open
        self.open_url: OpenUrl = QDesktopServices.openUrl
        #: The last result dialog, for tests and screenshots.
        self.result_dialog: LinkResultDialog | None = None
        self.button = QPushButton(tr("Выставить счёт…"), window)
        self.button.setObjectName("createLink")
        self.button.setToolTip(tr("Ссылка на оплату для заказа по телефону или e-mail (Ctrl+N)"))
        self.action = QAction(tr("Выставить счёт…"), window)
        self.action.setShortcut(QKeySequence("Ctrl+N"))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        window.addAction(self.action)
        self.button.clicked.connect(self.ask)
        self.action.triggered.connect(self.ask)
        who = operators.current(self.ctx)
        allowed = who is not None and who.can(operators.CREATE_LINKS)
        self.button.setEnabled(allowed)
        self.action.setEnabled(allowed)
        if not allowed:
            self.button.setToolTip(tr("Ссылки на оплату создают менеджеры и администраторы."))

    def ask(self) -> CreateLinkDialog:
        dialog = CreateLinkDialog(self.window)
        dialog.submitted.connect(lambda request: self.run(request, dialog))
        self.open_dialog(dialog)
        return dialog

    def run(self, request: LinkRequest, dialog: CreateLinkDialog) -> None:
        ctx = self.ctx

        def create() -> LinkInfo:
            return links.create_link(ctx, request.amount, request.description,
                                     email=request.email, phone=request.phone,
                                     expires=request.expires, language=request.language)

        run(create, lambda info: self._done(info, request, dialog),
            lambda error: dialog.show_problem(tr("Ссылка не создана: {error}").format(
                error=error)),
            owner=self)

    def _done(self, info: LinkInfo, request: LinkRequest, dialog: CreateLinkDialog) -> None:
        dialog.accept()
        self.result_dialog = LinkResultDialog(
            info, request.language, self.ctx.settings["business_tz"], self.open_url, self.window,
            sandbox_ctx=self.ctx if is_sandbox(self.ctx) else None)
        # A new hold: every list (and the detail pane's buttons) reads again.
        self.result_dialog.paid.connect(lambda: self.changed.emit(links.CHANGES))
        self.open_dialog(self.result_dialog)
        self.created.emit(info.invoice_id)

