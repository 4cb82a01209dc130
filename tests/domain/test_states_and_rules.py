from datetime import UTC, datetime, timedelta

import pytest

from halyk_desk.domain import (
    InvoiceIdError,
    Money,
    RuleViolation,
    State,
    canonical_state,
    check_cancel,
    check_confirm,
    check_refund,
    normalize_invoice_id,
)
from halyk_desk.domain.timeutil import as_utc, business_day_bounds, parse_bank_datetime

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("NEW", State.PENDING),
        ("FINGERPRINT", State.PENDING),
        ("AUTH", State.HELD),
        ("CHARGE", State.CAPTURED),
        ("REFUND", State.REFUNDED),
        ("CANCEL", State.RELEASED),
        ("CANCEL_OLD", State.RELEASED),
        ("FAILED", State.FAILED),
        ("REJECT", State.FAILED),
        ("VERIFIED", State.NEEDS_REVIEW),
        ("SOMETHING_NEW", State.NEEDS_REVIEW),
        ("", State.NEEDS_REVIEW),
        (None, State.NEEDS_REVIEW),
        ("charge", State.CAPTURED),
    ],
)
def test_bank_status_maps_to_one_state(status, state):
    assert canonical_state(status) is state


def test_charge_with_refunds_is_partially_refunded():
    assert canonical_state("CHARGE", refunded_minor=1000) is State.PARTIALLY_REFUNDED


def test_3d_is_pending_while_young_and_failed_when_old():
    assert canonical_state("3D", created_at=NOW - timedelta(minutes=5), now=NOW) is State.PENDING
    assert canonical_state("3D", created_at=NOW - timedelta(hours=2), now=NOW) is State.FAILED


def test_confirm_rules():
    held = Money(50_000_00)
    assert check_confirm(State.HELD, held) == held
    assert check_confirm(State.HELD, held, Money(300_00)) == Money(300_00)
    with pytest.raises(RuleViolation, match="at most") as err:
        check_confirm(State.HELD, held, Money(50_000_01))
    assert err.value.code == "above_held"
    for state in set(State) - {State.HELD}:
        with pytest.raises(RuleViolation, match="Only a held payment"):
            check_confirm(state, held)
    with pytest.raises(RuleViolation, match="expired"):
        check_confirm(State.HELD, held, expires_at=NOW, now=NOW)
    with pytest.raises(RuleViolation, match="in KZT"):
        check_confirm(State.HELD, held, Money(100, "USD"))
    with pytest.raises(RuleViolation, match="more than zero"):
        check_confirm(State.HELD, held, Money(0))


def test_cancel_only_from_held():
    check_cancel(State.HELD)
    with pytest.raises(RuleViolation):
        check_cancel(State.CAPTURED)


def test_refund_rules():
    captured = Money(1_000_00)
    assert check_refund(State.CAPTURED, captured, Money(0)) == captured
    assert check_refund(State.PARTIALLY_REFUNDED, captured, Money(400_00)) == Money(600_00)
    assert check_refund(State.CAPTURED, captured, Money(0), Money(10_00)) == Money(10_00)
    with pytest.raises(RuleViolation, match="at least") as err:
        check_refund(State.CAPTURED, captured, Money(0), Money(9_99))
    assert err.value.code == "below_minimum"
    with pytest.raises(RuleViolation, match=r"at most KZT 600\.00") as err:
        check_refund(State.CAPTURED, captured, Money(400_00), Money(600_01))
    assert err.value.code == "above_remaining"
    with pytest.raises(RuleViolation, match="already been refunded"):
        check_refund(State.PARTIALLY_REFUNDED, captured, captured)
    with pytest.raises(RuleViolation, match="cannot be refunded further"):
        check_refund(State.PARTIALLY_REFUNDED, captured, Money(995_00))
    for state in (State.HELD, State.REFUNDED, State.RELEASED, State.PENDING, State.FAILED):
        with pytest.raises(RuleViolation, match="Only a captured payment"):
            check_refund(state, captured, Money(0))


@pytest.mark.parametrize("good", ["123456", "000123456", "123456789012345", " 654321 "])
def test_invoice_id_accepts_6_to_15_digits_keeping_zeros(good):
    assert normalize_invoice_id(good) == good.strip()


@pytest.mark.parametrize("bad", ["12345", "1234567890123456", "12a456", "", None, "12 3456"])
def test_invoice_id_refuses_with_a_hint(bad):
    with pytest.raises(InvoiceIdError, match="6 to 15 digits"):
        normalize_invoice_id(bad)


def test_times_keep_their_offset_and_refuse_naive():
    assert parse_bank_datetime("2022-11-15T03:52:17.289853+06:00") == datetime(
        2022, 11, 14, 21, 52, 17, 289853, tzinfo=UTC
    )
    assert parse_bank_datetime("2026-11-27T10:00:00Z").tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        as_utc(datetime(2026, 1, 1))
    start, end = business_day_bounds(datetime(2026, 11, 27).date())
    assert start == datetime(2026, 11, 26, 19, 0, tzinfo=UTC)  # Almaty is UTC+5 since March 2024
    assert end - start == timedelta(days=1)


def test_refund_with_money_left_is_partially_refunded():
    # The bank reports REFUND after a partial refund too: 300 of 1000 returned, 700 left.
    assert canonical_state("REFUND", refunded_minor=300_00,
                           remaining_minor=700_00) is State.PARTIALLY_REFUNDED
    assert canonical_state("REFUND", refunded_minor=1000_00, remaining_minor=0) is State.REFUNDED
    assert canonical_state("REFUND") is State.REFUNDED
