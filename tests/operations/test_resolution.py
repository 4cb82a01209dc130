"""A crash at any step leaves the journal in a state that resolution settles to what the bank
did; an operation being sent by another process is never settled behind its back."""

from __future__ import annotations

import threading

import pytest
from money_helpers import (
    NO_GRACE,
    REASON,
    Crash,
    CrashingTransport,
    executed,
    hold,
    journal,
    make_client,
    paid,
    posts,
)

from halyk_desk.domain import Money
from halyk_desk.services import audit, operations
from halyk_desk.services.operations import _Desk


@pytest.mark.parametrize("when,applied", [("before", False), ("after", True)])
def test_a_crash_around_the_request_is_settled_by_the_next_run(ctx, bank, server, when, applied):
    hold(bank, "000400", 1000)
    with make_client(server, transport=CrashingTransport(when)) as dying, pytest.raises(Crash):
        operations.confirm(ctx, "000400", reason=REASON, client=dying)
    [op] = journal(ctx)
    assert op.status == "sent"
    assert executed(bank) == (["charge"] if applied else [])

    # The next run: a new client; within the grace period only a done operation is settled.
    with make_client(server) as client:
        [first] = operations.resolve_unresolved(ctx, client=client)
        assert first.result == ("done" if applied else "unknown")
        if not applied:
            [later] = operations.resolve_unresolved(ctx, client=client, settle_grace=NO_GRACE)
            assert later.result == "refused"
    assert journal(ctx)[0].status == ("done" if applied else "refused")
    assert len(posts(bank)) == (1 if applied else 0)


def test_an_intent_never_sent_is_closed_once_old_and_the_payment_freed(ctx, bank, client):
    hold(bank, "000401", 1000)
    desk = _Desk(ctx, client, None)
    status = desk.read("000401")
    op_id = desk.claim("confirm", "000401", status, Money(1000_00), REASON, None, pending=False)
    assert isinstance(op_id, int)  # ...and here the program died

    blocked = operations.confirm(ctx.as_("boris"), "000401", reason=REASON, client=client)
    assert blocked.result == "not_allowed" and "being sent" in blocked.message
    [young] = operations.resolve_unresolved(ctx, client=client)
    assert young.result == "unknown"

    [old] = operations.resolve_unresolved(ctx, client=client, settle_grace=NO_GRACE)
    assert old.result == "refused" and "Not sent" in old.message
    assert posts(bank) == []
    assert operations.confirm(ctx, "000401", reason=REASON, client=client).result == "done"
    assert executed(bank) == ["charge"]


def test_the_sender_and_a_resolver_never_both_settle_an_operation(ctx, bank, server):
    """A slow bank: the request is applied, the answer takes a while. Another process resolves
    meanwhile and sees it done; the sender then learns the operation is settled already."""
    hold(bank, "000402", 1000)
    server.slow_seconds = 1.0
    server.set_fault("slow", 1.0, times=1, match="/charge")
    results = []
    with make_client(server, timeout=5.0) as patient:
        sender = threading.Thread(target=lambda: results.append(operations.confirm(
            ctx, "000402", reason=REASON, client=patient)))
        sender.start()
        try:
            while not bank.operations:
                threading.Event().wait(0.01)
            with make_client(server) as other:
                [settled] = operations.resolve_unresolved(ctx.as_("boris"), client=other)
        finally:
            sender.join()
    assert settled.result == "done"
    assert results[0].result == "done"
    with ctx.store.session(readonly=True) as session:
        done = [e for e in audit.list_entries(session) if e.action == "confirm.done"]
    assert len(done) == 1 and done[0].operator == "boris"
    assert len(posts(bank)) == 1


def test_a_refund_settles_by_how_much_payout_grew(ctx, bank, server):
    paid(bank, "000403", 1000)
    server.set_fault("lost_reply", 1.0, times=1, match="/refund")
    with make_client(server) as client:
        assert operations.refund(ctx, "000403", reason=REASON, amount=Money(100_00),
                                 client=client).result == "unknown"
        # Someone also refunded 50 ₸ in the bank's cabinet: ours is there too.
        bank.refund(bank.get("000403").id, 50_00)
        [settled] = operations.resolve_unresolved(ctx, client=client, settle_grace=NO_GRACE)
    assert settled.result == "done" and "cabinet" in settled.message


def test_a_refund_not_done_while_someone_else_refunded(ctx, bank, server):
    paid(bank, "000404", 1000)
    server.set_fault("drop", 1.0, times=1, match="/refund")
    with make_client(server) as client:
        assert operations.refund(ctx, "000404", reason=REASON, amount=Money(100_00),
                                 client=client).result == "unknown"
        bank.refund(bank.get("000404").id, 50_00)
        [settled] = operations.resolve_unresolved(ctx, client=client, settle_grace=NO_GRACE)
    assert settled.result == "refused"
    assert [op.amount_minor for op in bank.operations] == [50_00]


def test_an_unreadable_status_leaves_it_unknown(ctx, bank, server, client):
    hold(bank, "000405", 1000)
    server.set_fault("lost_reply", 1.0, times=1, match="/charge")
    assert operations.confirm(ctx, "000405", reason=REASON, client=client).result == "unknown"
    server.set_fault("http5xx", 1.0, match="check-status")
    [still] = operations.resolve_unresolved(ctx, client=client, settle_grace=NO_GRACE)
    assert still.result == "unknown" and "could not be read" in still.message
    server.clear_faults()
    [done] = operations.resolve_unresolved(ctx, client=client, settle_grace=NO_GRACE)
    assert done.result == "done"


def test_nothing_unresolved_means_no_bank_call(ctx, bank, server):
    with make_client(server) as client:
        assert operations.resolve_unresolved(ctx, client=client) == []
    assert bank.requests == []


def test_an_operation_blocks_only_its_own_payment(ctx, bank, server, client):
    hold(bank, "000406", 1000)
    hold(bank, "000407", 1000)
    server.set_fault("drop", 1.0, times=1, match="/charge")
    assert operations.confirm(ctx, "000406", reason=REASON, client=client).result == "unknown"
    assert operations.confirm(ctx, "000407", reason=REASON, client=client).result == "done"
    assert set(operations.unresolved_by_invoice(ctx)) == {"000406"}
    limits = operations.action_limits(ctx, "000406")
    assert limits.blocked_by is not None and not limits.allowed("confirm")

