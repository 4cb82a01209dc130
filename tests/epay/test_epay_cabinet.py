"""The merchant cabinet's login: the password grant, its own token cache and refresh, and what a
profile without it is told, against a sandbox that enforces the documented grant per endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from epay_helpers import TIMEOUT, count, sandbox_profile

from halyk_desk.domain import Money, utc_now
from halyk_desk.epay import EpayClient, errors
from halyk_desk.sandbox import (
    SANDBOX_CABINET_PASSWORD,
    SANDBOX_CABINET_USER,
    SandboxBank,
    SandboxServer,
)

CABINET = {"cabinet_user": SANDBOX_CABINET_USER, "cabinet_password": SANDBOX_CABINET_PASSWORD}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def strict_bank():
    """A bank that lets only the cabinet user's token read the operations list."""
    bank = SandboxBank(cabinet_only=True, token_ttl=600)
    bank.add_payment("000700001", Money(5000), created_at=utc_now() - timedelta(hours=1))
    with SandboxServer(bank) as server:
        yield bank, server


def _client(server, clock=None, **profile):
    options = {"clock": clock} if clock else {}
    return EpayClient(sandbox_profile(server, **profile), timeout=TIMEOUT, backoff=0.0,
                      get_retries=1, **options)


def _period():
    now = utc_now()
    return now - timedelta(days=1), now


def test_the_operations_list_uses_the_cabinet_login_and_statuses_the_clients(strict_bank):
    bank, server = strict_bank
    with _client(server, **CABINET) as client:
        (record,) = client.iter_operations(*_period())
        assert record.invoice_id == "000700001"
        assert client.get_status("000700001").invoice_id == "000700001"
    assert bank.tokens.grants == ["password", "client_credentials"]


def test_the_cabinet_token_is_cached_then_renewed_with_its_refresh_token(strict_bank):
    bank, server = strict_bank
    clock = Clock()
    with _client(server, clock, **CABINET) as client:
        list(client.iter_operations(*_period()))
        list(client.iter_operations(*_period()))
        assert bank.tokens.grants == ["password"]  # one sign-in for both lists
        clock.now += 600  # past the token's lifetime
        list(client.iter_operations(*_period()))
    assert bank.tokens.grants == ["password", "refresh_token"]


def test_a_refused_refresh_token_signs_in_again(strict_bank):
    bank, server = strict_bank
    clock = Clock()
    with _client(server, clock, **CABINET) as client:
        list(client.iter_operations(*_period()))
        bank.tokens._refresh.clear()  # the bank forgot its refresh tokens (a restart)
        clock.now += 600
        list(client.iter_operations(*_period()))
    assert bank.tokens.grants == ["password", "password"]


def test_without_a_cabinet_login_a_refusal_says_exactly_what_to_add(strict_bank):
    _, server = strict_bank
    with _client(server) as client, pytest.raises(errors.CabinetLoginNeeded) as caught:
        list(client.iter_operations(*_period()))
    text = str(caught.value)
    assert "cabinet" in text and "profile edit Sandbox --cabinet-user" in text
    assert "--cabinet-password-stdin" in text and "Settings" in text


def test_without_a_cabinet_login_a_bank_that_allows_it_answers_the_clients_token(bank, server):
    bank.add_payment("000700002", Money(5000), created_at=utc_now() - timedelta(hours=1))
    with _client(server) as client:
        (record,) = client.iter_operations(*_period())
    assert record.invoice_id == "000700002"
    assert bank.tokens.grants == ["client_credentials"]


def test_a_wrong_cabinet_password_names_the_cabinet_login(strict_bank):
    bank, server = strict_bank
    with (
        _client(server, cabinet_user=SANDBOX_CABINET_USER, cabinet_password="wrong") as client,
        pytest.raises(errors.AuthenticationFailed) as caught,
    ):
        list(client.iter_operations(*_period()))
    assert "cabinet user and password" in str(caught.value)
    assert "wrong" not in str(caught.value)
    assert count(bank, "POST", "/operations") == 0


def test_the_connection_test_signs_the_cabinet_user_in(strict_bank):
    bank, server = strict_bank
    with _client(server, **CABINET) as client:
        said = client.test_connection()
    assert "cabinet user signed in" in said and "password" in bank.tokens.grants


def test_the_cabinet_password_never_shows_in_a_profile(strict_bank):
    _, server = strict_bank
    profile = sandbox_profile(server, **CABINET)
    assert SANDBOX_CABINET_PASSWORD not in repr(profile) + str(profile)
    with pytest.raises(ValueError, match="both the user and the password"):
        sandbox_profile(server, cabinet_user="someone")
