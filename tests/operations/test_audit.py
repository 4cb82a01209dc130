"""The audit log is append-only and hash-chained: the database refuses edits, and `audit verify`
names the first entry that was altered, removed or reordered by someone who got round that."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy.exc
from money_helpers import PROFILE, REASON, hold
from operator_helpers import register_command_line_user
from sqlalchemy import text

from halyk_desk import cli
from halyk_desk.services import audit, operations
from halyk_desk.store import Store


def write(store: Store, count: int) -> None:
    for n in range(1, count + 1):
        with store.session() as session:
            audit.append(session, operator="anna", action="refund.intent", subject=f"{n:06d}",
                         profile="shop", details={"amount": f"{n}.00", "n": n, "text": "Возврат"})


def verified(store: Store) -> audit.VerifyResult:
    with store.session(readonly=True) as session:
        return audit.verify(session)


def sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


@contextmanager
def tampering(store: Store) -> Iterator[None]:
    """Someone with the database's owner rights switches off the append-only triggers."""
    if store.dialect == "postgresql":
        sql(store, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        try:
            yield
        finally:
            sql(store, "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    else:
        sql(store, "DROP TRIGGER audit_log_no_update")
        sql(store, "DROP TRIGGER audit_log_no_delete")
        yield


def test_an_intact_log_verifies(store):
    assert verified(store).ok and verified(store).checked == 0
    write(store, 5)
    result = verified(store)
    assert (result.ok, result.checked, result.last_seq) == (True, 5, 5)
    assert "intact" in result.message


def test_each_entry_holds_the_hash_of_the_one_before(store):
    write(store, 3)
    with store.session(readonly=True) as session:
        entries = sorted(audit.list_entries(session), key=lambda e: e.seq)
    assert entries[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert len({e.hash for e in entries}) == 3


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET operator = 'mallory' WHERE seq = 2",
    "DELETE FROM audit_log WHERE seq = 2",
])
def test_the_database_refuses_to_change_the_log(store, statement):
    write(store, 3)
    with pytest.raises(sqlalchemy.exc.DatabaseError, match="append-only"):
        sql(store, statement)
    assert verified(store).ok


def test_a_hand_edited_entry_is_named(store):
    write(store, 5)
    with tampering(store):
        sql(store, "UPDATE audit_log SET details = :d WHERE seq = 3",
            d=json.dumps({"amount": "3000.00", "n": 3, "text": "Возврат"}))
    result = verified(store)
    assert (result.ok, result.kind, result.seq, result.checked) == (False, "altered", 3, 2)
    assert "#3" in result.message


@pytest.mark.parametrize("column,value", [("operator", "mallory"), ("action", "refund.done"),
                                          ("subject", "000999")])
def test_any_edited_field_is_caught(store, column, value):
    write(store, 3)
    with tampering(store):
        sql(store, f"UPDATE audit_log SET {column} = :v WHERE seq = 2", v=value)
    assert (verified(store).kind, verified(store).seq) == ("altered", 2)


def test_an_edit_with_a_recomputed_hash_is_still_named(store):
    write(store, 4)
    with store.session(readonly=True) as session:
        third = next(e for e in audit.list_entries(session) if e.seq == 3)
    forged = {**third.details, "amount": "3000.00"}
    digest = audit.entry_hash(third.prev_hash, at=third.at, operator=third.operator,
                              action=third.action, subject=third.subject, profile=third.profile,
                              details=forged)
    with tampering(store):
        sql(store, "UPDATE audit_log SET details = :d, hash = :h WHERE seq = 3",
            d=json.dumps(forged), h=digest)
    result = verified(store)
    assert (result.ok, result.kind, result.seq) == (False, "altered", 3)


@pytest.mark.parametrize("gone", [1, 3])
def test_a_deleted_entry_is_named(store, gone):
    write(store, 5)
    with tampering(store):
        sql(store, "DELETE FROM audit_log WHERE seq = :s", s=gone)
    result = verified(store)
    assert (result.ok, result.kind, result.seq) == (False, "removed", gone)
    assert f"#{gone} was removed" in result.message


def test_a_reordering_is_named(store):
    write(store, 5)
    with tampering(store):
        sql(store, "UPDATE audit_log SET seq = -1 WHERE seq = 2")
        sql(store, "UPDATE audit_log SET seq = 2 WHERE seq = 3")
        sql(store, "UPDATE audit_log SET seq = 3 WHERE seq = -1")
    result = verified(store)
    assert (result.ok, result.kind, result.seq) == (False, "reordered", 2)
    assert "out of order" in result.message


def test_every_operation_and_outcome_is_in_the_log(ctx, bank, client):
    hold(bank, "000600", 1000)
    operations.confirm(ctx, "000600", reason=REASON, client=client)
    with ctx.store.session(readonly=True) as session:
        entries = audit.list_entries(session, audit.AuditFilter(invoice_id="000600"))
    assert [e.action for e in reversed(entries)] == ["confirm.intent", "payment.status",
                                                     "confirm.done"]
    intent = entries[-1]
    assert intent.operator == "anna" and intent.profile == PROFILE
    assert intent.details["reason"] == REASON.code and intent.details["amount"] == "1000.00"
    assert verified(ctx.store).ok


def test_audit_verify_exits_non_zero_naming_the_entry(ctx, store_url, capsys):
    register_command_line_user(ctx.as_("root"))
    write(ctx.store, 4)
    argv = ["--db", store_url, "--profile", PROFILE, "audit", "verify"]
    assert cli.main(argv) == 0
    with tampering(ctx.store):
        sql(ctx.store, "UPDATE audit_log SET operator = 'mallory' WHERE seq = 3")
    capsys.readouterr()
    assert cli.main(argv) == 1
    assert "Audit entry #3" in capsys.readouterr().err
    assert cli.main([*argv, "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert (result["ok"], result["kind"], result["seq"]) == (False, "altered", 3)


# --- the anchor: a head kept outside the database ----------------------------------------------

def head(store: Store) -> audit.Head:
    with store.session(readonly=True) as session:
        found = audit.head(session)
    assert found is not None
    return found


def verified_against(store: Store, anchor: audit.Head) -> audit.VerifyResult:
    with store.session(readonly=True) as session:
        return audit.verify(session, anchor)


@pytest.mark.parametrize("cut", ["DELETE FROM audit_log WHERE seq > 3", "DELETE FROM audit_log"])
def test_cutting_off_the_newest_entries_is_caught_by_the_head(store, cut):
    write(store, 5)
    anchor = head(store)
    assert str(anchor) == f"5:{anchor.hash}" and audit.Head.parse(str(anchor)) == anchor
    assert verified_against(store, anchor).ok
    with tampering(store):
        sql(store, cut)
    assert verified(store).ok  # the chain alone cannot tell
    result = verified_against(store, anchor)
    assert (result.ok, result.kind, result.seq) == (False, "truncated", 5)
    assert "No. 5 of the head" in result.message and "removed" in result.message


def test_a_rewritten_history_with_every_hash_recomputed_is_caught_by_the_head(store):
    write(store, 5)
    anchor = head(store)
    with store.session(readonly=True) as session:
        rows = sorted(audit.list_entries(session), key=lambda e: e.seq)
    prev = rows[1].hash
    with tampering(store):
        for row in rows[2:]:  # #3 forged, and every hash after it made to fit
            details = {**row.details, "amount": "3000.00"} if row.seq == 3 else row.details
            digest = audit.entry_hash(prev, at=row.at, operator=row.operator, action=row.action,
                                      subject=row.subject, profile=row.profile, details=details)
            sql(store, "UPDATE audit_log SET details = :d, prev_hash = :p, hash = :h "
                "WHERE seq = :s", d=json.dumps(details), p=prev, h=digest, s=row.seq)
            prev = digest
    assert verified(store).ok
    result = verified_against(store, anchor)
    assert (result.ok, result.kind, result.seq) == (False, "rewritten", 5)


def test_a_head_still_holds_after_more_entries(store):
    write(store, 3)
    anchor = head(store)
    write(store, 2)
    result = verified_against(store, anchor)
    assert result.ok and "Entry No. 3 matches the head" in result.message


def test_audit_head_and_verify_head_from_the_command_line(ctx, store_url, capsys):
    register_command_line_user(ctx.as_("root"))
    write(ctx.store, 3)
    base = ["--db", store_url, "--profile", PROFILE, "audit"]
    assert cli.main([*base, "head"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == str(head(ctx.store))
    assert cli.main([*base, "verify", "--head", printed]) == 0
    capsys.readouterr()
    with tampering(ctx.store):
        sql(ctx.store, f"DELETE FROM audit_log WHERE seq >= {head(ctx.store).seq}")
    assert cli.main([*base, "verify", "--head", printed, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["kind"] == "truncated"
    with pytest.raises(SystemExit):
        cli.main([*base, "verify", "--head", "5:nothex"])
    assert "is not an audit head" in capsys.readouterr().err
