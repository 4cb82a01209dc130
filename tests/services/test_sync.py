"""services.sync.sync_statuses against the sandbox bank over real HTTP: states, history, the
incremental rule, faults, cancellation and the run record."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sync_helpers import (
    PROFILE,
    RETRIES,
    add_orders,
    history,
    make_client,
    make_ctx,
    payment,
    status_reads,
)

from halyk_desk.domain import Money, State
from halyk_desk.epay.errors import AuthenticationFailed
from halyk_desk.services import audit
from halyk_desk.services.payments import last_sync
from halyk_desk.services.sync import SyncProgress, SyncSummary, sync_statuses
from halyk_desk.store import Store, repository

#: One payment of each kind, and an order the bank has no payment for.
MIX = ["AUTH", "CHARGE", "PARTIAL", "REFUND", "CANCEL", "FAILED", "NEW", None]
STATES = ["held", "captured", "partially_refunded", "refunded", "released", "failed", "pending",
          "not_found"]


def states(ctx, invoices):
    return [payment(ctx, inv).state.value for inv in invoices]


def test_a_sync_stores_the_banks_picture_of_every_order(ctx, bank, client):
    invoices = add_orders(ctx, bank, MIX)

    summary = sync_statuses(ctx, client=client)

    assert (summary.read, summary.changed, summary.not_found, summary.errors_by_kind,
            summary.cancelled, summary.total) == (8, 8, 1, {}, False, 8)
    assert states(ctx, invoices) == STATES
    partial = payment(ctx, invoices[2])
    assert (partial.captured_minor, partial.refunded_minor, partial.remaining_minor) == (
        1000_00, 300_00, 700_00)
    held = payment(ctx, invoices[0])
    assert held.held_minor == 1000_00 and held.transaction_id == bank.get(invoices[0]).id
    assert held.card_mask == "440043...0000" and held.bank_status == "AUTH"
    assert held.raw_reply and '"statusName": "AUTH"' in held.raw_reply
    assert '"amount": 1000.00' in held.raw_reply  # the bank's numbers, exactly as sent
    first = history(ctx, invoices[0])
    assert [(h.old_state, h.new_state, h.new_bank_status, h.sync_run_id) for h in first] == [
        (None, State.HELD, "AUTH", summary.run_id)]
    run = last_sync(ctx)
    assert run is not None and run.finished_at is not None
    assert (run.status, run.total, run.read, run.changed, run.not_found) == (
        "finished", 8, 8, 8, 1)


def test_a_second_sync_with_nothing_changed_reads_no_payment_one_by_one(ctx, bank, client):
    invoices = add_orders(ctx, bank, MIX)
    sync_statuses(ctx, client=client)
    final = [inv for inv, state in zip(invoices, STATES, strict=True)
             if state in ("refunded", "released", "failed")]
    before = status_reads(bank)

    again = sync_statuses(ctx, client=client)

    # Held, captured, partly refunded, pending and not found are not final, but the bank's
    # registry shows them as the store holds them.
    assert (again.total, again.read, again.changed, again.unchanged) == (0, 0, 0, 5)
    assert again.registry == 7 and again.fallback is None
    assert status_reads(bank) - before == 0
    assert all(status_reads(bank, inv) == 1 for inv in final)
    assert len(history(ctx, invoices[0])) == 1  # nothing changed, nothing added


def test_all_reads_final_payments_too(ctx, bank, client):
    invoices = add_orders(ctx, bank, MIX)
    sync_statuses(ctx, client=client)

    again = sync_statuses(ctx, client=client, include_final=True)

    assert (again.total, again.read) == (8, 8)
    assert all(status_reads(bank, inv) == 2 for inv in invoices)


def test_a_change_at_the_bank_lands_in_the_history(ctx, bank, client):
    held, paid = add_orders(ctx, bank, ["AUTH", "CHARGE"])
    sync_statuses(ctx, client=client)
    bank.charge(bank.get(held).id, 600_00)
    bank.refund(bank.get(paid).id, 100_00)

    summary = sync_statuses(ctx, client=client)

    assert summary.changed == 2
    assert [(h.old_state, h.new_state, h.old_bank_status, h.new_bank_status)
            for h in history(ctx, held)][-1] == (State.HELD, State.CAPTURED, "AUTH", "CHARGE")
    assert payment(ctx, held).captured_minor == 600_00
    assert history(ctx, paid)[-1].new_state is State.PARTIALLY_REFUNDED
    assert payment(ctx, paid).refunded_minor == 100_00


def test_a_change_of_state_is_audited_but_a_first_picture_is_not(ctx, bank, client):
    held, _paid = add_orders(ctx, bank, ["AUTH", "CHARGE"])
    sync_statuses(ctx, client=client)
    assert audit.entries(ctx, audit.AuditFilter(action="payment.status")) == []

    bank.charge(bank.get(held).id)
    sync_statuses(ctx, client=client)

    [entry] = audit.entries(ctx, audit.AuditFilter(action="payment.status"))
    assert (entry.subject, entry.operator) == (held, ctx.operator)
    assert entry.details == {"old_state": "held", "new_state": "captured",
                             "old_bank_status": "AUTH", "new_bank_status": "CHARGE"}
    assert audit.verify_log(ctx).ok


def test_dates_bound_the_orders_read_by_business_day(ctx, bank, client):
    # 00:30 on 6 November and 23:30 on 5 November in Almaty: the same UTC date, two business days.
    sixth, fifth = add_orders(ctx, bank, ["CHARGE", "CHARGE"],
                              created=datetime(2026, 11, 5, 19, 30, tzinfo=UTC))

    first = sync_statuses(ctx, client=client, date_from=date(2026, 11, 1),
                          date_to=date(2026, 11, 5))

    assert first.total == 1
    assert payment(ctx, fifth) is not None and payment(ctx, sixth) is None
    assert sync_statuses(ctx, client=client, date_from=date(2026, 11, 6)).total == 1
    assert payment(ctx, sixth) is not None


@pytest.mark.parametrize("kind", ["http5xx", "busy107", "token_expiry", "drop"])
def test_transient_faults_are_retried_and_every_status_read(ctx, bank, server, client, kind):
    invoices = add_orders(ctx, bank, ["AUTH", "CHARGE", "REFUND", "NEW"] * 3)
    # Fewer faults than the client's attempts: a read may be hit each time but the last. A 401
    # is not retried but repeated once with a fresh token, as every read in flight does when
    # the token dies: one expiry.
    times = 1 if kind == "token_expiry" else RETRIES
    server.set_fault(kind, 1.0, times=times, match="/check-status/")

    summary = sync_statuses(ctx, client=client, concurrency=4)

    assert [k for k, _ in server.injected] == [kind] * times
    assert (summary.read, summary.errors_by_kind) == (12, {})
    assert None not in [payment(ctx, inv).bank_status for inv in invoices]
    assert all(payment(ctx, inv).read_error is None for inv in invoices)


def test_a_failing_bank_is_counted_by_kind_kept_on_the_row_and_read_next_time(
        ctx, bank, server, client):
    invoices = add_orders(ctx, bank, ["AUTH", "CHARGE", None])
    sync_statuses(ctx, client=client)
    bank.charge(bank.get(invoices[0]).id)
    server.set_fault("http5xx", 1.0, match="/check-status/")
    before = status_reads(bank)

    summary = sync_statuses(ctx, client=client)

    # Only the hold changed at the bank (the registry shows it), and it cannot be read.
    assert (summary.read, summary.errors_by_kind) == (0, {"TransientError": 1})
    # The client's own retries only: the sync adds no second round.
    assert status_reads(bank) - before == RETRIES + 1
    held = payment(ctx, invoices[0])
    assert held.state is State.HELD  # what was known stays
    assert held.read_error and held.read_error.startswith("TransientError: ")
    assert last_sync(ctx).errors_by_kind == {"TransientError": 1}

    server.clear_faults()
    healed = sync_statuses(ctx, client=client)

    assert (healed.read, healed.errors_by_kind) == (1, {})
    assert payment(ctx, invoices[0]).state is State.CAPTURED
    assert payment(ctx, invoices[0]).read_error is None


def test_not_found_is_not_retried(ctx, bank, client):
    (missing,) = add_orders(ctx, bank, [None])

    summary = sync_statuses(ctx, client=client)

    assert (summary.not_found, status_reads(bank, missing)) == (1, 1)
    assert payment(ctx, missing).state is State.NOT_FOUND


def test_an_order_never_read_before_keeps_its_error_on_a_row(ctx, bank, server, client):
    (invoice,) = add_orders(ctx, bank, ["CHARGE"])
    server.set_fault("html502", 1.0, match="/check-status/")

    sync_statuses(ctx, client=client)

    row = payment(ctx, invoice)
    assert row.state is State.UNKNOWN and row.read_error.startswith("TransientError")


def test_wrong_credentials_fail_the_sync_before_any_read(store, app_paths, bank, server):
    ctx = make_ctx(store, app_paths, server, secret="not-the-secret")
    add_orders(ctx, bank, ["CHARGE"])

    with pytest.raises(AuthenticationFailed):
        sync_statuses(ctx)  # the profile's own bank: addresses from the store, secret from file

    assert status_reads(bank) == 0
    assert last_sync(ctx).status == "failed"


def test_the_profiles_bank_is_used_without_a_client(ctx, bank):
    invoices = add_orders(ctx, bank, ["AUTH", None])

    summary = sync_statuses(ctx)

    assert (summary.read, summary.not_found) == (2, 1)
    assert states(ctx, invoices) == ["held", "not_found"]


def test_progress_counts_up_to_the_total(ctx, bank, client):
    add_orders(ctx, bank, ["CHARGE"] * 30)
    seen: list[SyncProgress] = []

    sync_statuses(ctx, client=client, concurrency=3, progress=seen.append)

    assert seen and seen[-1].done == seen[-1].total == 30
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert seen[-1].rate_per_s > 0 and seen[-1].eta_s == 0
    assert seen[-1].changed == 30 and seen[-1].errors == 0


def test_cancel_keeps_what_was_read_and_the_next_sync_reads_the_rest(ctx, bank, server, client):
    invoices = add_orders(ctx, bank, ["CHARGE"] * 40)
    server.latency_ms = 20  # so that the sync is still reading when it is told to stop
    cancel = threading.Event()

    def stop_early(progress: SyncProgress) -> None:
        if progress.done >= 4:
            cancel.set()

    summary = sync_statuses(ctx, client=client, concurrency=2, progress=stop_early,
                            cancel=cancel)

    assert summary.cancelled and 4 <= summary.read < 40
    read = [inv for inv in invoices if payment(ctx, inv) is not None]
    assert len(read) == summary.read == status_reads(bank)  # nothing read was dropped
    assert last_sync(ctx).status == "cancelled"

    rest = sync_statuses(ctx, client=client, concurrency=8)

    # What was read is not read again (the registry shows it unchanged): only the rest.
    assert (rest.total, rest.cancelled) == (40 - summary.read, False)
    assert all(payment(ctx, inv) is not None for inv in invoices)


def test_a_sync_cancelled_before_it_starts_reads_nothing(ctx, bank, client):
    add_orders(ctx, bank, ["CHARGE"] * 3)
    cancel = threading.Event()
    cancel.set()

    summary = sync_statuses(ctx, client=client, cancel=cancel)

    assert (summary.cancelled, summary.read, status_reads(bank)) == (True, 0, 0)


def test_many_readers_share_one_writer_without_lock_errors(ctx, bank, client):
    invoices = add_orders(ctx, bank, ["AUTH", "CHARGE", "REFUND", "FAILED"] * 25)

    summary = sync_statuses(ctx, client=client, concurrency=16)

    assert (summary.read, summary.errors_by_kind) == (100, {})
    with ctx.store.session(readonly=True) as session:
        rows = repository.list_payments(session, PROFILE, tz=ZoneInfo("UTC"), limit=None)
        held = [repository.get_payment(session, PROFILE, r.invoice_id).held_minor for r in rows]
    assert sorted(r.invoice_id for r in rows if r.last_read_at) == sorted(invoices)
    assert sum(held) == 25 * Money(1000_00).minor


def test_two_syncs_at_once_store_each_payment_once(ctx, bank, server, store_url):
    """Two windows (or a window and a script) on one database: both finish, each payment is one
    row with one history entry."""
    invoices = add_orders(ctx, bank, ["AUTH", "CHARGE"] * 20)
    server.latency_ms = 10
    with Store.open(store_url, ctx.paths) as other_store:
        other = replace(ctx, store=other_store)
        results: list[SyncSummary] = []
        start = threading.Barrier(2)

        def sync(context) -> None:
            start.wait()
            with make_client(server) as own:
                results.append(sync_statuses(context, client=own, concurrency=4))

        threads = [threading.Thread(target=sync, args=(c,)) for c in (ctx, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert all(not r.errors_by_kind for r in results)
    if ctx.store.dialect == "postgresql":
        # One of them holds the profile's team lock; the other waits and finds nothing left.
        assert sorted(r.read for r in results) == [0, 40]
    else:  # SQLite lives on one computer: no team to coordinate, both read
        assert [r.read for r in results] == [40, 40]
    assert all(len(history(ctx, inv)) == 1 for inv in invoices)
    with ctx.store.session(readonly=True) as session:
        assert len(repository.list_payments(session, PROFILE, tz=ZoneInfo("UTC"), limit=None)) == 40
