"""Confirm, cancel and refund: what the bank applies, and every rule refusal as BankRefused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from epay_helpers import count, make_client, sandbox_profile

from halyk_desk.domain import Money, State, new_external_id, utc_now
from halyk_desk.epay import EpayClient, errors


def test_confirm_without_amount_debits_the_whole_hold(bank, client):
    tx = bank.add_payment("000100001", Money(150000), status="AUTH")
    assert client.confirm(tx, invoice_id="000100001") is None
    status = client.get_status("000100001")
    assert (status.state, status.captured, status.held) == (State.CAPTURED, Money(150000), Money(0))
    assert [(op.action, op.amount_minor) for op in bank.operations] == [("charge", 150000)]


def test_partial_confirm_debits_only_the_amount_including_tiyn(bank, client):
    tx = bank.add_payment("000100002", Money(150000), status="AUTH")
    client.confirm(tx, Money(120050))
    status = client.get_status("000100002")
    assert (status.state, status.captured, status.original) == (
        State.CAPTURED, Money(120050), Money(150000)
    )


def test_cancel_releases_the_hold(bank, client):
    tx = bank.add_payment("000100003", Money(5000), status="AUTH")
    client.cancel(tx, invoice_id="000100003")
    status = client.get_status("000100003")
    assert (status.status_name, status.state, status.held) == ("CANCEL", State.RELEASED, Money(0))


def test_partial_refunds_accumulate_and_a_full_refund_takes_the_rest(bank, client):
    tx = bank.add_payment("000100004", Money(100000), status="CHARGE")
    first, second = new_external_id(), new_external_id()
    client.refund(tx, Money(25000), first, invoice_id="000100004")
    partly = client.get_status("000100004")
    assert (partly.state, partly.refunded, partly.remaining) == (
        State.PARTIALLY_REFUNDED, Money(25000), Money(75000)
    )
    client.refund(tx, None, second)
    refunded = client.get_status("000100004")
    assert (refunded.state, refunded.refunded, refunded.remaining) == (
        State.REFUNDED, Money(100000), Money(0)
    )
    assert [(op.action, op.amount_minor, op.external_id) for op in bank.operations] == [
        ("refund", 25000, first), ("refund", 75000, second)
    ]


def _hold(bank):
    return bank.add_payment("000200001", Money(100000), status="AUTH")


def _charged(bank):
    return bank.add_payment("000200002", Money(100000), status="CHARGE")


def _released(bank):
    return bank.add_payment("000200003", Money(100000), status="CANCEL")


def _stale_hold(bank):
    return bank.add_payment(
        "000200004", Money(100000), status="AUTH", created_at=utc_now() - timedelta(days=8)
    )


def _refunded(bank):
    return bank.add_payment("000200005", Money(100000), status="REFUND")


REFUSALS = [
    ("confirm a captured payment", _charged, lambda c, tx: c.confirm(tx)),
    ("confirm more than held", _hold, lambda c, tx: c.confirm(tx, Money(100001))),
    ("confirm a released hold", _released, lambda c, tx: c.confirm(tx)),
    ("confirm a hold past its lifetime", _stale_hold, lambda c, tx: c.confirm(tx)),
    ("cancel a captured payment", _charged, lambda c, tx: c.cancel(tx)),
    ("cancel a released hold", _released, lambda c, tx: c.cancel(tx)),
    ("refund a hold", _hold, lambda c, tx: c.refund(tx, None, new_external_id())),
    ("refund below 10 tenge", _charged, lambda c, tx: c.refund(tx, Money(999), new_external_id())),
    ("refund above captured", _charged,
     lambda c, tx: c.refund(tx, Money(100001), new_external_id())),
    ("refund a refunded payment", _refunded, lambda c, tx: c.refund(tx, None, new_external_id())),
    ("confirm an unknown transaction", lambda bank: "no-such-transaction",
     lambda c, tx: c.confirm(tx)),
]


@pytest.mark.parametrize(("case", "add", "act"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_every_rule_refusal_surfaces_as_bank_refused_with_the_banks_message(
    bank, server, case, add, act
):
    tx = add(bank)
    before = bank.find_by_id(tx)
    with make_client(server) as client, pytest.raises(errors.BankRefused) as caught:
        act(client, tx)
    error = caught.value
    assert not isinstance(error, errors.InvoiceNotFound)
    assert error.code is not None and error.bank_message
    assert error.bank_message in str(error) and error.transaction_id == tx
    assert error.hint and error.hint in str(error)
    assert bank.operations == []
    assert bank.find_by_id(tx) == before
    assert count(bank, "POST", "/operation/") == 1  # a refusal is final: never repeated


def test_the_invoice_given_with_an_operation_is_named_in_its_error(bank, client):
    tx = _charged(bank)
    with pytest.raises(errors.BankRefused) as caught:
        client.cancel(tx, invoice_id="000200002")
    assert caught.value.invoice_id == "000200002" and "000200002" in str(caught.value)


def test_a_foreign_terminal_is_refused_on_money_operations(bank, server):
    tx = _hold(bank)
    profile = sandbox_profile(server, terminal_id="11111111-2222-4333-8444-555555555555")
    with EpayClient(profile, timeout=0.5) as client, pytest.raises(errors.BankRefused):
        client.confirm(tx)
    assert bank.operations == []


@pytest.mark.parametrize("amount", [Money(0), Money(-100)])
def test_non_positive_amounts_are_refused_before_anything_is_sent(bank, client, amount):
    tx = _hold(bank)
    with pytest.raises(ValueError):
        client.confirm(tx, amount)
    assert count(bank, "POST", "/operation/") == 0


def test_a_refund_needs_our_external_id(bank, client):
    tx = _charged(bank)
    with pytest.raises(ValueError):
        client.refund(tx, None, " ")
    assert count(bank, "POST", "/operation/") == 0
