"""Reading one payment's status: typed, exact to the tiyn, in UTC, states as docs/architecture.md
says."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from epay_helpers import count

from halyk_desk.domain import InvoiceIdError, Money, State, utc_now
from halyk_desk.epay import errors


def test_a_hold_reads_with_every_field_typed(bank, client):
    created = utc_now().replace(microsecond=123000) - timedelta(hours=2)
    tx = bank.add_payment(
        "000123456", Money(150050), status="AUTH", created_at=created,
        description="Заказ №5: чайник", card_mask="440043...9821", reference="227078813195",
        approval_code="170243",
    )
    status = client.get_status("000123456")
    assert (status.invoice_id, status.transaction_id) == ("000123456", tx)
    assert (status.status_name, status.state) == ("AUTH", State.HELD)
    assert status.original == status.remaining == status.held == Money(150050)
    assert status.refunded == status.captured == Money(0)
    assert status.currency == "KZT"
    assert status.created_at == created and status.created_at.utcoffset() == timedelta(0)
    assert status.description == "Заказ №5: чайник"
    assert (status.card_mask, status.reference, status.approval_code) == (
        "440043...9821", "227078813195", "170243"
    )
    assert status.raw["transaction"]["id"] == tx and status.raw["resultCode"] == "100"


@pytest.mark.parametrize(
    ("add", "state", "remaining", "refunded", "held", "captured"),
    [
        ({"status": "CHARGE"}, State.CAPTURED, 100000, 0, 0, 100000),
        ({"status": "CHARGE", "charged": Money(80000)}, State.CAPTURED, 80000, 0, 0, 80000),
        ({"status": "CHARGE", "refunded": Money(30050)}, State.PARTIALLY_REFUNDED, 69950, 30050,
         0, 100000),
        ({"status": "REFUND"}, State.REFUNDED, 0, 100000, 0, 100000),
        ({"status": "CANCEL"}, State.RELEASED, 100000, 0, 0, 0),
        ({"status": "FAILED"}, State.FAILED, 100000, 0, 0, 0),
        ({"status": "REJECT"}, State.FAILED, 100000, 0, 0, 0),
        ({"status": "NEW"}, State.PENDING, 100000, 0, 0, 0),
        ({"status": "SOMETHING_NEW"}, State.NEEDS_REVIEW, 100000, 0, 0, 0),
    ],
)
def test_each_bank_status_maps_to_its_state_and_amounts(
    bank, client, add, state, remaining, refunded, held, captured
):
    bank.add_payment("000777001", Money(100000), **add)
    status = client.get_status("000777001")
    assert status.state is state
    assert status.original == Money(100000)
    assert (status.remaining, status.refunded) == (Money(remaining), Money(refunded))
    assert (status.held, status.captured) == (Money(held), Money(captured))


def test_a_hold_past_its_lifetime_reads_as_released(bank, client):
    bank.add_payment("000777002", Money(5000), status="AUTH",
                     created_at=utc_now() - timedelta(days=8))
    status = client.get_status("000777002")
    assert (status.status_name, status.state) == ("CANCEL_OLD", State.RELEASED)
    assert status.held == Money(0)


def test_an_old_3d_secure_attempt_is_failed_and_a_young_one_pending(bank, client):
    day_ago = utc_now() - timedelta(days=1)
    bank.add_payment("000777003", Money(5000), status="3D", created_at=day_ago)
    bank.add_payment("000777004", Money(5000), status="3D")
    assert client.get_status("000777003").state is State.FAILED
    assert client.get_status("000777004").state is State.PENDING


def test_a_dollar_payment_keeps_its_currency(bank, client):
    bank.add_payment("000777005", Money(1999, "USD"), status="CHARGE")
    status = client.get_status("000777005")
    assert status.currency == "USD" and status.captured == Money(1999, "USD")


def test_an_unknown_invoice_is_invoice_not_found_naming_the_order(client):
    with pytest.raises(errors.InvoiceNotFound) as caught:
        client.get_status("000999999")
    error = caught.value
    assert isinstance(error, errors.BankRefused) and error.code == "102"
    assert error.invoice_id == "000999999" and error.operation == "status check"
    assert "000999999" in str(error) and error.hint in str(error) and error.hint


def test_a_malformed_order_number_is_refused_before_anything_is_sent(bank, client):
    with pytest.raises(InvoiceIdError):
        client.get_status("12/../34")
    assert count(bank, "GET", "check-status") == 0


def test_created_at_is_converted_from_the_banks_offset_to_utc(bank, client):
    created = utc_now().replace(microsecond=0) - timedelta(minutes=5)
    bank.add_payment("000777006", Money(100), status="CHARGE", created_at=created)
    status = client.get_status("000777006")
    # The sandbox writes Almaty time (+05:00); the client must hand back the same instant in UTC.
    assert "+05:00" in status.raw["transaction"]["createdDate"]
    assert status.created_at == created and status.created_at.tzinfo == UTC
