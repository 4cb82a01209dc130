"""One cell of an order file -> one order field. Each parser raises ValueError with a message that
quotes the value and says what to type instead; the reader adds the row and the column."""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo
from decimal import Context, Decimal

from halyk_desk.domain import Money, MoneyError, as_utc, normalize_invoice_id
from halyk_desk.domain.money import SYMBOLS
from halyk_desk.domain.text import check_text
from halyk_desk.messages import MessageError, msg

#: What a CSV field or an XLSX cell can hold (openpyxl gives numbers, dates and booleans as such).
Cell = str | int | float | bool | datetime | date | time | None

KNOWN_CURRENCIES = frozenset(SYMBOLS)
_CURRENCY_WORDS = {
    **{symbol: code for code, symbol in SYMBOLS.items()},
    "тг": "KZT", "тенге": "KZT", "руб": "RUB", "рубль": "RUB", "рубли": "RUB",
}  # fmt: skip
_YES = frozenset({"да", "д", "y", "yes", "true", "1", "истина", "оплачен", "оплачено"})
_NO = frozenset({"нет", "н", "n", "no", "false", "0", "ложь", "не оплачен", "не оплачено"})

# Group separators people type: spaces of all kinds and apostrophes, or "," / "." when repeated.
_DMY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T].*)?")
_EXCEL_DIGITS = Context(prec=15)


class CellError(MessageError, ValueError):
    """A cell that cannot be read as its field; the message quotes it and says what to type."""


def _not_a_date(text: str) -> CellError:
    return CellError(msg("import.not_a_date", "«{text}» — не дата: напишите 27.11.2026 14:03, "
                         "2026-11-27 14:03 или 2026-11-27T14:03:00+05:00.", text=text))


def _not_an_order_number(value: Cell) -> CellError:
    return CellError(msg("import.not_an_order_number", "«{text}» — не номер заказа: наберите от "
                         "6 до 15 цифр.", text=cell_text(value)))


def cell_text(value: Cell) -> str:
    """The cell as the user would read it, for error messages and text fields."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    return str(value)


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _excel_decimal(value: float) -> Decimal:
    """An XLSX number as the user saw it in Excel, which shows at most 15 significant digits:
    a formula's 17908.800000000003 is 17908.8, while a typed 15990.123 stays as it is."""
    return _EXCEL_DIGITS.plus(Decimal(str(value))).normalize()


def parse_invoice_id(value: Cell) -> str:
    if isinstance(value, bool):
        raise _not_an_order_number(value)
    if isinstance(value, float):
        number = _excel_decimal(value)
        if not number.is_finite() or number != number.to_integral_value():
            raise _not_an_order_number(value)
        value = int(number)
    return normalize_invoice_id(value)


def parse_amount(value: Cell, currency: str) -> Money:
    if isinstance(value, bool | datetime | date | time):
        raise MoneyError(msg("import.not_an_amount", "«{text}» — не сумма: наберите цифры, "
                             "например 15990,00.", text=cell_text(value)))
    if isinstance(value, int):
        return Money.parse(str(value), currency)
    if isinstance(value, float):
        return Money.parse(format(_excel_decimal(value), "f"), currency)
    return Money.parse(value or "", currency)


def parse_currency(value: Cell, default: str) -> str:
    if _blank(value):
        return default
    text = cell_text(value).strip()
    code = _CURRENCY_WORDS.get(text.casefold(), text.upper())
    if code not in KNOWN_CURRENCIES | {default}:
        raise CellError(msg("import.unknown_currency", "Неизвестный код валюты «{text}»: "
                            "укажите {known} или оставьте пустым для {default}.", text=text,
                            known=sorted(KNOWN_CURRENCIES), default=default))
    return code


def parse_created(value: Cell, tz: tzinfo) -> datetime:
    """A creation date -> UTC. Dates without an offset are local time in `tz`."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    elif _blank(value):
        raise CellError(msg("import.date_empty", "Дата пустая: напишите 27.11.2026 14:03, "
                            "2026-11-27 14:03 или 2026-11-27T14:03:00+05:00."))
    elif isinstance(value, bool | time):
        raise _not_a_date(cell_text(value))
    elif not isinstance(value, str):
        raise CellError(msg("import.number_not_date", "«{text}» — число, а не дата: сделайте "
                            "колонку датой в Excel или напишите 27.11.2026 14:03, "
                            "2026-11-27 14:03 или 2026-11-27T14:03:00+05:00.",
                            text=cell_text(value)))
    else:
        moment = _parse_date_text(value.strip())
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=tz)
    return as_utc(moment)


def _parse_date_text(text: str) -> datetime:
    problem = _not_a_date(text)
    try:
        if match := _DMY.fullmatch(text):
            day, month, year, hour, minute, second = (int(part or 0) for part in match.groups())
            return datetime(year, month, day, hour, minute, second)
        if _ISO.fullmatch(text):
            return datetime.fromisoformat(text)
    except ValueError:
        raise problem from None
    raise problem


def parse_paid(value: Cell) -> bool | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = " ".join(cell_text(value).casefold().split())
    if text in _YES:
        return True
    if text in _NO:
        return False
    # Да and Нет are what the shop's file says, in any language of the program.
    raise CellError(msg("import.not_yes_no", "«{text}» — не «да» и не «нет»: напишите {yes} или "
                        "{no} (или оставьте пустым).", text=cell_text(value), yes="Да", no="Нет"))


def parse_text(value: Cell, field: str) -> str | None:
    """A text field (customer, shop status): within its limit, without control characters."""
    text = cell_text(value).strip()
    return check_text(text, field, multiline=True) if text else None

