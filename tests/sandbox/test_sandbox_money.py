"""POST /operation/{id}/charge|cancel|refund: the bank's rules, reply shapes and state changes."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sandbox_helpers import NOW, get_token, operate

from halyk_desk.domain import Money
from halyk_desk.sandbox import RefusalCode, SandboxBank, SandboxServer

INVOICE = "000555001"


def _refused(reply, code: RefusalCode) -> None:
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["code"] == code and isinstance(body["code"], int)
    assert isinstance(body["message"], str) and body["message"]


def _unchanged(bank: SandboxBank, before) -> None:
    assert bank.operations == []
    assert bank.get(before.invoice_id) == before


# --- charge --------------------------------------------------------------------------------
def test_full_charge_captures_the_hold_with_an_empty_200(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(1500000), status="AUTH")
    reply = operate(http, server, token, tx, "charge")
    assert reply.status_code == 200 and reply.content == b""
    p = bank.get(INVOICE)
    assert (p.status, p.amount_minor, p.charged_minor, p.held_minor) == ("CHARGE", 1500000,
                                                                           1500000, 0)
    assert [(op.action, op.tx_id, op.amount_minor) for op in bank.operations] == [
        ("charge", tx, 1500000)]


@pytest.mark.parametrize(
    ("params", "body"),
    [({"amount": "300"}, None), ({}, {"amount": 300}), ({"amount": "300.00"}, {"amount": 300}),
     ({}, {"amount": "300"})],
    ids=["query", "json", "both-equal", "json-string"],
)
def test_partial_charge_takes_the_amount_and_releases_the_rest(http, server, bank, token, params,
                                                                body):
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH")
    reply = operate(http, server, token, tx, "charge", body, **params)
    assert reply.status_code == 200 and reply.content == b""
    p = bank.get(INVOICE)
    assert (p.status, p.amount_minor, p.original_minor, p.held_minor) == ("CHARGE", 30000,
                                                                           50000, 0)
    assert [op.amount_minor for op in bank.operations] == [30000]


def test_charge_with_tiyn(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH")
    assert operate(http, server, token, tx, "charge", amount="123.45").status_code == 200
    assert bank.get(INVOICE).amount_minor == 12345


def test_query_and_body_amounts_that_differ_are_refused(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH")
    before = bank.get(INVOICE)
    _refused(operate(http, server, token, tx, "charge", {"amount": 200}, amount="300"),
             RefusalCode.BAD_REQUEST)
    _unchanged(bank, before)


@pytest.mark.parametrize("amount", ["abc", "-5", "0", "1.234", "NaN", "Infinity", "1e400"])
def test_malformed_amounts_are_refused(http, server, bank, token, amount):
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH")
    before = bank.get(INVOICE)
    _refused(operate(http, server, token, tx, "charge", amount=amount), RefusalCode.BAD_REQUEST)
    _unchanged(bank, before)


def test_charge_above_the_hold_is_refused(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH")
    before = bank.get(INVOICE)
    _refused(operate(http, server, token, tx, "charge", amount="500.01"), RefusalCode.ABOVE_HELD)
    _unchanged(bank, before)


@pytest.mark.parametrize("status", ["CHARGE", "CANCEL", "REFUND", "FAILED", "NEW"])
def test_charge_only_from_auth(http, server, bank, token, status):
    tx = bank.add_payment(INVOICE, Money(50000), status=status)
    before = bank.get(INVOICE)
    _refused(operate(http, server, token, tx, "charge"), RefusalCode.WRONG_STATUS)
    _unchanged(bank, before)


def test_a_second_charge_is_refused(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH")
    assert operate(http, server, token, tx, "charge", amount="100").status_code == 200
    _refused(operate(http, server, token, tx, "charge", amount="100"), RefusalCode.WRONG_STATUS)
    assert len(bank.operations) == 1 and bank.get(INVOICE).amount_minor == 10000


def test_a_hold_past_its_lifetime_cannot_be_charged(http, server, bank, clock):
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH",
                          created_at=NOW - timedelta(days=7, seconds=1))
    _refused(operate(http, server, get_token(http, server), tx, "charge"),
             RefusalCode.WRONG_STATUS)
    assert bank.get(INVOICE).status == "CANCEL_OLD" and bank.operations == []


def test_hold_lifetime_is_configurable(http, clock):
    bank = SandboxBank(clock=clock, hold_lifetime=timedelta(days=30))
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH", created_at=NOW - timedelta(days=20))
    with SandboxServer(bank) as srv:
        assert operate(http, srv, get_token(http, srv), tx, "charge").status_code == 200


# --- cancel --------------------------------------------------------------------------------
def test_cancel_releases_the_whole_hold(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH")
    reply = operate(http, server, token, tx, "cancel")
    assert reply.status_code == 200 and reply.content == b""
    p = bank.get(INVOICE)
    assert (p.status, p.held_minor) == ("CANCEL", 0)
    assert [(op.action, op.amount_minor) for op in bank.operations] == [("cancel", 50000)]
    _refused(operate(http, server, token, tx, "cancel"), RefusalCode.WRONG_STATUS)
    _refused(operate(http, server, token, tx, "charge"), RefusalCode.WRONG_STATUS)
    assert len(bank.operations) == 1


def test_cancel_with_an_amount_is_refused(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH")
    before = bank.get(INVOICE)
    _refused(operate(http, server, token, tx, "cancel", amount="100"), RefusalCode.BAD_REQUEST)
    _unchanged(bank, before)


@pytest.mark.parametrize("status", ["CHARGE", "CANCEL_OLD", "REFUND"])
def test_cancel_only_from_auth(http, server, bank, token, status):
    tx = bank.add_payment(INVOICE, Money(50000), status=status)
    before = bank.get(INVOICE)
    _refused(operate(http, server, token, tx, "cancel"), RefusalCode.WRONG_STATUS)
    _unchanged(bank, before)


# --- refund --------------------------------------------------------------------------------
def test_partial_refunds_accumulate_until_refunded_in_full(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(100000), status="CHARGE")
    assert operate(http, server, token, tx, "refund", amount="300", externalID="r1").content == b""
    p = bank.get(INVOICE)
    assert (p.status, p.amount_minor, p.refunded_minor) == ("CHARGE", 70000, 30000)
    assert operate(http, server, token, tx, "refund", amount="700",
                   externalID="r2").status_code == 200
    p = bank.get(INVOICE)
    assert (p.status, p.amount_minor, p.refunded_minor, p.original_minor) == ("REFUND", 0, 100000,
                                                                               100000)
    assert [(op.action, op.amount_minor, op.external_id) for op in bank.operations] == [
        ("refund", 30000, "r1"), ("refund", 70000, "r2")]
    _refused(operate(http, server, token, tx, "refund", amount="10"), RefusalCode.WRONG_STATUS)


def test_refund_without_amount_returns_all_that_remains(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(100000), refunded=Money(25050))
    assert operate(http, server, token, tx, "refund", externalID="x").status_code == 200
    assert [op.amount_minor for op in bank.operations] == [74950]
    assert bank.get(INVOICE).status == "REFUND"


def test_refund_below_ten_tenge_is_refused(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(100000))
    before = bank.get(INVOICE)
    _refused(operate(http, server, token, tx, "refund", amount="9.99"), RefusalCode.BELOW_MINIMUM)
    _unchanged(bank, before)
    assert operate(http, server, token, tx, "refund", amount="10").status_code == 200


def test_refunds_never_exceed_what_was_charged(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(100000), refunded=Money(60000))
    before = bank.get(INVOICE)
    _refused(operate(http, server, token, tx, "refund", amount="400.01"),
             RefusalCode.ABOVE_REMAINING)
    _unchanged(bank, before)


def test_refund_ceiling_after_partial_charge_is_the_charged_amount(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH")
    operate(http, server, token, tx, "charge", amount="300")
    _refused(operate(http, server, token, tx, "refund", amount="300.01"),
             RefusalCode.ABOVE_REMAINING)
    assert operate(http, server, token, tx, "refund", amount="300").status_code == 200
    assert bank.get(INVOICE).status == "REFUND"


@pytest.mark.parametrize("status", ["AUTH", "CANCEL", "FAILED", "NEW", "REFUND"])
def test_refund_only_from_charge(http, server, bank, token, status):
    tx = bank.add_payment(INVOICE, Money(50000), status=status)
    before = bank.get(INVOICE)
    _refused(operate(http, server, token, tx, "refund", amount="100"), RefusalCode.WRONG_STATUS)
    _unchanged(bank, before)


def test_the_bank_does_not_deduplicate_refunds(http, server, bank, token):
    """The docs promise no idempotency: the same externalID twice is two refunds."""
    tx = bank.add_payment(INVOICE, Money(100000))
    for _ in range(2):
        assert operate(http, server, token, tx, "refund", amount="100",
                       externalID="same").status_code == 200
    assert bank.get(INVOICE).refunded_minor == 20000


@pytest.mark.parametrize("action", ["charge", "cancel", "refund"])
def test_unknown_transaction_is_refused_with_a_code(http, server, bank, token, action):
    reply = operate(http, server, token, "00000000-0000-4000-8000-000000000000", action)
    _refused(reply, RefusalCode.UNKNOWN_TRANSACTION)


def test_operations_are_by_transaction_id_not_invoice_id(http, server, bank, token):
    bank.add_payment(INVOICE, Money(50000), status="AUTH")
    _refused(operate(http, server, token, INVOICE, "charge"), RefusalCode.UNKNOWN_TRANSACTION)
    assert bank.operations == []


def test_malformed_json_body_is_refused(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(50000), status="AUTH")
    reply = http.post(f"{server.api_url}/operation/{tx}/charge", content=b"{not json",
                      headers={"Authorization": f"Bearer {token}",
                               "Content-Type": "application/json"})
    _refused(reply, RefusalCode.BAD_REQUEST)
    assert bank.operations == []


def test_concurrent_refunds_never_exceed_the_charge(http, server, bank, token):
    """Twenty managers refunding 10 ₸ each from a 100 ₸ payment at once: exactly ten succeed."""
    tx = bank.add_payment(INVOICE, Money(10000))
    codes: list[int] = []

    def refund() -> None:  # httpx.Client is safe to share between threads
        codes.append(operate(http, server, token, tx, "refund", amount="10").status_code)

    threads = [threading.Thread(target=refund) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] * 10 + [400] * 10
    assert bank.get(INVOICE).refunded_minor == 10000 and len(bank.operations) == 10
