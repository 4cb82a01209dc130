"""The operations registry read whole against a sandbox of each paging convention: the convention
found on first use and kept, every record once, half-open periods, and a list that never reaches
its count is an error naming the period and both counts (issue 11)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from epay_helpers import count, make_client, sandbox_profile

from halyk_desk.domain import Money
from halyk_desk.epay import EpayClient, errors
from halyk_desk.sandbox import PAGING_CONVENTIONS, SandboxBank, SandboxServer

ALMATY = ZoneInfo("Asia/Almaty")
DAY = datetime(2026, 11, 10, tzinfo=ALMATY)
OPS = "/operations"


def _bank(paging: str, n: int = 250) -> tuple[SandboxBank, set[str]]:
    bank = SandboxBank(paging=paging)
    made = {bank.add_payment(f"0005{i:05d}", Money(10000 + i),
                             created_at=DAY + timedelta(minutes=5 * i)) for i in range(n)}
    return bank, made


@pytest.fixture(params=PAGING_CONVENTIONS)
def paging(request) -> str:
    return request.param


def test_each_convention_is_found_and_every_record_arrives_once(paging):
    bank, made = _bank(paging)
    with SandboxServer(bank) as server, make_client(server) as client:
        records = list(client.iter_operations(DAY, DAY + timedelta(days=1), page_size=100))
        assert client.operations_paging == paging
        assert len(records) == 250 and {r.transaction_id for r in records} == made
        assert [r.created_at for r in records] == sorted(r.created_at for r in records)
        # Known now: the next list asks each page once, three pages, no probing.
        before = count(bank, "POST", OPS)
        again = list(client.iter_operations(DAY, DAY + timedelta(days=1), page_size=100))
        assert len(again) == 250 and count(bank, "POST", OPS) - before == 3


def test_a_known_convention_is_used_from_the_first_request(paging):
    bank, made = _bank(paging)
    with SandboxServer(bank) as server:
        profile = sandbox_profile(server)
        kept = EpayClient(replace(profile, operations_paging=paging), timeout=1, backoff=0.0)
        with kept as client:
            records = list(client.iter_operations(DAY, DAY + timedelta(days=1), page_size=100,
                                                  workers=4))
    assert {r.transaction_id for r in records} == made
    assert count(bank, "POST", OPS) == 3


@pytest.mark.parametrize(("bank_pages", "told"), [("zero", "one"), ("skip", "one"),
                                                   ("zero", "skip"), ("skip", "zero")])
def test_a_wrong_convention_fails_loudly_with_the_period_and_both_counts(bank_pages, told):
    bank, _ = _bank(bank_pages)
    with SandboxServer(bank) as server:
        profile = sandbox_profile(server)
        wrong = replace(profile, operations_paging=told)
        with EpayClient(wrong, timeout=1, backoff=0.0) as client:
            with pytest.raises(errors.RegistryIncomplete) as caught:
                list(client.iter_operations(DAY, DAY + timedelta(days=1), page_size=100,
                                            zone=ALMATY))
            assert client.operations_paging is None  # forgotten: the next list finds out again
    text = str(caught.value)
    assert "250" in text and "2026-11-10 00:00" in text and "2026-11-11 00:00" in text
    assert "Asia/Almaty" in text
    assert count(bank, "POST", OPS) <= 6  # fails fast, not a request per record


def test_the_period_is_half_open_in_the_business_time_zone(paging):
    bank = SandboxBank(paging=paging)
    at_start = bank.add_payment("000900001", Money(5000), created_at=DAY)
    bank.add_payment("000900002", Money(5000), created_at=DAY + timedelta(days=1))  # next day
    last = bank.add_payment("000900003", Money(5000),
                            created_at=DAY + timedelta(days=1, seconds=-1))
    with SandboxServer(bank) as server, make_client(server) as client:
        today = [r.transaction_id for r in client.iter_operations(DAY, DAY + timedelta(days=1))]
        tomorrow = [r.invoice_id for r in client.iter_operations(
            DAY + timedelta(days=1), DAY + timedelta(days=2))]
    assert today == [at_start, last] and tomorrow == ["000900002"]


def test_payments_created_while_paging_are_read_too(paging):
    bank, made = _bank(paging, 120)
    with SandboxServer(bank) as server, make_client(server) as client:
        list(client.iter_operations(DAY, DAY + timedelta(days=1), page_size=50))  # learn paging

        later = bank.add_payment  # a customer pays between two pages: the count grows
        original = client.operations_page
        late: list[str] = []

        def page_then_pay(*args, **kwargs):
            found = original(*args, **kwargs)
            if not late:
                late.append(later("000999999", Money(7000), created_at=DAY + timedelta(hours=23)))
            return found

        client.operations_page = page_then_pay  # type: ignore[method-assign]
        records = list(client.iter_operations(DAY, DAY + timedelta(days=1), page_size=50))
    assert {r.transaction_id for r in records} == made | set(late)


def test_a_bank_that_refuses_page_0_of_a_kept_convention_is_found_out_again():
    bank, made = _bank("one")
    with SandboxServer(bank) as server:
        profile = sandbox_profile(server)
        kept = replace(profile, operations_paging="zero")
        with EpayClient(kept, timeout=1, backoff=0.0) as client:
            records = list(client.iter_operations(DAY, DAY + timedelta(days=1), page_size=100))
            assert client.operations_paging == "one"
    assert {r.transaction_id for r in records} == made
