"""Who is working in the window (issue 9): the sign-in dialog first when the OS user is not an
operator or the computer is shared, File → «Сменить оператора…», and the idle lock. Dialogs are
injected (menus.open_dialog), never opened as real modals; the passwords are checked for real."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from halyk_desk.services import audit, operators
from halyk_desk.services.context import open_context
from halyk_desk.ui.app import build_window
from halyk_desk.ui.sign_in import SignInDialog

PASSWORD = "пароль анны 1"


@pytest.fixture
def shared_home(make_args):
    """A store whose first operator (the OS user) is its admin, anna a manager with a password,
    on a computer the admin marked as shared."""
    with open_context(make_args()) as ctx:
        operators.add_operator(ctx, "anna", "manager", PASSWORD)
        ctx.settings.set("shared_computer", True)
        ctx.settings.save()


def started(qtbot, make_args, notifier, opened):
    window = build_window(make_args(), notifier)
    assert window is not None
    qtbot.addWidget(window)
    window.menus.open_dialog = opened.append
    window.show()
    qtbot.waitUntil(lambda: bool(opened), timeout=30_000)
    return window


def sign_in(qtbot, dialog: SignInDialog, name: str, password: str) -> None:
    dialog.name_edit.setText(name)
    dialog.password_edit.setText(password)
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: dialog.sign_in_button.isEnabled(), timeout=10_000)


def test_a_shared_computer_asks_who_is_working_before_showing_anything(
        qtbot, make_args, notifier, shared_home):
    opened: list = []
    window = started(qtbot, make_args, notifier, opened)
    [dialog] = opened
    assert isinstance(dialog, SignInDialog)
    assert window.ctx is None and window.tabs.count() == 0  # nothing read yet
    sign_in(qtbot, dialog, "anna", "не тот")
    assert "Неверный пароль оператора «anna»" in dialog.problem.text()
    assert dialog.password_edit.text() == ""
    with qtbot.waitSignal(window.ready, timeout=30_000):
        sign_in(qtbot, dialog, "anna", PASSWORD)
    assert window.ctx.operator == "anna"
    assert window.operator_label.text() == "Оператор: anna"
    with open_context(make_args()) as ctx, ctx.store.session(readonly=True) as session:
        [failed] = audit.list_entries(session, audit.AuditFilter(action="signin"))
    assert failed.details["as"] == "anna" and failed.details["why"] == "wrong_password"


def test_an_os_user_who_is_not_an_operator_is_asked_and_leaving_closes(
        qtbot, make_args, notifier, shared_home, monkeypatch):
    with open_context(make_args()) as ctx:
        ctx.settings.set("shared_computer", False)
        ctx.settings.save()
    monkeypatch.setenv("LOGNAME", "mallory")
    opened: list = []
    window = started(qtbot, make_args, notifier, opened)
    [dialog] = opened
    assert window.tabs.count() == 0
    dialog.quit_button.click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert window.tabs.count() == 0


def test_switching_operator_from_the_file_menu(qtbot, window, ctx):
    operators.add_operator(ctx, "anna", "accountant", PASSWORD)
    opened: list = []
    window.menus.open_dialog = opened.append
    assert window.menus.switch_operator_action.isEnabled()
    window.menus.switch_operator_action.trigger()
    [dialog] = opened
    assert dialog.quit_button.text() == "Отмена"
    with qtbot.waitSignal(window.sign_in.operator_changed, timeout=10_000):
        sign_in(qtbot, dialog, "anna", PASSWORD)
    assert window.ctx.operator == "anna"
    assert "anna" in window.operator_label.text()


def test_an_idle_shared_computer_locks_and_asks_for_the_password_again(
        qtbot, ctx, open_window):
    operators.add_operator(ctx, "anna", "manager", PASSWORD)
    ctx.settings.set("shared_computer", True)
    ctx.settings.set("idle_lock_minutes", 3)
    window = open_window(ctx)
    idle = window.sign_in.idle
    assert idle is not None and idle.timer.interval() == 3 * 60_000
    # A key press anywhere starts the count again.
    qtbot.wait(1_200)
    before = idle.timer.remainingTime()
    QApplication.sendEvent(window, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A,
                                             Qt.KeyboardModifier.NoModifier))
    assert idle.timer.remainingTime() > before + 500
    opened: list = []
    window.menus.open_dialog = opened.append
    idle.timer.timeout.emit()  # the minutes have passed
    [dialog] = opened
    assert not window.tabs.isVisible() and window.sign_in.locked
    assert dialog.name_edit.text() == ctx.operator
    sign_in(qtbot, dialog, "anna", "не тот")
    assert not window.tabs.isVisible()
    sign_in(qtbot, dialog, "anna", PASSWORD)
    assert window.tabs.isVisible() and not window.sign_in.locked
    assert window.ctx.operator == "anna" and idle.timer.isActive()
