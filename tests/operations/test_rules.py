"""Every rule is checked before anything is sent: a refusal says why, and the bank hears nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from money_helpers import (
    REASON,
    hold,
    journal,
    paid,
    picture,
    posts,
    sqlite_store_url,  # noqa: F401 (fixture: SQLite only)
)

from halyk_desk.domain import Money, State, utc_now
from halyk_desk.services import operations
from halyk_desk.services.sync import payment_record
from halyk_desk.store import repository


def assert_not_sent(outcome, bank, ctx, *words: str) -> None:
    assert outcome.result == "not_allowed" and outcome.exit_code == 4, outcome
    for word in words:
        assert word in outcome.message
    assert posts(bank) == []
    assert journal(ctx) == []


def test_confirm_takes_the_whole_hold_and_the_bank_shows_it(ctx, bank, client):
    hold(bank, "000100", 1500)
    outcome = operations.confirm(ctx, "000100", reason=REASON, client=client)
    assert outcome.result == "done" and outcome.exit_code == 0
    assert outcome.amount == Money(1500_00)
    assert bank.get("000100").status == "CHARGE"
    assert picture(ctx, "000100").state is State.CAPTURED
    [op] = journal(ctx)
    assert (op.status, op.action, op.amount, op.operator, op.reason) == (
        "done", "confirm", Money(1500_00), "anna", REASON)
    assert op.sent_at is not None and op.resolved_at is not None
    assert op.before_status == "AUTH"


def test_partial_confirm_captures_only_that_amount(ctx, bank, client):
    hold(bank, "000101", 1500)
    outcome = operations.confirm(ctx, "000101", reason=REASON, amount=Money(1200_50),
                                 client=client)
    assert outcome.result == "done"
    assert bank.get("000101").charged_minor == 1200_50
    assert picture(ctx, "000101").captured_minor == 1200_50


def test_confirm_above_the_hold_is_refused_saying_the_most_allowed(ctx, bank, client):
    hold(bank, "000102", 1500)
    outcome = operations.confirm(ctx, "000102", reason=REASON, amount=Money(1500_01),
                                 client=client)
    assert_not_sent(outcome, bank, ctx, "at most KZT 1,500.00")


@pytest.mark.parametrize("status", ["CHARGE", "CANCEL", "REFUND", "FAILED", "NEW"])
def test_only_a_held_payment_is_confirmed_or_released(ctx, bank, client, status):
    bank.add_payment("000103", Money(1000_00), status=status)
    for act in (operations.confirm, operations.cancel):
        assert_not_sent(act(ctx, "000103", reason=REASON, client=client), bank, ctx, "held")


def test_an_expired_hold_cannot_be_confirmed(ctx, bank, client):
    ctx.settings.set("hold_expire_days", 3)
    hold(bank, "000104", 1000, created_at=utc_now() - timedelta(days=4))
    outcome = operations.confirm(ctx, "000104", reason=REASON, client=client)
    assert_not_sent(outcome, bank, ctx, "expired")
    # Releasing it is still allowed.
    assert operations.cancel(ctx, "000104", reason=REASON, client=client).result == "done"


def test_cancel_releases_the_hold_in_full(ctx, bank, client):
    hold(bank, "000105", 700)
    outcome = operations.cancel(ctx, "000105", reason=REASON, client=client)
    assert (outcome.result, outcome.amount) == ("done", Money(700_00))
    assert bank.get("000105").status == "CANCEL"
    assert picture(ctx, "000105").state is State.RELEASED


@pytest.mark.parametrize("status", ["AUTH", "CANCEL", "NEW", "FAILED"])
def test_only_a_captured_payment_is_refunded(ctx, bank, client, status):
    bank.add_payment("000106", Money(1000_00), status=status)
    outcome = operations.refund(ctx, "000106", reason=REASON, client=client)
    assert_not_sent(outcome, bank, ctx, "captured")


def test_a_refund_below_ten_tenge_is_refused(ctx, bank, client):
    paid(bank, "000107", 1000)
    outcome = operations.refund(ctx, "000107", reason=REASON, amount=Money(9_99), client=client)
    assert_not_sent(outcome, bank, ctx, "at least KZT 10.00")


def test_refunds_never_exceed_what_was_captured(ctx, bank, client):
    paid(bank, "000108", 1000)
    first = operations.refund(ctx, "000108", reason=REASON, amount=Money(600_00), client=client)
    assert first.result == "done"
    second = operations.refund(ctx, "000108", reason=REASON, amount=Money(400_01),
                               client=client)
    assert second.result == "not_allowed"
    assert "at most KZT 400.00" in second.message
    assert len(posts(bank)) == 1
    # Without an amount, all that remains.
    rest = operations.refund(ctx, "000108", reason=REASON, client=client)
    assert (rest.result, rest.amount) == ("done", Money(400_00))
    assert bank.get("000108").status == "REFUND"
    assert picture(ctx, "000108").state is State.REFUNDED
    refunds = [op for op in bank.operations if op.action == "refund"]
    assert [op.amount_minor for op in refunds] == [600_00, 400_00]
    # Each refund went out under its own externalID, the one the journal keeps.
    assert sorted(op.external_id for op in refunds) == sorted(
        op.external_id for op in journal(ctx, "000108"))


def test_amounts_must_be_in_the_payments_currency(ctx, bank, client):
    paid(bank, "000109", 1000)
    outcome = operations.refund(ctx, "000109", reason=REASON, amount=Money(100_00, "USD"),
                                client=client)
    assert_not_sent(outcome, bank, ctx, "KZT")


def test_a_payment_the_bank_does_not_know_is_not_touched(ctx, bank, client):
    outcome = operations.confirm(ctx, "000110", reason=REASON, client=client)
    assert outcome.result == "error" and outcome.exit_code == 1
    assert "no payment" in outcome.message
    assert posts(bank) == [] and journal(ctx) == []


def remember(ctx, client, invoice_id: str) -> None:
    """Keep the bank's picture of the payment in the store, as a sync does."""
    with ctx.store.session() as session:
        repository.save_payment(session, "shop", payment_record(
            client.get_status(invoice_id), invoice_id, utc_now()))


def test_action_limits_prefill_the_dialogs_from_the_stores_picture(ctx, bank, client):
    hold(bank, "000111", 1500)
    paid(bank, "000112", 1000, refunded=Money(250_00))
    remember(ctx, client, "000111")
    remember(ctx, client, "000112")

    held = operations.action_limits(ctx, "000111")
    assert (held.max_confirm, held.cancel_amount, held.max_refund) == (
        Money(1500_00), Money(1500_00), None)
    assert held.allowed("confirm") and held.allowed("cancel") and not held.allowed("refund")
    assert "captured" in str(held.why_not["refund"])

    captured = operations.action_limits(ctx, "000112")
    assert (captured.max_confirm, captured.max_refund) == (None, Money(750_00))
    assert captured.min_refund == Money(10_00)
    assert captured.approval_threshold == Money(ctx.settings["refund_approval_threshold"])
    assert "held" in str(captured.why_not["confirm"])

    never_read = operations.action_limits(ctx, "000113")
    assert not any(never_read.allowed(a) for a in ("confirm", "cancel", "refund"))
    assert "sync" in str(never_read.why_not["confirm"])
