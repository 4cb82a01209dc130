"""What the sandbox puts on the wire: the bank's JSON shapes, field casing and number formats."""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from halyk_desk.domain import ALMATY
from halyk_desk.sandbox.bank import SandboxPayment

#: The short terminal number the bank prints next to the terminal's UUID.
TERMINAL_NUMBER = "98120001"
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


def encode(value: Any) -> str:
    """JSON text in which Decimal amounts stay exact numbers with their two decimals (12.20).

    The C encoder writes each Decimal as a NUL-fenced string, then the fences and quotes go:
    one fast pass instead of a hand-written encoder (NUL never occurs in bank data).
    """
    text = json.dumps(value, ensure_ascii=False, default=_fence)
    return _FENCED.sub(r"\1", text)


def _fence(value: object) -> str:
    if isinstance(value, Decimal):
        return f"\0{value:f}\0"
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_FENCED = re.compile(r'"\\u0000(-?[0-9]+(?:\.[0-9]+)?)\\u0000"')


def json_reply(status: int, value: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return Reply(status, encode(value).encode("utf-8"), "application/json;charset=UTF-8", headers)


def tenge(minor: int) -> Decimal:
    return (Decimal(minor) / 100).quantize(_CENT)


def bank_time(moment: datetime) -> str:
    """Kazakhstan local time with its offset, as the bank writes it."""
    return moment.astimezone(ALMATY).isoformat(timespec="microseconds")


@functools.cache
def _status_id(status: str) -> str:
    """A stable id per status name, as the bank's statusID is."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"epay-status:{status}"))


def status_transaction(payment: SandboxPayment, terminal: str) -> dict[str, Any]:
    """The `transaction` object of GET /check-status/payment/transaction/{invoiceId}."""
    return {
        "id": payment.id,
        "createdDate": bank_time(payment.created_at),
        "invoiceID": payment.invoice_id,
        "amount": tenge(payment.amount_minor),
        "amountBonus": 0,
        "payoutAmount": tenge(payment.refunded_minor),
        "orgAmount": tenge(payment.original_minor),
        "approvalCode": payment.approval_code,
        "currency": payment.currency,
        "terminal": TERMINAL_NUMBER,
        "terminalID": terminal,
        "accountID": "",
        "description": payment.description,
        "language": payment.language,
        "cardMask": payment.card_mask,
        "cardType": payment.card_type,
        "issuer": payment.issuer,
        "reference": payment.reference,
        "intReference": "",
        "secure": payment.secure,
        "reason": payment.reason,
        "reasonCode": payment.reason_code,
        "statusID": _status_id(payment.status),
        "statusName": payment.status,
        "name": payment.name,
        "email": payment.email,
        "phone": payment.phone,
        "data": json.dumps(
            {"statement": {"invoiceID": payment.invoice_id, "description": payment.description}},
            ensure_ascii=False,
        ),
    }


def operations_record(payment: SandboxPayment, terminal: str) -> dict[str, Any]:
    """One record of POST /operations (note `invoiceId` and `status` here)."""
    return {
        "id": payment.id,
        "invoiceId": payment.invoice_id,
        "reference": payment.reference,
        "amount": tenge(payment.amount_minor),
        "orgAmount": tenge(payment.original_minor),
        "currency": payment.currency,
        "createdDate": bank_time(payment.created_at),
        "payoutDate": bank_time(payment.payout_at) if payment.payout_at else None,
        "payoutAmount": tenge(payment.refunded_minor),
        "status": payment.status,
        "cardMask": payment.card_mask,
        "cardType": payment.card_type,
        "issuer": payment.issuer,
        "approvalCode": payment.approval_code,
        "terminal": TERMINAL_NUMBER,
        "terminalId": terminal,
        "description": payment.description,
        "email": payment.email,
        "phone": payment.phone,
        "name": payment.name,
        "secure": payment.secure,
        "reasonCode": payment.reason_code,
    }
