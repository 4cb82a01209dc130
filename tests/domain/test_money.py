from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from halyk_desk.domain.money import MAX_MINOR, Money, MoneyError

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("1 234,50", 123450),
        ("1234.5", 123450),
        ("1 234,50 ₸", 123450),
        (f"1{NBSP}234{NBSP}567,89{NBSP}₸", 123456789),
        ("KZT 1,234,567.89", 123456789),
        ("1.234.567,89", 123456789),
        ("1'234.50", 123450),
        ("15990,00", 1599000),
        ("0,01", 1),
        (",5", 50),
        ("+10", 1000),
        ("10 тг", 1000),
        ("007", 700),
    ],
)
def test_parse_accepts_what_people_type(text, minor):
    assert Money.parse(text) == Money(minor)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("-5", "negative"),
        ("12,345", "more than two decimals"),
        ("1.001", "more than two decimals"),
        ("NaN", "not an amount"),
        ("-inf", "not an amount"),
        ("Infinity", "not an amount"),
        ("", "empty"),
        ("   ", "empty"),
        ("abc", "not an amount"),
        ("1,2,3.4.5", "not an amount"),
        ("99999999999999999", "beyond any real payment"),
        ("USD 10", "in USD"),
    ],
)
def test_parse_refuses_with_a_message_that_says_what_to_do(text, fragment):
    with pytest.raises(MoneyError) as err:
        Money.parse(text)
    assert fragment in str(err.value)


def test_parse_other_currency_and_zero_rule():
    assert Money.parse("USD 12.30", "USD") == Money(1230, "USD")
    with pytest.raises(MoneyError, match="more than zero"):
        Money.parse("0", allow_zero=False)


def test_format_per_locale():
    m = Money(123456789)
    assert m.format("ru") == f"1{NBSP}234{NBSP}567,89{NBSP}₸"
    assert m.format("kk") == m.format("ru")
    assert m.format("en") == "KZT 1,234,567.89"
    assert Money(-5).format("ru") == f"-0,05{NBSP}₸"
    assert Money(100, "USD").format("ru") == f"1,00{NBSP}$"
    assert Money(150000).to_json() == "1500.00"


def test_from_decimal_rounds_once_half_up():
    assert Money.from_decimal(Decimal("12.225")) == Money(1223)
    assert Money.from_decimal(Decimal("12.224")) == Money(1222)
    assert Money.from_decimal(Decimal("0")) == Money(0)
    assert Money.from_decimal("22.22") == Money(2222)
    with pytest.raises(TypeError):
        Money.from_decimal(12.5)  # a float never becomes money
    with pytest.raises(MoneyError):
        Money.from_decimal(Decimal("NaN"))


def test_money_refuses_float_and_mixed_currency():
    with pytest.raises(TypeError):
        Money(12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True)  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="Cannot combine KZT with USD"):
        Money(1) + Money(1, "USD")
    with pytest.raises(MoneyError, match="three-letter"):
        Money(1, "tenge")
    assert Money(5) + Money(7) - Money(2) == Money(10)
    assert Money(5) < Money(6) and not Money(0)


amounts = st.integers(min_value=0, max_value=MAX_MINOR)


@given(amounts, st.sampled_from(["ru", "kk", "en"]))
def test_format_then_parse_round_trips(minor, locale):
    money = Money(minor)
    assert Money.parse(money.format(locale)) == money


@given(amounts)
def test_json_decimal_round_trips_without_float(minor):
    text = Money(minor).to_json()
    assert Money.from_decimal(Decimal(text)) == Money(minor)
    assert Money.parse(text) == Money(minor)


@given(st.decimals(min_value=0, max_value=10**9, allow_nan=False, allow_infinity=False, places=4))
def test_from_decimal_is_within_half_a_tiyn(value):
    money = Money.from_decimal(value)
    assert abs(Decimal(money.minor) - value * 100) <= Decimal("0.5")


@pytest.mark.parametrize(
    "text", ["12,3,4", "1,234,50", "12 3,4", "1 23 456", "1.23.456,00", "1234,567.00"]
)
def test_parse_refuses_misplaced_grouping(text):
    with pytest.raises(MoneyError, match="grouped by three"):
        Money.parse(text)
