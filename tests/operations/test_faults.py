"""Every fault of the sandbox on each money operation: the journal never calls a lost answer a
failure, never repeats a request, and settles from the bank's status to what the bank did."""

from __future__ import annotations

import pytest
from money_helpers import NO_GRACE, REASON, executed, hold, journal, paid, picture, posts

from halyk_desk.domain import Money
from halyk_desk.services import operations

#: action → (bank path fragment, prepare the payment, run the operation)
ACTIONS = {
    "confirm": ("/charge", hold, lambda ctx, c: operations.confirm(
        ctx, "000300", reason=REASON, amount=Money(900_00), client=c, settle_grace=NO_GRACE)),
    "cancel": ("/cancel", hold, lambda ctx, c: operations.cancel(
        ctx, "000300", reason=REASON, client=c, settle_grace=NO_GRACE)),
    "refund": ("/refund", paid, lambda ctx, c: operations.refund(
        ctx, "000300", reason=REASON, amount=Money(300_00), client=c, settle_grace=NO_GRACE)),
}
#: fault → (the bank applied it, what we hear at once, requests that reach the bank)
FAULTS = {
    "lost_reply": (True, "unknown", 1),
    "slow": (True, "unknown", 1),
    "drop": (False, "unknown", 1),
    "http5xx": (False, "unknown", 1),
    "html502": (False, "unknown", 1),
    "token_expiry": (True, "done", 2),  # a 401: nothing done; one fresh token, one repeat
    "latency": (True, "done", 1),
}
BANK_ACTION = {"confirm": "charge", "cancel": "cancel", "refund": "refund"}


def store_matches_bank(ctx, bank) -> None:
    mine, theirs = picture(ctx, "000300"), bank.get("000300")
    assert mine.bank_status == theirs.status
    assert mine.refunded_minor == theirs.refunded_minor
    assert mine.captured_minor == (
        theirs.charged_minor if theirs.status in ("CHARGE", "REFUND") else 0)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_fault_on_each_operation(ctx, bank, server, client, action, fault):
    path, prepare, run = ACTIONS[action]
    applied, heard, requests = FAULTS[fault]
    prepare(bank, "000300", 1000)
    server.set_fault(fault, 1.0, times=1, match=path)

    outcome = run(ctx, client)
    assert outcome.result == heard, outcome
    assert outcome.exit_code == {"unknown": 5, "done": 0}[heard]
    assert len(posts(bank)) == requests
    assert executed(bank) == ([BANK_ACTION[action]] if applied else [])

    settled = operations.resolve_unresolved(ctx, client=client, settle_grace=NO_GRACE)
    assert [o.result for o in settled] == ([] if heard == "done" else
                                           ["done" if applied else "refused"])
    [op] = journal(ctx)
    assert op.status == ("done" if applied else "refused")
    if not applied:
        assert "did not do it" in op.bank_message
    store_matches_bank(ctx, bank)
    assert len(posts(bank)) == requests  # resolving only reads

    # Settled as not done, the operation can be made again, and is done exactly once.
    if not applied:
        again = run(ctx, client)
        assert again.result == "done"
        assert executed(bank) == [BANK_ACTION[action]]
        store_matches_bank(ctx, bank)


@pytest.mark.parametrize("action", ACTIONS)
def test_a_lost_reply_is_settled_before_a_new_attempt_which_is_never_sent(
        ctx, bank, server, client, action):
    path, prepare, run = ACTIONS[action]
    prepare(bank, "000300", 1000)
    server.set_fault("lost_reply", 1.0, times=1, match=path)
    assert run(ctx, client).result == "unknown"

    # The manager, not knowing, tries again: the first is settled from the bank's status first.
    second = run(ctx, client)
    if action == "refund":
        # A second refund of the same amount is a new refund: it is allowed, and sent once.
        assert second.result == "done"
        assert executed(bank) == ["refund", "refund"]
        assert [op.status for op in journal(ctx)] == ["done", "done"]
    else:
        assert second.result == "not_allowed" and "held" in second.message
        assert executed(bank) == [BANK_ACTION[action]]
        assert len(posts(bank)) == 1
        assert [op.status for op in journal(ctx)] == ["done"]


@pytest.mark.parametrize("action", ACTIONS)
def test_an_unanswered_request_blocks_the_payment_until_it_can_be_settled(
        ctx, bank, server, client, action):
    """Dropped: the bank shows no change, but a request queued at the bank could still be applied,
    so within the grace period the operation stays unknown and nothing new is sent."""
    path, prepare, _ = ACTIONS[action]
    prepare(bank, "000300", 1000)
    server.set_fault("drop", 1.0, times=1, match=path)
    patient = {"client": client}  # the default grace period
    first = getattr(operations, action)(ctx, "000300", reason=REASON, **patient)
    assert first.result == "unknown"

    [still] = operations.resolve_unresolved(ctx, **patient)
    assert still.result == "unknown" and "settled as not done after" in still.message
    second = getattr(operations, action)(ctx.as_("boris"), "000300", reason=REASON, **patient)
    assert second.result == "not_allowed"
    assert "in progress" in second.message and f"#{first.operation_id}" in second.message
    assert len(posts(bank)) == 1 and executed(bank) == []
    assert [op.status for op in journal(ctx)] == ["unknown"]


def test_faults_on_status_reads_are_retried(ctx, bank, server, client):
    hold(bank, "000300", 1000)
    server.set_fault("drop", 1.0, times=1, match="check-status")
    server.set_fault("busy107", 1.0, times=1)
    outcome = operations.confirm(ctx, "000300", reason=REASON, client=client)
    assert outcome.result == "done"
    assert executed(bank) == ["charge"]


def test_when_the_status_cannot_be_read_nothing_is_sent(ctx, bank, server, client):
    hold(bank, "000300", 1000)
    server.set_fault("http5xx", 1.0, match="check-status")
    outcome = operations.confirm(ctx, "000300", reason=REASON, client=client)
    assert outcome.result == "error" and outcome.exit_code == 1
    assert posts(bank) == [] and journal(ctx) == []


def test_a_bank_that_cannot_be_reached_gets_nothing(ctx, bank, server, client):
    hold(bank, "000300", 1000)
    server.stop()
    outcome = operations.confirm(ctx, "000300", reason=REASON, client=client)
    assert outcome.result == "error"
    assert journal(ctx) == []
