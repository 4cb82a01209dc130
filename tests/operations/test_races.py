"""Two windows, two processes, two people on one PostgreSQL database, all on the same payment
at the same moment: exactly one request reaches the bank."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading

import pytest
from money_helpers import (
    PROFILE,
    REASON,
    Ctx,
    executed,
    finish,
    hold,
    journal,
    make_client,
    paid,
    posts,
    start_cli,
    store_secret,
)

from halyk_desk.domain import Money
from halyk_desk.paths import resolve_paths
from halyk_desk.sandbox import TEST_CLIENT_ID, TEST_TERMINAL, SandboxBank
from halyk_desk.services import operations
from halyk_desk.services.operations import _Desk
from halyk_desk.settings import Settings
from halyk_desk.store import Store, repository
from halyk_desk.store.journal_models import MoneyOperation
from halyk_desk.store.records import ProfileRecord

#: Long enough that every racer has read the payment before the first one claims it.
LATENCY_MS = 150


def race(*runners) -> list:
    """Start the runners together; their results in order."""
    start = threading.Barrier(len(runners))
    results: list = [None] * len(runners)
    errors: list[BaseException] = []

    def go(index: int, runner) -> None:
        start.wait()
        try:
            results[index] = runner()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(i, r)) for i, r in enumerate(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def second_session(ctx: Ctx, store_url: str, operator: str) -> Ctx:
    """Another person: their own connection to the same database (a PostgreSQL session of its
    own, or another SQLite connection), their own window."""
    paths = resolve_paths(ctx.paths.config_dir.parent)
    return Ctx(paths, Settings.load(paths.config_dir), Store.open(store_url, paths),
               ctx.profile, operator)


@pytest.mark.parametrize("action", ["confirm", "cancel", "refund"])
def test_two_people_on_two_sessions_send_one_request(ctx, bank, server, store_url, action):
    (paid if action == "refund" else hold)(bank, "000700", 1000)
    server.latency_ms = LATENCY_MS
    other = second_session(ctx, store_url, "boris")
    try:
        with make_client(server, timeout=5.0) as mine, make_client(server, timeout=5.0) as his:
            act = getattr(operations, action)
            outcomes = race(
                lambda: act(ctx, "000700", reason=REASON, client=mine),
                lambda: act(other, "000700", reason=REASON, client=his),
            )
    finally:
        other.store.close()
    assert sorted(o.result for o in outcomes) == ["done", "not_allowed"]
    loser = next(o for o in outcomes if o.result == "not_allowed")
    assert "in progress" in loser.message
    assert len(posts(bank)) == 1 and len(executed(bank)) == 1
    assert [op.status for op in journal(ctx)] == ["done"]


def test_the_database_lets_one_claim_win(ctx, bank, client, store_url):
    """The guard itself, many times over: simultaneous claims on one payment, one wins."""
    paid(bank, "000701", 1000)
    others = [second_session(ctx, store_url, name) for name in ("boris", "root")]
    try:
        desks = [_Desk(c, client, None) for c in (ctx, *others)]
        status = desks[0].read("000701")
        for _ in range(10):
            claims = race(*[lambda d=d: d.claim("refund", "000701", status, Money(10_00),
                                                REASON, None, pending=False) for d in desks])
            winners = [c for c in claims if isinstance(c, int)]
            assert len(winners) == 1
            assert all(c.id == winners[0] for c in claims if not isinstance(c, int))
            with ctx.store.session() as session:  # the winner's operation ends; next round
                session.get(MoneyOperation, winners[0]).status = "refused"
    finally:
        for other in others:
            other.store.close()
    assert len(journal(ctx)) == 10
    assert posts(bank) == []


@pytest.mark.slow
def test_two_processes_send_one_request(ctx, bank, server, store_url, app_paths):
    hold(bank, "000702", 1000)
    store_secret(app_paths)
    server.latency_ms = 300
    args = ("confirm", "000702", "--reason", "Нет в наличии", "--yes", "--json")
    procs = [start_cli(ctx, store_url, name, *args) for name in ("anna", "boris")]
    results = [finish(p) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 4], results
    answers = sorted(json.loads(out)["result"] for _, out, _ in results)
    assert answers == ["done", "not_allowed"]
    assert len(posts(bank)) == 1 and executed(bank) == ["charge"]


@pytest.mark.slow
def test_two_processes_against_an_external_sandbox_move_money_once(app_paths, tmp_path):
    """`halyk-desk sandbox serve` in its own process; two `halyk-desk confirm` at once on one
    SQLite file."""
    state = tmp_path / "bank.json"
    books = SandboxBank(seed=3)
    books.add_payment("000703", Money(1000_00), status="AUTH")
    books.save(state)
    serve = subprocess.Popen(
        [sys.executable, "-m", "halyk_desk", "sandbox", "serve", "--port", "0",
         "--latency-ms", "300", "--state", str(state)],
        text=True, encoding="utf-8", stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    store_url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    try:
        assert serve.stdout is not None
        url = next(found.group(1) for line in serve.stdout
                   if (found := re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)))
        with Store.open(store_url, app_paths) as store, store.session() as session:
            repository.save_profile(session, ProfileRecord(
                name=PROFILE, kind="custom", oauth_url=f"{url}/oauth2/token", api_url=url,
                client_id=TEST_CLIENT_ID, terminal_id=TEST_TERMINAL))
        store_secret(app_paths)
        args = ("confirm", "000703", "--reason", "Нет в наличии", "--yes", "--json")
        results = [finish(p) for p in [start_cli(None, store_url, "root", *args),
                                       start_cli(None, store_url, "root", *args)]]
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.communicate(timeout=60)
    assert sorted(code for code, _, _ in results) == [0, 4], results
    after = SandboxBank.load(state)
    assert [op.action for op in after.operations] == ["charge"]
    assert after.get("000703").status == "CHARGE"
