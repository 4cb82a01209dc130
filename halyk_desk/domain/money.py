"""Money as an integer count of the minor unit (tiyn for KZT), never float.

Decimal appears only at the edges: bank JSON, typed input and Excel. Conversion from Decimal
rounds once, ROUND_HALF_UP; typed input with more than two decimals is refused instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from halyk_desk.domain.text import neutralise
from halyk_desk.messages import Message, MessageError, msg, register_money

DEFAULT_CURRENCY = "KZT"
#: Larger than any card payment a shop takes (one trillion tenge); bigger input is a typo.
MAX_MINOR = 100_000_000_000_000
SYMBOLS = {"KZT": "₸", "USD": "$", "EUR": "€", "RUB": "₽"}
_CENT = Decimal("0.01")
# What people and spreadsheets group thousands with: spaces (plain, no-break, thin), apostrophes.
_GROUPING = " \u00a0\u202f\u2009'’"
def _grouping_hint(raw: str) -> Message:
    return msg("money.grouping", "«{raw}» — не сумма: тысячи отделяются по три цифры "
               "(1 234 567,89); наберите цифры, при необходимости с запятой, например 1 234,50.",
               raw=raw)
_CODE = re.compile(r"^([A-Z]{3})\s*|\s*([A-Z]{3})$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


class MoneyError(MessageError, ValueError):
    """Input that is not an amount of money; the message says what was wrong and what to type."""


def _check_currency(currency: str) -> str:
    code = (currency or DEFAULT_CURRENCY).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise MoneyError(msg("money.unknown_currency", "Неизвестный код валюты «{code}»: "
                             "укажите трёхбуквенный код, например KZT или USD.", code=currency))
    return code


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (tiyn) with its ISO currency code."""

    minor: int
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if type(self.minor) is not int:  # bool and float are refused on purpose
            raise TypeError(
                f"Money needs an int count of minor units, not {type(self.minor).__name__}"
            )
        if abs(self.minor) > MAX_MINOR:
            raise MoneyError(msg("money.minor_too_large", "{minor} тиын — больше любого настоящего "
                                 "платежа; проверьте сумму.", minor=str(self.minor)))
        object.__setattr__(self, "currency", _check_currency(self.currency))

    # --- construction -------------------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, value: Decimal | int | str, currency: str = DEFAULT_CURRENCY) -> Money:
        """Major units (tenge) → Money, rounding once half-up to the tiyn. For bank replies."""
        if isinstance(value, float):
            raise TypeError("floats are refused: parse JSON with parse_float=Decimal")
        try:
            dec = Decimal(value)
        except (InvalidOperation, ValueError) as exc:
            raise MoneyError(msg("money.not_number", "«{value}» — не число.",
                                 value=str(value))) from exc
        if not dec.is_finite():
            raise MoneyError(msg("money.not_finite", "«{value}» — не конечная сумма.",
                                 value=str(value)))
        if abs(dec) > Decimal(MAX_MINOR) / 100:
            raise MoneyError(msg("money.decimal_too_large", "{value} — больше любого настоящего "
                                 "платежа; проверьте сумму.", value=str(value)))
        return cls(int((dec * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)), currency)

    @classmethod
    def parse(
        cls, text: str, currency: str = DEFAULT_CURRENCY, *, allow_zero: bool = True
    ) -> Money:
        """Typed or imported text → Money.

        Accepts "1 234,50", "1234.5", "1 234,50 ₸", "KZT 1,234.50", "1'234.50". Refuses negatives,
        more than two decimals, NaN/infinity and absurd sizes, with a message saying what to type.
        """
        if text is None:
            raise MoneyError(msg("money.none", "Сумма не указана: наберите сумму, например "
                                 "1 234,50."))
        raw = str(text).strip()
        if not raw:
            raise MoneyError(msg("money.empty", "Сумма пустая: наберите сумму, например "
                                 "1 234,50."))
        if any(char.isdigit() and not char.isascii() for char in raw):
            # Decimal would take full-width ８ or Arabic-Indic digits; the bank and the shop's
            # books know only 0–9.
            raise MoneyError(msg("money.ascii_digits", "В сумме «{raw}» есть цифры не из набора "
                                 "0–9 (например, полноширинные): наберите сумму обычными "
                                 "цифрами, например 1 234,50.", raw=neutralise(raw)))
        s = raw
        for sym in (*SYMBOLS.values(), "тг", "тенге", "tg"):
            s = s.replace(sym, "")
        if s.strip().lstrip("+-").lower() in {"nan", "inf", "infinity"}:
            raise MoneyError(msg("money.not_amount", "«{raw}» — не сумма: наберите цифры, "
                                 "например 1 234,50.", raw=raw))
        # A currency code may lead or trail the number ("KZT 1,234.50", "12.30 USD").
        code = _CODE.search(s.strip())
        if code:
            found = code.group(1) or code.group(2)
            if found != currency.upper():
                raise MoneyError(msg("money.other_currency", "«{raw}» — в {found}, а эта сумма "
                                     "в {currency}.", raw=raw, found=found, currency=currency))
            s = _CODE.sub("", s.strip())
        s = s.strip()
        spaced = re.match(rf"[+-]?(\d[\d{_GROUPING}]*)", s)
        if spaced and re.search(f"[{_GROUPING}]", spaced.group(1)):
            if not re.fullmatch(rf"\d{{1,3}}([{_GROUPING}]\d{{3}})+", spaced.group(1)):
                raise MoneyError(_grouping_hint(raw))
            s = re.sub(f"[{_GROUPING}]", "", s)
        # Both separators: the last one is the decimal separator, the other groups thousands.
        group_sep = None
        if "," in s and "." in s:
            group_sep = "." if s.rfind(",") > s.rfind(".") else ","
        elif s.count(",") > 1 or s.count(".") > 1:
            group_sep = "," if s.count(",") > 1 else "."  # "1,234,567" or "1.234.567"
        if group_sep is not None:
            whole = s.lstrip("+-").split("," if group_sep == "." else ".")[0]
            if not re.fullmatch(rf"\d{{1,3}}(\{group_sep}\d{{3}})+", whole):
                raise MoneyError(_grouping_hint(raw))
            s = s.replace(group_sep, "")
        if not _NUMBER.match(s):
            raise MoneyError(msg("money.not_digits", "«{raw}» — не сумма: наберите цифры, при "
                                 "необходимости с запятой, например 1 234,50.", raw=raw))
        s = s.replace(",", ".")
        if s.startswith("-"):
            raise MoneyError(msg("money.negative", "«{raw}» — отрицательная сумма: сумму "
                                 "пишут без знака, больше нуля.", raw=raw))
        s = s.lstrip("+")
        if "." in s and len(s.split(".", 1)[1]) > 2:
            raise MoneyError(msg("money.decimals", "В «{raw}» больше двух знаков после запятой: "
                                 "тиын — самая мелкая единица (например, 12,34).", raw=raw))
        dec = Decimal(s)
        if dec * 100 > MAX_MINOR:
            raise MoneyError(msg("money.too_large", "«{raw}» больше любого настоящего платежа: "
                                 "проверьте сумму.", raw=raw))
        money = cls(int(dec * 100), currency)
        if not allow_zero and money.minor == 0:
            raise MoneyError(msg("rules.amount_not_positive", "Сумма должна быть больше нуля."))
        return money

    # --- arithmetic and comparison (same currency only) -------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise MoneyError(msg("money.mixed", "Нельзя складывать {one} и {other}.",
                                 one=self.currency, other=other.currency))

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.minor >= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    # --- output -----------------------------------------------------------------------------
    def to_decimal(self) -> Decimal:
        """Major units with exactly two decimals, e.g. Decimal('1500.00')."""
        return (Decimal(self.minor) / 100).quantize(_CENT)

    def to_json(self) -> str:
        """The decimal string used in --json output and the bank's query strings: "1500.00"."""
        return str(self.to_decimal())

    def format(self, locale: str = "ru") -> str:
        """For people: "1 234 567,89 ₸" in ru/kk (no-break spaces), "KZT 1,234,567.89" in en."""
        sign = "-" if self.minor < 0 else ""
        whole, cents = divmod(abs(self.minor), 100)
        if locale.lower().startswith("en"):
            return f"{sign}{self.currency} {whole:,}.{cents:02d}"
        grouped = f"{whole:,}".replace(",", "\u00a0")
        symbol = SYMBOLS.get(self.currency, self.currency)
        return f"{sign}{grouped},{cents:02d}\u00a0{symbol}"

    def __str__(self) -> str:
        return self.format("ru")


register_money(Money)
