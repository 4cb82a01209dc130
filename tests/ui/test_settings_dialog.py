"""The settings dialog: every page checks what is typed and says what to type; saving applies,
writes the file and the audit log; profiles are tested against the sandbox and saved with their
secret; operators are managed by an admin only."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from halyk_desk.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)
from halyk_desk.services import operators, signin
from halyk_desk.services import settings_service as service
from halyk_desk.settings import Settings
from halyk_desk.ui.settings_dialog import SettingsDialog

LOAD_TIMEOUT = 15_000


@pytest.fixture
def dialog(qtbot, ctx):
    found = SettingsDialog(ctx)
    qtbot.addWidget(found)
    found.show()
    with qtbot.waitSignals([found.permissions_known, found.profiles_page.refreshed,
                            found.operators_page.refreshed], timeout=LOAD_TIMEOUT):
        found.load()
    return found


@pytest.fixture
def sandbox_server():
    with SandboxServer(SandboxBank(), port=0) as server:
        yield server


def save(qtbot, dialog: SettingsDialog) -> list:
    with qtbot.waitSignal(dialog.saved, timeout=LOAD_TIMEOUT) as blocker:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def refused(qtbot, dialog: SettingsDialog, field: QWidget) -> str:
    """Save, expecting a refusal at `field`: its page is shown and the message returned."""
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible(), "a refused save must keep the dialog open"
    assert dialog.stack.currentWidget().isAncestorOf(field)
    return dialog.problem_label.text()


def test_an_admin_changes_every_page_and_it_is_saved_and_audited(qtbot, dialog, ctx):
    assert dialog.may_edit and "администратор" in dialog.who_label.text()
    dialog.holds_page.warn_spin.setValue(3)
    dialog.holds_page.expire_spin.setValue(6)
    dialog.holds_page.tz_combo.setCurrentText("Asia/Aqtobe")
    reasons = dialog.reasons_page
    reasons.list.setCurrentRow(0)
    qtbot.mouseClick(reasons.down_button, Qt.MouseButton.LeftButton)
    reasons.list.setCurrentRow(reasons.list.count() - 1)
    qtbot.mouseClick(reasons.remove_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(reasons.add_button, Qt.MouseButton.LeftButton)
    reasons.list.item(reasons.list.count() - 1).setText("Брак товара")
    dialog.refunds_page.threshold_edit.setText("250 000,50")
    dialog.language_page.buttons["kk"].setChecked(True)

    changes = save(qtbot, dialog)

    assert {c.key for c in changes} == {"hold_warn_days", "hold_expire_days", "business_tz",
                                        "reasons", "refund_approval_threshold", "language"}
    settings = Settings.load(ctx.paths.config_dir)
    assert (settings["hold_warn_days"], settings["hold_expire_days"]) == (3, 6)
    assert settings["business_tz"] == "Asia/Aqtobe"
    assert settings["reasons"] == ["Нет в наличии", "Просьба покупателя", "Двойная оплата",
                                   "Подозрение на мошенничество", "Корректировка цены",
                                   "Брак товара"]
    assert settings["refund_approval_threshold"] == 25_000_050
    assert settings["language"] == "kk"
    assert ctx.settings["reasons"] == settings["reasons"]  # the running window sees them too
    assert not dialog.isVisible()


@pytest.mark.parametrize(("page", "field", "value", "says"), [
    ("holds_page", "warn_spin", 9, "меньше 7"),
    ("holds_page", "tz_combo", "Europe/Atlantis", "выберите его из списка"),
    ("refunds_page", "threshold_edit", "сто тысяч", "например 100 000"),
    ("refunds_page", "threshold_edit", "12,345", "например 100 000"),
    ("database_page", "url_edit", "mysql://db/halyk", "postgresql://"),
])
def test_each_page_says_what_to_type(qtbot, dialog, page, field, value, says):
    widget = getattr(getattr(dialog, page), field)
    if page == "database_page":
        dialog.database_page.postgres_radio.setChecked(True)
    if hasattr(widget, "setValue"):
        widget.setValue(value)
    elif hasattr(widget, "setCurrentText"):
        widget.setCurrentText(value)
    else:
        widget.setText(value)
    dialog.nav.setCurrentRow(0)
    assert says in refused(qtbot, dialog, widget)
    assert not dialog.ctx.settings.path.exists()


def test_reasons_must_be_there_once_each(qtbot, dialog):
    reasons = dialog.reasons_page
    reasons.list.item(1).setText(" просьба ПОКУПАТЕЛЯ ")
    assert "записана дважды" in refused(qtbot, dialog, reasons.list)
    reasons.list.item(1).setText("")
    assert "В строке 2 пустая причина" in refused(qtbot, dialog, reasons.list)
    while reasons.list.count():
        reasons.list.setCurrentRow(0)
        reasons.remove_reason()
    assert "хотя бы одна причина" in refused(qtbot, dialog, reasons.list)


def test_an_accountant_may_change_the_language_only(qtbot, ctx):
    operators.current(ctx)  # the store's first operator (the OS user) becomes its admin
    operators.add_operator(ctx, "anna", "accountant")
    anna = ctx.as_("anna")
    found = SettingsDialog(anna)
    qtbot.addWidget(found)
    with qtbot.waitSignal(found.permissions_known, timeout=LOAD_TIMEOUT) as known:
        found.load()
    assert known.args == [False]
    assert "меняет администратор" in found.who_label.text()
    assert not found.holds_page.warn_spin.isEnabled()
    assert not found.reasons_page.add_button.isEnabled()
    assert not found.operators_page.save_button.isEnabled()
    assert not found.operators_page.password_edit.isEnabled()
    assert found.profiles_page.test_button.isEnabled()  # testing a connection harms nothing
    found.language_page.buttons["en"].setChecked(True)
    [change] = save(qtbot, found)
    assert (change.key, change.new) == ("language", "en")
    assert Settings.load(ctx.paths.config_dir)["hold_warn_days"] == 5


def test_a_new_profile_is_tested_as_typed_then_saved_with_its_secret(
        qtbot, dialog, ctx, sandbox_server, memory_keyring):
    page = dialog.profiles_page
    dialog.nav.setCurrentRow(0)
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    page.name_edit.setText("shop-main")
    page.oauth_edit.setText(sandbox_server.oauth_url)
    page.api_edit.setText(sandbox_server.api_url)
    page.client_edit.setText(TEST_CLIENT_ID)
    page.terminal_edit.setText(TEST_TERMINAL.upper())
    page.secret_edit.setText("not-the-secret")
    with qtbot.waitSignal(page.checked, timeout=LOAD_TIMEOUT) as tested:
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert tested.args == [False]
    assert "не принял данные входа" in page.result.label.text()

    page.secret_edit.setText(TEST_CLIENT_SECRET)
    with qtbot.waitSignal(page.checked, timeout=LOAD_TIMEOUT) as tested:
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert tested.args == [True]
    assert "Соединение работает" in page.result.label.text()

    with qtbot.waitSignals([page.profile_saved, page.refreshed], timeout=LOAD_TIMEOUT):
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "сохранён" in page.status.text()
    assert memory_keyring.items[("halyk-desk", "shop-main")] == TEST_CLIENT_SECRET
    assert page.list.currentItem().text() == "shop-main"
    assert page.secret_where.text() == "в системном хранилище паролей"
    [saved] = [p.record for p in service.list_profiles(ctx) if p.record.name == "shop-main"]
    assert saved.terminal_id == TEST_TERMINAL  # kept in its canonical form


def test_without_a_keyring_the_page_says_where_the_secret_went(qtbot, dialog, ctx,
                                                                sandbox_server):
    page = dialog.profiles_page
    page.new_profile()
    for edit, text in ((page.name_edit, "shop-main"), (page.oauth_edit, sandbox_server.oauth_url),
                       (page.api_edit, sandbox_server.api_url),
                       (page.client_edit, TEST_CLIENT_ID), (page.terminal_edit, TEST_TERMINAL),
                       (page.secret_edit, TEST_CLIENT_SECRET)):
        edit.setText(text)
    with qtbot.waitSignal(page.refreshed, timeout=LOAD_TIMEOUT):
        page.save_profile()
    warning = page.status.text()
    assert str(ctx.secrets.fallback_path) in warning and "нет системного хранилища" in warning
    assert str(ctx.secrets.fallback_path) in page.secret_where.text()


@pytest.mark.parametrize(("field", "value", "says"), [
    ("name_edit", "Shop Main", "строчных латинских букв"),
    ("name_edit", "sandbox", "заняты"),
    ("oauth_edit", "ftp://bank/token", "Адрес токенов"),
    ("api_edit", "epay", "Адрес API"),
    ("client_edit", " ", "Client ID пуст"),
    ("terminal_edit", "12345", "67e34d63-102f-4bd1-898e-370781d0074d"),
    ("secret_edit", "", "Введите секрет клиента"),
])
def test_a_profile_field_that_is_wrong_says_what_to_type(qtbot, dialog, field, value, says):
    page = dialog.profiles_page
    page.new_profile()
    for edit, text in ((page.name_edit, "shop-main"), (page.oauth_edit, "https://bank/token"),
                       (page.api_edit, "https://bank"), (page.client_edit, "client"),
                       (page.terminal_edit, TEST_TERMINAL), (page.secret_edit, "secret")):
        edit.setText(text)
    getattr(page, field).setText(value)
    page.save_profile()
    assert says in page.status.text()
    assert [info.record.name for info in page.infos] == ["halyk-test", "sandbox"]


def test_the_built_in_sandbox_profile_is_read_only_and_its_connection_works(qtbot, dialog):
    page = dialog.profiles_page
    page.list.setCurrentRow([i.record.name for i in page.infos].index("sandbox"))
    assert page.oauth_edit.isReadOnly() and not page.save_button.isEnabled()
    assert "не нужен" in page.secret_where.text()
    with qtbot.waitSignal(page.checked, timeout=LOAD_TIMEOUT) as tested:
        qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert tested.args == [True]


def test_the_database_page_tests_the_file_and_a_server(qtbot, dialog, ctx):
    page = dialog.database_page
    assert page.sqlite_radio.isChecked()
    assert page.file_edit.text() == str(service.default_database_file(ctx.paths))
    with qtbot.waitSignal(page.checked, timeout=LOAD_TIMEOUT) as tested:
        qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    assert tested.args == [True]
    assert "схема текущая" in page.result.label.text()

    page.postgres_radio.setChecked(True)
    page.url_edit.setText("postgresql://halyk:pw@127.0.0.1:1/halyk")
    with qtbot.waitSignal(page.checked, timeout=LOAD_TIMEOUT) as tested:
        qtbot.mouseClick(page.check_button, Qt.MouseButton.LeftButton)
    assert tested.args == [False]
    assert "Не удалось подключиться" in page.result.label.text()
    assert "refused" in page.result.detail.text().lower()
    assert "pw" not in page.result.detail.text().split("@")[0]


def test_choosing_a_server_keeps_its_password_out_of_the_settings(qtbot, dialog, ctx,
                                                                  memory_keyring):
    page = dialog.database_page
    page.postgres_radio.setChecked(True)
    page.url_edit.setText("postgresql://halyk:pw@db.shop.kz:5432/halyk")
    changes = save(qtbot, dialog)
    assert [c.key for c in changes] == ["database_url"]
    stored = json.loads(ctx.settings.path.read_text(encoding="utf-8"))
    assert stored["database_url"] == "postgresql://halyk@db.shop.kz:5432/halyk"
    assert memory_keyring.items[("halyk-desk", service.DATABASE_SECRET)] == "pw"


def test_operators_are_added_and_the_last_admin_is_kept(qtbot, dialog, ctx):
    page = dialog.operators_page
    [admin] = page.operators
    page.name_edit.setText("anna")
    page.role_combo.setCurrentIndex(page.role_combo.findData("manager"))
    with qtbot.waitSignal(page.refreshed, timeout=LOAD_TIMEOUT):
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "сохранена" in page.status.text()
    assert {(o.name, o.role) for o in operators.list_operators(ctx)} == {
        (admin.name, "admin"), ("anna", "manager")}
    assert page.table.rowCount() == 2

    page.table.selectRow([o.name for o in page.operators].index(admin.name))
    qtbot.mouseClick(page.disable_button, Qt.MouseButton.LeftButton)
    assert "единственный администратор" in page.status.text()
    page.role_combo.setCurrentIndex(page.role_combo.findData("accountant"))
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "единственный администратор" in page.status.text()
    assert operators.current(ctx).role == "admin"


def test_an_admin_sets_an_operators_password_in_the_window(qtbot, dialog, ctx, tmp_path):
    page = dialog.operators_page
    assert page.password_edit.isEnabled()
    assert page.password_edit.echoMode() == page.password_edit.EchoMode.Password
    page.name_edit.setText("anna")
    page.role_combo.setCurrentIndex(page.role_combo.findData("manager"))

    page.password_edit.setText("short")
    with qtbot.waitSignal(page.refreshed, timeout=LOAD_TIMEOUT):
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert "не короче 8 знаков" in page.status.text()
    assert "anna" not in {o.name for o in operators.list_operators(ctx)}  # nothing half-done

    page.password_edit.setText("anna-secret-1")
    with qtbot.waitSignal(page.refreshed, timeout=LOAD_TIMEOUT):
        qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.status.text() == "anna: роль «менеджер» и новый пароль сохранены."
    assert page.password_edit.text() == ""  # not left on screen
    dialog.nav.setCurrentRow(dialog.pages.index(page))
    for width, height in ((1366, 768), (1920, 1080)):
        dialog.resize(width, height)
        qtbot.wait(50)
        assert dialog.grab().save(str(tmp_path / f"operators-{width}.png"))
    assert signin.authenticate(ctx.store, "anna", "anna-secret-1", by="test").name == "anna"
    with pytest.raises(signin.SignInRefused):
        signin.authenticate(ctx.store, "anna", "short", by="test")


def test_a_profile_gets_the_cabinet_login_tested_and_kept_in_the_keyring(
        qtbot, dialog, ctx, memory_keyring, tmp_path):
    from halyk_desk.sandbox import SANDBOX_CABINET_PASSWORD, SANDBOX_CABINET_USER

    page = dialog.profiles_page
    dialog.nav.setCurrentRow(0)
    with SandboxServer(SandboxBank(cabinet_only=True), port=0) as server:
        page.new_profile()
        for edit, text in ((page.name_edit, "shop-main"), (page.oauth_edit, server.oauth_url),
                           (page.api_edit, server.api_url), (page.client_edit, TEST_CLIENT_ID),
                           (page.terminal_edit, TEST_TERMINAL),
                           (page.secret_edit, TEST_CLIENT_SECRET),
                           (page.cabinet_user_edit, SANDBOX_CABINET_USER)):
            edit.setText(text)
        page.save_profile()
        assert "пароль пользователя кабинета" in page.status.text()

        page.cabinet_password_edit.setText("wrong")
        with qtbot.waitSignal(page.checked, timeout=LOAD_TIMEOUT) as tested:
            qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        assert tested.args == [False] and "кабинет" in page.result.label.text()

        page.cabinet_password_edit.setText(SANDBOX_CABINET_PASSWORD)
        with qtbot.waitSignal(page.checked, timeout=LOAD_TIMEOUT) as tested:
            qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
        assert tested.args == [True]
        assert server.bank.tokens.grants.count("password") == 1

        with qtbot.waitSignals([page.profile_saved, page.refreshed], timeout=LOAD_TIMEOUT):
            qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert memory_keyring.items[("halyk-desk", "shop-main:cabinet")] == SANDBOX_CABINET_PASSWORD
    assert page.cabinet_user_edit.text() == SANDBOX_CABINET_USER
    assert page.cabinet_password_edit.text() == ""
    assert "в системном хранилище паролей" in page.cabinet_where.text()
    [saved] = [p.record for p in service.list_profiles(ctx) if p.record.name == "shop-main"]
    assert saved.cabinet_user == SANDBOX_CABINET_USER
    for width, height in ((1366, 768), (1920, 1080)):
        dialog.resize(width, height)
        qtbot.wait(50)
        assert dialog.grab().save(str(tmp_path / f"profiles-cabinet-{width}.png"))
