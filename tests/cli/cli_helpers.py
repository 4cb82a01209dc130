"""Shared pieces of the CLI tests: running `halyk-desk` in this process or as a child process,
and a shop profile pointing at a sandbox bank on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from halyk_desk.cli import main
from halyk_desk.domain import Money
from halyk_desk.paths import AppPaths
from halyk_desk.sandbox import TEST_CLIENT_ID, TEST_CLIENT_SECRET, TEST_TERMINAL, SandboxBank
from halyk_desk.secrets import SecretStore
from halyk_desk.store import Store, repository
from halyk_desk.store.records import OrderRecord, ProfileRecord

PROFILE = "shop"


def run(capsys: pytest.CaptureFixture[str], store_url: str, *argv: str,
        profile: str = PROFILE) -> tuple[int, str, str]:
    """`halyk-desk --db URL --profile shop ARGV...` in this process: (exit code, out, err)."""
    capsys.readouterr()
    try:
        code = main(["--db", store_url, "--profile", profile, *argv])
    except SystemExit as exit_:  # argparse's usage errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def child(store_url: str, *argv: str, profile: str = PROFILE) -> subprocess.Popen[str]:
    """The same as a child process, its output in pipes (it finds the secret in the fallback file
    of the test's HALYK_DESK_HOME, which it inherits)."""
    return subprocess.Popen(
        [sys.executable, "-m", "halyk_desk", "--db", store_url, "--profile", profile, *argv],
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, text=True, encoding="utf-8",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def add_profile(store: Store, paths: AppPaths, oauth_url: str, api_url: str) -> None:
    record = ProfileRecord(name=PROFILE, kind="custom", oauth_url=oauth_url, api_url=api_url,
                           client_id=TEST_CLIENT_ID, terminal_id=TEST_TERMINAL)
    with store.session() as session:
        repository.save_profile(session, record)
    SecretStore(paths.config_dir).set(PROFILE, TEST_CLIENT_SECRET)


def add_orders(store: Store, bank: SandboxBank, statuses: list[str | None], *,
               created: datetime, first: int = 100_001) -> list[str]:
    """An order of 1500 ₸ per status, a minute apart going back from `created`, each with a
    payment in that status at the bank (None: no payment)."""
    records = []
    for n, status in enumerate(statuses):
        invoice_id = str(first + n)
        when = created - timedelta(minutes=n)
        records.append(OrderRecord(invoice_id=invoice_id, amount_minor=1500_00, created_at=when,
                                   customer=f"Покупатель {n}"))
        if status is not None:
            bank.add_payment(invoice_id, Money(1500_00), status=status, created_at=when)
    with store.session() as session:
        repository.upsert_orders(session, PROFILE, records)
    return [r.invoice_id for r in records]


def scalar(store: Store, sql: str, **params: object) -> object:
    with store.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def read_count(store: Store) -> int:
    return int(scalar(store, "SELECT count(*) FROM payments WHERE last_read_at IS NOT NULL"))


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
