"""The bearer token: one request for many calls, renewed before it runs out, one repeat on a 401."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from epay_helpers import FakeClock, count, make_client, sandbox_profile

from halyk_desk.domain import Money
from halyk_desk.epay import EpayClient, errors
from halyk_desk.epay.token import parse_expires_in
from halyk_desk.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, SandboxBank, SandboxServer

TOKEN = "/oauth2/token"
STATUS = "/check-status/"


def test_one_token_serves_many_calls(bank, client):
    tx = bank.add_payment("000400001", Money(5000), status="AUTH")
    for _ in range(5):
        client.get_status("000400001")
    client.confirm(tx)
    assert count(bank, "POST", TOKEN) == 1
    assert count(bank, "GET", STATUS) == 5


def test_threads_starting_together_share_one_token_request(bank, client):
    for n in range(16):
        bank.add_payment(f"0004100{n:02d}", Money(1000 + n), status="CHARGE")
    with ThreadPoolExecutor(16) as pool:
        found = list(pool.map(lambda n: client.get_status(f"0004100{n % 16:02d}"), range(64)))
    assert [s.original.minor for s in found] == [1000 + n % 16 for n in range(64)]
    assert count(bank, "POST", TOKEN) == 1


def test_threads_hit_by_one_revoked_token_renew_it_once(bank, server, client):
    for n in range(16):
        bank.add_payment(f"0004200{n:02d}", Money(1000 + n), status="CHARGE")
    client.get_token()
    # The fault revokes the token every thread holds; each gets a 401, one renewal serves all.
    server.set_fault("token_expiry", times=1, match=STATUS)
    with ThreadPoolExecutor(16) as pool:
        found = list(pool.map(lambda n: client.get_status(f"0004200{n % 16:02d}"), range(64)))
    assert len(found) == 64
    assert count(bank, "POST", TOKEN) == 2


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def timed(clock):
    """A bank issuing 100-second tokens, and a client, both on the fake clock."""
    bank = SandboxBank(token_ttl=100, clock=clock.now)
    bank.add_payment("000400002", Money(5000), status="CHARGE")
    with SandboxServer(bank) as server, make_client(server, clock=clock.monotonic) as client:
        yield bank, client


def test_the_token_is_kept_while_comfortably_valid(clock, timed):
    bank, client = timed
    client.get_status("000400002")
    clock.advance(70)
    client.get_status("000400002")
    assert count(bank, "POST", TOKEN) == 1


def test_the_token_is_renewed_before_the_bank_would_refuse_it(clock, timed):
    bank, client = timed
    first = client.get_token()
    client.get_status("000400002")
    clock.advance(85)  # the bank still accepts it for 15 s, too close for a request to set off
    client.get_status("000400002")
    assert client.get_token() != first
    assert count(bank, "POST", TOKEN) == 2
    assert count(bank, "GET", STATUS) == 2  # renewed ahead: no 401 and no repeat


def test_a_token_the_bank_expired_is_replaced_and_the_request_repeated_once(clock):
    bank = SandboxBank(token_ttl=100, clock=clock.now)
    bank.add_payment("000400002", Money(5000), status="CHARGE")
    # The client's own clock stands still: only the bank knows the token has run out.
    with SandboxServer(bank) as server, make_client(server, clock=lambda: 0.0) as client:
        client.get_status("000400002")
        clock.advance(150)
        assert client.get_status("000400002").original == Money(5000)
    assert count(bank, "POST", TOKEN) == 2
    assert count(bank, "GET", STATUS) == 3


def test_expires_in_as_a_string_is_honoured(clock):
    bank = SandboxBank(token_ttl=300, clock=clock.now)
    bank.add_payment("000400003", Money(5000), status="CHARGE")
    with SandboxServer(bank) as server:
        form = {"grant_type": "client_credentials", "client_id": TEST_CLIENT_ID,
                "client_secret": TEST_CLIENT_SECRET}
        # The sandbox alternates number and string; take the number so the client gets "300".
        assert httpx.post(server.oauth_url, data=form).json()["expires_in"] == 300
        with make_client(server, clock=clock.monotonic) as client:
            client.get_status("000400003")
            clock.advance(200)  # a string misread as short or zero would renew here
            client.get_status("000400003")
            assert count(bank, "POST", TOKEN) == 2
            clock.advance(50)  # past 300 − 60 s of margin: renewed ahead of expiry
            client.get_status("000400003")
            assert count(bank, "POST", TOKEN) == 3


@pytest.mark.parametrize(
    ("given", "seconds"),
    [(7200, 7200.0), ("900", 900.0), (" 900 ", 900.0), (Decimal("60.5"), 60.5)],
)
def test_expires_in_numbers_and_strings_parse(given, seconds):
    assert parse_expires_in(given) == seconds


@pytest.mark.parametrize("given", ["soon", "", None, True, -5, "NaN", [7200]])
def test_expires_in_garbage_is_refused(given):
    with pytest.raises(ValueError):
        parse_expires_in(given)


def test_a_401_twice_is_authentication_failed_and_nothing_is_applied(bank, server, client):
    tx = bank.add_payment("000400004", Money(5000), status="AUTH")
    server.set_fault("token_expiry", match="/charge")
    with pytest.raises(errors.AuthenticationFailed) as caught:
        client.confirm(tx, invoice_id="000400004")
    assert count(bank, "POST", "/charge") == 2 and bank.operations == []
    assert "nothing was done" in str(caught.value) and "000400004" in str(caught.value)


def test_a_401_twice_on_a_read_is_authentication_failed_without_retries(bank, server, client):
    bank.add_payment("000400005", Money(5000), status="AUTH")
    client.get_token()  # cached: refused, it is renewed; the fresh one refused is believed
    server.set_fault("token_expiry", match=STATUS)
    with pytest.raises(errors.AuthenticationFailed):
        client.get_status("000400005")
    assert count(bank, "GET", STATUS) == 2


def test_a_token_fetched_for_a_read_and_refused_at_once_is_believed(bank, server, client):
    bank.add_payment("000400005", Money(5000), status="AUTH")
    server.set_fault("token_expiry", match=STATUS)
    with pytest.raises(errors.AuthenticationFailed) as caught:
        client.get_status("000400005")
    assert count(bank, "GET", STATUS) == 1 and count(bank, "POST", TOKEN) == 1
    assert "issued for this very request" in str(caught.value)


def test_a_wrong_secret_is_authentication_failed_naming_the_profile(bank, server):
    profile = sandbox_profile(server, secret="wrong-secret-123")
    with (
        EpayClient(profile, timeout=0.5) as client,
        pytest.raises(errors.AuthenticationFailed) as e,
    ):
        client.get_status("000400006")
    assert "Sandbox" in str(e.value) and "secret" in e.value.hint
    assert count(bank, "POST", TOKEN) == 1  # a refusal is not retried


def test_a_flaky_token_service_is_retried(bank, server, client):
    server.set_fault("http5xx", times=2, match=TOKEN)
    assert client.get_token()
    assert count(bank, "POST", TOKEN) == 3


def test_a_token_service_that_stays_down_is_transient(bank, server, client):
    server.set_fault("drop", match=TOKEN)
    with pytest.raises(errors.TransientError) as caught:
        client.get_token()
    assert count(bank, "POST", TOKEN) == 3 and "token request" in str(caught.value).lower()


@pytest.mark.parametrize(
    ("terminal", "code"),
    [("not-a-terminal", "106"), ("11111111-2222-4333-8444-555555555555", "109")],
)
def test_terminal_problems_are_refusals_with_the_banks_meaning(bank, server, terminal, code):
    bank.add_payment("000400007", Money(5000), status="CHARGE")
    profile = sandbox_profile(server, terminal_id=terminal)
    with EpayClient(profile, timeout=0.5) as client, pytest.raises(errors.BankRefused) as caught:
        client.get_status("000400007")
    assert caught.value.code == code
    assert str(errors.RESULT_MEANINGS[code]) in str(caught.value)
    assert "terminal" in caught.value.hint


def test_test_connection_summarises_a_working_profile(bank, client):
    summary = client.test_connection()
    assert "Sandbox" in summary and "token" in summary and "not known to the bank" in summary
    bank.add_payment("000400008", Money(5000), status="AUTH")
    assert "AUTH" in client.test_connection("000400008")


def test_test_connection_raises_for_a_broken_profile(server):
    profile = sandbox_profile(server, secret="nope")
    with EpayClient(profile, timeout=0.5) as client, pytest.raises(errors.AuthenticationFailed):
        client.test_connection()
