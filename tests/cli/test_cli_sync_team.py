"""A team reads the bank once (issue 11): two programs syncing one profile of a shared PostgreSQL
database at the same time — the second waits for the first (showing its progress), then reads
only what the first left, so each payment is read from the bank once."""

from __future__ import annotations

import pytest
from cli_helpers import add_orders, child, read_count, wait_until

from halyk_desk.domain import utc_now
from halyk_desk.sandbox import SandboxBank, SandboxServer

ORDERS = 200


@pytest.fixture
def server(bank: SandboxBank):
    # Slow enough that the first sync is still reading when the second one starts.
    with SandboxServer(bank, port=0, latency_ms=40) as srv:
        yield srv


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_a_second_desktop_waits_and_the_bank_is_read_once(store_url, shop, bank):
    add_orders(shop, bank, ["CHARGE", "AUTH", "REFUND", "CHARGE"] * (ORDERS // 4),
               created=utc_now())

    first = child(store_url, "--lang", "en", "sync", "--concurrency", "1")  # about 8 s
    wait_until(lambda: read_count(shop) >= 5, "the first sync to be reading")
    second = child(store_url, "--lang", "en", "sync", "--concurrency", "2")
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)

    assert first.returncode == 0, out1 + err1
    assert second.returncode == 0, out2 + err2
    status_reads = [path for method, path in bank.requests if "/check-status/" in path]
    assert len(status_reads) == ORDERS and len(set(status_reads)) == ORDERS  # each once
    assert read_count(shop) == ORDERS
    assert "another program is syncing this profile" in err2 and f"of {ORDERS} read)" in err2
    assert "Another program synced this profile" in out2
    assert "read 0 of 0" in out2
