"""Halyk ePay over HTTP: tokens, payment status, confirm/cancel/refund and the operations list."""

from halyk_desk.epay import errors
from halyk_desk.epay.client import EpayClient
from halyk_desk.epay.models import OperationRecord, PaymentStatus
from halyk_desk.epay.profile import EpayProfile

__all__ = ["EpayClient", "EpayProfile", "OperationRecord", "PaymentStatus", "errors"]
