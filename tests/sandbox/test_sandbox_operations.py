"""POST /operations: the mandatory period, filters, paging, ordering and the record shape."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sandbox_helpers import EVERYTHING, NOW, get_token, operations

from halyk_desk.domain import Money, parse_bank_datetime
from halyk_desk.sandbox import RefusalCode, SandboxBank, SandboxServer


def _period(start, end) -> dict:
    return {"name": "created_date", "method": "between",
            "searchParameter": [start.isoformat().replace("+00:00", "Z"),
                                end.isoformat().replace("+00:00", "Z")]}


def _ids(reply) -> list[str]:
    assert reply.status_code == 200, reply.text
    return [r["invoiceId"] for r in reply.json()["records"]]


@pytest.fixture
def five_days(bank):
    """One payment a day at 09:00 UTC for five days; invoice 00000N is N days old."""
    return [bank.add_payment(f"00000{n}", Money(10000 * (n + 1)),
                             created_at=NOW - timedelta(days=n)) for n in range(5)]


def test_a_record_has_the_reported_fields_and_casing(http, server, bank, token):
    tx = bank.add_payment("000700001", Money(100000), refunded=Money(25050),
                          refunded_at=NOW + timedelta(hours=1), card_type="MASTERCARD")
    reply = operations(http, server, token, {"paging": {"page": 0, "size": 10},
                                             "searchParameters": [EVERYTHING]})
    body = json.loads(reply.text, parse_float=Decimal)
    assert body["totalCount"] == 1
    record = body["records"][0]
    assert record["id"] == tx and record["invoiceId"] == "000700001"
    assert "invoiceID" not in record and "statusName" not in record
    assert record["status"] == "CHARGE" and record["cardType"] == "MASTERCARD"
    assert (record["amount"], record["orgAmount"], record["payoutAmount"]) == (
        Decimal("749.50"), Decimal("1000.00"), Decimal("250.50"))
    assert parse_bank_datetime(record["createdDate"]) == NOW
    assert parse_bank_datetime(record["payoutDate"]) == NOW + timedelta(hours=1)
    for field in ("reference", "currency", "cardMask", "issuer", "approvalCode"):
        assert field in record


def test_without_created_date_between_the_request_is_refused(http, server, five_days, token):
    for query in ({}, {"searchParameters": []},
                  {"searchParameters": [{"name": "invoice_id", "method": "=",
                                         "searchParameter": ["000001"]}]},
                  {"searchParameters": [{"name": "created_date", "method": ">=",
                                         "searchParameter": ["2026-01-01T00:00:00Z"]}]}):
        reply = operations(http, server, token, query)
        assert reply.status_code == 400 and reply.json()["code"] == RefusalCode.BAD_REQUEST


def test_created_date_between_is_inclusive(http, server, five_days, token):
    reply = operations(http, server, token, {"searchParameters": [
        _period(NOW - timedelta(days=3), NOW - timedelta(days=1))]})
    assert sorted(_ids(reply)) == ["000001", "000002", "000003"]


def test_period_bounds_may_carry_an_offset(http, server, five_days, token):
    period = {"name": "created_date", "method": "between",
              "searchParameter": ["2026-11-26T00:00:00+05:00", "2026-11-27T00:00:00+05:00"]}
    # 2026-11-26 in Almaty holds 09:00 UTC of the 26th: the payment one day old.
    assert _ids(operations(http, server, token, {"searchParameters": [period]})) == ["000001"]


def test_filter_by_invoice_id_equal_and_in(http, server, five_days, token):
    equal = {"name": "invoice_id", "method": "=", "searchParameter": ["000003"]}
    among = {"name": "invoice_id", "method": "in", "searchParameter": ["000000", "000004", "x"]}
    assert _ids(operations(http, server, token, {"searchParameters": [EVERYTHING, equal]})) == [
        "000003"]
    assert sorted(_ids(operations(http, server, token, {"searchParameters": [EVERYTHING, among]}))
                  ) == ["000000", "000004"]


def test_default_order_is_newest_first_and_asc_is_honoured(http, server, five_days, token):
    newest_first = _ids(operations(http, server, token, {"searchParameters": [EVERYTHING]}))
    assert newest_first == ["000000", "000001", "000002", "000003", "000004"]
    oldest_first = _ids(operations(http, server, token, {
        "searchParameters": [EVERYTHING],
        "orderParameters": [{"field": "created_date", "typeOrder": "ASC"}]}))
    assert oldest_first == newest_first[::-1]
    by_amount = _ids(operations(http, server, token, {
        "searchParameters": [EVERYTHING],
        "orderParameters": [{"field": "amount", "typeOrder": "DESC"}]}))
    assert by_amount == newest_first[::-1]


def test_pages_cover_every_record_once(http, server, bank, token):
    for n in range(23):  # many at the same instant: the order must still be stable across pages
        bank.add_payment(f"0008{n:05d}", Money(1000 + n), created_at=NOW - timedelta(hours=n // 5))
    seen: list[str] = []
    for page in range(4):
        reply = operations(http, server, token, {"paging": {"page": page, "size": 7},
                                                 "searchParameters": [EVERYTHING]})
        assert reply.json()["totalCount"] == 23
        seen += _ids(reply)
    assert len(seen) == 23 and len(set(seen)) == 23


@pytest.mark.parametrize(
    "query",
    [{"paging": {"page": -1, "size": 10}}, {"paging": {"page": 1, "size": 0}},
     {"paging": {"page": 1, "size": 100000}}, {"paging": "all"},
     {"orderParameters": [{"field": "nonsense", "typeOrder": "DESC"}]},
     {"orderParameters": [{"field": "created_date", "typeOrder": "SIDEWAYS"}]}],
)
def test_bad_paging_and_ordering_are_refused(http, server, token, query):
    reply = operations(http, server, token, {"searchParameters": [EVERYTHING], **query})
    assert reply.status_code == 400 and reply.json()["code"] == RefusalCode.BAD_REQUEST


@pytest.mark.parametrize(
    "param",
    [{"name": "colour", "method": "=", "searchParameter": ["red"]},
     {"name": "invoice_id", "method": "between", "searchParameter": ["1", "2"]},
     {"name": "created_date", "method": "between", "searchParameter": ["yesterday", "today"]},
     {"name": "created_date", "method": "between", "searchParameter": ["2026-01-01T00:00:00Z"]}],
)
def test_bad_filters_are_refused(http, server, token, param):
    reply = operations(http, server, token, {"searchParameters": [EVERYTHING, param]})
    assert reply.status_code == 400 and reply.json()["message"]


def test_body_that_is_not_a_json_object_is_refused(http, server, token):
    for content in (b"not json", b"[1, 2]"):
        reply = http.post(f"{server.api_url}/operations", content=content,
                          headers={"Authorization": f"Bearer {token}",
                                   "Content-Type": "application/json"})
        assert reply.status_code == 400 and reply.json()["code"] == RefusalCode.BAD_REQUEST


def test_stale_holds_are_listed_as_cancel_old(http, server, bank, token):
    bank.add_payment("000900001", Money(5000), status="AUTH", created_at=NOW - timedelta(days=8))
    records = operations(http, server, token, {"searchParameters": [EVERYTHING]}).json()["records"]
    assert [r["status"] for r in records] == ["CANCEL_OLD"]


@pytest.mark.parametrize(("paging", "pages", "expected"), [
    ("zero", [0, 1, 2], [[0, 1, 2], [3, 4, 5], [6]]),
    ("one", [1, 2, 3], [[0, 1, 2], [3, 4, 5], [6]]),
    ("skip", [0, 3, 6], [[0, 1, 2], [3, 4, 5], [6]]),
    ("skip", [0, 1], [[0, 1, 2], [1, 2, 3]]),
    ("zero", [0, 1], [[0, 1, 2], [3, 4, 5]]),
])
def test_each_paging_convention_reads_page_as_it_says(http, clock, paging, pages, expected):
    bank = SandboxBank(clock=clock, paging=paging)
    made = [bank.add_payment(f"0009{n:05d}", Money(1000), created_at=NOW - timedelta(hours=9 - n))
            for n in range(7)]
    order = [{"field": "created_date", "typeOrder": "ASC"}]
    with SandboxServer(bank) as srv:
        token = get_token(http, srv)
        got = [[r["id"] for r in operations(http, srv, token, {
            "paging": {"page": page, "size": 3}, "searchParameters": [EVERYTHING],
            "orderParameters": order}).json()["records"]] for page in pages]
    assert got == [[made[i] for i in indexes] for indexes in expected]


def test_a_one_based_bank_refuses_page_zero(http, clock):
    with SandboxServer(SandboxBank(clock=clock, paging="one")) as srv:
        reply = operations(http, srv, get_token(http, srv), {
            "paging": {"page": 0, "size": 3}, "searchParameters": [EVERYTHING]})
    assert reply.status_code == 400 and "from 1" in reply.json()["message"]
