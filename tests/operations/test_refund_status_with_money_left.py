"""A bank that reports REFUND after a partial refund (issue 11): the payment is partly refunded,
not refunded, and the rest can still be refunded — through the same command a manager uses."""

from __future__ import annotations

import pytest
from money_helpers import PROFILE, paid, picture
from operator_helpers import run_as

from halyk_desk.domain import State
from halyk_desk.sandbox import TEST_CLIENT_SECRET, SandboxBank
from halyk_desk.secrets import SecretStore


@pytest.fixture
def bank() -> SandboxBank:
    return SandboxBank(seed=0, partial_refund_status="REFUND")


def _run(ctx, store_url: str, capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = run_as(ctx.as_("root"), store_url, "anna", ["--profile", PROFILE, *args])
    return code, capsys.readouterr().out


def test_the_rest_of_a_payment_reported_as_refund_is_refunded_too(
        ctx, store_url, app_paths, bank, capsys):
    SecretStore(app_paths.config_dir).set(PROFILE, TEST_CLIENT_SECRET)
    paid(bank, "000777", 1000)

    code, _ = _run(ctx, store_url, capsys, "refund", "000777", "--amount", "300", "--reason",
                   "Просьба покупателя", "--yes")
    assert code == 0
    assert bank.get("000777").status == "REFUND"  # the bank's word, with 700 ₸ left
    assert picture(ctx, "000777").state is State.PARTIALLY_REFUNDED

    code, _ = _run(ctx, store_url, capsys, "refund", "000777", "--reason", "Просьба покупателя",
                   "--yes")
    assert code == 0
    assert bank.get("000777").refunded_minor == 1000_00
    assert picture(ctx, "000777").state is State.REFUNDED
