"""A phone order taken in the window: «Выставить счёт…» (Ctrl+N), the link with Copy, QR and
e-mail, the customer paying, the bank's callback in the detail pane, the hold confirmed, and the
month reconciled. Dialogs and the mail program are handed to the test instead of being opened."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from halyk_desk.domain import Money, State, utc_now
from halyk_desk.domain.timeutil import ALMATY
from halyk_desk.receiver.server import Receiver
from halyk_desk.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)
from halyk_desk.services import links, reconciliation
from halyk_desk.services.context import open_context
from halyk_desk.store import repository
from halyk_desk.store.records import ProfileRecord
from halyk_desk.ui.operation_dialogs import ConfirmDialog
from halyk_desk.ui.payment_links import CreateLinkDialog, LinkResultDialog

SHOTS = Path("/tmp/shots")
SHOP_ID = "5a3c1f0e-2b7d-4c1e-9f00-0123456789ab"


def fill(dialog: CreateLinkDialog, *, email: str = "aigerim@example.kz") -> None:
    dialog.amount_edit.setText("48 500")
    dialog.description_edit.setText("Диван «Алма», доставка 5 декабря")
    dialog.email_edit.setText(email)
    dialog.phone_edit.setText("+7 701 123 45 67")


def create_link(qtbot, win, shown: list) -> LinkResultDialog:
    """Ctrl+N, fill, create: the result dialog."""
    win.activateWindow()
    win.parts.links.action.trigger()
    [dialog] = shown
    qtbot.addWidget(dialog)
    assert isinstance(dialog, CreateLinkDialog)
    fill(dialog)
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "link-create.png"))
    dialog.create_button.click()
    qtbot.waitUntil(lambda: len(shown) == 2, timeout=30_000)
    result = shown[1]
    qtbot.addWidget(result)
    assert isinstance(result, LinkResultDialog)
    return result


@pytest.fixture
def shown(window) -> list:
    dialogs: list = []
    window.parts.links.open_dialog = dialogs.append
    window.parts.money.open_dialog = dialogs.append
    return dialogs


def test_a_link_on_the_sandbox_profile_copied_mailed_and_paid(qtbot, window, shown):
    win = window
    assert win.parts.links.action.shortcut().toString() == "Ctrl+N"
    mailed: list = []
    win.parts.links.open_url = lambda url: mailed.append(url) or True
    result = create_link(qtbot, win, shown)
    info = result.info
    assert info.amount == Money(48_500_00) and info.state is links.LinkState.ACTIVE

    assert not result.qr_label.pixmap().isNull()
    result.copy_button.click()
    assert QGuiApplication.clipboard().text() == info.url
    result.mail_button.click()
    [url] = mailed
    text = unquote(url.toString())
    assert text.startswith("mailto:aigerim@example.kz?subject=Оплата заказа № " + info.invoice_id)
    assert info.url in text and "48 500,00" in text.replace("\u00a0", " ")

    result.resize(620, 560)
    SHOTS.mkdir(exist_ok=True)
    result.grab().save(str(SHOTS / "link-result.png"))

    view = win.payments_view
    qtbot.waitUntil(lambda: view.detail.detail is not None
                    and view.detail.detail.row.invoice_id == info.invoice_id, timeout=30_000)
    assert not view.detail.link_label.isHidden()
    assert "ждёт оплаты" in view.detail.link_label.text()

    with qtbot.waitSignal(result.paid, timeout=30_000):
        result.pay_button.click()
    assert "AUTH" in result.note.text()
    qtbot.waitUntil(lambda: view.detail.detail is not None and view.detail.detail.link
                    is not None and view.detail.detail.link.state is links.LinkState.PAID,
                    timeout=30_000)
    assert view.detail.detail.row.state is State.HELD


def test_the_link_filter_shows_links_by_state(qtbot, window, shown):
    win = window
    result = create_link(qtbot, win, shown)
    view = win.payments_view
    view.search_edit.clear()  # the new order was shown by its number
    view.link_filter.setCurrentIndex(view.link_filter.findText("Ссылки: ждут оплаты"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=30_000)
    assert view.model.row_at(0).invoice_id == result.info.invoice_id
    view.link_filter.setCurrentIndex(view.link_filter.findText("Ссылки: оплачены"))
    qtbot.waitUntil(lambda: view.count_label.text().startswith("0 "), timeout=30_000)
    view.link_filter.setCurrentIndex(0)
    qtbot.waitUntil(lambda: view.model.rowCount() > 1, timeout=30_000)


def test_bad_input_stays_in_the_dialog(qtbot, window, shown):
    win = window
    qtbot.mouseClick(win.parts.links.button, Qt.MouseButton.LeftButton)
    [dialog] = shown
    qtbot.addWidget(dialog)
    fill(dialog, email="not-an-address")
    dialog.create_button.click()
    qtbot.waitUntil(lambda: "e-mail" in dialog.problem_label.text(), timeout=30_000)
    assert dialog.create_button.isEnabled() and len(shown) == 1
    assert links.list_links(win.ctx) == []


@pytest.fixture
def shop_ctx(ctx):
    """The demo home with a profile "shop" at a sandbox bank of its own, and the receiver."""
    bank = SandboxBank(seed=3)
    with SandboxServer(bank, port=0) as server:
        record = ProfileRecord(name="shop", kind="custom", oauth_url=server.oauth_url,
                               api_url=server.api_url, client_id=TEST_CLIENT_ID,
                               terminal_id=TEST_TERMINAL, shop_id=SHOP_ID)
        with ctx.store.session() as session:
            repository.save_profile(session, record)
        ctx.secrets.set("shop", TEST_CLIENT_SECRET)
        shop = replace(ctx, profile=record)
        receiver = Receiver(shop, "127.0.0.1", 0)
        with receiver.running():
            url = f"http://127.0.0.1:{receiver.port}/halyk/callback"
            record = replace(record, callback_url=url)
            with ctx.store.session() as session:
                repository.save_profile(session, record)
            yield replace(shop, profile=record), server, receiver


def test_a_phone_order_end_to_end_in_the_window(qtbot, shop_ctx, open_window, notifier):
    ctx, server, receiver = shop_ctx
    win = open_window(ctx)
    shown: list = []
    win.parts.links.open_dialog = shown.append
    win.parts.money.open_dialog = shown.append
    win.resize(1366, 768)
    result = create_link(qtbot, win, shown)
    invoice = result.info.invoice_id
    assert not result.pay_button.isVisible()  # a real bank's page: the customer pays there
    result.accept()

    # The customer opens the link on the phone and pays; the bank calls back.
    assert httpx.post(result.info.url + "/pay", data={"card": "4405645000006150"}).status_code \
        == 200
    server.bank.invoices.wait_for_deliveries()
    assert receiver.checker.wait_idle(10)

    view = win.payments_view
    view.show_invoice(invoice)
    qtbot.waitUntil(lambda: view.detail.detail is not None and view.detail.detail.row.invoice_id
                    == invoice and bool(view.detail.detail.callbacks), timeout=30_000)
    win.tabs.setCurrentWidget(view)
    with qtbot.waitSignal(view.model.loaded, timeout=30_000):
        view.refresh()  # the list learns of the callback's status check (a sync would do it)
    assert view.model.row_at(0).state is State.HELD
    table = view.detail.callbacks_table
    assert table.isVisible() and table.rowCount() == 1
    assert (table.item(0, 1).text(), table.item(0, 2).text(), table.item(0, 3).text()) == (
        "ok", "проверено", "AUTH")
    assert view.detail.detail.row.state is State.HELD
    win.grab().save(str(SHOTS / "link-paid-detail.png"))

    payment = win.parts.payment_actions
    qtbot.waitUntil(lambda: payment.buttons["confirm"].isEnabled(), timeout=30_000)
    payment.buttons["confirm"].click()
    confirm = shown[-1]
    qtbot.addWidget(confirm)
    assert isinstance(confirm, ConfirmDialog)
    confirm.reason_picker.choose("Нет в наличии")
    with qtbot.waitSignal(win.parts.money.changed, timeout=30_000):
        confirm.accept()
    assert notifier.infos[-1][0] == "Выполнено", notifier.infos + notifier.errors
    assert server.bank.get(invoice).status == "CHARGE"

    today = utc_now().astimezone(ALMATY).date()
    recon = reconciliation.run_reconciliation(ctx, today, today)
    assert [d for d in recon.result.discrepancies if d.invoice_id == invoice] == []
    assert recon.result.categories["matched"].count == 1
    QApplication.processEvents()


def test_an_accountant_cannot_create_links(qtbot, ctx, open_window):
    from halyk_desk.services import operators

    operators.current(ctx)  # the OS user becomes the first admin
    operators.add_operator(ctx, "alla", "accountant")
    win = open_window(ctx.as_("alla"))
    assert not win.parts.links.button.isEnabled()
    assert not win.parts.links.action.isEnabled()


def test_profile_link_fields_in_settings(qtbot, ctx):
    from halyk_desk.ui.settings_profiles import ProfilesPage

    page = ProfilesPage(ctx)
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.refreshed, timeout=10_000):
        page.load()
    page.shop_edit.setText("not-a-uuid")
    page.save_link_fields()
    assert "UUID" in page.status.text()
    page.shop_edit.setText(SHOP_ID)
    page.callback_edit.setText("http://shop.example.kz/cb")
    page.save_link_fields()
    assert "https://" in page.status.text()
    page.callback_edit.setText("https://shop.example.kz/cb")
    with qtbot.waitSignal(page.refreshed, timeout=10_000):
        page.save_link_fields()
    page.resize(1000, 640)
    page.grab().save(str(SHOTS / "settings-profile-links.png"))
    reopened = open_context(type("A", (), {"home": None, "db": None, "profile": None,
                                           "operator": None})())
    try:
        assert (reopened.profile.shop_id, reopened.profile.callback_url) == (
            SHOP_ID, "https://shop.example.kz/cb")
    finally:
        reopened.close()
