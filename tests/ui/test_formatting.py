"""What the window writes: counted nouns, durations, money, Almaty time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from halyk_desk.domain import Money
from halyk_desk.ui import formatting as fmt


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 платежей"),
        (1, "1 платёж"),
        (2, "2 платежа"),
        (4, "4 платежа"),
        (5, "5 платежей"),
        (11, "11 платежей"),
        (14, "14 платежей"),
        (21, "21 платёж"),
        (22, "22 платежа"),
        (111, "111 платежей"),
        (1_000_000, "1\u00a0000\u00a0000 платежей"),
    ],
)
def test_payments_are_counted_in_russian(qapp, n, text):
    assert fmt.count_text("PaymentsView", "%n платежей", n) == text


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(days=2, hours=4, minutes=59), "2 д 4 ч"),
        (timedelta(hours=5, minutes=7), "5 ч 7 мин"),
        (timedelta(minutes=42, seconds=30), "42 мин"),
        (timedelta(seconds=-90), "0 мин"),
    ],
)
def test_durations(qapp, span, text):
    assert fmt.duration_text(span) == text


def test_money_is_shown_in_tenge_and_copied_as_a_number(qapp):
    amount = Money(123_456_789)
    assert fmt.money_text(amount) == "1\u00a0234\u00a0567,89\u00a0₸"
    assert fmt.money_plain(amount) == "1234567,89"


def test_times_are_shown_in_almaty(qapp):
    # 1 March 2024 onwards Kazakhstan is UTC+5 throughout.
    moment = datetime(2026, 11, 30, 19, 30, tzinfo=UTC)
    assert fmt.local_time_text(moment) == "01.12.2026 00:30"


def test_eta(qapp):
    assert fmt.eta_text(None) == "—"
    assert fmt.eta_text(65.4) == "1:05"
    assert fmt.eta_text(3725) == "1:02:05"
