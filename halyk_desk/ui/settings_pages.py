"""The pages of the settings dialog, except Profiles (settings_profiles.py).

Each page shows its settings and hands back the values to save (`values()`), or raises PageError
naming the field and saying what to type. The dialog saves every page's values in one go.
Operators are not settings: that page acts at once, through services.operators, which allows it to
admins only.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from halyk_desk.domain import Money, MoneyError
from halyk_desk.services import operators, signin
from halyk_desk.services import settings_service as service
from halyk_desk.services.operators import OperatorInfo
from halyk_desk.services.settings_service import DatabaseCheck
from halyk_desk.ui import formatting as fmt
from halyk_desk.ui import i18n
from halyk_desk.ui.tasks import run

PROBLEM_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"
NOTE_STYLE = "color: #555555;"
WARNING_STYLE = "color: #8a4b00;"
#: Longest a hold may be set to last, in days (the bank's own limit is far shorter).
MAX_DAYS = 60


class PageError(ValueError):
    """A field holds something that cannot be saved; `message` says what to type."""

    def __init__(self, field: QWidget, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def note(text: str, parent: QWidget, style: str = NOTE_STYLE) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


def role_title(role: str) -> str:
    return {
        "accountant": QCoreApplication.translate("Roles", "бухгалтер"),
        "manager": QCoreApplication.translate("Roles", "менеджер"),
        "admin": QCoreApplication.translate("Roles", "администратор"),
    }.get(role, role)


class Page(QWidget):
    """One page of the dialog. `admin_only` pages are read-only for everyone but an admin."""

    admin_only = True

    #: The page's name in the dialog's list, set by each page.
    title = ""

    def values(self) -> dict[str, Any]:
        return {}

    def set_editable(self, editable: bool) -> None:
        for child in self.findChildren(QWidget):
            if not isinstance(child, QLabel):
                child.setEnabled(editable)


class CheckResult(QWidget):
    """The outcome line of a connection test: a busy bar while it runs, then the result in
    colour with the technical details (selectable, for support) below it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(False)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setStyleSheet(NOTE_STYLE)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.bar)
        row.addWidget(self.label, 1)
        layout.addLayout(row)
        layout.addWidget(self.detail)
        self.clear()

    def clear(self) -> None:
        self.bar.setVisible(False)
        self.label.clear()
        self.detail.clear()
        self.detail.setVisible(False)

    def busy(self, text: str) -> None:
        self.bar.setVisible(True)
        self.label.setStyleSheet("")
        self.label.setText(text)
        self.detail.setVisible(False)

    def show_result(self, ok: bool, text: str, detail: str = "") -> None:
        self.bar.setVisible(False)
        self.label.setStyleSheet(OK_STYLE if ok else PROBLEM_STYLE)
        self.label.setText(text)
        self.detail.setText(detail)
        self.detail.setVisible(bool(detail))


# --- holds and time ---------------------------------------------------------------------------

class HoldsTimePage(Page):
    def __init__(self, settings: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = self.tr("Блокировки и время")
        self.warn_spin = self._days(settings["hold_warn_days"], "holdWarnDays")
        self.expire_spin = self._days(settings["hold_expire_days"], "holdExpireDays")
        self.tz_combo = QComboBox(self)
        self.tz_combo.setObjectName("businessTz")
        self.tz_combo.setEditable(True)
        self.tz_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.tz_combo.addItems(sorted(zoneinfo.available_timezones()))
        self.tz_combo.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.tz_combo.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.tz_combo.setCurrentText(settings["business_tz"])
        self.concurrency_spin = QSpinBox(self)
        self.concurrency_spin.setObjectName("syncConcurrency")
        self.concurrency_spin.setRange(1, 32)
        self.concurrency_spin.setValue(settings["sync_concurrency"])

        form = QFormLayout(self)
        form.addRow(self.tr("Предупреждать о блокировке через:"), self.warn_spin)
        form.addRow(self.tr("Блокировка истекает через:"), self.expire_spin)
        form.addRow(note(self.tr(
            "Банк снимает блокировку сам, если её не подтвердить вовремя: на вкладке "
            "«Блокировки» такие платежи подсвечиваются заранее."), self))
        form.addRow(self.tr("Часовой пояс рабочего дня:"), self.tz_combo)
        form.addRow(note(self.tr(
            "Рабочий день — с полуночи до полуночи в этом поясе; по нему считаются периоды, "
            "сверка и сводка. Обычно Asia/Almaty."), self))
        form.addRow(self.tr("Одновременных запросов при синхронизации:"), self.concurrency_spin)

    def _days(self, value: int, name: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setObjectName(name)
        spin.setRange(1, MAX_DAYS)
        spin.setSuffix(self.tr(" дн."))
        spin.setValue(value)
        return spin

    def values(self) -> dict[str, Any]:
        warn, expire = self.warn_spin.value(), self.expire_spin.value()
        if warn >= expire:
            raise PageError(self.warn_spin, self.tr(
                "Предупреждение должно наступать раньше, чем блокировка истекает: введите "
                "меньше {expire} дн.").format(expire=expire))
        zone = self.tz_combo.currentText().strip()
        if service.problems({"business_tz": zone}):
            raise PageError(self.tz_combo, self.tr(
                "Часовой пояс «{zone}» неизвестен: выберите его из списка, например "
                "Asia/Almaty.").format(zone=zone))
        return {"hold_warn_days": warn, "hold_expire_days": expire, "business_tz": zone,
                "sync_concurrency": self.concurrency_spin.value()}


# --- reasons ----------------------------------------------------------------------------------

class ReasonsPage(Page):
    def __init__(self, settings: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = self.tr("Причины")
        self.list = QListWidget(self)
        self.list.setObjectName("reasonsList")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        for reason in settings["reasons"]:
            self._add_item(reason)
        self.add_button = QPushButton(self.tr("Добавить"), self)
        self.add_button.setObjectName("addReason")
        self.remove_button = QPushButton(self.tr("Удалить"), self)
        self.remove_button.setObjectName("removeReason")
        self.up_button = QPushButton(self.tr("Выше"), self)
        self.up_button.setObjectName("reasonUp")
        self.down_button = QPushButton(self.tr("Ниже"), self)
        self.down_button.setObjectName("reasonDown")
        buttons = QVBoxLayout()
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(note(self.tr(
            "Из этого списка выбирают причину подтверждения, отмены и возврата, в этом порядке. "
            "Чтобы изменить текст, дважды щёлкните по нему. Для причины «Другое» оператор "
            "пишет пояснение сам."), self))
        layout.addLayout(row, 1)
        self.add_button.clicked.connect(self.add_reason)
        self.remove_button.clicked.connect(self.remove_reason)
        self.up_button.clicked.connect(lambda: self.move_reason(-1))
        self.down_button.clicked.connect(lambda: self.move_reason(1))

    def _add_item(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text, self.list)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        return item

    def reasons(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]

    def add_reason(self) -> None:
        item = self._add_item(self.tr("Новая причина"))
        self.list.setCurrentItem(item)
        self.list.editItem(item)

    def remove_reason(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)

    def move_reason(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)

    def values(self) -> dict[str, Any]:
        reasons = [reason.strip() for reason in self.reasons()]
        if not reasons:
            raise PageError(self.list, self.tr(
                "Нужна хотя бы одна причина: нажмите «Добавить» и введите её, например "
                "«Просьба покупателя»."))
        seen: set[str] = set()
        for row, reason in enumerate(reasons):
            if not reason:
                self.list.setCurrentRow(row)
                raise PageError(self.list, self.tr(
                    "В строке {row} пустая причина: введите текст или удалите строку.")
                    .format(row=row + 1))
            if reason.casefold() in seen:
                self.list.setCurrentRow(row)
                raise PageError(self.list, self.tr(
                    "Причина «{reason}» записана дважды: удалите повтор.").format(reason=reason))
            seen.add(reason.casefold())
        return {"reasons": reasons}


# --- refunds ----------------------------------------------------------------------------------

class RefundsPage(Page):
    def __init__(self, settings: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = self.tr("Возвраты")
        self.threshold_edit = QLineEdit(self)
        self.threshold_edit.setObjectName("refundThreshold")
        self.threshold_edit.setText(fmt.money_text(Money(settings["refund_approval_threshold"])))
        form = QFormLayout(self)
        form.addRow(self.tr("Второй менеджер одобряет возвраты больше:"), self.threshold_edit)
        form.addRow(note(self.tr(
            "Возврат больше этой суммы ждёт, пока другой менеджер его одобрит, и только потом "
            "уходит в банк. 0 — одобрять каждый возврат."), self))

    def values(self) -> dict[str, Any]:
        text = self.threshold_edit.text()
        try:
            amount = Money.parse(text)
        except MoneyError:
            raise PageError(self.threshold_edit, self.tr(
                "«{text}» — не сумма: введите сумму в тенге цифрами, например 100 000 или "
                "250 000,50.").format(text=text.strip())) from None
        return {"refund_approval_threshold": amount.minor}


class SignInPage(Page):
    """A computer several people share under one OS account: the window asks who is working,
    and locks after a while without anyone at it (issue 9)."""

    def __init__(self, settings: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = self.tr("Вход и блокировка")
        self.shared_check = QCheckBox(self.tr("Компьютер общий: несколько человек работают под "
                                              "одной учётной записью системы"), self)
        self.shared_check.setObjectName("sharedComputer")
        self.shared_check.setChecked(settings["shared_computer"])
        self.idle_spin = QSpinBox(self)
        self.idle_spin.setObjectName("idleLockMinutes")
        self.idle_spin.setRange(1, 24 * 60)
        self.idle_spin.setSuffix(self.tr(" мин"))
        self.idle_spin.setValue(settings["idle_lock_minutes"])
        form = QFormLayout(self)
        form.addRow(self.shared_check)
        form.addRow(self.tr("Блокировать окно без действий через:"), self.idle_spin)
        form.addRow(note(self.tr(
            "На общем компьютере окно при запуске спрашивает имя оператора и пароль, а если "
            "с ним никто не работает дольше этого времени, прячет данные и спрашивает пароль "
            "снова. Пароли операторов задаёт администратор на странице «Операторы». Действует "
            "со следующего запуска."), self))

    def values(self) -> dict[str, Any]:
        return {"shared_computer": self.shared_check.isChecked(),
                "idle_lock_minutes": self.idle_spin.value()}


# --- language ---------------------------------------------------------------------------------

class LanguagePage(Page):
    """Each person's own choice: no admin needed. Applies at the next start."""

    admin_only = False

    def __init__(self, settings: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = self.tr("Язык")
        self.group = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        system = i18n.NATIVE_NAMES[i18n.resolve_language("auto")]
        layout = QVBoxLayout(self)
        for code, text in (("auto", self.tr("Как в системе (сейчас: {language})")
                            .format(language=system)), *i18n.NATIVE_NAMES.items()):
            button = QRadioButton(text, self)
            button.setObjectName(f"language_{code}")
            self.group.addButton(button)
            self.buttons[code] = button
            layout.addWidget(button)
        self.buttons.get(settings["language"], self.buttons["auto"]).setChecked(True)
        layout.addWidget(note(self.tr(
            "Язык сменится при следующем запуске программы. Суммы, числа и даты пишутся так, "
            "как принято в выбранном языке."), self))
        layout.addStretch(1)

    def values(self) -> dict[str, Any]:
        chosen = next(code for code, button in self.buttons.items() if button.isChecked())
        return {"language": chosen}


# --- the database -----------------------------------------------------------------------------

def database_check_text(check: DatabaseCheck) -> str:
    translate = QCoreApplication.translate
    schema = {
        "current": translate("DatabasePage", "данные программы на месте, схема текущая."),
        "older": translate("DatabasePage", "схема старая: при запуске программа её обновит "
                           "(файл SQLite перед этим копируется)."),
        "newer": translate("DatabasePage", "её записала более новая версия Halyk Desk: "
                           "установите её, иначе база не откроется."),
        "empty": translate("DatabasePage", "база пуста: при запуске программа создаст в ней "
                           "таблицы."),
        "absent": translate("DatabasePage", "файла ещё нет: программа создаст его при запуске."),
    }[check.schema]
    server = f" ({check.server})" if check.server else ""
    return translate("DatabasePage", "Подключение работает{server}: {schema}").format(
        server=server, schema=schema)


class DatabasePage(Page):
    """SQLite file or PostgreSQL address; used from the next start."""

    #: A check finished (True when the database can be used); for tests.
    checked = Signal(bool)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = self.tr("База данных")
        self._ctx = ctx
        self._default_file = str(service.default_database_file(ctx.paths))
        address = ctx.settings["database_url"]
        self.sqlite_radio = QRadioButton(self.tr("Файл SQLite на этом компьютере"), self)
        self.sqlite_radio.setObjectName("databaseSqlite")
        self.postgres_radio = QRadioButton(self.tr("Сервер PostgreSQL — общая база для команды"),
                                           self)
        self.postgres_radio.setObjectName("databasePostgres")
        self.file_edit = QLineEdit(self)
        self.file_edit.setObjectName("databaseFile")
        self.browse_button = QPushButton(self.tr("Выбрать…"), self)
        self.browse_button.setObjectName("databaseBrowse")
        self.url_edit = QLineEdit(self)
        self.url_edit.setObjectName("databaseUrl")
        self.url_edit.setPlaceholderText("postgresql://user@server:5432/halyk")
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("databasePassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("оставьте пустым, чтобы не менять"))
        self.check_button = QPushButton(self.tr("Проверить"), self)
        self.check_button.setObjectName("databaseCheck")
        self.result = CheckResult(self)
        self.result.setObjectName("databaseResult")

        if address.startswith("sqlite:///"):
            self.file_edit.setText(address.removeprefix("sqlite:///"))
        else:
            self.file_edit.setText(self._default_file)
        if address.startswith("postgres"):
            self.url_edit.setText(address)
            self.postgres_radio.setChecked(True)
        else:
            self.sqlite_radio.setChecked(True)

        grid = QGridLayout()
        grid.addWidget(self.sqlite_radio, 0, 0, 1, 3)
        grid.addWidget(QLabel(self.tr("Файл:"), self), 1, 0)
        grid.addWidget(self.file_edit, 1, 1)
        grid.addWidget(self.browse_button, 1, 2)
        grid.addWidget(self.postgres_radio, 2, 0, 1, 3)
        grid.addWidget(QLabel(self.tr("Адрес:"), self), 3, 0)
        grid.addWidget(self.url_edit, 3, 1, 1, 2)
        grid.addWidget(QLabel(self.tr("Пароль:"), self), 4, 0)
        grid.addWidget(self.password_edit, 4, 1, 1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(note(self.tr(
            "Пароль хранится в системном хранилище паролей, а не в файле настроек. "
            "Сейчас открыта база: {address}").format(address=ctx.store.url), self))
        layout.addWidget(note(self.tr(
            "Другая база начнёт работать при следующем запуске программы. Перед переходом на "
            "общую базу сделайте резервную копию (см. руководство администратора)."), self,
            WARNING_STYLE))
        check_row = QHBoxLayout()
        check_row.addWidget(self.check_button)
        check_row.addWidget(self.result, 1)
        layout.addLayout(check_row)
        layout.addStretch(1)

        self.sqlite_radio.toggled.connect(self._kind_changed)
        self.browse_button.clicked.connect(self._browse)
        self.check_button.clicked.connect(self.check)
        self._kind_changed()

    def _kind_changed(self) -> None:
        sqlite = self.sqlite_radio.isChecked()
        self.file_edit.setEnabled(sqlite)
        self.browse_button.setEnabled(sqlite)
        self.url_edit.setEnabled(not sqlite)
        self.password_edit.setEnabled(not sqlite)
        self.result.clear()

    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        if editable:
            self._kind_changed()

    def _browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Файл базы данных"), self.file_edit.text(),
            self.tr("База SQLite (*.sqlite3 *.db);;Все файлы (*)"),
            options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.file_edit.setText(path)

    def address(self) -> tuple[str, str | None]:
        """The database_url to save and the password typed (None when the field is empty)."""
        if self.sqlite_radio.isChecked():
            path = self.file_edit.text().strip()
            if not path:
                raise PageError(self.file_edit, self.tr(
                    "Введите путь к файлу базы, например {path}").format(path=self._default_file))
            return ("" if path == self._default_file else service.sqlite_address(path)), None
        typed = self.url_edit.text().strip()
        address, password_in_address = service.split_password(typed)
        if not address or service.problems({"database_url": address}):
            raise PageError(self.url_edit, self.tr(
                "Введите адрес сервера PostgreSQL в виде postgresql://пользователь@сервер:5432/"
                "база, например postgresql://halyk@192.168.1.10:5432/halyk."))
        password = self.password_edit.text() or password_in_address
        return address, password or None

    def values(self) -> dict[str, Any]:
        return {"database_url": self.address()[0]}

    def password(self) -> str | None:
        return self.address()[1] if self.postgres_radio.isChecked() else None

    def check(self) -> None:
        try:
            address, password = self.address()
        except PageError as problem:
            self.result.show_result(False, problem.message)
            return
        target = address or service.sqlite_address(self._default_file)
        ctx = self._ctx
        self.check_button.setEnabled(False)
        self.result.busy(self.tr("Подключаюсь…"))
        run(lambda: service.check_database(
            target, password, stored_password=service.stored_database_password(ctx)),
            self._checked, self._check_failed,
            settle=lambda: self.check_button.setEnabled(True), owner=self)

    def _check_failed(self, error: BaseException) -> None:
        self.result.show_result(False, self.tr(
            "Не удалось подключиться. Проверьте адрес, что сервер запущен и доступен по "
            "сети, имя пользователя и пароль, затем нажмите «Проверить» ещё раз."),
            str(error))
        self.checked.emit(False)

    def _checked(self, check: DatabaseCheck) -> None:
        self.result.show_result(check.schema != "newer", database_check_text(check),
                                check.address)
        self.checked.emit(check.schema != "newer")


# --- operators --------------------------------------------------------------------------------

class OperatorsPage(Page):
    """Who may do what. Changes apply at once; only an admin may make them (the service says)."""

    #: The list was read again (after loading or a change); for tests.
    refreshed = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = self.tr("Операторы")
        self._ctx = ctx
        self.operators: list[OperatorInfo] = []
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("operatorsTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Оператор"), self.tr("Роль"), self.tr("Состояние")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("operatorName")
        self.name_edit.setPlaceholderText(self.tr("имя входа в систему, например anna"))
        self.role_combo = QComboBox(self)
        self.role_combo.setObjectName("operatorRole")
        for role in operators.ROLE_PERMISSIONS:
            self.role_combo.addItem(role_title(role), role)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("operatorPassword")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        # A team's operators sign in with their database login, whose password is the database's.
        self._team = signin.is_team(ctx.store)
        if self._team:
            self.password_edit.setEnabled(False)
            self.password_edit.setPlaceholderText(self.tr("пароль входа в базу данных"))
            self.password_edit.setToolTip(self.tr(
                "В общей базе оператор входит своим логином базы данных; его пароль задаёт "
                "администратор базы данных."))
        else:
            self.password_edit.setPlaceholderText(self.tr("новый пароль (пусто — не менять)"))
        self.save_button = QPushButton(self.tr("Сохранить оператора"), self)
        self.save_button.setObjectName("saveOperator")
        self.disable_button = QPushButton(self.tr("Отключить"), self)
        self.disable_button.setObjectName("disableOperator")
        self.status = QLabel(self)
        self.status.setObjectName("operatorsStatus")
        self.status.setWordWrap(True)

        form = QHBoxLayout()
        form.addWidget(self.name_edit, 2)
        form.addWidget(self.role_combo, 1)
        form.addWidget(self.password_edit, 2)
        form.addWidget(self.save_button)
        form.addWidget(self.disable_button)
        layout = QVBoxLayout(self)
        layout.addWidget(note(self.tr(
            "Бухгалтер смотрит, сверяет и выгружает; менеджер ещё подтверждает, отменяет "
            "блокировки и делает возвраты; администратор ещё меняет настройки и операторов. "
            "Оператор — это имя входа в систему; другим оператором входят с его паролем "
            "(Файл → Сменить оператора…), который администратор задаёт здесь."), self))
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.status)

        self.table.itemSelectionChanged.connect(self._selected)
        self.save_button.clicked.connect(self.save_operator)
        self.disable_button.clicked.connect(self.disable_operator)

    def set_editable(self, editable: bool) -> None:
        super().set_editable(editable)
        self.password_edit.setEnabled(editable and not self._team)

    def load(self) -> None:
        ctx = self._ctx
        run(lambda: operators.list_operators(ctx), self._arrived,
            lambda error: self._problem(self.tr("Не удалось прочитать операторов: {error}")
                                        .format(error=error)),
            owner=self)

    def _arrived(self, found: list[OperatorInfo]) -> None:
        self.operators = found
        self.table.setRowCount(len(found))
        for row, info in enumerate(found):
            state = self.tr("активен") if info.active else self.tr("отключён")
            for column, text in enumerate((info.name, role_title(info.role), state)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.refreshed.emit()

    def _selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.operators):
            info = self.operators[row]
            self.name_edit.setText(info.name)
            self.role_combo.setCurrentIndex(self.role_combo.findData(info.role))

    def _problem(self, text: str) -> None:
        self.status.setStyleSheet(PROBLEM_STYLE)
        self.status.setText(text)

    def _last_admin(self, name: str) -> bool:
        admins = [o.name for o in self.operators if o.role == "admin" and o.active]
        return admins == [name]

    def save_operator(self) -> None:
        name, role = self.name_edit.text().strip(), self.role_combo.currentData()
        if not name or len(name) > 64:
            self._problem(self.tr("Введите имя оператора — имя входа в систему, от 1 до 64 "
                                  "знаков, например anna."))
            self.name_edit.setFocus()
            return
        if role != "admin" and self._last_admin(name):
            self._problem(self.tr("{name} — единственный администратор: сначала назначьте "
                                  "администратором кого-то ещё.").format(name=name))
            return
        password = self.password_edit.text() or None
        done = self.tr("{name}: роль «{role}» сохранена.").format(name=name,
                                                                 role=role_title(role))
        if password is not None:
            done = self.tr("{name}: роль «{role}» и новый пароль сохранены.").format(
                name=name, role=role_title(role))
        ctx = self._ctx
        self._run(lambda: operators.add_operator(ctx, name, role, password), done)

    def disable_operator(self) -> None:
        name = self.name_edit.text().strip()
        if name not in {o.name for o in self.operators}:
            self._problem(self.tr("Выберите оператора в списке."))
            return
        if self._last_admin(name):
            self._problem(self.tr("{name} — единственный администратор: сначала назначьте "
                                  "администратором кого-то ещё.").format(name=name))
            return
        ctx = self._ctx
        self._run(lambda: operators.disable_operator(ctx, name),
                  self.tr("{name} отключён: войти и действовать он больше не может.")
                  .format(name=name))

    def _run(self, job: Any, done_text: str) -> None:
        self.save_button.setEnabled(False)
        self.disable_button.setEnabled(False)

        def ended() -> None:
            self.save_button.setEnabled(True)
            self.disable_button.setEnabled(True)
            self.load()

        def done(_result: Any) -> None:
            self.password_edit.clear()  # a typed password is not kept on screen
            self.status.setStyleSheet(OK_STYLE)
            self.status.setText(done_text)

        def failed(error: BaseException) -> None:
            self._problem(self.tr("Менять операторов может только администратор.")
                          if isinstance(error, operators.NotAllowed) else str(error))

        run(job, done, failed, settle=ended, owner=self)
