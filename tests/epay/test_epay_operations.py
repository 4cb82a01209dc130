"""POST /operations: every record of a period, page after page, typed defensively."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from epay_helpers import count

from halyk_desk.domain import Money, State, utc_now
from halyk_desk.epay import errors

OPS = "/operations"


@pytest.fixture
def now():
    return utc_now().replace(microsecond=0)


def test_every_record_of_a_period_arrives_across_several_pages(bank, client, now):
    made = {
        bank.add_payment(f"0005{n:05d}", Money(10000 + n), status="CHARGE",
                         created_at=now - timedelta(hours=n))
        for n in range(1, 251)
    }
    records = list(client.iter_operations(now - timedelta(days=30), now, page_size=100))
    assert {r.transaction_id for r in records} == made and len(records) == 250
    assert count(bank, "POST", OPS) == 3
    # Oldest first, so payments created while paging cannot shift the pages already read.
    assert [r.created_at for r in records] == sorted(r.created_at for r in records)


def test_only_the_period_asked_for_is_listed(bank, client, now):
    inside = bank.add_payment("000600001", Money(5000), created_at=now - timedelta(hours=5))
    bank.add_payment("000600002", Money(5000), created_at=now - timedelta(days=3))
    records = list(client.iter_operations(now - timedelta(days=1), now))
    assert [r.transaction_id for r in records] == [inside]


def test_records_are_typed_like_statuses(bank, client, now):
    created = now - timedelta(hours=1)
    tx = bank.add_payment("000600003", Money(100000), status="CHARGE", refunded=Money(25050),
                          created_at=created, card_mask="440043...9821")
    (record,) = client.iter_operations(now - timedelta(days=1), now)
    assert (record.transaction_id, record.invoice_id, record.status_name) == (
        tx, "000600003", "CHARGE"
    )
    assert record.state is State.PARTIALLY_REFUNDED
    assert (record.original, record.remaining, record.refunded) == (
        Money(100000), Money(74950), Money(25050)
    )
    assert record.created_at == created and record.created_at.utcoffset() == timedelta(0)
    assert record.payout_date is not None and record.card_mask == "440043...9821"
    assert record.raw["invoiceId"] == "000600003"


def test_filtering_by_order_numbers(bank, client, now):
    wanted = bank.add_payment("000600004", Money(5000), created_at=now - timedelta(hours=1))
    bank.add_payment("000600005", Money(5000), created_at=now - timedelta(hours=1))
    records = list(client.iter_operations(now - timedelta(days=1), now, invoice_ids=["000600004"]))
    assert [r.transaction_id for r in records] == [wanted]


def test_an_empty_period_is_one_request_and_no_records(bank, client, now):
    assert list(client.iter_operations(now - timedelta(days=1), now)) == []
    assert count(bank, "POST", OPS) == 1


def test_an_empty_list_of_order_numbers_asks_nothing(bank, client, now):
    assert list(client.iter_operations(now - timedelta(days=1), now, invoice_ids=[])) == []
    assert count(bank, "POST", OPS) == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)),
        (datetime(2026, 11, 1), datetime(2026, 11, 2)),  # naive: refused, never guessed
    ],
)
def test_a_bad_period_is_refused_before_asking(bank, client, start, end):
    with pytest.raises(ValueError):
        client.iter_operations(start, end)
    assert count(bank, "POST", OPS) == 0


def test_a_failed_page_is_retried_and_a_dead_list_is_transient(bank, server, client, now):
    bank.add_payment("000600006", Money(5000), created_at=now - timedelta(hours=1))
    server.set_fault("html502", match=OPS)
    with pytest.raises(errors.TransientError) as caught:
        list(client.iter_operations(now - timedelta(days=1), now))
    assert "operations list" in str(caught.value).lower()
    assert count(bank, "POST", OPS) == 3
