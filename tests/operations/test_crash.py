"""SIGKILL while the request is at the bank, then a restart: resolved to what the bank did,
never sent twice."""

from __future__ import annotations

import json
import signal

import pytest
from money_helpers import (
    REASON,
    executed,
    finish,
    hold,
    journal,
    make_client,
    posts,
    start_cli,
    store_secret,
    wait_until,
)

from halyk_desk.services import operations

pytestmark = pytest.mark.slow
CONFIRM = ("confirm", "000800", "--reason", "Нет в наличии", "--yes", "--json")


def kill_mid_request(proc, bank, applied_first: bool) -> None:
    """Wait until the child's request is at the bank (applied or not yet), then SIGKILL it."""
    if applied_first:
        wait_until(lambda: bank.operations, "the bank to apply the charge")
    else:
        wait_until(lambda: posts(bank), "the charge to reach the bank")
    proc.send_signal(signal.SIGKILL)
    finish(proc)
    assert proc.returncode == -signal.SIGKILL


def test_killed_after_the_bank_applied_it(ctx, bank, server, store_url, app_paths):
    """The bank did it and holds the answer back (slow); the program is killed meanwhile."""
    hold(bank, "000800", 1000)
    store_secret(app_paths)
    server.slow_seconds = 60  # the server's stop at the end wakes it
    server.set_fault("slow", 1.0, times=1, match="/charge")
    kill_mid_request(start_cli(ctx, store_url, "anna", *CONFIRM), bank, applied_first=True)
    assert [op.status for op in journal(ctx)] == ["sent"]

    # Restart: a new attempt settles the killed one first, and is then refused by the rules.
    code, out, _ = finish(start_cli(ctx, store_url, "anna", *CONFIRM))
    assert (code, json.loads(out)["result"]) == (4, "not_allowed")
    assert [op.status for op in journal(ctx)] == ["done"]
    assert executed(bank) == ["charge"] and len(posts(bank)) == 1


def test_killed_before_the_bank_applied_it(ctx, bank, server, store_url, app_paths):
    """The request is still on its way in the bank when the program dies: right after the
    restart the bank's status shows nothing, yet the operation is not called failed — the bank
    then applies it, and resolution finds it done."""
    hold(bank, "000800", 1000)
    store_secret(app_paths)
    server.spike_ms = 5000
    server.set_fault("latency", 1.0, times=1, match="/charge")
    kill_mid_request(start_cli(ctx, store_url, "anna", *CONFIRM), bank, applied_first=False)

    # Restarted at once (in this process, to be quick): nothing to see at the bank yet.
    with make_client(server) as client:
        [still] = operations.resolve_unresolved(ctx, client=client)
        assert still.result == "unknown"
        blocked = operations.confirm(ctx.as_("boris"), "000800", reason=REASON, client=client)
        assert blocked.result == "not_allowed" and "in progress" in blocked.message
    assert executed(bank) == []

    wait_until(lambda: bank.operations, "the bank to apply the late charge")
    code, out, _ = finish(start_cli(ctx, store_url, "anna", "resolve", "--json"))
    assert code == 0 and [o["result"] for o in json.loads(out)] == ["done"]
    assert executed(bank) == ["charge"] and len(posts(bank)) == 1
