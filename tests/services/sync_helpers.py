"""Shared pieces of the service tests: a context on a custom profile that points at the sandbox
bank over real HTTP, orders in the store with their payments at the bank, order files."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path

from halyk_desk.domain import Money, utc_now
from halyk_desk.epay import EpayClient, EpayProfile
from halyk_desk.paths import AppPaths
from halyk_desk.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)
from halyk_desk.secrets import SecretStore
from halyk_desk.services.context import AppContext
from halyk_desk.settings import Settings
from halyk_desk.store import Store, repository
from halyk_desk.store.records import OrderRecord, ProfileRecord

PROFILE = "shop"
#: Short, so that fault tests are quick; retries without pauses.
TIMEOUT = 0.5
RETRIES = 2


def make_ctx(store: Store, paths: AppPaths, server: SandboxServer, secret: str = TEST_CLIENT_SECRET
             ) -> AppContext:
    """A real AppContext on a custom profile at `server`, its secret in the fallback file."""
    record = ProfileRecord(name=PROFILE, kind="custom", oauth_url=server.oauth_url,
                           api_url=server.api_url, client_id=TEST_CLIENT_ID,
                           terminal_id=TEST_TERMINAL)
    with store.session() as session:
        repository.save_profile(session, record)
    SecretStore(paths.config_dir).set(PROFILE, secret)
    return AppContext(paths, Settings.load(paths.config_dir), store, record, "tester")


def make_client(server: SandboxServer, **options: object) -> EpayClient:
    settings: dict[str, object] = {"timeout": TIMEOUT, "backoff": 0.0, "get_retries": RETRIES}
    settings.update(options)
    profile = EpayProfile(name=PROFILE, oauth_url=server.oauth_url, api_url=server.api_url,
                          client_id=TEST_CLIENT_ID, terminal_id=TEST_TERMINAL,
                          secret=TEST_CLIENT_SECRET)
    return EpayClient(profile, **settings)  # type: ignore[arg-type]


def add_orders(
    ctx: AppContext,
    bank: SandboxBank,
    statuses: Sequence[str | None],
    *,
    first: int = 100_001,
    created: datetime | None = None,
) -> list[str]:
    """One order per status, 1000 ₸ each, an hour apart going back from `created`; the bank gets
    a payment in that status for each (None: the bank has none). Returns the invoiceIds."""
    start = created or utc_now() - timedelta(hours=1)
    records = []
    for n, status in enumerate(statuses):
        invoice_id = str(first + n)
        when = start - timedelta(hours=n)
        records.append(OrderRecord(invoice_id=invoice_id, amount_minor=1000_00, created_at=when,
                                   customer=f"Покупатель {n}"))
        if status == "PARTIAL":
            bank.add_payment(invoice_id, Money(1000_00), refunded=Money(300_00),
                             created_at=when, card_mask=f"440043...{n:04d}")
        elif status is not None:
            bank.add_payment(invoice_id, Money(1000_00), status=status, created_at=when,
                             card_mask=f"440043...{n:04d}")
    with ctx.store.session() as session:
        repository.upsert_orders(session, PROFILE, records)
    return [r.invoice_id for r in records]


def status_reads(bank: SandboxBank, invoice_id: str | None = None) -> int:
    """Status requests the bank received (for one invoiceId, or all)."""
    return sum(1 for method, path in bank.requests
               if method == "GET" and "/check-status/" in path
               and (invoice_id is None or path.endswith(f"/{invoice_id}")))


def write_csv(path: Path, rows: Iterable[Sequence[object]], *, delimiter: str = ";",
              encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return path


def payment(ctx: AppContext, invoice_id: str):
    with ctx.store.session(readonly=True) as session:
        return repository.get_payment(session, PROFILE, invoice_id)


def history(ctx: AppContext, invoice_id: str):
    with ctx.store.session(readonly=True) as session:
        return repository.status_history(session, PROFILE, invoice_id)


def order_count(ctx: AppContext) -> int:
    with ctx.store.session(readonly=True) as session:
        return repository.count_orders(session, PROFILE)
