"""A faithful emulator of Halyk ePay served over HTTP on loopback; shares only the domain.

It serves the program's first run (demo data, no credentials), the integration tests (real HTTP,
no mocks of httpx) and the benchmarks. See docs/epay-api.md for what it emulates.
"""

from halyk_desk.sandbox.bank import (
    PAGING_CONVENTIONS,
    SANDBOX_CABINET_PASSWORD,
    SANDBOX_CABINET_USER,
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    Operation,
    Refusal,
    RefusalCode,
    RequestRecord,
    SandboxBank,
    SandboxPayment,
)
from halyk_desk.sandbox.faults import FAULT_KINDS, FaultError
from halyk_desk.sandbox.server import SandboxServer

__all__ = [
    "FAULT_KINDS",
    "PAGING_CONVENTIONS",
    "SANDBOX_CABINET_PASSWORD",
    "SANDBOX_CABINET_USER",
    "TEST_CLIENT_ID",
    "TEST_CLIENT_SECRET",
    "TEST_TERMINAL",
    "FaultError",
    "Operation",
    "Refusal",
    "RefusalCode",
    "RequestRecord",
    "SandboxBank",
    "SandboxPayment",
    "SandboxServer",
]
