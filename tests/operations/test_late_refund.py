"""The unknown-outcome window (issue 14, part 6): a refund whose answer was lost and which the bank
applies only later is never sent twice. Before a refund is declared not done, its externalID is
looked for in the bank's operations registry; the grace period is a setting."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from money_helpers import NO_GRACE, REASON, journal, paid, posts

from halyk_desk.domain import Money
from halyk_desk.services import operations
from halyk_desk.settings import Settings


def refund_posts(bank) -> list[str]:
    return [path for path in posts(bank) if path.endswith("/refund")]


def test_a_refund_the_bank_applies_late_is_not_sent_again(ctx, bank, server, client):
    paid(bank, "000700", 1000)
    server.set_fault("late_apply", 1.0, times=1, match="/refund")
    server.slow_seconds = 3600  # the bank gets round to it when the test says

    first = operations.refund(ctx, "000700", reason=REASON, amount=Money(300_00), client=client,
                              settle_grace=NO_GRACE)
    assert first.result == "unknown"
    assert bank.get("000700").refunded_minor == 0 and len(bank.pending) == 1

    # Past the grace period, the status still shows nothing: but the registry has the refund.
    [still] = operations.resolve_unresolved(ctx, client=client, settle_grace=NO_GRACE)
    assert still.result == "unknown"
    assert "is in the bank's operations registry" in still.message
    # The manager asks again: refused before anything is sent, told what is awaited.
    again = operations.refund(ctx, "000700", reason=REASON, amount=Money(300_00), client=client,
                              settle_grace=NO_GRACE)
    assert again.result == "not_allowed"
    [op] = journal(ctx)
    assert op.external_id in again.message and "sent at" in again.message
    assert len(refund_posts(bank)) == 1

    bank.apply_pending()  # the bank applies it, late
    [settled] = operations.resolve_unresolved(ctx, client=client, settle_grace=NO_GRACE)
    assert settled.result == "done"
    assert bank.get("000700").refunded_minor == 300_00  # once
    assert len(refund_posts(bank)) == 1
    assert [o.status for o in journal(ctx)] == ["done"]


def test_a_refund_the_bank_never_received_is_settled_not_done_after_the_registry_is_read(
        ctx, bank, server, client):
    paid(bank, "000701", 1000)
    server.set_fault("drop", 1.0, times=1, match="/refund")
    assert operations.refund(ctx, "000701", reason=REASON, amount=Money(300_00), client=client,
                             settle_grace=NO_GRACE).result == "unknown"
    before = len(bank.requests)

    [settled] = operations.resolve_unresolved(ctx, client=client, settle_grace=NO_GRACE)

    assert settled.result == "refused"
    assert any(path.endswith("/operations") for _, path in bank.requests[before:])  # looked
    assert bank.get("000701").refunded_minor == 0


def test_an_unreadable_registry_keeps_the_refund_unknown(ctx, bank, server, client):
    paid(bank, "000702", 1000)
    server.set_fault("drop", 1.0, times=1, match="/refund")
    operations.refund(ctx, "000702", reason=REASON, amount=Money(300_00), client=client,
                      settle_grace=NO_GRACE)
    server.set_fault("http5xx", 1.0, match="/operations")

    [still] = operations.resolve_unresolved(ctx, client=client, settle_grace=NO_GRACE)

    assert still.result == "unknown"
    assert "operations registry could not be read" in still.message
    assert [o.status for o in journal(ctx)] == ["unknown"]


def test_the_grace_period_is_a_setting_with_a_safe_default(ctx, bank, server, client,
                                                           app_paths):
    assert Settings.load(app_paths.config_dir)["settle_grace_minutes"] == 30
    paid(bank, "000703", 1000)
    server.set_fault("drop", 1.0, times=1, match="/refund")
    operations.refund(ctx, "000703", reason=REASON, amount=Money(300_00), client=client)

    [waiting] = operations.resolve_unresolved(ctx, client=client)  # within 30 minutes
    assert waiting.result == "unknown"
    [op] = journal(ctx)
    almaty = ZoneInfo("Asia/Almaty")
    deadline = (op.sent_at + timedelta(minutes=30)).astimezone(almaty).strftime("%H:%M")
    said = operations.awaited(op, operations.settle_grace(ctx.settings), almaty).render("en")
    assert deadline in said and op.external_id in said
