"""The bank's text cannot be refused, so it is neutralised where it comes in: no ESC, BEL, CR or
bidi override reaches the store, the terminal, the window, the workbook or the audit log."""

from __future__ import annotations

from halyk_desk.epay.errors import BankRefused
from halyk_desk.epay.models import PaymentStatus


def test_control_characters_in_a_status_reply_become_replacement_characters():
    reply = {"resultCode": "100", "transaction": {
        "id": "tx\x1b[31m1", "invoiceID": "000123456", "statusName": "CHARGE", "amount": 100,
        "currency": "KZT", "createdDate": "2026-11-27T10:00:00+05:00",
        "description": "Оплата\r\x1b]0;pwned\x07 заказа", "reason": "ok\u202eko",
        "cardMask": "440043******6789"}}
    status = PaymentStatus.from_reply(reply, "000123456")
    assert status.description == "Оплата\ufffd\ufffd]0;pwned\ufffd заказа"
    assert status.reason == "ok\ufffdko"
    assert status.transaction_id == "tx\ufffd[31m1"


def test_a_refusal_message_is_neutralised_too():
    refused = BankRefused("474", "Declined\x1b[2J\x07", operation="refund")
    assert refused.bank_message == "Declined\ufffd[2J\ufffd"
    assert "\x1b" not in str(refused) and "\x07" not in str(refused)
