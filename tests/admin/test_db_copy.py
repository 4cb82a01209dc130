"""`halyk-desk db copy --to URL`: the shop's SQLite file moved to PostgreSQL (or another file),
all or nothing, the audit chain intact, and the program working on the copy afterwards."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest
from admin_helpers import counts, halyk, ok
from sqlalchemy import text

from halyk_desk.paths import AppPaths
from halyk_desk.services import audit
from halyk_desk.store import Store


def _with_password(url: str) -> str:
    # The test server trusts local connections: any password opens it, and none may be shown.
    return url.replace("halyk@", "halyk:Sekr3t-pw@")


@pytest.fixture
def target(pg_cluster) -> str:
    """A new PostgreSQL database, without the program's schema."""
    return _with_password(pg_cluster.create_database("copy"))


def _verify(url: str, paths: AppPaths) -> audit.VerifyResult:
    with Store.open(url, paths) as store, store.session(readonly=True) as session:
        return audit.verify(session)


@pytest.mark.postgres
def test_copy_to_postgresql_moves_everything(shop: Path, target: str, app_paths: AppPaths,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    source = f"sqlite:///{shop}"
    before = counts(source, app_paths)
    assert all(before.values()), before  # the shop has rows in every table

    # A start that went no further than opening the new database (a sign-in refused: on
    # PostgreSQL the login is the operator, --operator is refused) made its tables and built-in
    # profiles there, which the copy then replaces with the shop's. Whoever acts on it, even
    # with `db info`, becomes its first admin (issue 9), and it is then refused as not empty.
    code, _out, err = halyk("--db", target, "--operator", "admin", "db", "info")
    assert code == 4 and "--operator" in err
    assert {t for t, n in counts(target, app_paths).items() if n} == {"profiles"}
    bare = target.replace(":Sekr3t-pw", "")
    monkeypatch.setattr("sys.stdin", io.StringIO("Sekr3t-pw\n"))
    code, out, err = halyk("db", "copy", "--to", bare, "--password-stdin")
    assert code == 0, err
    assert "Sekr3t-pw" not in out + err
    assert f"Copying sqlite:///{shop} to {target.replace('Sekr3t-pw', '***')} ..." in err
    assert counts(target, app_paths) == before
    assert counts(source, app_paths) == before
    checked = _verify(target, app_paths)
    assert checked.ok and checked.checked == before["audit_log"]
    simple = bare.replace("postgresql+psycopg://", "postgresql://")
    assert f"halyk-desk db use '{simple}' --password-stdin" in out

    # The program works on the copy: new rows take ids after the copied ones (sequences were
    # moved on), and the audit log grows from the copied chain.
    code, _out, err = halyk("--db", target, "operator", "add", "boris", "--role", "manager")
    assert code == 0, err
    with Store.open(target, app_paths) as store, store.engine.connect() as conn:
        hold = conn.execute(text(
            "SELECT p.invoice_id FROM payments p JOIN orders o ON o.invoice_id = p.invoice_id "
            "WHERE p.state = 'held' ORDER BY p.invoice_id LIMIT 1")).scalar_one()
    ok("--db", target, "confirm", hold, "--reason", "Товар отгружен", "--yes")
    ok("--db", target, "reconcile", "mark", f"invoice:{hold}", "--note", "Отгружен")
    after = counts(target, app_paths)
    for table in ("operators", "money_operations", "discrepancy_marks", "status_history"):
        assert after[table] > before[table], table
    assert _verify(target, app_paths).checked > before["audit_log"]


@pytest.mark.postgres
def test_copy_back_from_postgresql_to_a_new_sqlite_file(shop: Path, target: str,
                                                        app_paths: AppPaths,
                                                        tmp_path: Path) -> None:
    ok("db", "copy", "--to", target)
    again = f"sqlite:///{tmp_path / 'again.sqlite3'}"
    code, _out, err = halyk("--db", target, "db", "copy", "--to", again)
    assert code == 0, err
    # Everything came back, and one thing more: the database owner's login, acting on the team
    # database for the first time, became its admin (an operator and its audit entry).
    before = counts(f"sqlite:///{shop}", app_paths)
    assert counts(again, app_paths) == {**before, "operators": before["operators"] + 1,
                                        "audit_log": before["audit_log"] + 1}
    assert _verify(again, app_paths).ok


@pytest.mark.postgres
def test_copy_into_a_database_with_rows_is_refused(shop: Path, target: str,
                                                   app_paths: AppPaths) -> None:
    ok("--db", target, "operator", "add", "someone", "--role", "admin")
    before = counts(target, app_paths)

    code, _out, err = halyk("db", "copy", "--to", target)
    assert code == 1
    # The first to act on a new database becomes its admin: that one, and "someone".
    assert "is not empty: audit_log (2 rows), operators (2 rows), profiles (2 rows)." in err
    assert "Nothing was copied" in err and "Sekr3t-pw" not in err
    assert counts(target, app_paths) == before


@pytest.mark.postgres
def test_a_row_the_target_refuses_leaves_it_empty(shop: Path, target: str,
                                                  app_paths: AppPaths) -> None:
    # SQLite keeps text longer than its column allows when written behind the program's back;
    # the copy refuses it (the column's limit, domain/text.py LIMITS). Orders are copied after
    # profiles, operators and the audit log, so the failure comes midway.
    conn = sqlite3.connect(shop)
    try:
        order_id = conn.execute("SELECT max(id) FROM orders").fetchone()[0]
        conn.execute("UPDATE orders SET customer = :c WHERE id = :id",
                     {"c": "Ж" * 300, "id": order_id})
        conn.commit()
    finally:
        conn.close()

    code, _out, err = halyk("db", "copy", "--to", target)
    assert code == 1
    assert (f"refused the row of table orders with id {order_id}: A text of 300 characters "
            "does not fit the field «Customer»: at most 255") in err
    assert "Nothing was copied" in err and "Traceback" not in err
    assert set(counts(target, app_paths).values()) == {0}


def test_copy_onto_the_database_in_use_is_refused(shop: Path) -> None:
    code, _out, err = halyk("db", "copy", "--to", f"sqlite:///{shop}")
    assert code == 1
    assert "is the database in use" in err


@pytest.mark.parametrize("tampered", [False, True], ids=["intact", "tampered"])
def test_copy_to_another_sqlite_file_keeps_the_audit_chain_as_it_is(
        shop: Path, app_paths: AppPaths, tmp_path: Path, tampered: bool) -> None:
    if tampered:  # someone removed the append-only trigger and edited an entry
        conn = sqlite3.connect(shop)
        try:
            conn.execute("DROP TRIGGER audit_log_no_update")
            conn.execute("UPDATE audit_log SET operator = 'nobody' WHERE seq = 2")
            conn.commit()
        finally:
            conn.close()
    expected = _verify(f"sqlite:///{shop}", app_paths)
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"

    code, out, err = halyk("db", "copy", "--to", other)
    assert code == 0, err
    found = _verify(other, app_paths)
    assert (found.ok, found.kind, found.seq, found.checked) == (
        expected.ok, expected.kind, expected.seq, expected.checked)
    assert found.ok is not tampered
    assert ("WARNING: the audit log was already broken" in err) is tampered
    assert f"halyk-desk db use '{other}'\n" in out
    # The target keeps its tamper protection whatever happened to the source's.
    conn = sqlite3.connect(tmp_path / "other.sqlite3")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit_log SET operator = 'x' WHERE seq = 1")
    finally:
        conn.close()
