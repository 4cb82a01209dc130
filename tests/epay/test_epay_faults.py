"""Every sandbox fault on reads and on money operations: reads retry, money moves are sent once."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from epay_helpers import count, make_client, sandbox_profile

from halyk_desk.domain import Money, State, new_external_id, utc_now
from halyk_desk.epay import EpayClient, errors

INVOICE = "000300001"
STATUS_PATH = "/check-status/payment/transaction/"
REPLY_BREAKING = ["http5xx", "html502", "drop", "lost_reply", "slow", "busy107"]


@pytest.fixture
def held(bank):
    return bank.add_payment(INVOICE, Money(100000), status="AUTH")


# --- reads: retried with backoff, then TransientError -------------------------------------------
@pytest.mark.parametrize("kind", REPLY_BREAKING)
def test_a_read_survives_a_passing_fault_by_retrying(bank, server, client, held, kind):
    server.set_fault(kind, times=1, match=STATUS_PATH)
    assert client.get_status(INVOICE).transaction_id == held
    assert count(bank, "GET", STATUS_PATH) == 2


@pytest.mark.parametrize("kind", REPLY_BREAKING)
def test_a_read_gives_up_after_bounded_retries_with_a_transient_error(bank, server, held, kind):
    server.set_fault(kind, match=STATUS_PATH)
    with (
        make_client(server, get_retries=2) as client,
        pytest.raises(errors.TransientError) as caught,
    ):
        client.get_status(INVOICE)
    assert count(bank, "GET", STATUS_PATH) == 3
    error = caught.value
    assert error.invoice_id == INVOICE and INVOICE in str(error)
    assert "3 attempts" in str(error) and error.hint


def test_a_busy_bank_says_so_in_the_error(server, held):
    server.set_fault("busy107", match=STATUS_PATH)
    with (
        make_client(server, get_retries=0) as client,
        pytest.raises(errors.TransientError) as caught,
    ):
        client.get_status(INVOICE)
    assert "107" in str(caught.value)


def test_a_read_is_not_slowed_into_failure_by_latency(bank, server, client, held):
    server.set_fault("latency", match=STATUS_PATH)
    assert client.get_status(INVOICE).state is State.HELD
    assert count(bank, "GET", STATUS_PATH) == 1


def test_an_expired_token_on_a_read_is_renewed_and_the_read_repeated(bank, server, client, held):
    client.get_token()
    server.set_fault("token_expiry", times=1, match=STATUS_PATH)
    assert client.get_status(INVOICE).state is State.HELD
    assert count(bank, "POST", "/oauth2/token") == 2
    assert count(bank, "GET", STATUS_PATH) == 2


def test_the_operations_list_is_retried_like_a_read(bank, server, client, held):
    server.set_fault("http5xx", times=1, match="/operations")
    now = utc_now()
    records = list(client.iter_operations(now - timedelta(days=1), now + timedelta(minutes=1)))
    assert [r.transaction_id for r in records] == [held]
    assert count(bank, "POST", "/operations") == 2


# --- money operations: sent once; a lost answer is OutcomeUnknown -------------------------------
MONEY_OPS = {
    "confirm": ("AUTH", "/charge", lambda c, tx: c.confirm(tx, invoice_id=INVOICE)),
    "partial confirm": ("AUTH", "/charge",
                        lambda c, tx: c.confirm(tx, Money(40000), invoice_id=INVOICE)),
    "cancel": ("AUTH", "/cancel", lambda c, tx: c.cancel(tx, invoice_id=INVOICE)),
    "refund": ("CHARGE", "/refund",
               lambda c, tx: c.refund(tx, Money(30000), new_external_id(), invoice_id=INVOICE)),
}
# Which faults the sandbox applies before losing the reply, and which it refuses to apply.
APPLIED = {"lost_reply": True, "slow": True, "drop": False, "http5xx": False, "html502": False}


@pytest.mark.parametrize("kind", sorted(APPLIED))
@pytest.mark.parametrize("op", sorted(MONEY_OPS))
def test_a_money_operation_without_an_answer_is_outcome_unknown_and_never_repeated(
    bank, server, client, op, kind
):
    status, path, act = MONEY_OPS[op]
    tx = bank.add_payment(INVOICE, Money(100000), status=status)
    server.set_fault(kind, match=path)
    with pytest.raises(errors.OutcomeUnknown) as caught:
        act(client, tx)
    assert count(bank, "POST", path) == 1
    assert len(bank.operations) == (1 if APPLIED[kind] else 0)
    error = caught.value
    assert error.invoice_id == INVOICE and INVOICE in str(error)
    assert "status" in error.hint


def test_a_lost_reply_hides_a_confirmation_the_status_then_reveals(bank, server, client, held):
    server.set_fault("lost_reply", times=1, match="/charge")
    with pytest.raises(errors.OutcomeUnknown):
        client.confirm(held, invoice_id=INVOICE)
    assert bank.get(INVOICE).status == "CHARGE"
    assert client.get_status(INVOICE).state is State.CAPTURED


@pytest.mark.parametrize("op", sorted(MONEY_OPS))
def test_a_money_operation_with_an_expired_token_is_renewed_and_sent_once_more(
    bank, server, client, op
):
    status, path, act = MONEY_OPS[op]
    tx = bank.add_payment(INVOICE, Money(100000), status=status)
    client.get_token()
    server.set_fault("token_expiry", times=1, match=path)
    act(client, tx)
    # The 401 proves the bank did nothing the first time; the repeat is the only one applied.
    assert count(bank, "POST", path) == 2
    assert len(bank.operations) == 1
    assert count(bank, "POST", "/oauth2/token") == 2


@pytest.mark.parametrize("op", sorted(MONEY_OPS))
def test_a_money_operation_under_latency_completes(bank, server, client, op):
    status, path, act = MONEY_OPS[op]
    tx = bank.add_payment(INVOICE, Money(100000), status=status)
    server.set_fault("latency", match=path)
    act(client, tx)
    assert len(bank.operations) == 1 and count(bank, "POST", path) == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_money_operation_that_cannot_connect_is_transient_not_unknown(bank, server):
    tx = bank.add_payment(INVOICE, Money(100000), status="AUTH")
    dead_api = sandbox_profile(server, api_url=f"http://127.0.0.1:{_closed_port()}")
    with (
        EpayClient(dead_api, timeout=0.5) as client,
        pytest.raises(errors.TransientError) as caught,
    ):
        client.confirm(tx, invoice_id=INVOICE)
    assert "Nothing was done" in str(caught.value)
    assert bank.operations == []
