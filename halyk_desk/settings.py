"""Settings: every option declared once, with its default, its title and its check.

Settings are what a person chooses (hold warning days, reasons, language...) and live in
config_dir/settings.json. Window geometry and column layouts are not settings: they live apart in
window-state.json (WindowState), so a reset of one never loses the other.

Usage:
    settings = Settings.load(paths.config_dir)
    settings["hold_warn_days"]            # 5
    settings.set("hold_warn_days", 3)     # checked against the declaration
    settings.save()                       # atomic
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from halyk_desk import messages
from halyk_desk.jsonfile import JsonFileError, read_json_object, write_json_atomic
from halyk_desk.messages import Message, msg

SETTINGS_FILE = "settings.json"
WINDOW_STATE_FILE = "window-state.json"

#: The reasons a new shop starts with. The list is the shop's data: a chosen reason is written
#: into the money journal as it reads, and scripts name it (`refund --reason "..."`), so it must
#: not change with the reader or the locale a script runs in. Until the shop edits the list it is
#: shown in the language chosen in the settings (`language`; Russian, the office language, for
#: auto); once saved, the shop's own words are kept as they are, whatever the language.
#: «Другое» in each language asks for the operator's own words (services.operations.is_other).
DEFAULT_REASONS = (
    msg("settings.reason_customer", "Просьба покупателя"),
    msg("settings.reason_out_of_stock", "Нет в наличии"),
    msg("settings.reason_double_payment", "Двойная оплата"),
    msg("settings.reason_fraud", "Подозрение на мошенничество"),
    msg("settings.reason_price", "Корректировка цены"),
    msg("settings.reason_other", "Другое"),
)
LANGUAGES = ("auto", "ru", "kk", "en")


class SettingsError(JsonFileError):
    """The settings file is unusable, or a value is not allowed; the message says what to do."""


# Each check says what is wrong with a value as the end of a sentence ("...: {problem}.").

def _positive_int(value: Any) -> Message | None:
    if type(value) is not int or value <= 0:
        return msg("settings.must_be_positive", "должно быть целым числом больше нуля")
    return None


def _boolean(value: Any) -> Message | None:
    return None if type(value) is bool else msg("settings.must_be_bool",
                                                "должно быть true или false")


def _non_negative_int(value: Any) -> Message | None:
    if type(value) is not int or value < 0:
        return msg("settings.must_be_tiyn", "должно быть целым числом тиынов, от нуля")
    return None


def _time_zone(value: Any) -> Message | None:
    # Imported here: the window reads the settings before it appears, and zoneinfo costs time.
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(value, str) or not value:
        return msg("settings.must_be_zone", "должно быть названием часового пояса, например "
                   "Asia/Almaty")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return msg("settings.unknown_zone", "часового пояса «{zone}» нет; укажите название "
                   "вроде Asia/Almaty", zone=value)
    return None


def _profile_name(value: Any) -> Message | None:
    return None if isinstance(value, str) and value else msg(
        "settings.must_be_profile", "должно быть именем профиля")


def _reasons(value: Any) -> Message | None:
    if not isinstance(value, list) or not all(isinstance(r, str) and r.strip() for r in value):
        return msg("settings.reasons_not_texts", "должно быть списком непустых текстов")
    if not value:
        return msg("settings.reasons_empty", "должна остаться хотя бы одна причина")
    if len({r.strip().casefold() for r in value}) != len(value):
        return msg("settings.reasons_twice", "одна и та же причина не должна повторяться")
    return None


def _language(value: Any) -> Message | None:
    return None if value in LANGUAGES else msg(
        "settings.must_be_one_of", "должно быть одним из: {choices}", choices=", ".join(LANGUAGES))


_DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgresql+psycopg://", "postgres://")


def _database_url(value: Any) -> Message | None:
    if not isinstance(value, str):
        return msg("settings.must_be_database", "должно быть адресом базы данных или пустым "
                   "(тогда файл SQLite в папке данных)")
    if value and not value.startswith(_DATABASE_SCHEMES):
        return msg("settings.database_kind", "должно быть файлом SQLite "
                   "(sqlite:///путь/halyk-desk.sqlite3) или адресом PostgreSQL "
                   "(postgresql://user@host/halyk)")
    if re.match(r"postgres[^:]*://[^/@]*:[^/@]*@", value):
        return msg("settings.database_password", "не должно содержать пароль: пароль хранится "
                   "в хранилище паролей системы")
    return None


@dataclass(frozen=True)
class Option:
    key: str
    #: A Message (or a list of them) is the program's own words: see Settings.default.
    default: Any
    title: Message
    check: Callable[[Any], Message | None]


OPTIONS: tuple[Option, ...] = (
    Option("last_profile", "sandbox",
           msg("settings.last_profile", "Последний выбранный профиль банка"), _profile_name),
    Option("hold_warn_days", 5,
           msg("settings.hold_warn_days", "Предупреждать о блокировке через столько дней"),
           _positive_int),
    Option("hold_expire_days", 7,
           msg("settings.hold_expire_days", "Блокировка истекает через столько дней"),
           _positive_int),
    Option("business_tz", "Asia/Almaty",
           msg("settings.business_tz", "Часовой пояс рабочего дня"), _time_zone),
    Option("sync_concurrency", 8,
           msg("settings.sync_concurrency", "Сколько статусов читать одновременно при "
               "синхронизации"), _positive_int),
    # Long enough for a bank that applies a request late: a refund only ever settles as not done
    # when neither the status nor the operations registry shows it by then.
    Option("settle_grace_minutes", 30,
           msg("settings.settle_grace", "Сколько минут ждать банк, прежде чем считать "
               "операцию без ответа невыполненной"), _positive_int),
    Option("refund_approval_threshold", 100_000_00,
           msg("settings.refund_approval_threshold", "Возврат больше этой суммы (в тиынах) "
               "одобряет второй менеджер"), _non_negative_int),
    Option("amount_tolerance", 0,
           msg("settings.amount_tolerance", "Сверка не замечает разницу сумм до этой величины "
               "(в тиынах)"), _non_negative_int),
    Option("reasons", list(DEFAULT_REASONS),
           msg("settings.reasons", "Причины для подтверждения, отмены и возврата"), _reasons),
    Option("language", "auto",
           msg("settings.language", "Язык окна (auto: язык системы)"), _language),
    Option("database_url", "",
           msg("settings.database_url", "База данных (пусто: файл SQLite в папке данных); "
               "действует со следующего запуска"), _database_url),
    # Several people share this computer's one OS account: the window asks who is working, and
    # locks when nobody has touched it for idle_lock_minutes.
    Option("shared_computer", False,
           msg("settings.shared_computer", "Общий компьютер: окно спрашивает, кто работает"),
           _boolean),
    Option("idle_lock_minutes", 10,
           msg("settings.idle_lock_minutes", "На общем компьютере окно блокируется после "
               "стольких минут без действий"), _positive_int),
)
_BY_KEY = {option.key: option for option in OPTIONS}


def option(key: str) -> Option:
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown setting {key!r}") from None


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _in(language: str, value: Any) -> Any:
    """A default with the program's own words (Messages) written in `language`."""
    if isinstance(value, list):
        return [_in(language, item) for item in value]
    return value.render(language) if isinstance(value, Message) else value


class Settings:
    """The declared options with the values read from the file; unknown keys in the file are kept
    as they are (a newer version may have written them)."""

    def __init__(self, path: Path, stored: dict[str, Any] | None = None) -> None:
        self.path = path
        self._stored = dict(stored or {})

    @classmethod
    def load(cls, config_dir: Path) -> Settings:
        path = config_dir / SETTINGS_FILE
        try:
            stored = read_json_object(path, msg("settings.file", "файл настроек"))
        except JsonFileError as exc:
            raise SettingsError(exc.path, exc.message) from exc
        settings = cls(path, stored)
        for opt in OPTIONS:
            if opt.key in settings._stored:
                problem = opt.check(settings._stored[opt.key])
                if problem:
                    raise SettingsError(path, msg(
                        "settings.bad_value", "В файле настроек {path} неверное значение "
                        "«{key}» ({title}): {problem}. Исправьте его в текстовом редакторе или "
                        "удалите эту строку, чтобы вернуть значение по умолчанию ({default}).",
                        path=str(path), key=opt.key, title=opt.title, problem=problem,
                        default=json.dumps(settings.default(opt.key), ensure_ascii=False)))
        return settings

    def default(self, key: str) -> Any:
        """The option's default. Its words (the default reasons) in the language chosen in
        these settings, Russian for auto: the shop's data, not each reader's (DEFAULT_REASONS)."""
        language = self._stored.get("language")
        if language not in messages.LANGUAGES:
            language = messages.SOURCE_LANGUAGE
        return _in(language, option(key).default)

    def __getitem__(self, key: str) -> Any:
        option(key)  # a key no option declares is an error, even if a newer version stored it
        return _copy(self._stored[key]) if key in self._stored else self.default(key)

    def set(self, key: str, value: Any) -> None:
        opt = option(key)
        problem = opt.check(value)
        if problem:
            raise SettingsError(self.path, msg("settings.refused", "{title}: {problem}.",
                                               title=opt.title, problem=problem))
        self._stored[key] = _copy(value)

    def reset(self, key: str) -> None:
        option(key)
        self._stored.pop(key, None)

    def as_dict(self) -> dict[str, Any]:
        """Every declared option with its current value."""
        return {opt.key: self[opt.key] for opt in OPTIONS}

    def save(self) -> None:
        write_json_atomic(self.path, self._stored)


class WindowState:
    """Free-form state of the window (geometry, splitters, column widths), apart from settings.

    Losing it costs nothing but a layout, so a broken file is reported and then replaced by an
    empty state, instead of stopping the program like a broken settings file does.
    """

    def __init__(self, path: Path, values: dict[str, Any], problem: str | None = None) -> None:
        self.path = path
        self.values = values
        #: Why the stored state could not be read, for the window to log; None when it was fine.
        self.problem = problem

    @classmethod
    def load(cls, config_dir: Path) -> WindowState:
        path = config_dir / WINDOW_STATE_FILE
        try:
            return cls(path, read_json_object(
                path, msg("settings.window_state_file", "файл состояния окна")) or {})
        except JsonFileError as exc:
            return cls(path, {}, problem=str(exc))

    def save(self) -> None:
        write_json_atomic(self.path, self.values)
