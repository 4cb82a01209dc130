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

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from halyk_desk.jsonfile import JsonFileError, read_json_object, write_json_atomic
from halyk_desk.messages import Message, msg

SETTINGS_FILE = "settings.json"
WINDOW_STATE_FILE = "window-state.json"

DEFAULT_REASONS = (
    "Просьба покупателя",
    "Нет в наличии",
    "Двойная оплата",
    "Подозрение на мошенничество",
    "Корректировка цены",
    "Другое",
)
LANGUAGES = ("auto", "ru", "kk", "en")


class SettingsError(JsonFileError):
    """The settings file is unusable, or a value is not allowed; the message says what to do."""


def _positive_int(value: Any) -> str | None:
    if type(value) is not int or value <= 0:
        return "must be a whole number greater than zero"
    return None


def _boolean(value: Any) -> str | None:
    return None if type(value) is bool else str(msg("settings.must_be_bool",
                                                    "должно быть true или false"))


def _non_negative_int(value: Any) -> str | None:
    if type(value) is not int or value < 0:
        return "must be a whole number of tiyn, zero or more"
    return None


def _time_zone(value: Any) -> str | None:
    # Imported here: the window reads the settings before it appears, and zoneinfo costs time.
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(value, str) or not value:
        return "must be a time zone name such as Asia/Almaty"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{value!r} is not a known time zone; use a name such as Asia/Almaty"
    return None


def _profile_name(value: Any) -> str | None:
    return None if isinstance(value, str) and value else "must be a profile name"


def _reasons(value: Any) -> str | None:
    if not isinstance(value, list) or not all(isinstance(r, str) and r.strip() for r in value):
        return "must be a list of non-empty texts"
    if not value:
        return "must keep at least one reason"
    if len({r.strip().casefold() for r in value}) != len(value):
        return "must not list the same reason twice"
    return None


def _language(value: Any) -> str | None:
    return None if value in LANGUAGES else f"must be one of {', '.join(LANGUAGES)}"


_DATABASE_SCHEMES = ("sqlite:///", "postgresql://", "postgresql+psycopg://", "postgres://")


def _database_url(value: Any) -> str | None:
    if not isinstance(value, str):
        return "must be a database address, or empty for the SQLite file in the data folder"
    if value and not value.startswith(_DATABASE_SCHEMES):
        return ("must be a SQLite file (sqlite:///path/halyk-desk.sqlite3) or a PostgreSQL "
                "address (postgresql://user@host/halyk)")
    if re.match(r"postgres[^:]*://[^/@]*:[^/@]*@", value):
        return "must not hold a password: the password is kept in the keyring"
    return None


@dataclass(frozen=True)
class Option:
    key: str
    default: Any
    title: str | Message
    check: Callable[[Any], str | None]


OPTIONS: tuple[Option, ...] = (
    Option("last_profile", "sandbox", "Last used bank profile", _profile_name),
    Option("hold_warn_days", 5, "Warn about a hold after this many days", _positive_int),
    Option("hold_expire_days", 7, "A hold expires after this many days", _positive_int),
    Option("business_tz", "Asia/Almaty", "Time zone of the business day", _time_zone),
    Option("sync_concurrency", 8, "Status reads at once during a sync", _positive_int),
    # Long enough for a bank that applies a request late: a refund only ever settles as not done
    # when neither the status nor the operations registry shows it by then.
    Option("settle_grace_minutes", 30,
           msg("settings.settle_grace", "Сколько минут ждать банк, прежде чем считать "
               "операцию без ответа невыполненной"), _positive_int),
    Option("refund_approval_threshold", 100_000_00,
           "Refunds above this amount (tiyn) need a second manager", _non_negative_int),
    Option("amount_tolerance", 0,
           "Reconciliation ignores amount differences up to this (tiyn)", _non_negative_int),
    Option("reasons", list(DEFAULT_REASONS), "Reasons offered for confirm, cancel and refund",
           _reasons),
    Option("language", "auto", "Language of the window (auto: the system's)", _language),
    Option("database_url", "",
           "Database (empty: the SQLite file in the data folder); used from the next start",
           _database_url),
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
            stored = read_json_object(path, "settings file")
        except JsonFileError as exc:
            raise SettingsError(exc.path, str(exc)) from exc
        settings = cls(path, stored)
        for opt in OPTIONS:
            if opt.key in settings._stored:
                problem = opt.check(settings._stored[opt.key])
                if problem:
                    raise SettingsError(
                        path,
                        f"The settings file {path} has a bad value for {opt.key!r} "
                        f"({opt.title}): it {problem}. Fix it in a text editor, or delete that "
                        f"line to use the default ({opt.default!r}).",
                    )
        return settings

    def __getitem__(self, key: str) -> Any:
        opt = option(key)
        return _copy(self._stored.get(key, opt.default))

    def set(self, key: str, value: Any) -> None:
        opt = option(key)
        problem = opt.check(value)
        if problem:
            raise SettingsError(self.path, f"{opt.title}: {problem}.")
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
            return cls(path, read_json_object(path, "window state file") or {})
        except JsonFileError as exc:
            return cls(path, {}, problem=str(exc))

    def save(self) -> None:
        write_json_atomic(self.path, self.values)
