"""GET /check-status/payment/transaction/{invoiceId}: codes, shape, casing and formats."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sandbox_helpers import NOW, get_token, status

from halyk_desk.domain import ALMATY, Money, parse_bank_datetime
from halyk_desk.sandbox import TEST_TERMINAL

INVOICE = "000123456"


def _transaction(reply):
    return json.loads(reply.text, parse_float=Decimal)["transaction"]


def test_a_paid_invoice_answers_100_with_the_documented_fields(http, server, bank, token):
    tx = bank.add_payment(
        INVOICE, Money(1599000), created_at=NOW - timedelta(hours=2),
        description="Заказ №000123456: кроссовки", email="olga@mail.ru", phone="+77011234567",
        name="Иванова Ольга",
    )
    reply = status(http, server, token, INVOICE)
    assert reply.status_code == 200
    body = reply.json()
    assert body["resultCode"] == "100" and isinstance(body["resultCode"], str)
    assert body["resultMessage"] == "SUCCESS"
    t = body["transaction"]
    assert t["id"] == tx and t["invoiceID"] == INVOICE and "invoiceId" not in t
    assert t["statusName"] == "CHARGE" and t["currency"] == "KZT"
    assert t["terminalID"] == TEST_TERMINAL
    assert t["cardMask"] == "440043...1234" and t["cardType"] == "VISA"
    assert re.fullmatch(r"\d{12}", t["reference"]) and re.fullmatch(r"\d{6}", t["approvalCode"])
    assert t["description"] == "Заказ №000123456: кроссовки" and t["name"] == "Иванова Ольга"
    assert json.loads(t["data"])["statement"]["invoiceID"] == INVOICE
    for field in ("amountBonus", "accountID", "language", "issuer", "intReference", "secure",
                  "reason", "reasonCode", "statusID", "email", "phone", "terminal"):
        assert field in t


def test_amounts_are_json_numbers_in_tenge_with_two_decimals(http, server, bank, token):
    bank.add_payment(INVOICE, Money(2222), refunded=Money(1000))
    reply = status(http, server, token, INVOICE)
    # The raw text, not a float: 22.22 − 10.00 = 12.22 as in the bank's own example.
    assert '"amount": 12.22' in reply.text
    assert '"payoutAmount": 10.00' in reply.text and '"orgAmount": 22.22' in reply.text
    t = _transaction(reply)
    assert (t["amount"], t["payoutAmount"], t["orgAmount"]) == (
        Decimal("12.22"), Decimal("10.00"), Decimal("22.22"))


def test_created_date_is_kazakhstan_time_with_its_offset(http, server, bank, token):
    created = NOW - timedelta(days=3, microseconds=1)
    bank.add_payment(INVOICE, Money(5000), created_at=created)
    text = status(http, server, token, INVOICE).json()["transaction"]["createdDate"]
    offset = created.astimezone(ALMATY).strftime("%z")
    assert text.endswith(f"{offset[:3]}:{offset[3:]}")
    assert text.endswith("+05:00")  # Kazakhstan has used UTC+5 since March 2024
    assert parse_bank_datetime(text) == created


def test_unknown_invoice_answers_102(http, server, token):
    reply = status(http, server, token, "999999999")
    assert reply.status_code == 200
    assert reply.json()["resultCode"] == "102" and "transaction" not in reply.json()


def test_declined_payment_has_no_reference_or_approval_code(http, server, bank, token):
    bank.add_payment(INVOICE, Money(5000), status="FAILED", reason="Недостаточно средств",
                     reason_code="51")
    t = status(http, server, token, INVOICE).json()["transaction"]
    assert t["statusName"] == "FAILED" and t["reference"] == "" and t["approvalCode"] == ""
    assert t["reason"] == "Недостаточно средств" and t["reasonCode"] == "51"


@pytest.mark.parametrize("name", ["NEW", "3D", "VERIFIED", "FINGERPRINT", "SOMETHING_NEW"])
def test_any_status_is_served_as_given(http, server, bank, token, name):
    bank.add_payment(INVOICE, Money(5000), status=name)
    assert status(http, server, token, INVOICE).json()["transaction"]["statusName"] == name


def test_a_hold_reports_the_held_amount(http, server, bank, token):
    bank.add_payment(INVOICE, Money(4599050), status="AUTH")
    t = _transaction(status(http, server, token, INVOICE))
    assert t["statusName"] == "AUTH"
    assert (t["amount"], t["orgAmount"], t["payoutAmount"]) == (
        Decimal("45990.50"), Decimal("45990.50"), 0)


def test_a_hold_past_its_lifetime_reads_as_cancel_old(http, server, bank, clock, token):
    bank.add_payment(INVOICE, Money(5000), status="AUTH", created_at=NOW - timedelta(days=6))
    assert status(http, server, token, INVOICE).json()["transaction"]["statusName"] == "AUTH"
    clock.advance(days=1)
    fresh = get_token(http, server)  # the first one expired meanwhile
    assert status(http, server, fresh, INVOICE).json()["transaction"]["statusName"] == "CANCEL_OLD"
    assert bank.get(INVOICE).held_minor == 0


def test_other_currencies_are_reported_as_such(http, server, bank, token):
    bank.add_payment(INVOICE, Money(1999, "USD"))
    t = _transaction(status(http, server, token, INVOICE))
    assert t["currency"] == "USD" and t["amount"] == Decimal("19.99")


def test_unknown_paths_and_wrong_methods_are_not_the_bank(http, server, token):
    headers = {"Authorization": f"Bearer {token}"}
    assert http.get(f"{server.api_url}/api/public/v1/check-transaction", headers=headers
                    ).status_code == 404
    reply = http.post(f"{server.api_url}/check-status/payment/transaction/{INVOICE}",
                      headers=headers)
    assert reply.status_code == 405
