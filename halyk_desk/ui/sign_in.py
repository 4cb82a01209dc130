"""Who is working in the window: the sign-in dialog, and the lock of a shared computer.

The window asks with SignInDialog when the OS user is not an operator, or when the admin has
marked the computer as shared (setting `shared_computer`: several people, one OS account); File →
«Сменить оператора…» asks again. On a shared computer IdleLock locks the window after
`idle_lock_minutes` without a key press or a mouse click: the tabs are hidden and the dialog asks
for the password again (or for another operator). The password is checked by the services
(services.signin): a wrong one is audited and makes the next try wait.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from halyk_desk.ui.frame import Frame

# Qt only at import: the window's frame imports this module before the data are open; the
# services are imported when a dialog is used.

#: What counts as someone working at the computer.
_ACTIVITY = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress,
                       QEvent.Type.MouseMove, QEvent.Type.Wheel})


class SignInDialog(QDialog):
    """Operator and password. `locked`: the window is locked for `operator`, who types their
    password again (another operator may sign in instead)."""

    #: The name of the operator who proved it.
    signed_in = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None, *, locked: bool = False,
                 operator: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self._ctx = ctx
        self.setWindowTitle(self.tr("Окно заблокировано") if locked else self.tr("Вход"))
        intro = QLabel(self.tr(
            "Окно заблокировано: никто не работал с ним {minutes} мин. Введите пароль, чтобы "
            "продолжить, или войдите другим оператором.").format(
                minutes=ctx.settings["idle_lock_minutes"]) if locked else self.tr(
            "Кто работает? Войдите своим именем оператора и паролем: всё, что вы сделаете, "
            "будет записано на ваше имя."), self)
        intro.setWordWrap(True)
        self.name_edit = QLineEdit(operator, self)
        self.name_edit.setObjectName("signInName")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("signInPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.problem = QLabel(self)
        self.problem.setObjectName("signInProblem")
        self.problem.setWordWrap(True)
        from halyk_desk.ui.settings_pages import PROBLEM_STYLE

        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.setVisible(False)
        self.buttons = QDialogButtonBox(self)
        self.sign_in_button = self.buttons.addButton(self.tr("Войти"),
                                                     QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setObjectName("signInButton")
        self.quit_button = self.buttons.addButton(self.tr("Выйти из программы"),
                                                  QDialogButtonBox.ButtonRole.RejectRole)
        form = QFormLayout()
        form.addRow(self.tr("Оператор:"), self.name_edit)
        form.addRow(self.tr("Пароль:"), self.password_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.try_sign_in)
        self.buttons.rejected.connect(self.reject)
        (self.password_edit if operator else self.name_edit).setFocus()
        self.setMinimumWidth(460)

    def _say(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    def try_sign_in(self) -> None:
        """Check the name and password on a worker (the hash is slow on purpose)."""
        name, password = self.name_edit.text().strip(), self.password_edit.text()
        if not name:
            self._say(self.tr("Введите имя оператора."))
            return
        self.sign_in_button.setEnabled(False)
        self._say(self.tr("Проверяю…"))
        from halyk_desk.services import signin
        from halyk_desk.ui.tasks import run

        store = self._ctx.store
        run(lambda: signin.authenticate(store, name, password, by=signin.os_user()),
            self._checked, self._refused, settle=lambda: self.sign_in_button.setEnabled(True),
            owner=self)

    def _refused(self, error: BaseException) -> None:
        from halyk_desk.services import signin

        self.password_edit.clear()
        self.password_edit.setFocus()
        self._say(str(error))
        if not isinstance(error, signin.SignInRefused):
            raise error

    def _checked(self, who: Any) -> None:
        self._say("")
        self.signed_in.emit(who.name)
        self.accept()


class IdleLock(QObject):
    """Calls `lock` after `minutes` without a key press, a click or a mouse move in the program."""

    def __init__(self, parent: QObject, minutes: int, lock: Any) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(minutes * 60_000)
        self.timer.timeout.connect(lock)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.timer.isActive():
            self.timer.start()  # again from zero
        return False

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class WindowSignIn(QObject):
    """The window's side: ask before the tabs are built, switch operator, lock when idle.
    `open_dialog` shows a dialog window-modal (tests replace it)."""

    #: Another operator is working now (their name): the window shows it and reads again.
    operator_changed = Signal(str)

    def __init__(self, window: QMainWindow, open_dialog: Callable[[QDialog], None]) -> None:
        super().__init__(window)
        self.window = window
        self.open_dialog = open_dialog
        self.frame: Frame | None = None
        self.idle: IdleLock | None = None
        self.locked = False

    def ask_first(self, ctx: Any, then: Callable[[], None]) -> None:
        """Nothing is shown until someone proves who they are; closing the dialog closes the
        window."""
        dialog = SignInDialog(ctx, self.window)

        def signed_in(name: str) -> None:
            ctx.operator, ctx.needs_sign_in = name, False
            then()

        dialog.signed_in.connect(signed_in)
        dialog.rejected.connect(self.window.close)
        self.open_dialog(dialog)

    def attached(self, frame: Frame) -> None:
        """The tabs are built: on a shared computer, start watching for idleness."""
        from halyk_desk.services import signin

        self.frame = frame
        ctx = frame.ctx
        if ctx.settings["shared_computer"] and not signin.is_team(ctx.store):
            self.idle = IdleLock(self, ctx.settings["idle_lock_minutes"], self.lock)

    def _attached(self) -> Frame:
        assert self.frame is not None, "the window's data are not open yet"
        return self.frame

    def switch_operator(self) -> None:
        """File → «Сменить оператора…»: another operator signs in; cancelling changes nothing."""
        from halyk_desk.services import signin

        frame = self._attached()
        if signin.is_team(frame.ctx.store):
            frame.show_message(self.tr(
                "В общей базе оператор — логин базы: чтобы работать другим оператором, "
                "подключитесь под его логином (Файл → Настройки → База данных)."))
            return
        dialog = SignInDialog(frame.ctx, self.window)
        dialog.quit_button.setText(self.tr("Отмена"))
        dialog.signed_in.connect(self._changed)
        self.open_dialog(dialog)

    def lock(self) -> None:
        """Hide the data and ask for the password again; closing the dialog closes the window."""
        if self.locked:
            return
        frame = self._attached()
        self.locked = True
        frame.tabs.setVisible(False)
        dialog = SignInDialog(frame.ctx, self.window, locked=True, operator=frame.ctx.operator)
        dialog.signed_in.connect(self._unlocked)
        dialog.rejected.connect(self.window.close)
        self.open_dialog(dialog)

    def _unlocked(self, name: str) -> None:
        frame = self._attached()
        self.locked = False
        frame.tabs.setVisible(True)
        if self.idle is not None:
            self.idle.timer.start()
        if name != frame.ctx.operator:
            self._changed(name)

    def _changed(self, name: str) -> None:
        """Every view acts as `name` from now on; what depends on the role is read again (the
        window does, on operator_changed)."""
        frame = self._attached()
        frame.ctx.operator = name
        frame.show_message(self.tr("Работает оператор {name}.").format(name=name))
        self.operator_changed.emit(name)
