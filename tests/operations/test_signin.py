"""Who is acting (issue 9): an operator who proved it, never a bare --operator flag.

The attacks of the issue, tried from the command line on SQLite against the sandbox bank over
real HTTP: each fails with exit 4, a message that says why, nothing read or sent, and an audit
entry. The PostgreSQL side (the database login is the operator) is in tests/store/test_team.py.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from money_helpers import (  # noqa: F401 (sqlite_store_url: SQLite only)
    PROFILE,
    paid,
    posts,
    sqlite_store_url,
)
from operator_helpers import PASSWORD, give_password, typed

from halyk_desk import cli
from halyk_desk.sandbox import TEST_CLIENT_SECRET
from halyk_desk.secrets import SecretStore
from halyk_desk.services import audit, operators, signin
from halyk_desk.store import Store


@pytest.fixture
def halyk(ctx, store_url, app_paths, capsys):
    """`halyk-desk --db URL --profile shop ARGS` with `stdin` on standard input."""
    SecretStore(app_paths.config_dir).set(PROFILE, TEST_CLIENT_SECRET)
    give_password(ctx.store, "anna", "boris", "alla")

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        capsys.readouterr()
        with typed(stdin):
            try:
                code = cli.main(["--db", store_url, "--profile", PROFILE, *args])
            except SystemExit as exc:
                code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def failed_signins(store: Store) -> list[dict]:
    with store.session(readonly=True) as session:
        found = audit.list_entries(session, audit.AuditFilter(action="signin"))
    return [e.details for e in found]


def refund_argv(invoice: str) -> list[str]:
    return ["refund", invoice, "--reason", "Просьба покупателя", "--yes", "--json"]


def test_a_bare_operator_flag_acts_as_nobody(halyk, bank, ctx):
    """The accountant types `--operator anna refund …` (a manager's name): nothing is sent."""
    paid(bank, "000700", 150_000)
    code, out, err = halyk("--operator", "anna", *refund_argv("000700"))
    assert (code, out) == (4, "")
    assert "needs their password" in err and "Nothing was read or sent" in err
    code, out, err = halyk("--operator", "anna", "--password-stdin", *refund_argv("000700"),
                           stdin="alla's guess\n")
    assert (code, out) == (4, "") and "Wrong password for operator «anna»" in err
    assert posts(bank) == []
    assert [(d["as"], d["why"]) for d in reversed(failed_signins(ctx.store))] == [
        ("anna", "no_password_given"), ("anna", "wrong_password")]


def test_the_two_manager_rule_holds_against_borrowed_names(halyk, bank, ctx):
    ctx.settings.set("refund_approval_threshold", 100_00)
    ctx.settings.save()
    paid(bank, "000701", 150_000)
    code, out, _ = halyk("--operator", "anna", "--password-stdin", *refund_argv("000701"),
                         stdin=PASSWORD + "\n")
    assert code == 6
    op_id = json.loads(out)["operation_id"]
    # boris's name without boris's password approves nothing
    code, out, err = halyk("--operator", "boris", "approve", str(op_id), "--yes")
    assert (code, out) == (4, "") and "boris" in err
    assert posts(bank) == []
    code, out, _ = halyk("--operator", "boris", "--password-stdin", "approve", str(op_id),
                         "--yes", "--json", stdin=PASSWORD + "\n")
    assert (code, json.loads(out)["result"]) == (0, "done")
    with ctx.store.session(readonly=True) as session:
        approved = audit.list_entries(session, audit.AuditFilter(action="refund.approved"))
    assert [(e.operator, e.details["requested_by"]) for e in approved] == [("boris", "anna")]


def test_the_os_user_needs_no_password_and_an_unregistered_one_reads_nothing(
        halyk, bank, ctx, monkeypatch):
    paid(bank, "000702", 1_000)
    assert halyk("holds")[0] == 0  # root, the OS user, is the store's first admin
    monkeypatch.setenv("LOGNAME", "mallory")  # where getpass finds the OS login first
    for argv in (["payments", "--json"], ["holds"], ["audit", "list"], ["operator", "list"],
                 ["approvals"], ["reconcile", "--from", "2026-11-01"]):
        code, out, err = halyk(*argv)
        assert (code, out) == (4, ""), argv
        assert "«mallory», who is not an active operator" in err
    operators.disable_operator(ctx.as_("root"), "alla")
    monkeypatch.setenv("LOGNAME", "alla")
    code, out, err = halyk("payments")
    assert (code, out) == (4, "") and "alla" in err
    code, out, err = halyk("--operator", "alla", "--password-stdin", "payments",
                           stdin=PASSWORD + "\n")
    assert (code, out) == (4, "") and "disabled" in err


def test_the_first_os_user_of_an_empty_store_is_its_admin(app_paths, capsys, monkeypatch):
    monkeypatch.setenv("LOGNAME", "aigerim")
    assert cli.main(["operator", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"name": "aigerim", "role": "admin", "active": True, "created_by": None}]
    # A name claimed on an empty store is no admin: it has no password to prove.
    other = app_paths.data_dir / "other.sqlite3"
    code = cli.main(["--db", f"sqlite:///{other}", "--operator", "boss", "operator", "list"])
    assert code == 4 and "no operator «boss»" in capsys.readouterr().err


def test_wrong_passwords_in_a_row_make_the_next_try_wait(halyk, ctx, monkeypatch):
    monkeypatch.setattr(signin, "FREE_TRIES", 1)  # the wait starts after the first: a short test
    wrong = ["--operator", "boris", "--password-stdin", "holds"]
    for _ in range(2):
        assert halyk(*wrong, stdin="guess\n")[0] == 4
    # Now even the right password waits, and says for how long.
    code, _, err = halyk(*wrong, stdin=PASSWORD + "\n")
    assert code == 4 and "Too many wrong passwords for «boris»" in err and "try again in" in err
    assert [d["why"] for d in reversed(failed_signins(ctx.store))] == [
        "wrong_password", "wrong_password", "waiting_after_wrong_passwords"]
    assert signin.wait_after(2) < signin.wait_after(3) < signin.wait_after(4)
    assert signin.wait_after(100) == signin.MAX_WAIT
    time.sleep(signin.wait_after(2).total_seconds() + 0.1)
    assert halyk(*wrong, stdin=PASSWORD + "\n")[0] == 0
    assert halyk(*wrong, stdin="guess\n")[0] == 4  # the count started again
    code, _, err = halyk(*wrong, stdin=PASSWORD + "\n")
    assert code == 0, err


def test_passwords_are_slow_salted_hashes(halyk, ctx, store_url):
    database = store_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as db:
        stored = dict(db.execute("SELECT name, password_hash FROM operators"))
    assert stored["anna"].startswith("scrypt$") and stored["boris"].startswith("scrypt$")
    assert stored["anna"] != stored["boris"]  # same password, different salt
    assert all(PASSWORD not in (h or "") for h in stored.values())
    assert stored["root"] is None  # the OS user proves themself by the OS login


def test_setting_passwords(halyk, ctx):
    as_alla = ["--operator", "alla", "--password-stdin"]
    # an accountant may not set a manager's password: refused, and the refusal audited
    code, _, err = halyk(*as_alla, "operator", "passwd", "anna", "--password-stdin",
                         stdin=f"{PASSWORD}\nnew password 2\n")
    assert code == 4 and "may not manage operators" in err
    with ctx.store.session(readonly=True) as session:
        [refusal] = audit.list_entries(session, audit.AuditFilter(action="refused"))
    assert (refusal.operator, refusal.subject) == ("alla", "operator.passwd")
    # but her own, and the admin anyone's
    assert halyk(*as_alla, "operator", "passwd", "alla", "--password-stdin",
                 stdin=f"{PASSWORD}\nnew password 2\n")[0] == 0
    assert halyk("operator", "passwd", "anna", "--password-stdin", stdin="short\n")[0] == 2
    assert halyk("operator", "add", "vera", "--role", "accountant", "--password-stdin",
                 stdin="vera's password\n")[0] == 0
    assert halyk("--operator", "vera", "--password-stdin", "holds",
                 stdin="vera's password\n")[0] == 0
    assert halyk(*as_alla, "holds", stdin=f"{PASSWORD}\n")[0] == 4
    assert halyk(*as_alla, "holds", stdin="new password 2\n")[0] == 0
