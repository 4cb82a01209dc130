"""A daily sync reads only what could have changed (issue 11): the bank's registry first, status
reads for what it shows new or different; by age when the registry cannot be used, and it says so;
the paging convention found is kept with the profile."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sync_helpers import PROFILE, add_orders, make_client, make_ctx, payment, status_reads

from halyk_desk.domain import Money, State, utc_now
from halyk_desk.sandbox import PAGING_CONVENTIONS, SandboxBank, SandboxServer
from halyk_desk.services.sync import sync_statuses
from halyk_desk.services.sync_plan import RECENT
from halyk_desk.store import repository

MIX = ["CHARGE"] * 14 + ["AUTH"] * 2 + ["REFUND", "FAILED", None, "NEW"]


def test_every_change_at_the_bank_is_found_and_only_those_are_read(ctx, bank, client):
    invoices = add_orders(ctx, bank, MIX)
    sync_statuses(ctx, client=client)
    # Meanwhile, in the bank's cabinet: a refund, a partial refund, a hold confirmed, a hold
    # released, and a customer who finally paid.
    bank.refund(bank.get(invoices[0]).id)
    bank.refund(bank.get(invoices[1]).id, 100_00)
    bank.charge(bank.get(invoices[14]).id)
    bank.cancel(bank.get(invoices[15]).id)
    bank.add_payment(invoices[18], Money(1000_00), created_at=utc_now() - timedelta(minutes=5))
    before = status_reads(bank)

    summary = sync_statuses(ctx, client=client)

    changed = {invoices[i] for i in (0, 1, 14, 15, 18)}
    assert (summary.read, summary.changed, summary.errors) == (5, 5, 0)
    assert status_reads(bank) - before == 5
    assert all(status_reads(bank, inv) == 2 for inv in changed)
    assert [payment(ctx, invoices[i]).state for i in (0, 1, 14, 15, 18)] == [
        State.REFUNDED, State.PARTIALLY_REFUNDED, State.CAPTURED, State.RELEASED,
        State.CAPTURED]


@pytest.mark.parametrize("paging", PAGING_CONVENTIONS)
def test_the_paging_found_by_a_sync_is_kept_with_the_profile(store, app_paths, paging):
    bank = SandboxBank(paging=paging)
    with SandboxServer(bank) as server, make_client(server) as client:
        ctx = make_ctx(store, app_paths, server)
        add_orders(ctx, bank, ["CHARGE"] * 250)
        sync_statuses(ctx, client=client)
        second = sync_statuses(ctx, client=client)
    with store.session(readonly=True) as session:
        assert repository.get_profile(session, PROFILE).operations_paging == paging
    assert (second.read, second.unchanged, second.registry) == (0, 250, 250)


def test_without_a_usable_registry_payments_are_read_by_age_and_the_sync_says_so(
        store, app_paths):
    bank = SandboxBank(cabinet_only=True)  # the registry answers only the cabinet's login
    with SandboxServer(bank) as server, make_client(server) as client:
        ctx = make_ctx(store, app_paths, server)
        now = utc_now()
        old = add_orders(ctx, bank, ["CHARGE", "CHARGE"], created=now - timedelta(days=40))
        young = add_orders(ctx, bank, ["CHARGE", "AUTH"], first=200_001,
                           created=now - RECENT / 2)
        sync_statuses(ctx, client=client)
        before = status_reads(bank)

        summary = sync_statuses(ctx, client=client)

    # Read again: the recent captured payment and the hold; the old captured ones were read
    # a moment ago, and at 40 days old they are due only every few days.
    assert summary.registry is None and summary.fallback is not None
    assert "--cabinet-user" in str(summary.fallback)
    assert (summary.read, summary.unchanged) == (2, 2)
    assert {inv for inv in young if status_reads(bank, inv) == 2} == set(young)
    assert all(status_reads(bank, inv) == 1 for inv in old)
    assert status_reads(bank) - before == 2


def test_old_captured_payments_are_read_again_once_their_last_read_is_old(store, app_paths):
    bank = SandboxBank(cabinet_only=True)
    with SandboxServer(bank) as server, make_client(server) as client:
        ctx = make_ctx(store, app_paths, server)
        [old] = add_orders(ctx, bank, ["CHARGE"], created=utc_now() - timedelta(days=40))
        sync_statuses(ctx, client=client)
        with store.session() as session:  # last read 10 days ago: more than 40/7 days
            record = repository.get_payment(session, PROFILE, old)
            repository.save_payments(session, PROFILE, [replace(
                record, last_read_at=utc_now() - timedelta(days=10))])
        summary = sync_statuses(ctx, client=client)
    assert summary.read == 1 and status_reads(bank, old) == 2


def test_all_reads_everything_whatever_the_registry_says(ctx, bank, client):
    invoices = add_orders(ctx, bank, MIX)
    sync_statuses(ctx, client=client)
    summary = sync_statuses(ctx, client=client, include_final=True)
    assert summary.read == len(invoices) and summary.registry is None
