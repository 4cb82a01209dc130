"""The payments list paged by key and searched by walking the sort's index gives exactly the rows,
in exactly the order, of the plain offset pages and of the whole list; on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from halyk_desk.domain import State
from halyk_desk.store import repository
from halyk_desk.store.records import OrderRecord, PaymentFilter, PaymentRecord

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")
N = 60
PAGE = 7
STATES = (State.CAPTURED, State.HELD, State.FAILED, State.REFUNDED)
KEYED = ("created_at", "invoice_id", "amount", "state")


@pytest.fixture
def listed(store, shop):
    """N orders with many ties: four amounts, three orders an hour, a common surname prefix,
    blank customers; every fourth order never read."""
    orders, payments = [], []
    for i in range(N):
        invoice = f"{500_000 + i * 7:06d}"
        customer = None if i % 5 == 0 else ("Иванов Пётр", "иванова анна", "Петров")[i % 3]
        orders.append(OrderRecord(invoice_id=invoice, amount_minor=(1_000, 2_500, 990, 40)[i % 4]
                                  * 100, created_at=T0 + timedelta(hours=i // 3),
                                  customer=customer))
        if i % 4 != 3:
            payments.append(PaymentRecord(
                invoice_id=invoice, state=STATES[i % 3], bank_status="CHARGE",
                reference=f"22{i:010d}", card_mask=f"440043...{i % 10:04d}",
                last_read_at=T0 + timedelta(days=1)))
    with store.session() as session:
        repository.upsert_orders(session, shop, orders)
        repository.save_payments(session, shop, payments)
    return shop


def rows(store, profile, filters=None, **kwargs) -> list[str]:
    with store.session(readonly=True) as session:
        return [r.invoice_id for r in repository.list_payments(session, profile, filters,
                                                               tz=UTC_ZONE, **kwargs)]


FILTERS = [
    PaymentFilter(),
    PaymentFilter(text="иван"),
    PaymentFilter(states=frozenset({State.CAPTURED, State.UNKNOWN})),
    # The first day's orders (until midnight UTC), not those of the night after.
    PaymentFilter(date_from=T0.date(), date_to=T0.date(), text="ИВАН"),
]


@pytest.mark.parametrize("sort", KEYED)
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("filters", FILTERS)
def test_pages_by_key_are_the_pages_by_offset(store, listed, sort, descending, filters):
    order = {"sort": sort, "descending": descending}
    whole = rows(store, listed, filters, limit=None, **order)
    assert len(whole) > 2 * PAGE

    forward: list[str] = []
    for _ in range(N):  # a page that repeats rows must fail the test, not loop for ever
        page = rows(store, listed, filters, limit=PAGE, after=forward[-1] if forward else None,
                    **order)
        if not page:
            break
        forward += page
    assert forward == whole

    backward = [whole[-1]]
    for _ in range(N):
        page = rows(store, listed, filters, limit=PAGE, before=backward[0], **order)
        if not page:
            break
        backward = page + backward
    assert backward == whole

    for start in range(1, len(whole), 5):
        expected = whole[start:start + PAGE]
        assert rows(store, listed, filters, limit=PAGE, after=whole[start - 1], **order) \
            == expected
        assert rows(store, listed, filters, limit=PAGE, offset=start, **order) == expected


@pytest.mark.parametrize("sort", ["customer", "card_mask", "reference"])
def test_sorts_without_keyset_page_by_offset_whatever_the_anchor(store, listed, sort):
    whole = rows(store, listed, sort=sort, limit=None)
    for start in (0, 9, 30):
        assert rows(store, listed, sort=sort, offset=start, limit=PAGE,
                    after=whole[0], before=whole[-1]) == whole[start:start + PAGE]


def test_an_anchor_that_is_no_order_falls_back_to_the_offset(store, listed):
    whole = rows(store, listed, sort="amount", limit=None)
    assert rows(store, listed, sort="amount", offset=10, limit=PAGE, after="999999999") \
        == whole[10:10 + PAGE]


def test_a_broad_search_walks_the_index_and_finds_what_the_hits_give(store, listed):
    pid_text = {"иван": True, "22000000001": False}  # most orders; an RRN prefix (a few)
    with store.session(readonly=True) as session:
        pid = repository.profile_id(session, listed)
        # The two ways a search is run are both exercised below.
        assert {text: repository._search_is_broad(session, pid, text, PAGE)
                for text in pid_text} == pid_text
    for text in pid_text:
        for sort in (*KEYED, "customer"):
            flt = PaymentFilter(text=text)
            whole = rows(store, listed, flt, sort=sort, limit=None)  # every hit, then sorted
            pages = [rows(store, listed, flt, sort=sort, offset=o, limit=PAGE)
                     for o in range(0, len(whole) + PAGE, PAGE)]
            assert [i for page in pages for i in page] == whole
            with store.session(readonly=True) as session:
                assert repository.count_payments(session, listed, flt, tz=UTC_ZONE) == len(whole)


class CancelledAfterFirstLook(threading.Event):
    """A cancel event that is set from its second look on: the first is before the query starts,
    the next ones are SQLite's between steps of it (PostgreSQL looks only before)."""

    def __init__(self) -> None:
        super().__init__()
        self.looks = 0

    def is_set(self) -> bool:
        self.looks += 1
        return self.looks > 1


def test_a_cancelled_query_stops_with_cancelled_and_the_session_goes_on(
    store, listed, monkeypatch
):
    given_up = threading.Event()
    given_up.set()
    with store.session(readonly=True) as session:
        with pytest.raises(repository.Cancelled):
            repository.list_payments(session, listed, tz=UTC_ZONE, limit=None, cancel=given_up)
        if store.dialect == "sqlite":
            monkeypatch.setattr(repository, "CANCEL_CHECK_STEPS", 1)
            with pytest.raises(repository.Cancelled):
                repository.list_payments(session, listed, tz=UTC_ZONE, limit=None,
                                         cancel=CancelledAfterFirstLook())
        # Nothing is left behind on the connection: the next query runs to its end.
        assert len(repository.list_payments(session, listed, tz=UTC_ZONE, limit=None,
                                            cancel=threading.Event())) == N
