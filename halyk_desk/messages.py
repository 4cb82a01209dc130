"""Messages for people as codes with parameters, rendered in the user's language (ru, kk, en).

Services and commands never build sentences. They say what happened as a Message:

    raise RuleViolation(msg("rules.above_held",
                            "Подтвердить можно не больше {held}, а не {amount}.",
                            held=held, amount=amount))

- the code ("rules.above_held") is stable English: scripts and `--json` read it, and the
  translations are filed under it;
- the text is Russian, the source language, with {name} placeholders (`%n` and a parameter `n`
  for a counted phrase: "%n платежей" has three Russian forms, two English and two Kazakh);
- the parameters are data: Money, dates, numbers, names, and other Messages (a state's name, a
  reason). Each is written the way the language writes it when the message is rendered.

`str(message)` renders it in the current language (`use()`): the window sets it when it installs
its translations (ui/i18n.py), the command line from `--lang`, the `language` setting or the system
locale (cli.py). `message.to_json()` gives `--json` its stable code and parameters beside the text.

The texts live in the one translation catalogue of the program, resources/i18n/halyk_desk_*.ts,
context "Messages", each under its code: packaging/i18n.py extracts every msg() call of the
package into it and compiles the Messages context to halyk_desk/translations/messages_<lang>.json,
which this module reads. That keeps the command line free of Qt (it starts in a fraction of the
time, and on a server without Qt's libraries), while translators keep one catalogue and one tool.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path
from string import Formatter
from typing import Any

LANGUAGES = ("ru", "kk", "en")
SOURCE_LANGUAGE = "ru"
CATALOG_DIR = Path(__file__).resolve().parent / "translations"
#: The placeholder of the count in a counted phrase, as in Qt's own plurals.
COUNT = "%n"
_DATE_FORMATS = {"ru": "%d.%m.%Y", "kk": "%d.%m.%Y", "en": "%d/%m/%Y"}
_TIME_FORMAT = "%H:%M"

_current = SOURCE_LANGUAGE


# --- the language ---------------------------------------------------------------------------------

def use(language: str) -> None:
    """Render messages in `language` from now on (ru, kk or en)."""
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
    _current = language


def current() -> str:
    return _current


def system_language(environ: Mapping[str, str] | None = None) -> str:
    """The system locale's language as POSIX names it ("ru" for ru_RU.UTF-8, "c" for C.UTF-8),
    "" when none is set."""
    environ = os.environ if environ is None else environ
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if value:
            return value.split(".")[0].split("@")[0].split("_")[0].lower()
    return ""


def resolve(setting: str | None, system: str | None = None) -> str:
    """The language to speak for the `language` setting (ru, kk, en or auto) and the system's
    language (ISO code; system_language() when None).

    The users are shops in Kazakhstan, where office work is mostly done in Russian, so `auto`
    means Russian on a Russian or a Kazakh system (and on one with no language set at all, such as
    a bare server); English on a system in any other language. Kazakh is chosen in the settings:
    a Kazakh desktop does not imply that the shop's accountants want the program in Kazakh."""
    if setting in LANGUAGES:
        return setting
    system = system_language() if system is None else system.lower()
    return SOURCE_LANGUAGE if system in ("ru", "kk", "c", "posix", "") else "en"


# --- the catalogue --------------------------------------------------------------------------------

def catalog_path(language: str) -> Path:
    return CATALOG_DIR / f"messages_{language}.json"


@cache
def catalog(language: str) -> Mapping[str, str | list[str]]:
    """code → text (or a counted phrase's forms) of `language`; empty when the file is missing
    (messages then show their Russian source: the translation test keeps that from shipping)."""
    try:
        texts: dict[str, str | list[str]] = json.loads(
            catalog_path(language).read_text(encoding="utf-8"))
        return texts
    except FileNotFoundError:
        return {}


def plural_form(language: str, n: int) -> int:
    """Which of a counted phrase's forms `n` takes, by the rules Qt's .ts files use."""
    n = abs(n)
    if language == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return 0
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return 1
        return 2
    return 0 if n == 1 else 1


# --- writing parameters ---------------------------------------------------------------------------

#: The domain's Money class, which registers itself here when it is defined (register_money):
#: this module is below the domain (the domain's rules speak through it) and imports none of it.
_money_type: type[Any] | None = None


def register_money(kind: type[Any]) -> None:
    """Money parameters are written in the user's language and stored tagged ($money)."""
    global _money_type
    _money_type = kind


def _is_money(value: object) -> bool:
    return _money_type is not None and isinstance(value, _money_type)


def _money() -> type[Any]:
    assert _money_type is not None, "halyk_desk.domain.money registers Money when imported"
    return _money_type


def number_text(value: int | Decimal, language: str) -> str:
    """1 234 567 (no-break spaces) in ru and kk, 1,234,567 in en."""
    text = f"{value:,}"
    return text if language == "en" else text.replace(",", "\u00a0").replace(".", ",")


def date_text(value: date, language: str) -> str:
    if isinstance(value, datetime):
        return value.strftime(f"{_DATE_FORMATS[language]} {_TIME_FORMAT}")
    return value.strftime(_DATE_FORMATS[language])


def render_value(value: Any, language: str) -> str:
    """One parameter as people of `language` write it."""
    if isinstance(value, Message):
        return value.render(language)
    if _is_money(value):
        return str(value.format(language))
    if isinstance(value, date):
        return date_text(value, language)
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | Decimal):
        return number_text(value, language)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return ", ".join(render_value(item, language) for item in value)
    return str(value)


def json_value(value: Any) -> Any:
    """One parameter for --json: plain, language-free (amounts as decimal strings, dates ISO)."""
    if isinstance(value, Message):
        return {"code": value.code, "params": value.json_params()}
    if _is_money(value):
        return value.to_json()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _stored(value: Any) -> Any:
    """One parameter for storage: tagged so that load() gives back the same kind of value."""
    if isinstance(value, Message):
        return {"$message": value.dump_dict()}
    if _is_money(value):
        return {"$money": value.to_json(), "currency": value.currency}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, list | tuple):
        return [_stored(item) for item in value]
    return json_value(value)


def _loaded(value: Any) -> Any:
    if isinstance(value, list):
        return [_loaded(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "$message" in value:
        return Message.from_dict(value["$message"])
    if "$money" in value:
        return _money().from_decimal(value["$money"], value["currency"])
    if "$datetime" in value:
        return datetime.fromisoformat(value["$datetime"])
    if "$date" in value:
        return date.fromisoformat(value["$date"])
    if "$decimal" in value:
        return Decimal(value["$decimal"])
    return value


# --- messages -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Message:
    """A sentence for people, not yet in any language: its code, Russian source and parameters."""

    code: str
    source: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def render(self, language: str | None = None) -> str:
        language = language or _current
        found = catalog(language).get(self.code)
        if isinstance(found, list):  # a counted phrase: the form for n
            text = found[min(plural_form(language, int(self.params["n"])), len(found) - 1)]
        else:
            text = found if found else self.source
        if COUNT in text:
            text = text.replace(COUNT, number_text(int(self.params["n"]), language))
        names = {name for _, name, _, _ in Formatter().parse(text) if name}
        return text.format_map({name: render_value(self.params.get(name, f"{{{name}}}"), language)
                                for name in names})

    def __str__(self) -> str:
        return self.render()

    def __contains__(self, text: str) -> bool:
        """Whether the message, rendered in the current language, says `text`."""
        return text in self.render()

    def with_params(self, **params: Any) -> Message:
        return replace(self, params={**self.params, **params})

    def json_params(self) -> dict[str, Any]:
        return {name: json_value(value) for name, value in self.params.items()}

    def to_json(self) -> dict[str, Any]:
        """For --json: the stable code and parameters, and the text in the current language."""
        return {"code": self.code, "params": self.json_params(), "message": self.render()}

    # Storage (the journal, the audit log): code, source and parameters, rendered when shown, so
    # an entry reads in the language of whoever looks at it.
    def dump_dict(self) -> dict[str, Any]:
        return {"code": self.code, "source": self.source,
                "params": {name: _stored(value) for name, value in self.params.items()}}

    def dump(self) -> str:
        return json.dumps(self.dump_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        return cls(data["code"], data.get("source", data["code"]),
                   {name: _loaded(value) for name, value in data.get("params", {}).items()})

    @classmethod
    def load(cls, stored: str) -> Message:
        """A message written by dump(); text stored before messages had codes comes back as
        itself (code "text")."""
        try:
            data = json.loads(stored)
        except ValueError:
            data = None
        if isinstance(data, dict) and "code" in data:
            return cls.from_dict(data)
        return verbatim(stored)


def msg(code: str, source: str, /, **params: Any) -> Message:
    """A message of the catalogue. `code` and `source` must be literal strings: packaging/i18n.py
    reads them from the code into resources/i18n/*.ts."""
    return Message(code, source, params)


def verbatim(text: str) -> Message:
    """Text that is data, not a phrase (a name, the bank's own words, a path): shown as it is."""
    return Message("text", "{text}", {"text": text})


def of_error(error: BaseException) -> Message:
    """What an error says: its Message when it has one, else its text as it is."""
    message = getattr(error, "message", None)
    return message if isinstance(message, Message) else verbatim(str(error))


def join(parts: Iterable[Message | str], language: str | None = None) -> str:
    """Several messages as one paragraph."""
    return " ".join(part.render(language) if isinstance(part, Message) else part
                    for part in parts)


class MessageError(Exception):
    """An error whose text is a Message: str() renders it in the current language, `.message`
    keeps the code and parameters for --json and for the window."""

    def __init__(self, message: Message | str) -> None:
        # A str is text already in the user's language (the window's own tr()).
        message = message if isinstance(message, Message) else verbatim(message)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message.render()
