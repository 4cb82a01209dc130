"""Identifiers: the shop's invoiceId (ours) and the bank's transaction id (theirs)."""

from __future__ import annotations

import re
import uuid

_INVOICE = re.compile(r"[0-9]{6,15}")  # ASCII only: full-width digits are not the bank's


class InvoiceIdError(ValueError):
    pass


def normalize_invoice_id(value: object) -> str:
    """An invoiceId as the bank wants it: 6–15 digits, leading zeros kept, blanks dropped."""
    text = str(value if value is not None else "").strip()
    if not _INVOICE.fullmatch(text):
        raise InvoiceIdError(
            f"Order number {text!r} is not a valid ePay invoiceId: it must be 6 to 15 digits "
            "(leading zeros allowed), e.g. 000123456."
        )
    return text


def new_external_id() -> str:
    """Our own id for one money operation (the refund's externalID); unique and safe in a URL."""
    return uuid.uuid4().hex
