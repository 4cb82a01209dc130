"""Identifiers: the shop's invoiceId (ours) and the bank's transaction id (theirs)."""

from __future__ import annotations

import re
import uuid

from halyk_desk.messages import MessageError, msg

_INVOICE = re.compile(r"[0-9]{6,15}")  # ASCII only: full-width digits are not the bank's


class InvoiceIdError(MessageError, ValueError):
    """An order number the bank would not take; the message says what one looks like."""


def normalize_invoice_id(value: object) -> str:
    """An invoiceId as the bank wants it: 6–15 digits, leading zeros kept, blanks dropped."""
    text = str(value if value is not None else "").strip()
    if not _INVOICE.fullmatch(text):
        raise InvoiceIdError(msg(
            "ids.bad_invoice", "Номер заказа «{invoice}» не подходит для ePay: в нём должно быть "
            "от 6 до 15 цифр (нули в начале допустимы), например 000123456.", invoice=text))
    return text


def new_external_id() -> str:
    """Our own id for one money operation (the refund's externalID); unique and safe in a URL."""
    return uuid.uuid4().hex
