"""A team on PostgreSQL (issue 9): the database login is the operator, and the database itself
refuses what a login's role may not do, tried here the way psql would — connected as that login,
writing SQL — and through the program.

The ctx fixture's store belongs to the schema owner (the suite's superuser); root is its first
admin operator, anna and boris managers, alla an accountant. Each gets a login by `db grant`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from money_helpers import PROFILE, paid, posts
from operator_helpers import PASSWORD, login_url, typed
from sqlalchemy.engine import make_url

from halyk_desk import cli
from halyk_desk.sandbox import TEST_CLIENT_SECRET
from halyk_desk.secrets import SecretStore
from halyk_desk.services import audit, operators

pytestmark = pytest.mark.parametrize(
    "store_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)



def connect_as(url: str, **options: object) -> psycopg.Connection:
    """A connection to `url` as psql makes one: host, port, database, user and password."""
    parts = make_url(url)
    return psycopg.connect(host=parts.host, port=parts.port, dbname=parts.database,
                           user=parts.username, password=parts.password, **options)


@pytest.fixture
def psql(ctx, store_url):
    """Connect as operator NAME's own login, as psql would (autocommit)."""

    @contextmanager
    def connect(name: str) -> Iterator[psycopg.Connection]:
        url = login_url(store_url, ctx.as_("root"), name)
        with connect_as(url, autocommit=True) as conn:
            yield conn

    return connect


def ask_for_refund(conn: psycopg.Connection, operator: str, *, status: str = "pending_approval",
                   approved_by: str | None = None) -> int:
    row = conn.execute(
        "INSERT INTO money_operations (profile_id, invoice_id, transaction_id, action, "
        "amount_minor, currency, reason_code, operator, external_id, status, created_at, "
        "approved_by) SELECT id, '000900', 't-1', 'refund', 15000000, 'KZT', 'Другое', %s, "
        "gen_random_uuid()::text, %s, now(), %s FROM profiles WHERE name = %s RETURNING id",
        (operator, status, approved_by, PROFILE)).fetchone()
    assert row is not None
    return int(row[0])


def test_an_accountant_login_cannot_write_money_operations_or_approvals(psql):
    with psql("anna") as anna:
        op_id = ask_for_refund(anna, "anna")
    with psql("alla") as alla:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            ask_for_refund(alla, "alla", status="intent")
        for change in ("approved_by = 'alla', status = 'intent'", "status = 'rejected'",
                       "amount_minor = 1"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                alla.execute(f"UPDATE money_operations SET {change} WHERE id = %s", (op_id,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alla.execute("DELETE FROM money_operations")
        # reading is what an accountant does
        assert alla.execute("SELECT count(*) FROM money_operations").fetchone() == (1,)


def test_an_approval_by_the_login_that_asked_is_refused_by_the_database(psql):
    with psql("anna") as anna:
        op_id = ask_for_refund(anna, "anna")
        with pytest.raises(psycopg.errors.RaiseException, match="another login must approve"):
            anna.execute("UPDATE money_operations SET approved_by = 'anna', status = 'intent' "
                         "WHERE id = %s", (op_id,))
        # nor in someone else's name, nor asked for as someone else, nor approved with the asking
        with pytest.raises(psycopg.errors.RaiseException, match="only in its own name"):
            anna.execute("UPDATE money_operations SET approved_by = 'boris' WHERE id = %s",
                         (op_id,))
        with pytest.raises(psycopg.errors.RaiseException, match="in the name of boris"):
            ask_for_refund(anna, "boris")
        with pytest.raises(psycopg.errors.RaiseException, match="approved after it is asked"):
            ask_for_refund(anna, "anna", status="intent", approved_by="boris")
    with psql("boris") as boris:
        with pytest.raises(psycopg.errors.RaiseException, match="cannot be changed"):
            boris.execute("UPDATE money_operations SET operator = 'boris' WHERE id = %s",
                          (op_id,))
        boris.execute("UPDATE money_operations SET approved_by = 'boris', status = 'intent' "
                      "WHERE id = %s", (op_id,))
        assert boris.execute("SELECT approved_by FROM money_operations WHERE id = %s",
                             (op_id,)).fetchone() == ("boris",)


@pytest.mark.parametrize("who", ["alla", "anna", "root"])
def test_no_login_but_the_schema_owner_can_change_or_delete_audit_entries(ctx, psql, who):
    with ctx.store.session() as session:
        audit.append(session, operator="root", action="test", subject="x")
    with psql(who) as conn:
        with ctx.store.session(readonly=True) as session:
            before = audit.verify(session)
        for statement in ("UPDATE audit_log SET operator = 'mallory'", "DELETE FROM audit_log",
                          "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        # and an entry written in someone else's name is refused
        with pytest.raises(psycopg.errors.RaiseException, match="in the name of mallory"):
            conn.execute("INSERT INTO audit_log (seq, at, operator, action, subject, details, "
                         "prev_hash, hash) VALUES (999, now(), 'mallory', 'x', 'x', '{}', "
                         "'p', 'h')")
    with ctx.store.session(readonly=True) as session:
        after = audit.verify(session)
    assert after.ok and (after.checked, after.last_seq) == (before.checked, before.last_seq)


def test_an_accountant_login_cannot_repoint_a_profile_or_make_operators(psql):
    with psql("alla") as alla:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alla.execute("UPDATE profiles SET oauth_url = 'http://127.0.0.1:9/steal'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alla.execute("UPDATE operators SET role = 'admin' WHERE name = 'alla'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alla.execute("CREATE ROLE mallory LOGIN")


@pytest.fixture
def halyk(ctx, store_url, app_paths, capsys):
    """`halyk-desk --db URL-as-NAME --profile shop ARGS` in this process."""
    SecretStore(app_paths.config_dir).set(PROFILE, TEST_CLIENT_SECRET)

    def run(name: str, *args: str, stdin: str = "") -> tuple[int, str, str]:
        url = store_url if name == "owner" else login_url(store_url, ctx.as_("root"), name)
        capsys.readouterr()
        with typed(stdin):
            try:
                code = cli.main(["--db", url, "--profile", PROFILE, *args])
            except SystemExit as exc:
                code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_the_login_is_the_operator_and_operator_is_refused(halyk, bank, ctx):
    paid(bank, "000901", 1_000)
    refund = ["refund", "000901", "--reason", "Просьба покупателя", "--yes", "--json"]
    code, out, err = halyk("alla", "--operator", "anna", "--password-stdin", *refund,
                           stdin=PASSWORD + "\n")
    assert (code, out) == (4, "") and "--operator is refused" in err
    code, out, _ = halyk("alla", *refund)  # the accountant's own login
    assert (code, json.loads(out)["result"]) == (4, "not_allowed")
    assert posts(bank) == []
    code, out, _ = halyk("anna", *refund)
    assert (code, json.loads(out)["result"]) == (0, "done")
    with ctx.store.session(readonly=True) as session:
        [done] = audit.list_entries(session, audit.AuditFilter(action="refund.done"))
    assert done.operator == "anna"


def test_grant_and_revoke_from_the_command_line(halyk, ctx, store_url):
    code, _, err = halyk("alla", "db", "grant", "mallory", "--role", "admin",
                         "--password-stdin", stdin="mallory's pw\n")
    assert code == 4 and "may not manage operators" in err
    # The schema owner's login (here the suite's superuser) is the team's admin, registered as
    # such when it first acts: after `db copy` from SQLite it is the one who grants the rest.
    assert "halyk" not in {o.name for o in operators.list_operators(ctx)}
    code, out, err = halyk("owner", "db", "grant", "vera", "--role", "accountant",
                           "--password-stdin", stdin="vera's password\n")
    assert code == 0, err
    assert "Login vera created" in out
    vera = make_url(store_url).set(username="vera", password="vera's password")
    with connect_as(vera.render_as_string(hide_password=False)) as conn:
        assert conn.execute("SELECT current_user").fetchone() == ("vera",)
    assert halyk("owner", "db", "revoke", "vera")[0] == 0
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        connect_as(vera.render_as_string(hide_password=False))
    roles = {o.name: (o.role, o.active) for o in operators.list_operators(ctx)}
    assert roles["vera"] == ("accountant", False) and roles["halyk"] == ("admin", True)
    with ctx.store.session(readonly=True) as session:
        made = audit.list_entries(session, audit.AuditFilter(action="operator.bootstrap"))
    assert [(e.operator, e.details["why"]) for e in made if e.operator == "halyk"] == [
        ("halyk", "schema_owner")]
