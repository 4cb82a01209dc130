"""Each fault kind, what it does to the reply and whether the bank applied the operation."""

from __future__ import annotations

import httpx
import pytest
from sandbox_helpers import bearer, get_token, operate, status, token_form

from halyk_desk.domain import Money
from halyk_desk.sandbox import FAULT_KINDS, FaultError, SandboxBank, SandboxServer
from halyk_desk.sandbox.faults import FaultPlan

INVOICE = "000321001"
# A connection closed without a reply shows as one of these, depending on timing.
NO_REPLY = (httpx.RemoteProtocolError, httpx.ReadError)


@pytest.fixture
def hold(bank: SandboxBank) -> str:
    return bank.add_payment(INVOICE, Money(100000), status="AUTH")


def test_every_documented_fault_kind_exists():
    assert set(FAULT_KINDS) == {"latency", "http5xx", "html502", "drop", "lost_reply", "slow",
                                "late_apply", "busy107", "token_expiry"}


def test_http5xx_is_a_503_without_json_and_applies_nothing(http, server, bank, hold, token):
    server.set_fault("http5xx")
    reply = operate(http, server, token, hold, "charge")
    assert reply.status_code == 503 and not reply.headers["content-type"].startswith(
        "application/json")
    with pytest.raises(ValueError):
        reply.json()
    assert bank.operations == [] and bank.get(INVOICE).status == "AUTH"


def test_html502_is_a_proxy_page_and_applies_nothing(http, server, bank, hold, token):
    server.set_fault("html502")
    replies = [status(http, server, token, INVOICE), operate(http, server, token, hold, "charge")]
    for reply in replies:
        assert reply.status_code == 502
        assert reply.headers["content-type"].startswith("text/html")
        assert "<html>" in reply.text and "502 Bad Gateway" in reply.text
    assert bank.operations == [] and bank.get(INVOICE).status == "AUTH"


def test_drop_closes_before_replying_and_applies_nothing(http, server, bank, hold, token):
    server.set_fault("drop", times=1)
    with pytest.raises(NO_REPLY):
        operate(http, server, token, hold, "charge")
    assert bank.operations == [] and bank.get(INVOICE).status == "AUTH"
    assert ("POST", f"/operation/{hold}/charge") in bank.requests
    # The next request goes through on a fresh connection.
    assert operate(http, server, token, hold, "charge").status_code == 200


def test_lost_reply_applies_the_operation_then_drops_the_connection(http, server, bank, hold,
                                                                     token):
    server.set_fault("lost_reply", match="/charge")
    with pytest.raises(NO_REPLY):
        operate(http, server, token, hold, "charge", amount="400")
    assert [(op.action, op.amount_minor) for op in bank.operations] == [("charge", 40000)]
    assert bank.get(INVOICE).status == "CHARGE"


def test_slow_applies_first_and_answers_after_the_clients_timeout(http, server, bank, hold,
                                                                   token):
    server.set_fault("slow", match="/refund")
    assert operate(http, server, token, hold, "charge").status_code == 200
    # The server holds the reply for slow_seconds (5 s), ten times this client's patience.
    with httpx.Client(timeout=0.5) as impatient, pytest.raises(httpx.ReadTimeout):
        operate(impatient, server, token, hold, "refund", amount="100", externalID="r1")
    assert [op.action for op in bank.operations] == ["charge", "refund"]
    assert bank.get(INVOICE).refunded_minor == 10000


def test_slow_reply_does_arrive_for_a_patient_client(http, clock):
    bank = SandboxBank(clock=clock)
    bank.add_payment(INVOICE, Money(5000))
    with SandboxServer(bank, faults={"slow": 1.0}, slow_seconds=0.05) as srv:
        token = get_token(http, srv)
        assert status(http, srv, token, INVOICE).json()["resultCode"] == "100"


def test_busy107_answers_result_107_on_status_only(http, server, bank, hold, token):
    server.set_fault("busy107")
    reply = status(http, server, token, INVOICE)
    assert reply.status_code == 200
    assert reply.json()["resultCode"] == "107" and "transaction" not in reply.json()
    assert operate(http, server, token, hold, "charge").status_code == 200
    assert [kind for kind, _ in server.injected] == ["busy107"]


def test_token_expiry_expires_the_presented_token(http, server, bank, hold, token):
    server.set_fault("token_expiry", times=1)
    assert operate(http, server, token, hold, "charge").status_code == 401
    assert bank.operations == []
    assert status(http, server, token, INVOICE).status_code == 401  # it stays expired
    fresh = get_token(http, server)
    assert operate(http, server, fresh, hold, "charge").status_code == 200
    assert len(bank.operations) == 1


def test_latency_spike_delays_but_does_not_change_the_reply(http, server, bank, hold, token):
    server.set_fault("latency")
    server.latency_ms = 1  # also settable while running
    assert status(http, server, token, INVOICE).json()["resultCode"] == "100"
    assert operate(http, server, token, hold, "charge").status_code == 200
    assert [kind for kind, _ in server.injected] == ["latency", "latency"]


def test_latency_combines_with_a_reply_fault(http, server, bank, hold, token):
    server.set_fault("latency")
    server.set_fault("http5xx")
    assert status(http, server, token, INVOICE).status_code == 503
    assert sorted(kind for kind, _ in server.injected) == ["http5xx", "latency"]


def test_times_limits_the_number_of_injections(http, server, bank, hold, token):
    server.set_fault("http5xx", times=2)
    codes = [status(http, server, token, INVOICE).status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    assert server.fault_rules() == []


def test_match_limits_a_fault_to_matching_paths(http, server, bank, token):
    tx = bank.add_payment(INVOICE, Money(100000))
    server.set_fault("http5xx", match="/refund")
    assert status(http, server, token, INVOICE).status_code == 200
    assert operate(http, server, token, tx, "refund", amount="100").status_code == 503
    assert bank.operations == []


def test_the_token_endpoint_is_hit_only_when_matched(http, server):
    server.set_fault("http5xx")
    assert http.post(server.oauth_url, data=token_form()).status_code == 200
    server.set_fault("http5xx", match="/oauth2/token")
    assert http.post(server.oauth_url, data=token_form()).status_code == 503
    server.set_fault("drop", match="/oauth2/token")
    server.clear_faults()
    assert http.post(server.oauth_url, data=token_form()).status_code == 200


def test_a_dropped_token_request_can_be_lost(http, server):
    server.set_fault("lost_reply", match="/oauth2/token", times=1)
    with pytest.raises(NO_REPLY):
        http.post(server.oauth_url, data=token_form())
    assert http.post(server.oauth_url, data=token_form()).status_code == 200


def test_rate_zero_never_fires_and_clear_removes_faults(http, server, bank, hold, token):
    server.set_fault("http5xx", rate=0.0)
    assert all(status(http, server, token, INVOICE).status_code == 200 for _ in range(5))
    server.set_fault("http5xx", rate=1.0)
    server.clear_faults()
    assert status(http, server, token, INVOICE).status_code == 200
    assert server.injected == []


def _codes_with_seed(http, seed: int) -> list[int]:
    bank = SandboxBank(seed=seed)
    bank.add_payment(INVOICE, Money(5000))
    with SandboxServer(bank, faults={"http5xx": 0.5}) as srv:
        token = get_token(http, srv)
        return [http.get(f"{srv.api_url}/check-status/payment/transaction/{INVOICE}",
                         headers=bearer(token)).status_code for _ in range(24)]


def test_fault_draws_are_reproducible_from_the_seed(http):
    first, again = _codes_with_seed(http, 7), _codes_with_seed(http, 7)
    assert first == again
    assert set(first) == {200, 503}
    assert _codes_with_seed(http, 8) != first


def test_the_plan_draws_the_same_sequence_for_the_same_seed():
    def draws(seed: int) -> list[str | None]:
        plan = FaultPlan(seed)
        plan.set("drop", 0.3)
        plan.set("html502", 0.3)
        return [plan.draw("money", "/operation/x/charge").outcome for _ in range(50)]

    assert draws(1) == draws(1)
    assert {"drop", "html502", None} <= set(draws(1))


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [(("teapot",), {}, "choose from latency, http5xx"), (("drop", 1.5), {}, "0 to 1"),
     (("drop", -0.1), {}, "0 to 1"), (("drop",), {"times": 0}, "at least 1")],
)
def test_bad_fault_settings_are_refused_with_a_clear_message(server, args, kwargs, words):
    with pytest.raises(FaultError, match=words):
        server.set_fault(*args, **kwargs)
    assert server.fault_rules() == []


def test_bad_faults_in_the_constructor_are_refused(bank):
    with pytest.raises(FaultError, match="unknown fault kind 'nope'"):
        SandboxServer(bank, faults={"nope": 0.5})
