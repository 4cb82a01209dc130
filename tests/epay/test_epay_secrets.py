"""The client secret and bearer tokens never reach logs, exception texts or reprs."""

from __future__ import annotations

import json
import logging
import traceback

import pytest
from epay_helpers import make_client, sandbox_profile

from halyk_desk.domain import Money, new_external_id
from halyk_desk.epay import EpayClient, errors
from halyk_desk.sandbox import TEST_CLIENT_SECRET


def _texts(error: BaseException) -> str:
    """Everything a person or a log could see of an error, its causes included."""
    return "".join(traceback.format_exception(error)) + repr(error)


def test_a_busy_session_leaks_neither_secret_nor_token(bank, server, caplog):
    caplog.set_level(logging.DEBUG)
    hold = bank.add_payment("000800001", Money(100000), status="AUTH")
    charged = bank.add_payment("000800002", Money(100000), status="CHARGE")
    seen_errors: list[BaseException] = []
    tokens: list[str] = []
    with make_client(server, get_retries=1) as client:
        tokens.append(client.get_token())
        client.get_status("000800001")
        server.set_fault("token_expiry", times=1, match="/check-status/")
        client.get_status("000800001")  # a 401: renewed, repeated
        tokens.append(client.get_token())
        server.set_fault("html502", times=1, match="/check-status/")
        client.get_status("000800002")  # retried
        server.set_fault("lost_reply", times=1, match="/refund")
        for act in (
            lambda: client.get_status("000999999"),
            lambda: client.confirm(charged, invoice_id="000800002"),
            lambda: client.refund(charged, Money(1000), new_external_id()),
            lambda: client.cancel(hold, invoice_id="000800001"),
        ):
            try:
                act()
            except errors.EpayError as exc:
                seen_errors.append(exc)
        server.set_fault("token_expiry", match="/check-status/")
        with pytest.raises(errors.AuthenticationFailed) as twice:
            client.get_status("000800001")
        seen_errors.append(twice.value)
        tokens.append(client.get_token())
        shown = [repr(client), str(client.profile), repr(client.profile)]
    wrong = sandbox_profile(server, secret="not-" + TEST_CLIENT_SECRET)
    with EpayClient(wrong) as client, pytest.raises(errors.AuthenticationFailed) as refused:
        client.get_token()
    seen_errors.append(refused.value)

    assert len(set(tokens)) == 3 and all(tokens)
    assert {type(e) for e in seen_errors} >= {
        errors.InvoiceNotFound, errors.BankRefused, errors.OutcomeUnknown,
        errors.AuthenticationFailed,
    }
    assert any(r.name == "halyk_desk.epay" and r.levelno == logging.DEBUG for r in caplog.records)
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records if not r.name.startswith("halyk_desk.sandbox")
    )
    everything = logged + "".join(_texts(e) for e in seen_errors) + "".join(shown)
    for secret in (TEST_CLIENT_SECRET, *tokens):
        assert secret not in everything


def test_a_profile_shows_everything_but_its_secret(server):
    profile = sandbox_profile(server)
    for text in (repr(profile), str(profile)):
        assert TEST_CLIENT_SECRET not in text
        assert profile.client_id in text and profile.terminal_id in text and "Sandbox" in text


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, {"access_token": "leaky-token-7f3a"}, errors.MalformedReply),
        (200, {"access_token": "leaky-token-7f3a", "expires_in": "soon"}, errors.MalformedReply),
        (401, {"error": "invalid_client", "error_description": "bad secret s3cret"},
         errors.AuthenticationFailed),
    ],
)
def test_token_service_replies_are_never_echoed(canned, status, body, error):
    canned.token_reply = (status, "application/json", json.dumps(body))
    with EpayClient(canned.profile(), timeout=0.5) as client, pytest.raises(error) as caught:
        client.get_token()
    text = _texts(caught.value)
    assert "leaky-token-7f3a" not in text and "s3cret" not in text
    assert "token" in text.lower() and caught.value.hint
