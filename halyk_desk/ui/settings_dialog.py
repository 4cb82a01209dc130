"""SettingsDialog (Файл → Настройки, Ctrl+,): every setting of halyk_desk.settings on a few pages.

"Сохранить" checks every page first (the first problem is shown on its page, at its field, saying
what to type), then saves all of them in one step through services.settings_service: atomic, in
the audit log, refused to anyone but an admin (the language excepted, which is each person's own).
Profiles and operators are saved at once by their own buttons: they live in the store.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.services import operators
from halyk_desk.services import settings_service as service
from halyk_desk.services.settings_service import SettingChange
from halyk_desk.ui.settings_pages import (
    NOTE_STYLE,
    PROBLEM_STYLE,
    DatabasePage,
    HoldsTimePage,
    LanguagePage,
    OperatorsPage,
    Page,
    PageError,
    ReasonsPage,
    RefundsPage,
    SignInPage,
)
from halyk_desk.ui.settings_profiles import ProfilesPage, fallback_text
from halyk_desk.ui.tasks import run

#: Settings that take effect only when the program starts again.
ON_RESTART = frozenset({"language", "database_url", "last_profile", "shared_computer",
                        "idle_lock_minutes"})


class SettingsDialog(QDialog):
    #: The settings were saved: the changes (list[SettingChange]) and a warning to show, if any
    #: (a password that went to the fallback file).
    saved = Signal(object, str)
    #: Whether the operator may change the admin-only pages is known; for tests.
    permissions_known = Signal(bool)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Настройки"))
        self.ctx = ctx
        self.may_edit = False
        settings = ctx.settings
        self.profiles_page = ProfilesPage(ctx, self)
        self.holds_page = HoldsTimePage(settings, self)
        self.reasons_page = ReasonsPage(settings, self)
        self.refunds_page = RefundsPage(settings, self)
        self.operators_page = OperatorsPage(ctx, self)
        self.sign_in_page = SignInPage(settings, self)
        self.database_page = DatabasePage(ctx, self)
        self.language_page = LanguagePage(settings, self)
        self.pages: list[Page] = [
            self.profiles_page, self.holds_page, self.reasons_page, self.refunds_page,
            self.operators_page, self.sign_in_page, self.database_page, self.language_page,
        ]

        self.nav = QListWidget(self)
        self.nav.setObjectName("settingsPages")
        self.nav.setMaximumWidth(190)
        self.stack = QStackedWidget(self)
        for page in self.pages:
            self.nav.addItem(page.title)
            self.stack.addWidget(page)
        self.who_label = QLabel(self)
        self.who_label.setObjectName("settingsWho")
        self.who_label.setWordWrap(True)
        self.who_label.setStyleSheet(NOTE_STYLE)
        self.problem_label = QLabel(self)
        self.problem_label.setObjectName("settingsProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("Сохранить"))
        self.save_button.setObjectName("saveSettings")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Отмена"))

        row = QHBoxLayout()
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.who_label)
        layout.addLayout(row, 1)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)

        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.nav.setCurrentRow(0)
        self._set_editable(False)
        self.resize(900, 600)

    def load(self) -> None:
        """Read what the pages show from the store, and who may change what."""
        self.profiles_page.load()
        ctx = self.ctx
        run(lambda: operators.current(ctx), self._who_arrived,
            lambda error: self._permissions(False, self.tr(
                "Не удалось узнать права оператора: {error}").format(error=error)),
            owner=self)

    def _who_arrived(self, who: Any) -> None:
        may_edit = who is not None and who.can(operators.SETTINGS)
        if who is None:
            text = self.tr("Оператор {name} не зарегистрирован: менять можно только язык. "
                           "Попросите администратора добавить вас.").format(name=self.ctx.operator)
        elif may_edit:
            text = self.tr("Вы вошли как {name} (администратор): можно менять всё.").format(
                name=who.name)
        else:
            text = self.tr("Вы вошли как {name}: эти настройки меняет администратор, вам "
                           "доступны язык и проверка соединения.").format(name=who.name)
        self._permissions(may_edit, text)

    def _permissions(self, may_edit: bool, text: str) -> None:
        self.may_edit = may_edit
        self.who_label.setText(text)
        self._set_editable(self.may_edit)
        # After identify(): on a new store the first operator has just been registered.
        self.operators_page.load()
        self.permissions_known.emit(self.may_edit)

    def _set_editable(self, editable: bool) -> None:
        for page in self.pages:
            page.set_editable(editable or not page.admin_only)

    def page_of(self, widget: QWidget) -> Page | None:
        return next((page for page in self.pages if page.isAncestorOf(widget)), None)

    def collect(self) -> dict[str, Any]:
        """Every page's values; PageError for the first field that cannot be saved."""
        values: dict[str, Any] = {}
        for page in self.pages:
            if page.admin_only and not self.may_edit:
                continue
            values.update(page.values())
        return values

    def show_problem(self, problem: PageError) -> None:
        page = self.page_of(problem.field)
        if page is not None:
            self.nav.setCurrentRow(self.pages.index(page))
        problem.field.setFocus()
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        self.problem_label.setText(problem.message)

    def save(self) -> None:
        try:
            values = self.collect()
            password = self.database_page.password() if self.may_edit else None
        except PageError as problem:
            self.show_problem(problem)
            return
        self.problem_label.clear()
        self.save_button.setEnabled(False)
        ctx = self.ctx

        def job() -> tuple[list[SettingChange], Any]:
            secret = service.save_database_password(ctx, password)
            return service.save_settings(ctx, values), secret

        run(job, self._saved, self._not_saved,
            settle=lambda: self.save_button.setEnabled(True), owner=self)

    def _not_saved(self, error: BaseException) -> None:
        if isinstance(error, operators.NotAllowed):
            text = self.tr("Эти настройки меняет администратор; ничего не сохранено.")
        elif isinstance(error, OSError):
            text = self.tr("Файл настроек не записан ({error}): проверьте, что диск не "
                           "заполнен и папка доступна для записи, и сохраните снова; "
                           "ничего не изменено.").format(error=error)
        else:
            text = self.tr("Настройки не сохранены: {error}").format(error=error)
        self.problem_label.setStyleSheet(PROBLEM_STYLE)
        self.problem_label.setText(text)

    def _saved(self, result: Any) -> None:
        changes, secret = result
        warning = fallback_text(secret) if secret is not None and secret.warning else ""
        self.saved.emit(changes, warning)
        self.accept()


def restart_note(changes: list[SettingChange]) -> str:
    """What the status bar says after a save."""
    if any(change.key in ON_RESTART for change in changes):
        return QCoreApplication.translate(
            "SettingsDialog", "Настройки сохранены; язык, база данных и профиль при запуске "
            "сменятся при следующем запуске программы.")
    return QCoreApplication.translate("SettingsDialog", "Настройки сохранены.")
