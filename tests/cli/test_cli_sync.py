"""`halyk-desk sync`: progress, summary and exit codes; Ctrl-C keeps what was read; a sync killed
with SIGKILL leaves the store consistent and the next one carries on."""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from cli_helpers import add_orders, child, read_count, run, scalar, wait_until

from halyk_desk.commands.sync import ProgressPrinter
from halyk_desk.domain import utc_now
from halyk_desk.sandbox import TEST_TERMINAL
from halyk_desk.services.sync import SyncProgress
from halyk_desk.store import repository

MIX = ["AUTH", "CHARGE", "REFUND", "CANCEL", "FAILED", "NEW", None]


def test_sync_prints_progress_lines_and_a_summary(capsys, store_url, shop, bank):
    add_orders(shop, bank, MIX, created=utc_now())

    code, out, err = run(capsys, store_url, "sync", "--concurrency", "2")

    assert code == 0
    assert re.search(r"^sync: 7/7 100%  \d+\.\d/s  ETA 0:00$", err, re.M)
    assert "\r" not in err  # no terminal: plain lines
    assert out.startswith("Sync finished: read 7 of 7 payments in ")
    assert out.splitlines()[1] == "  changed: 7   not found: 1   errors: 0"

    code, out, _ = run(capsys, store_url, "sync")
    # Refunded, released and failed are final; held, captured, pending and not found are not,
    # but the bank's registry shows them unchanged: nothing is read one by one.
    assert code == 0 and out.startswith("Sync finished: read 0 of 0 payments")
    assert re.search(r"^  .*\b6\b.*\b4\b\.$", out, re.M)  # 6 listed, 4 unchanged
    bank.refund(bank.get("100002").id, 500_00)  # refunded in the bank's cabinet meanwhile
    code, out, _ = run(capsys, store_url, "sync")
    assert code == 0 and out.startswith("Sync finished: read 1 of 1 payments")
    code, out, _ = run(capsys, store_url, "sync", "--all")
    assert code == 0 and "read 7 of 7" in out


def test_sync_settles_an_operation_whose_reply_was_lost(capsys, store_url, shop, bank, server):
    [held] = add_orders(shop, bank, ["AUTH"], created=utc_now())
    run(capsys, store_url, "sync")
    server.set_fault("lost_reply", 1.0, times=1, match="/charge")

    code, out, _ = run(capsys, store_url, "confirm", held, "--reason", "Отгружен", "--yes",
                       "--json")
    assert code == 5 and json.loads(out)["result"] == "unknown"

    code, _, _ = run(capsys, store_url, "sync")

    assert code == 0
    assert [op.action for op in bank.operations] == ["charge"]  # sent once, never repeated
    assert scalar(shop, "SELECT status FROM money_operations") == "done"


def test_read_errors_are_summed_by_kind_and_exit_1(capsys, store_url, shop, bank, server):
    add_orders(shop, bank, ["CHARGE", "AUTH"], created=utc_now())
    server.set_fault("html502", 1.0, match="/check-status/")

    code, out, _ = run(capsys, store_url, "sync")

    assert code == 1
    assert "read 0 of 2" in out and "errors: 2" in out
    assert "errors by kind: TransientError 2" in out


def test_nothing_to_read_says_why(capsys, store_url, shop, bank):
    code, out, err = run(capsys, store_url, "sync")
    assert code == 0 and "There are no orders in range" in out and err == ""

    add_orders(shop, bank, ["REFUND"], created=utc_now())
    run(capsys, store_url, "sync")
    code, out, _ = run(capsys, store_url, "sync")
    assert code == 0 and "Every order in range is in a final state" in out


def test_a_bank_that_refuses_the_credentials_fails_the_sync(
        capsys, store_url, shop, bank, app_paths):
    from halyk_desk.secrets import SecretStore

    SecretStore(app_paths.config_dir).set("shop", "wrong")
    add_orders(shop, bank, ["CHARGE"], created=utc_now())

    code, out, err = run(capsys, store_url, "sync")

    assert (code, out) == (1, "")
    assert "sync failed:" in err and "refused the credentials" in err


@pytest.mark.parametrize(("argv", "says"), [
    (["--concurrency", "0"], "give 1 to 64"),
    (["--from", "yesterday"], "is not a date"),
    (["--from", "2026-11-02", "--to", "2026-11-01"], "is after --to"),
])
def test_usage_errors(capsys, store_url, shop, argv, says):
    code, _, err = run(capsys, store_url, "sync", *argv)
    assert code == 2 and says in err


def test_at_a_terminal_the_progress_is_a_bar_redrawn_in_place():
    screen = io.StringIO()
    printer = ProgressPrinter(screen, tty=True)

    printer(SyncProgress(done=5, total=20, rate_per_s=12.5, eta_s=1.2, changed=5, errors=0))
    printer(SyncProgress(done=20, total=20, rate_per_s=20.0, eta_s=0.0, changed=9, errors=1))
    printer.close()

    first, second = screen.getvalue().split("\r")[1:]
    assert first == "[######------------------] 5/20  25%  12.5/s  ETA 0:01"
    assert second.rstrip("\n") == "[########################] 20/20 100%  20.0/s  ETA 0:00"
    assert screen.getvalue().endswith("\n")


def test_without_a_terminal_progress_lines_are_spaced_out():
    lines = io.StringIO()
    clock = iter([0.0, 0.5, 2.5, 2.6])
    printer = ProgressPrinter(lines, tty=False, clock=lambda: next(clock))

    for done in (1, 2, 3, 4):
        printer(SyncProgress(done=done, total=4, rate_per_s=1.0, eta_s=4.0 - done, changed=0,
                             errors=0))

    assert [line.split()[1] for line in lines.getvalue().splitlines()] == ["1/4", "3/4", "4/4"]


def test_ctrl_c_stops_cleanly_keeps_what_was_read_and_exits_130(store_url, shop, bank, server):
    add_orders(shop, bank, ["CHARGE"] * 200, created=utc_now())
    server.latency_ms = 30

    proc = child(store_url, "sync", "--concurrency", "2")
    wait_until(lambda: read_count(shop) >= 10, "the sync to read some payments")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)

    assert proc.returncode == 130, err
    read = int(re.search(r"Sync stopped: read (\d+) of 200 payments", out).group(1))
    assert 10 <= read < 200
    assert read_count(shop) == read  # everything counted is in the store, and nothing more
    assert "Stopping: waiting for the reads in flight" in err
    assert scalar(shop, "SELECT status FROM sync_runs") == "cancelled"


# --- kill and resume ---------------------------------------------------------------------------

@pytest.fixture
def external_sandbox(tmp_path):
    """`halyk-desk sandbox serve --demo` in a process of its own, slow enough to be caught
    midway: (its address, the shop's order export it wrote)."""
    orders = tmp_path / "demo-orders.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "halyk_desk", "sandbox", "serve", "--port", "0", "--demo",
         "--seed", "7", "--orders-out", str(orders), "--latency-ms", "25"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
    )
    try:
        first = proc.stdout.readline() if proc.stdout else ""
        found = re.search(r"listening on (http://\S+)", first)
        assert found, f"the sandbox did not start: {first}"
        yield found.group(1), orders
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


FINAL = "('refunded', 'released', 'failed')"


@pytest.mark.slow
def test_a_killed_sync_leaves_a_consistent_store_and_the_next_one_carries_on(
        capsys, monkeypatch, store_url, store, app_paths, external_sandbox):
    url, orders = external_sandbox
    monkeypatch.setenv("SHOP_SECRET", "yF587AV9Ms94qN2QShFzVR3vFnWkhjbAK3sG")
    assert run(capsys, store_url, "profile", "add", "shop", "--oauth-url",
               f"{url}/oauth2/token", "--api-url", url, "--client-id", "test", "--terminal",
               TEST_TERMINAL, "--secret-env", "SHOP_SECRET")[0] == 0
    assert run(capsys, store_url, "orders", "import", str(orders))[0] == 0
    total = int(scalar(store, "SELECT count(*) FROM orders"))

    proc = child(store_url, "sync", "--concurrency", "2")
    wait_until(lambda: read_count(store) >= 40, "the sync to be midway")
    proc.kill()
    proc.communicate(timeout=30)

    # Consistent: whole rows only, each read with its history entry, nothing dangling.
    if store.dialect == "sqlite":
        assert scalar(store, "PRAGMA integrity_check") == "ok"
        assert scalar(store, "SELECT count(*) FROM pragma_foreign_key_check") == 0
    read = read_count(store)
    assert 40 <= read < total
    assert scalar(store, "SELECT count(*) FROM payments") == read
    assert scalar(store, "SELECT count(*) FROM status_history") == read
    assert scalar(store, "SELECT count(*) FROM payments p WHERE NOT EXISTS (SELECT 1 FROM "
                         "orders o WHERE o.invoice_id = p.invoice_id)") == 0
    assert scalar(store, "SELECT count(*) FROM payments WHERE state = 'not_found' OR "
                         "(bank_status IS NOT NULL AND raw_reply IS NOT NULL)") == read
    assert scalar(store, "SELECT status FROM sync_runs") == "running"  # it never finished
    # ... but it stopped beating: read back, it is interrupted, not running forever.
    with store.session(readonly=True) as session:
        assert repository.last_sync_run(session, "shop").status == "running"  # just now
        later = utc_now() + repository.SYNC_RUN_SILENT + timedelta(seconds=1)
        assert repository.last_sync_run(session, "shop", now=later).status == "interrupted"
    with store.engine.connect() as conn:
        final = dict(conn.exec_driver_sql(
            f"SELECT invoice_id, last_read_at FROM payments WHERE state IN {FINAL}").all())
    assert final  # the demo has declines, refunds and released holds among the first read

    code, out, _ = run(capsys, store_url, "sync")

    assert code == 0
    # What the killed sync read is not read again: the registry shows it unchanged.
    assert f"read {total - read} of {total - read} payments" in out
    assert read_count(store) == total
    known = f"({', '.join(repr(i) for i in final)})"
    with store.engine.connect() as conn:
        after = dict(conn.exec_driver_sql(
            f"SELECT invoice_id, last_read_at FROM payments WHERE invoice_id IN {known}").all())
    assert after == final  # no final payment was read twice
    assert scalar(store, "SELECT count(*) FROM status_history h JOIN payments p ON "
                         f"p.id = h.payment_id WHERE p.invoice_id IN {known}") == len(final)
    assert scalar(store, "SELECT count(*) FROM sync_runs WHERE status = 'finished'") == 1


def test_help_documents_progress_and_exit_codes(capsys, store_url):
    code, out, _ = run(capsys, store_url, "sync", "--help")
    assert code == 0
    assert "130  stopped by Ctrl-C" in out and "--all" in out and "--concurrency N" in out
