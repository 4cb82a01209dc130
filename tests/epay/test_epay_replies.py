"""Replies the sandbox does not give but a real bank or a proxy might, served over real HTTP by
a canned server: the docs' own example, odd shapes, garbage — each read or refused clearly."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from halyk_desk.domain import Money, State
from halyk_desk.epay import errors

STATUS = "/check-status/payment/transaction/"
DOCS_EXAMPLE = {
    "resultCode": "100", "resultMessage": "SUCCESS",
    "transaction": {
        "id": "af2089fe-43b1-47eb-a61f-c78dd196e18d",
        "createdDate": "2022-11-15T03:52:17.289853+06:00", "invoiceID": "205218074",
        "amount": 12.22, "amountBonus": 0, "payoutAmount": 10, "orgAmount": 22.22,
        "approvalCode": "170243", "currency": "KZT", "terminal": "98120001",
        "cardMask": "400303...9821", "cardType": "VISA", "reference": "227078813195",
        "reason": "", "reasonCode": "0", "statusName": "CHARGE", "data": "{\"a\": 1}",
    },
}


def _with(**changes):
    return {**DOCS_EXAMPLE, "transaction": {**DOCS_EXAMPLE["transaction"], **changes}}


def _without(name):
    return {**DOCS_EXAMPLE, "transaction": {
        k: v for k, v in DOCS_EXAMPLE["transaction"].items() if k != name
    }}


def test_the_docs_example_reads_exactly(canned, canned_client):
    canned.reply(STATUS, 200, DOCS_EXAMPLE)
    status = canned_client.get_status("205218074")
    assert (status.original, status.remaining, status.refunded) == (
        Money(2222), Money(1222), Money(1000)
    )
    assert status.captured == Money(2222) and status.state is State.PARTIALLY_REFUNDED
    assert status.created_at == datetime(2022, 11, 14, 21, 52, 17, 289853, tzinfo=UTC)
    assert status.raw["transaction"]["amount"] == Decimal("12.22")  # exact, never a float


def test_amounts_as_strings_an_empty_currency_and_no_payout_field(canned, canned_client):
    reply = _without("payoutAmount")
    reply["transaction"].update(amount="1500.50", orgAmount="1500.50", currency="")
    canned.reply(STATUS, 200, reply)
    status = canned_client.get_status("205218074")
    assert status.currency == "KZT" and status.captured == Money(150050, "KZT")
    assert status.refunded == Money(0)


def test_a_numeric_result_code_is_read_as_the_string_the_docs_promise(canned, canned_client):
    canned.reply(STATUS, 200, {**DOCS_EXAMPLE, "resultCode": 100})
    assert canned_client.get_status("205218074").status_name == "CHARGE"


def test_a_full_card_number_is_masked_before_it_reaches_our_records(canned, canned_client):
    canned.reply(STATUS, 200, _with(cardMask="4003030000009821"))
    status = canned_client.get_status("205218074")
    assert status.card_mask == "400303...9821" and "4003030000009821" not in repr(status)


@pytest.mark.parametrize(
    ("code", "cls", "words"),
    [
        ("101", errors.BankRefused, "rejected"),
        ("104", errors.BankRefused, "no terminal"),
        ("102", errors.InvoiceNotFound, "no payment"),
    ],
)
def test_result_codes_carry_their_meaning(canned, canned_client, code, cls, words):
    canned.reply(STATUS, 200, {"resultCode": code, "resultMessage": "bank says no"})
    with pytest.raises(cls) as caught:
        canned_client.get_status("205218074")
    assert caught.value.code == code and caught.value.bank_message == "bank says no"
    assert words in str(caught.value) and "205218074" in str(caught.value)


def test_http_400_with_code_and_message_on_a_read_is_a_refusal(canned, canned_client):
    canned.reply(STATUS, 400, {"code": 15, "message": "Invalid request"})
    with pytest.raises(errors.BankRefused) as caught:
        canned_client.get_status("205218074")
    assert (caught.value.code, caught.value.bank_message) == ("15", "Invalid request")
    assert len(canned.bodies) == 1


@pytest.mark.parametrize(
    ("status", "body", "ctype"),
    [
        (200, "<html><body>Maintenance</body></html>", "text/html"),
        (200, "OK", "text/plain"),
        (200, "", "application/json"),
        (200, {"resultCode": "100"}, "application/json"),
        (200, {"status": "fine"}, "application/json"),
        (200, [1, 2], "application/json"),
        (200, _without("statusName"), "application/json"),
        (200, _without("amount"), "application/json"),
        (200, _without("id"), "application/json"),
        (200, _with(amount="12,22"), "application/json"),
        (200, _with(amount=float("nan")), "application/json"),
        (200, _with(createdDate="yesterday"), "application/json"),
        (200, _with(currency="tenge"), "application/json"),
    ],
    ids=["html", "text", "empty", "no transaction", "no resultCode", "a list", "no statusName",
         "no amount", "no id", "comma amount", "NaN amount", "bad date", "bad currency"],
)
def test_an_unreadable_status_is_malformed_and_not_retried(canned, canned_client, status, body,
                                                            ctype):
    canned.reply(STATUS, status, body, ctype)
    with pytest.raises(errors.MalformedReply) as caught:
        canned_client.get_status("205218074")
    assert "205218074" in str(caught.value) and caught.value.hint
    assert len(canned.bodies) == 1


# --- money operations: an undocumented success body, refusals in either shape ------------------
def test_any_success_body_of_a_money_operation_is_success(canned, canned_client):
    canned.reply("/operation/", 200, "OK", "text/plain")
    canned_client.cancel("tx-1")
    canned.reply("/operation/", 200, {"resultCode": "100", "resultMessage": "SUCCESS"})
    canned_client.refund("tx-1", Money(150050), "ext-1")
    assert [path for path, _ in canned.bodies] == [
        "/operation/tx-1/cancel", "/operation/tx-1/refund?amount=1500.50&externalID=ext-1"
    ]


def test_amounts_are_sent_as_the_banks_examples_write_them(canned, canned_client):
    canned.reply("/operation/", 200, "")
    canned_client.confirm("tx-1", Money(30000))
    canned_client.confirm("tx-1")
    assert [path for path, _ in canned.bodies] == [
        "/operation/tx-1/charge?amount=300", "/operation/tx-1/charge"
    ]


def test_a_busy_bank_on_a_money_operation_is_transient_and_not_repeated(canned, canned_client):
    canned.reply("/operation/", 200, {"resultCode": "107", "resultMessage": "in progress"})
    with pytest.raises(errors.TransientError) as caught:
        canned_client.confirm("tx-1", invoice_id="205218074")
    assert "Nothing was done" in str(caught.value) and len(canned.bodies) == 1


def test_a_400_without_details_on_a_money_operation_is_still_a_refusal(canned, canned_client):
    canned.reply("/operation/", 400, "<html>Bad Request</html>", "text/html")
    with pytest.raises(errors.BankRefused) as caught:
        canned_client.cancel("tx-1")
    assert caught.value.code is None and "HTTP 400" in str(caught.value)
    assert "tx-1" in str(caught.value)


def test_transaction_ids_cannot_escape_their_path_segment(canned, canned_client):
    canned.reply("/operation/", 200, "")
    canned_client.cancel("../operations?x=1")
    assert canned.bodies[0][0] == "/operation/..%2Foperations%3Fx%3D1/cancel"


# --- the operations list: undocumented shapes --------------------------------------------------
PERIOD = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))


def _record(n):
    return {"id": f"tx-{n}", "invoiceId": f"{n:09d}", "status": "CHARGE", "amount": 10,
            "orgAmount": 10, "payoutAmount": 0, "createdDate": "2026-11-01T10:00:00+05:00",
            "newField": {"nested": True}}


def test_the_request_asks_for_the_period_oldest_first_in_utc(canned, canned_client):
    canned.reply("/operations", 200, {"totalCount": 0, "records": []})
    almaty_ten_am = datetime(2026, 11, 1, 10, 0, tzinfo=timezone(timedelta(hours=5)))
    list(canned_client.iter_operations(almaty_ten_am, PERIOD[1], page_size=50))
    sent = json.loads(canned.bodies[0][1])
    assert sent["paging"] == {"page": 0, "size": 50}  # the first page, whatever the convention
    assert sent["searchParameters"] == [{
        "name": "created_date", "method": "between",
        "searchParameter": ["2026-11-01T05:00:00Z", "2026-11-02T00:00:00Z"],
    }]
    assert sent["orderParameters"] == [{"field": "created_date", "typeOrder": "ASC"}]


def test_an_empty_200_body_means_no_operations(canned, canned_client):
    canned.reply("/operations", 200, "")
    assert list(canned_client.iter_operations(*PERIOD)) == []


def test_a_bare_list_of_records_is_read(canned, canned_client):
    canned.reply("/operations", 200, [_record(1), _record(2)])
    records = list(canned_client.iter_operations(*PERIOD))
    assert [r.invoice_id for r in records] == ["000000001", "000000002"]
    assert records[0].state is State.CAPTURED


def test_a_bank_that_ignores_paging_does_not_loop_forever(canned, canned_client):
    canned.reply("/operations", 200, {"records": [_record(n) for n in range(3)]})
    records = list(canned_client.iter_operations(*PERIOD, page_size=3))
    assert [r.transaction_id for r in records] == ["tx-0", "tx-1", "tx-2"]
    assert len(canned.bodies) == 3  # pages 0 and 1 alike (a 1-based bank?), page 2: nothing new


def test_missing_record_fields_are_none(canned, canned_client):
    canned.reply("/operations", 200, {"totalCount": 1, "records": [{"id": "tx-9"}]})
    (record,) = canned_client.iter_operations(*PERIOD)
    assert record.transaction_id == "tx-9" and record.state is State.NEEDS_REVIEW
    assert (record.invoice_id, record.remaining, record.created_at, record.card_mask) == (
        None, None, None, None
    )
    assert record.currency == "KZT"


@pytest.mark.parametrize(
    "body",
    [{"data": [_record(1)]}, {"totalCount": 5}, {"records": "none"}, {"records": [1, 2]},
     {"records": [{**_record(1), "amount": "lots"}]}, "<html>oops</html>"],
    ids=["other field", "count without records", "records not a list", "records not objects",
         "garbled amount", "html"],
)
def test_an_unrecognised_list_is_malformed_never_an_empty_day(canned, canned_client, body):
    canned.reply("/operations", 200, body, "text/html" if isinstance(body, str) else
                 "application/json")
    with pytest.raises(errors.MalformedReply):
        list(canned_client.iter_operations(*PERIOD))


def test_a_redirect_on_a_money_operation_is_never_taken_for_success(canned, canned_client):
    canned.reply("/operation/", 301, "<html>Moved</html>", "text/html")
    with pytest.raises(errors.MalformedReply) as caught:
        canned_client.cancel("tx-1")
    assert "HTTP 301" in str(caught.value) and "address" in caught.value.hint


def test_a_rate_limited_read_is_retried_and_a_rate_limited_money_operation_is_not(
    canned, canned_client
):
    canned.reply(STATUS, 429, "")
    canned.reply("/operation/", 429, "")
    with pytest.raises(errors.TransientError):
        canned_client.get_status("205218074")
    with pytest.raises(errors.TransientError):
        canned_client.cancel("tx-1")
    assert [path.split("/")[1] for path, _ in canned.bodies] == [
        "check-status", "check-status", "operation"
    ]


@pytest.mark.parametrize("code", [102, 107, 103, 3])
def test_a_money_operations_code_is_read_in_its_own_table(canned, canned_client, code):
    # 102 is "no such invoice" and 107 "busy" only in the status check's resultCode table.
    canned.reply("/operation/", 400, {"code": code, "message": "Operation is not allowed"})
    with pytest.raises(errors.BankRefused) as caught:
        canned_client.refund("tx-1", None, "refund-1", invoice_id="205218074")
    error = caught.value
    assert type(error) is errors.BankRefused and error.code == str(code)
    assert "Operation is not allowed" in str(error) and "no payment" not in str(error)
    assert "in progress" not in str(error) and len(canned.bodies) == 1


def test_the_status_checks_result_code_keeps_its_table(canned, canned_client):
    canned.reply(STATUS, 400, {"resultCode": "102", "resultMessage": "Invoice not found"})
    with pytest.raises(errors.InvoiceNotFound):
        canned_client.get_status("205218074")
