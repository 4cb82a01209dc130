"""The token endpoint and the bearer-token rules of every API endpoint."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import (
    EVERYTHING,
    SCOPE,
    bearer,
    get_token,
    operate,
    operations,
    status,
    token_form,
)

from halyk_desk.domain import Money
from halyk_desk.sandbox import (
    SANDBOX_CABINET_PASSWORD,
    SANDBOX_CABINET_USER,
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    RefusalCode,
    SandboxBank,
    SandboxServer,
)

INVOICE = "000123456"


def test_client_credentials_reply_has_the_documented_shape(http, server):
    reply = http.post(server.oauth_url, data=token_form())
    assert reply.status_code == 200
    body = reply.json()
    assert set(body) == {"access_token", "expires_in", "refresh_token", "scope", "token_type"}
    assert body["token_type"] == "Bearer" and body["refresh_token"] == ""
    assert body["scope"] == SCOPE and len(body["access_token"]) >= 20


def test_expires_in_comes_as_a_number_and_as_a_string(http, server):
    shapes = [http.post(server.oauth_url, data=token_form()).json()["expires_in"] for _ in range(4)]
    assert shapes == [7200, "7200", 7200, "7200"]


def test_token_ttl_is_configurable(http, clock):
    with SandboxServer(SandboxBank(clock=clock, token_ttl=300)) as srv:
        assert http.post(srv.oauth_url, data=token_form()).json()["expires_in"] == 300


@pytest.mark.parametrize(
    "changes",
    [{"client_secret": "wrong"}, {"client_id": "someone"}, {"client_secret": None},
     {"client_id": None, "client_secret": None}],
)
def test_wrong_credentials_get_401_with_a_small_json_body(http, server, changes):
    reply = http.post(server.oauth_url, data=token_form(**changes))
    assert reply.status_code == 401
    assert reply.json()["error"] == "invalid_client"
    assert TEST_CLIENT_SECRET not in reply.text


@pytest.mark.parametrize("grant", [None, "authorization_code"])
def test_missing_or_unknown_grant_type_is_400(http, server, grant):
    reply = http.post(server.oauth_url, data=token_form(grant_type=grant))
    assert reply.status_code == 400 and "error" in reply.json()


def test_other_credentials_replace_the_test_merchant(http, clock):
    bank = SandboxBank(clock=clock, client_id="shop", client_secret="s3cret-value",
                       terminal="11111111-2222-4333-8444-555555555555")
    with SandboxServer(bank) as srv:
        test_merchant = http.post(srv.oauth_url, data=token_form())
        own = http.post(srv.oauth_url, data=token_form(
            client_id="shop", client_secret="s3cret-value",
            terminal="11111111-2222-4333-8444-555555555555"))
    assert test_merchant.status_code == 401 and own.status_code == 200


def test_password_grant_gives_a_refresh_token_that_renews_once(http, server, bank):
    bank.add_payment(INVOICE, Money(5000))
    first = http.post(server.oauth_url, data={
        "grant_type": "password", "username": SANDBOX_CABINET_USER,
        "password": SANDBOX_CABINET_PASSWORD, "client_id": TEST_CLIENT_ID,
        "client_secret": TEST_CLIENT_SECRET, "scope": SCOPE,
    })
    assert first.status_code == 200 and first.json()["refresh_token"]
    refresh = first.json()["refresh_token"]
    renewed = http.post(server.oauth_url, data={"grant_type": "refresh_token",
                                                "refresh_token": refresh})
    assert renewed.status_code == 200
    assert renewed.json()["access_token"] != first.json()["access_token"]
    assert renewed.json()["refresh_token"] not in ("", refresh)
    reused = http.post(server.oauth_url, data={"grant_type": "refresh_token",
                                               "refresh_token": refresh})
    assert reused.status_code == 401
    # A cabinet user's token reads the operations list.
    listed = operations(http, server, renewed.json()["access_token"],
                        {"searchParameters": [EVERYTHING]})
    assert listed.status_code == 200 and listed.json()["totalCount"] == 1


@pytest.mark.parametrize("changes", [
    {"password": "nope"}, {"username": "someone@else"}, {"client_secret": "wrong"},
    {"client_id": None, "client_secret": None},
])
def test_password_grant_needs_the_cabinet_user_and_the_client(http, server, changes):
    form = {"grant_type": "password", "username": SANDBOX_CABINET_USER,
            "password": SANDBOX_CABINET_PASSWORD, "client_id": TEST_CLIENT_ID,
            "client_secret": TEST_CLIENT_SECRET, **changes}
    reply = http.post(server.oauth_url, data={k: v for k, v in form.items() if v is not None})
    assert reply.status_code == 401 and SANDBOX_CABINET_PASSWORD not in reply.text


def test_a_cabinet_only_bank_refuses_the_clients_token_on_the_operations_list(http, clock):
    bank = SandboxBank(clock=clock, cabinet_only=True)
    bank.add_payment(INVOICE, Money(5000))
    with SandboxServer(bank) as srv:
        client_token = get_token(http, srv)
        cabinet_token = http.post(srv.oauth_url, data={
            "grant_type": "password", "username": SANDBOX_CABINET_USER,
            "password": SANDBOX_CABINET_PASSWORD, "client_id": TEST_CLIENT_ID,
            "client_secret": TEST_CLIENT_SECRET}).json()["access_token"]
        refused = operations(http, srv, client_token, {"searchParameters": [EVERYTHING]})
        allowed = operations(http, srv, cabinet_token, {"searchParameters": [EVERYTHING]})
        # The status endpoint is the client's: its token still reads statuses there.
        read = status(http, srv, client_token, INVOICE)
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"
    assert allowed.status_code == 200 and allowed.json()["totalCount"] == 1
    assert read.json()["resultCode"] == "100"


def test_a_bank_can_accept_each_token_for_a_few_requests_only(http, clock):
    bank = SandboxBank(clock=clock, token_uses=2)
    bank.add_payment(INVOICE, Money(5000))
    with SandboxServer(bank) as srv:
        token = get_token(http, srv)
        codes = [status(http, srv, token, INVOICE).status_code for _ in range(3)]
    assert codes == [200, 200, 401]


def test_a_bank_can_revoke_older_tokens_when_it_issues_one(http, clock):
    bank = SandboxBank(clock=clock, revoke_on_issue=True)
    bank.add_payment(INVOICE, Money(5000))
    with SandboxServer(bank) as srv:
        old = get_token(http, srv)
        new = get_token(http, srv)
        assert status(http, srv, old, INVOICE).status_code == 401
        assert status(http, srv, new, INVOICE).status_code == 200


def test_token_without_terminal_gets_result_104(http, server, bank):
    bank.add_payment(INVOICE, Money(5000))
    reply = status(http, server, get_token(http, server, terminal=None), INVOICE)
    assert reply.status_code == 200
    assert reply.json()["resultCode"] == "104" and "transaction" not in reply.json()


@pytest.mark.parametrize(
    ("terminal", "code"),
    [("11111111-2222-4333-8444-555555555555", "109"), ("not-a-terminal", "106")],
)
def test_token_for_another_terminal_gets_106_or_109(http, server, bank, terminal, code):
    bank.add_payment(INVOICE, Money(5000))
    reply = status(http, server, get_token(http, server, terminal=terminal), INVOICE)
    assert reply.json()["resultCode"] == code and "transaction" not in reply.json()


def test_money_operation_with_a_token_without_terminal_is_refused(http, server, bank):
    tx = bank.add_payment(INVOICE, Money(5000), status="AUTH")
    reply = operate(http, server, get_token(http, server, terminal=None), tx, "charge")
    assert reply.status_code == 400 and reply.json()["code"] == RefusalCode.TERMINAL
    assert bank.operations == [] and bank.get(INVOICE).status == "AUTH"


def _all_endpoints(http: httpx.Client, server, headers: dict[str, str], tx: str):
    api = server.api_url
    return [
        http.get(f"{api}/check-status/payment/transaction/{INVOICE}", headers=headers),
        http.post(f"{api}/operation/{tx}/charge", headers=headers),
        http.post(f"{api}/operation/{tx}/cancel", headers=headers),
        http.post(f"{api}/operation/{tx}/refund", headers=headers),
        http.post(f"{api}/operations", json={"searchParameters": [EVERYTHING]}, headers=headers),
    ]


@pytest.mark.parametrize(
    "headers",
    [{}, bearer("garbage-token"), {"Authorization": "Basic dGVzdDp0ZXN0"},
     {"Authorization": "Bearer"}],
    ids=["missing", "garbage", "basic", "empty"],
)
def test_every_api_endpoint_answers_401_without_a_valid_token(http, server, bank, headers):
    tx = bank.add_payment(INVOICE, Money(5000), status="AUTH")
    replies = _all_endpoints(http, server, headers, tx)
    assert [r.status_code for r in replies] == [401] * 5
    assert bank.operations == [] and bank.get(INVOICE).status == "AUTH"


def test_an_expired_token_gets_401_and_a_fresh_one_works(http, server, bank, clock, token):
    tx = bank.add_payment(INVOICE, Money(5000), status="AUTH")
    clock.advance(seconds=7199)
    assert status(http, server, token, INVOICE).json()["resultCode"] == "100"
    clock.advance(seconds=1)
    assert [r.status_code for r in _all_endpoints(http, server, bearer(token), tx)] == [401] * 5
    assert bank.operations == []
    fresh = get_token(http, server)
    assert status(http, server, fresh, INVOICE).json()["resultCode"] == "100"
