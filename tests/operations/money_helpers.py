"""Shared pieces of the money movement tests: the sandbox bank, a context, payments."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

import httpx
import pytest
from operator_helpers import PASSWORD, give_password, login_url, operator_argv

from halyk_desk.domain import Money
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
from halyk_desk.services import operations, signin
from halyk_desk.services.operations import Reason
from halyk_desk.settings import Settings
from halyk_desk.store import Store, repository
from halyk_desk.store.records import ProfileRecord

PROFILE = "shop"
#: Short enough for fast fault tests; the sandbox's "slow" fault answers well after it.
TIMEOUT = 0.5
#: In these tests the sandbox applies an operation before it answers, or never: an unanswered
#: request cannot be applied later, so resolution need not wait.
NO_GRACE = timedelta(0)
REASON = Reason("Просьба покупателя")


@dataclass
class Ctx:
    """What the services need of an AppContext."""

    paths: AppPaths
    settings: Settings
    store: Store
    profile: ProfileRecord
    operator: str

    def as_(self, operator: str) -> Ctx:
        return replace(self, operator=operator)


class Crash(BaseException):
    """The program dies here (BaseException: nothing in the program catches it)."""


class CrashingTransport(httpx.HTTPTransport):
    """Real HTTP, but the program 'dies' at a money request: before it leaves, or after the bank
    handled it and before its answer is recorded."""

    def __init__(self, when: str) -> None:
        super().__init__()
        self.when = when

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        money = request.method == "POST" and "/operation/" in request.url.path
        if money and self.when == "before":
            raise Crash
        response = super().handle_request(request)
        if money and self.when == "after":
            response.read()
            raise Crash
        return response


def sandbox_profile(server: SandboxServer) -> EpayProfile:
    return EpayProfile(name=PROFILE, oauth_url=server.oauth_url, api_url=server.api_url,
                       client_id=TEST_CLIENT_ID, terminal_id=TEST_TERMINAL,
                       secret=TEST_CLIENT_SECRET)


def make_client(server: SandboxServer, **options: object) -> EpayClient:
    settings: dict[str, object] = {"timeout": TIMEOUT, "backoff": 0.0, "get_retries": 2}
    settings.update(options)
    return EpayClient(sandbox_profile(server), **settings)  # type: ignore[arg-type]


def posts(bank: SandboxBank) -> list[str]:
    """Paths of the money requests the bank received."""
    return [path for method, path in bank.requests if method == "POST" and "/operation/" in path]



def register_profile(store: Store, server: SandboxServer | None = None) -> ProfileRecord:
    record = ProfileRecord(
        name=PROFILE, kind="custom",
        oauth_url=server.oauth_url if server else "http://127.0.0.1:9/oauth2/token",
        api_url=server.api_url if server else "http://127.0.0.1:9",
        client_id=TEST_CLIENT_ID, terminal_id=TEST_TERMINAL,
    )
    with store.session() as session:
        repository.save_profile(session, record)
    return record


def hold(bank: SandboxBank, invoice_id: str, tenge: int, **kwargs: object) -> str:
    return bank.add_payment(invoice_id, Money(tenge * 100), status="AUTH", **kwargs)


def paid(bank: SandboxBank, invoice_id: str, tenge: int, **kwargs: object) -> str:
    return bank.add_payment(invoice_id, Money(tenge * 100), status="CHARGE", **kwargs)


def journal(ctx: Ctx, invoice_id: str | None = None) -> list[operations.OperationRow]:
    return operations.list_operations(ctx, invoice_id=invoice_id)


def picture(ctx: Ctx, invoice_id: str):
    """The store's picture of the payment."""
    with ctx.store.session(readonly=True) as session:
        return repository.get_payment(session, PROFILE, invoice_id)


def executed(bank: SandboxBank, action: str | None = None) -> list[str]:
    """Actions the bank applied, optionally of one kind."""
    return [op.action for op in bank.operations if action is None or op.action == action]


def start_cli(ctx: Ctx | None, store_url: str, operator: str,
              *args: str) -> subprocess.Popen[str]:
    """`python -m halyk_desk --db URL --profile shop ...` as a child process acting as
    `operator`, proven as a person would: on PostgreSQL connecting as their own login, on SQLite
    as the OS user or with --operator and their password typed in (`ctx`: the store's, to set
    that login or password up; None for the OS user on SQLite)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    url, who, typed = store_url, [], ""
    if store_url.startswith("postgresql"):
        assert ctx is not None
        url = login_url(store_url, ctx.as_("root"), operator)
    elif operator != signin.os_user():
        assert ctx is not None
        give_password(ctx.store, operator)
        who, typed = operator_argv(operator), PASSWORD + "\n"
    proc = subprocess.Popen(
        [sys.executable, "-m", "halyk_desk", "--db", url, "--profile", PROFILE, *who, *args],
        env=env, text=True, encoding="utf-8", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(typed)  # a line the child reads at once; communicate() closes it later
    proc.stdin.flush()
    return proc


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def store_secret(paths: AppPaths) -> None:
    """The profile's secret where child processes find it (the suite's keyring stores nothing,
    so the visible fallback file)."""
    SecretStore(paths.config_dir).set(PROFILE, TEST_CLIENT_SECRET)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Poll for something another thread or process does; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@pytest.fixture(name="store_url")
def sqlite_store_url(app_paths: AppPaths) -> str:
    """Imported by test modules whose subject lives in the services, not the database (rules,
    permissions, the CLI's output): SQLite only. The journal's database guarantees are tested on
    both databases (test_races, test_faults, test_resolution, test_crash, test_audit)."""
    url = f"sqlite:///{app_paths.data_dir / 'halyk-desk.sqlite3'}"
    Store.open(url, app_paths).close()
    return url
