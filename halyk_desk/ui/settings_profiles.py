"""The Profiles page of the settings dialog: bank profiles, their secrets, a connection test.

A profile is saved at once with its own button (it lives in the store, shared by a team; its
secret in this computer's keyring). Which profile opens at start is a setting, saved with the
dialog. "Проверить соединение" tests the profile as typed, before it is saved.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.secrets import SecretSaved
from halyk_desk.services import profiles
from halyk_desk.services import settings_service as service
from halyk_desk.services.profiles import ProfileRecord
from halyk_desk.services.settings_service import ConnectionCheck, ProfileInfo
from halyk_desk.ui.settings_pages import (
    OK_STYLE,
    PROBLEM_STYLE,
    WARNING_STYLE,
    CheckResult,
    Page,
    PageError,
    note,
)
from halyk_desk.ui.tasks import run

_CONTEXT = "ProfilesPage"
#: A profile every field of which passes profiles.custom_profile: each field is checked by
#: putting it in here, so the rules stay the service's own.
_VALID = {"name": "check", "oauth_url": profiles.HALYK_TEST.oauth_url,
          "api_url": profiles.HALYK_TEST.api_url, "client_id": "client",
          "terminal_id": profiles.HALYK_TEST.terminal_id}


def tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def kind_title(kind: str) -> str:
    return {
        "sandbox": tr("песочница: учебный банк на этом компьютере"),
        "halyk-test": tr("тестовый магазин банка"),
    }.get(kind, tr("свой профиль"))


def secret_text(where: str | None) -> tuple[str, str]:
    """Where the secret is, in words, and the style to show it in."""
    if where == "sandbox":
        return tr("не нужен: песочница работает без ключей банка"), ""
    if where == "published":
        return tr("опубликован банком для своего тестового магазина"), ""
    if where == "keyring":
        return tr("в системном хранилище паролей"), OK_STYLE
    if where:
        return tr("в файле {path}: системного хранилища паролей нет").format(
            path=where), WARNING_STYLE
    return tr("не сохранён: введите секрет, который выдал банк"), PROBLEM_STYLE


def fallback_text(saved: SecretSaved) -> str:
    return tr(
        "На этом компьютере нет системного хранилища паролей, поэтому секрет сохранён в файле "
        "{path}, который может читать только ваша учётная запись. Не передавайте этот файл и не "
        "кладите его в общие копии; чтобы хранить секреты в хранилище, установите его "
        "(например, GNOME Keyring или KWallet) и сохраните профиль ещё раз.").format(
        path=saved.location)


def connection_text(check: ConnectionCheck) -> str:
    return {
        "ok": tr("Соединение работает: банк ({host}) выдал токен и ответил на запрос статуса."),
        "setup": tr("Профиль заполнен не полностью: проверьте адреса, client id, терминал и "
                     "секрет."),
        "auth": tr("Банк не принял данные входа: проверьте client id, секрет и терминал — "
                    "их выдаёт банк в кабинете мерчанта."),
        "cabinet": tr("Банк не принял вход пользователя кабинета: проверьте пользователя и "
                       "пароль, с которыми он входит в кабинет мерчанта."),
        "unreachable": tr("Банк не отвечает по адресу {host}: проверьте адреса и подключение "
                           "к интернету и повторите через минуту."),
        "refused": tr("Банк ответил отказом: проверьте терминал и client id; подробности "
                       "ниже."),
        "reply": tr("Ответ по адресу {host} не похож на ответ банка: проверьте адрес API."),
    }.get(check.kind, tr("Проверка не удалась.")).format(host=check.host)


class ProfilesPage(Page):
    #: A connection test ended (True when it worked); for tests.
    checked = Signal(bool)
    #: The list of profiles was read (again).
    refreshed = Signal()
    #: A profile was saved (its name).
    profile_saved = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = self.tr("Профили банка")
        self._ctx = ctx
        self.infos: list[ProfileInfo] = []
        self._new = False

        self.list = QListWidget(self)
        self.list.setObjectName("profilesList")
        self.list.setMaximumWidth(200)
        self.new_button = QPushButton(self.tr("Новый профиль"), self)
        self.new_button.setObjectName("newProfile")
        self.start_combo = QComboBox(self)
        self.start_combo.setObjectName("startProfile")

        self.kind_label = QLabel(self)
        self.kind_label.setObjectName("profileKind")
        self.name_edit = self._edit("profileName")
        self.oauth_edit = self._edit("profileOauthUrl")
        self.api_edit = self._edit("profileApiUrl")
        self.client_edit = self._edit("profileClientId")
        self.terminal_edit = self._edit("profileTerminal")
        self.secret_edit = self._edit("profileSecret")
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_where = QLabel(self)
        self.secret_where.setObjectName("secretWhere")
        self.secret_where.setWordWrap(True)
        self.cabinet_user_edit = self._edit("profileCabinetUser")
        self.cabinet_password_edit = self._edit("profileCabinetPassword")
        self.cabinet_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.cabinet_where = QLabel(self)
        self.cabinet_where.setObjectName("cabinetWhere")
        self.cabinet_where.setWordWrap(True)
        self.shop_edit = self._edit("profileShopId")
        self.shop_edit.setPlaceholderText(self.tr("UUID магазина из кабинета банка"))
        self.callback_edit = self._edit("profileCallbackUrl")
        self.callback_edit.setPlaceholderText("https://shop.example.kz/halyk/callback")
        self.links_button = QPushButton(self.tr("Сохранить для ссылок на оплату"), self)
        self.links_button.setObjectName("saveLinkFields")
        self.links_button.setToolTip(self.tr(
            "Идентификатор магазина и адрес приёмника уведомлений банка: нужны, чтобы выставлять "
            "счета (ссылки на оплату). Сохраняются для любого профиля, и встроенного тоже."))
        self.save_button = QPushButton(self.tr("Сохранить профиль"), self)
        self.save_button.setObjectName("saveProfile")
        self.test_button = QPushButton(self.tr("Проверить соединение"), self)
        self.test_button.setObjectName("testProfile")
        self.status = QLabel(self)
        self.status.setObjectName("profileStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result = CheckResult(self)
        self.result.setObjectName("profileCheck")

        form = QFormLayout()
        form.addRow(self.tr("Вид:"), self.kind_label)
        form.addRow(self.tr("Имя:"), self.name_edit)
        form.addRow(self.tr("Адрес токенов (OAuth):"), self.oauth_edit)
        form.addRow(self.tr("Адрес API:"), self.api_edit)
        form.addRow(self.tr("Client ID:"), self.client_edit)
        form.addRow(self.tr("Терминал:"), self.terminal_edit)
        form.addRow(self.tr("Секрет клиента:"), self.secret_edit)
        form.addRow(self.tr("Где хранится секрет:"), self.secret_where)
        form.addRow(self.tr("Пользователь кабинета:"), self.cabinet_user_edit)
        form.addRow(self.tr("Пароль кабинета:"), self.cabinet_password_edit)
        form.addRow("", self.cabinet_where)
        form.addRow(self.tr("Идентификатор магазина:"), self.shop_edit)
        form.addRow(self.tr("Адрес уведомлений банка:"), self.callback_edit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.links_button)
        buttons.addStretch(1)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addLayout(buttons)
        right.addWidget(self.result)
        right.addWidget(self.status)
        right.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        left.addWidget(self.new_button)
        row = QHBoxLayout()
        row.addLayout(left)
        row.addLayout(right, 1)
        start = QFormLayout()
        start.addRow(self.tr("Открывать при запуске:"), self.start_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addLayout(start)
        layout.addWidget(note(self.tr(
            "Профиль — это адреса банка и данные мерчанта. Сейчас открыт профиль «{name}»; "
            "другой откроется при следующем запуске.").format(name=ctx.profile.name), self))

        self.list.currentRowChanged.connect(self._show)
        self.new_button.clicked.connect(self.new_profile)
        self.save_button.clicked.connect(self.save_profile)
        self.test_button.clicked.connect(self.test_connection)
        self.links_button.clicked.connect(self.save_link_fields)

    def _edit(self, name: str) -> QLineEdit:
        edit = QLineEdit(self)
        edit.setObjectName(name)
        return edit

    # --- loading --------------------------------------------------------------------------------
    def load(self, select: str | None = None) -> None:
        ctx = self._ctx
        run(lambda: service.list_profiles(ctx), lambda infos: self._arrived(infos, select),
            lambda error: self._status(self.tr("Не удалось прочитать профили: {error}").format(
                error=error), PROBLEM_STYLE),
            owner=self)

    def _arrived(self, infos: list[ProfileInfo], select: str | None) -> None:
        start = self.start_combo.currentData() or self._ctx.settings["last_profile"]
        self.infos = infos
        self.list.blockSignals(True)
        self.list.clear()
        self.start_combo.clear()
        for info in infos:
            QListWidgetItem(info.record.name, self.list)
            self.start_combo.addItem(info.record.name, info.record.name)
        self.list.blockSignals(False)
        self.start_combo.setCurrentIndex(max(0, self.start_combo.findData(start)))
        names = [info.record.name for info in infos]
        wanted = select or self._ctx.profile.name
        self.list.setCurrentRow(names.index(wanted) if wanted in names else 0)
        self.refreshed.emit()

    def info(self) -> ProfileInfo | None:
        row = self.list.currentRow()
        return self.infos[row] if 0 <= row < len(self.infos) and not self._new else None

    def _show(self, row: int) -> None:
        self._new = False
        self.result.clear()
        if not 0 <= row < len(self.infos):
            return
        info = self.infos[row]
        record = info.record
        self.kind_label.setText(kind_title(record.kind))
        self.name_edit.setText(record.name)
        self.oauth_edit.setText(record.oauth_url or "")
        self.api_edit.setText(record.api_url or "")
        self.client_edit.setText(record.client_id or "")
        self.terminal_edit.setText(record.terminal_id or "")
        self.shop_edit.setText(record.shop_id or "")
        self.callback_edit.setText(record.callback_url or "")
        self.secret_edit.clear()
        where, style = secret_text(info.secret_where)
        self.secret_where.setText(where)
        self.secret_where.setStyleSheet(style)
        self.cabinet_user_edit.setText(record.cabinet_user or "")
        self.cabinet_password_edit.clear()
        self._show_cabinet(record, info.cabinet_where)
        self._set_fields(editable=record.kind == "custom", new=False)

    def _show_cabinet(self, record: ProfileRecord, where: str | None) -> None:
        if record.kind == "sandbox":
            text, style = tr("песочница входит в кабинет сама"), ""
        elif not record.cabinet_user:
            text, style = tr("Список операций банка и ссылки на оплату банк выдаёт по входу "
                             "пользователя кабинета мерчанта; без него программа пробует ключи "
                             "клиента."), ""
        else:
            text, style = secret_text(where)
            text = tr("Пароль кабинета: {where}").format(where=text)
        self.cabinet_where.setText(text)
        self.cabinet_where.setStyleSheet(style)

    def _set_fields(self, *, editable: bool, new: bool) -> None:
        for edit in (self.oauth_edit, self.api_edit, self.client_edit, self.terminal_edit,
                     self.secret_edit, self.cabinet_user_edit, self.cabinet_password_edit):
            edit.setReadOnly(not editable)
        self.name_edit.setReadOnly(not new)
        self.save_button.setEnabled(editable and self.isEnabled())
        # Examples only where something is to be typed: on a built-in profile they would read
        # as its values.
        examples = {
            self.name_edit: self.tr("латиница, например shop-main") if new else "",
            self.oauth_edit: profiles.HALYK_TEST.oauth_url.replace("test-", ""),
            self.api_edit: profiles.HALYK_TEST.api_url.replace("test-", ""),
            self.client_edit: self.tr("из кабинета мерчанта"),
            self.terminal_edit: profiles.HALYK_TEST.terminal_id,
            self.secret_edit: self.tr("введите секрет") if new else
            self.tr("оставьте пустым, чтобы не менять"),
            self.cabinet_user_edit: self.tr("логин кабинета мерчанта, если есть"),
            self.cabinet_password_edit: self.tr("оставьте пустым, чтобы не менять")
            if self.cabinet_user_edit.text() else "",
        }
        for edit, example in examples.items():
            edit.setPlaceholderText(example if editable else "")
        if not editable and not self.oauth_edit.text():
            self.oauth_edit.setPlaceholderText(self.tr("на этом компьютере, выбирается при "
                                                       "запуске"))
            self.api_edit.setPlaceholderText(self.oauth_edit.placeholderText())

    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        # Anyone may test a connection; the list stays usable to choose what to test.
        for widget in (self.list, self.test_button, self.name_edit, self.oauth_edit,
                       self.api_edit, self.client_edit, self.terminal_edit, self.secret_edit,
                       self.cabinet_user_edit, self.cabinet_password_edit,
                       self.shop_edit, self.callback_edit):
            widget.setEnabled(True)
        for edit in (self.shop_edit, self.callback_edit):
            edit.setReadOnly(not editable)
        self.links_button.setEnabled(editable)
        info = self.info()
        self.save_button.setEnabled(editable and (self._new or (
            info is not None and info.record.kind == "custom")))

    def new_profile(self) -> None:
        self.list.clearSelection()
        self._new = True
        self.result.clear()
        self.kind_label.setText(kind_title("custom"))
        for edit in (self.name_edit, self.client_edit, self.terminal_edit, self.secret_edit,
                     self.cabinet_user_edit, self.cabinet_password_edit,
                     self.shop_edit, self.callback_edit):
            edit.clear()
        self.oauth_edit.setText(profiles.HALYK_TEST.oauth_url.replace("test-", ""))
        self.api_edit.setText(profiles.HALYK_TEST.api_url.replace("test-", ""))
        self.secret_where.setText(secret_text(None)[0])
        self.secret_where.setStyleSheet(PROBLEM_STYLE)
        self._show_cabinet(ProfileRecord(name="", kind="custom"), None)
        self._set_fields(editable=True, new=True)
        self.name_edit.setFocus()

    # --- checking and saving --------------------------------------------------------------------
    def record(self) -> ProfileRecord:
        """The profile as typed; a built-in one as stored."""
        info = self.info()
        if info is not None and info.record.kind != "custom":
            return info.record
        return ProfileRecord(
            name=self.name_edit.text().strip(), kind="custom",
            oauth_url=self.oauth_edit.text().strip(), api_url=self.api_edit.text().strip(),
            client_id=self.client_edit.text().strip(),
            terminal_id=self.terminal_edit.text().strip(),
            cabinet_user=self.cabinet_user_edit.text().strip() or None,
            shop_id=self.shop_edit.text().strip() or None,
            callback_url=self.callback_edit.text().strip() or None)

    def _field_problem(self, field: str, value: str) -> bool:
        values = {**_VALID, field: value}
        try:
            profiles.custom_profile(values.pop("name"), **values)
        except profiles.ProfileError:
            return True
        return False

    def checked_record(self) -> ProfileRecord:
        """The typed custom profile, or PageError naming the field and what to type."""
        record = self.record()
        checks = (
            ("name", record.name, self.name_edit, self.tr(
                "Имя профиля: от 1 до 64 строчных латинских букв, цифр, «-» или «_», например "
                "shop-main; имена sandbox и halyk-test заняты.")),
            ("oauth_url", record.oauth_url, self.oauth_edit, self.tr(
                "Адрес токенов: введите адрес https:// из документации банка, например {url}.")
             .format(url=profiles.HALYK_TEST.oauth_url.replace("test-", ""))),
            ("api_url", record.api_url, self.api_edit, self.tr(
                "Адрес API: введите адрес https:// из документации банка, например {url}.")
             .format(url=profiles.HALYK_TEST.api_url.replace("test-", ""))),
            ("client_id", record.client_id, self.client_edit, self.tr(
                "Client ID пуст: скопируйте его из кабинета мерчанта банка.")),
            ("terminal_id", record.terminal_id, self.terminal_edit, self.tr(
                "Терминал — это идентификатор вида 67e34d63-102f-4bd1-898e-370781d0074d из "
                "кабинета мерчанта: скопируйте его целиком.")),
        )
        for field, value, widget, message in checks:
            if self._field_problem(field, value or ""):
                raise PageError(widget, message)
        self._check_link_fields(record.name)
        if self._new and not self.secret_edit.text().strip():
            raise PageError(self.secret_edit, self.tr(
                "Введите секрет клиента (client secret) из кабинета мерчанта."))
        info = self.info()
        had_cabinet = info is not None and info.cabinet_where is not None
        password = self.cabinet_password_edit.text().strip()
        if record.cabinet_user and not password and not had_cabinet:
            raise PageError(self.cabinet_password_edit, self.tr(
                "Введите пароль пользователя кабинета — тот, с которым он входит в кабинет "
                "мерчанта."))
        if password and not record.cabinet_user:
            raise PageError(self.cabinet_user_edit, self.tr(
                "Введите пользователя кабинета, к которому относится пароль."))
        # In the service's own form (the terminal as a canonical UUID), as it will be saved.
        return profiles.custom_profile(
            record.name, oauth_url=record.oauth_url or "", api_url=record.api_url or "",
            client_id=record.client_id or "", terminal_id=record.terminal_id or "",
            cabinet_user=record.cabinet_user,
            shop_id=record.shop_id, callback_url=record.callback_url)

    def _check_link_fields(self, name: str) -> tuple[str | None, str | None]:
        """The payment-link fields as typed, or PageError on the field to correct."""
        shop, callback = self.shop_edit.text(), self.callback_edit.text()
        try:
            profiles.link_fields(name, shop, None)
        except profiles.ProfileError as problem:
            raise PageError(self.shop_edit, str(problem)) from None
        try:
            return profiles.link_fields(name, shop, callback)
        except profiles.ProfileError as problem:
            raise PageError(self.callback_edit, str(problem)) from None

    def save_link_fields(self) -> None:
        info = self.info()
        if info is None:
            return
        name = info.record.name
        try:
            shop, callback = self._check_link_fields(name)
        except PageError as problem:
            self._status(problem.message, PROBLEM_STYLE)
            problem.field.setFocus()
            return
        ctx = self._ctx
        self.links_button.setEnabled(False)
        run(lambda: service.save_link_fields(ctx, name, shop, callback),
            lambda _record: self._links_saved(name),
            lambda error: self._status(self.tr("Не сохранено: {error}").format(error=error),
                                       PROBLEM_STYLE),
            settle=lambda: self.links_button.setEnabled(True), owner=self)

    def _links_saved(self, name: str) -> None:
        self._status(self.tr("Поля ссылок на оплату профиля «{name}» сохранены.").format(
            name=name), OK_STYLE)
        self.load(select=name)

    def save_profile(self) -> None:
        try:
            record = self.checked_record()
        except PageError as problem:
            self._status(problem.message, PROBLEM_STYLE)
            problem.field.setFocus()
            return
        ctx, secret = self._ctx, self.secret_edit.text()
        cabinet_password = self.cabinet_password_edit.text()
        self.save_button.setEnabled(False)
        self._status(self.tr("Сохраняю…"), "")
        run(lambda: service.save_profile(ctx, record, secret or None, cabinet_password or None),
            lambda saved: self._saved(record.name, saved), self._not_saved,
            settle=lambda: self.save_button.setEnabled(True), owner=self)

    def _not_saved(self, error: BaseException) -> None:
        if isinstance(error, service.operators.NotAllowed):
            text = self.tr("Сохранять профили может только администратор.")
        else:
            text = self.tr("Профиль не сохранён: {error}").format(error=error)
        self._status(text, PROBLEM_STYLE)

    def _saved(self, name: str, saved: SecretSaved | None) -> None:
        if saved is not None and saved.warning:
            self._status(fallback_text(saved), WARNING_STYLE)
        else:
            self._status(self.tr("Профиль «{name}» сохранён.").format(name=name), OK_STYLE)
        self._new = False
        self.load(select=name)
        self.profile_saved.emit(name)

    def test_connection(self) -> None:
        info = self.info()
        record = self.record()
        if info is None or info.record.kind == "custom":
            try:
                record = self.checked_record()
            except PageError as problem:
                self.result.show_result(False, problem.message)
                return
        # As typed; without a secret typed, with the one stored for the profile.
        ctx, secret = self._ctx, self.secret_edit.text()
        cabinet_password = self.cabinet_password_edit.text()
        self.test_button.setEnabled(False)
        self.result.busy(self.tr("Подключаюсь к банку…"))
        run(lambda: service.test_profile(ctx, record, secret or None,
                                         cabinet_password=cabinet_password or None),
            self._tested, self._test_failed,
            settle=lambda: self.test_button.setEnabled(True), owner=self)

    def _test_failed(self, error: BaseException) -> None:
        self.result.show_result(False, self.tr("Проверка не удалась: {error}").format(
            error=error))
        self.checked.emit(False)

    def _tested(self, check: ConnectionCheck) -> None:
        self.result.show_result(check.ok, connection_text(check),
                                "" if check.ok else check.detail)
        self.checked.emit(check.ok)

    def _status(self, text: str, style: str) -> None:
        self.status.setStyleSheet(style)
        self.status.setText(text)

    def values(self) -> dict[str, Any]:
        chosen = self.start_combo.currentData()
        return {"last_profile": chosen} if chosen else {}
