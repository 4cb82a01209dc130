"""The money commands: exit codes and --json exactly as issue 4 part 6 says."""

from __future__ import annotations

import json

import pytest
from money_helpers import (
    PROFILE,
    executed,
    hold,
    journal,
    paid,
    posts,
    sqlite_store_url,  # noqa: F401 (fixture: SQLite only)
)
from operator_helpers import give_password, main_as

from halyk_desk.sandbox import TEST_CLIENT_SECRET, Refusal, RefusalCode
from halyk_desk.secrets import SecretStore

KEYS = {"invoice_id", "action", "amount", "result", "message", "code", "params", "operation_id"}


@pytest.fixture
def run(ctx, store_url, app_paths, capsys):
    """`halyk-desk --db URL --profile shop --operator NAME ...` in this process."""
    SecretStore(app_paths.config_dir).set(PROFILE, TEST_CLIENT_SECRET)
    give_password(ctx.store, "anna", "boris", "alla")

    def halyk_desk(*args: str, operator: str = "anna") -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = main_as(operator, list(args),
                           global_argv=["--db", store_url, "--profile", PROFILE])
        except SystemExit as exc:  # argparse's usage errors
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return halyk_desk


def as_json(out: str) -> dict:
    value = json.loads(out)
    assert set(value) == KEYS
    return value


def test_done_is_0_with_the_result_in_json(run, bank):
    hold(bank, "000500", 1500)
    code, out, _ = run("confirm", "000500", "--amount", "1 200,50", "--reason",
                       "Нет в наличии", "--yes", "--json")
    assert code == 0
    result = as_json(out)
    assert result == {"invoice_id": "000500", "action": "confirm", "amount": "1200.50",
                      "result": "done", "message": result["message"],
                      "code": "operations.accepted",
                      "params": {"effect": {"code": "operations.captured",
                                            "params": {"status": "CHARGE", "amount": "1200.50"}}},
                      "operation_id": result["operation_id"]}
    assert result["message"] == ("The bank accepted it: the bank's status is CHARGE: "
                                 "KZT 1,200.50 captured.")
    assert isinstance(result["operation_id"], int)
    assert bank.get("000500").charged_minor == 1200_50


def test_text_output_names_the_result_order_and_operation(run, bank, ctx):
    paid(bank, "000501", 1000)
    code, out, _ = run("refund", "000501", "--amount", "100", "--reason", "брак",
                       "--note", "акт 7", "--yes")
    assert code == 0
    assert out.startswith("Done: refund KZT 100.00 for order 000501 (operation #")
    [op] = journal(ctx)
    assert (op.reason.code, op.reason.text, op.note) == ("Другое", "брак", "акт 7")


def test_refused_by_the_bank_is_3_with_its_message(run, bank, monkeypatch):
    hold(bank, "000502", 1500)

    def decline(*_args: object, **_kwargs: object) -> None:
        raise Refusal(RefusalCode.WRONG_STATUS, "Declined by the issuer")

    monkeypatch.setattr(bank, "charge", decline)
    code, out, _ = run("confirm", "000502", "--reason", "Нет в наличии", "--yes", "--json")
    assert code == 3
    result = as_json(out)
    assert result["result"] == "refused" and "Declined by the issuer" in result["message"]


def test_not_allowed_is_4_and_nothing_is_sent(run, bank):
    paid(bank, "000503", 1500)
    code, out, _ = run("confirm", "000503", "--reason", "Нет в наличии", "--yes", "--json")
    assert (code, as_json(out)["result"]) == (4, "not_allowed")
    code, out, _ = run("refund", "000503", "--reason", "Нет в наличии", "--yes", "--json",
                       operator="alla")
    assert (code, as_json(out)["result"]) == (4, "not_allowed")
    assert posts(bank) == []


def test_outcome_unknown_is_5_and_resolve_settles_it(run, bank, server):
    hold(bank, "000504", 1500)
    server.set_fault("lost_reply", 1.0, times=1, match="/charge")
    code, out, _ = run("confirm", "000504", "--reason", "Нет в наличии", "--yes", "--json")
    assert (code, as_json(out)["result"]) == (5, "unknown")

    code, out, _ = run("resolve", "--json")
    assert code == 0
    [settled] = json.loads(out)
    assert set(settled) == KEYS and settled["result"] == "done"
    code, out, _ = run("resolve")
    assert (code, out.strip()) == (0, "Nothing to resolve: every operation's outcome is known.")
    assert executed(bank) == ["charge"] and len(posts(bank)) == 1


def test_resolve_is_5_while_an_outcome_is_still_unknown(run, bank, server):
    hold(bank, "000505", 1500)
    server.set_fault("drop", 1.0, times=1, match="/charge")
    assert run("confirm", "000505", "--reason", "Нет в наличии", "--yes")[0] == 5
    code, out, _ = run("resolve", "000505")
    assert code == 5 and "Outcome unknown" in out
    # And a new attempt is not allowed meanwhile.
    code, out, _ = run("confirm", "000505", "--reason", "Нет в наличии", "--yes", "--json")
    assert (code, as_json(out)["result"]) == (4, "not_allowed")
    assert len(posts(bank)) == 1


def test_waiting_for_approval_is_6_and_another_manager_approves(run, bank, ctx):
    ctx.settings.set("refund_approval_threshold", 100_00)
    ctx.settings.save()
    paid(bank, "000506", 1500)
    code, out, _ = run("refund", "000506", "--reason", "Двойная оплата", "--yes", "--json")
    result = as_json(out)
    assert (code, result["result"], result["amount"]) == (6, "pending_approval", "1500.00")
    code, out, _ = run("approvals", "--json")
    assert [r["id"] for r in json.loads(out)] == [result["operation_id"]]
    assert run("approve", str(result["operation_id"]), "--yes")[0] == 4  # the requester
    code, out, _ = run("approve", str(result["operation_id"]), "--yes", "--json",
                       operator="boris")
    assert (code, as_json(out)["result"]) == (0, "done")
    assert bank.get("000506").status == "REFUND"


def test_reject_frees_the_payment(run, bank, ctx):
    ctx.settings.set("refund_approval_threshold", 100_00)
    ctx.settings.save()
    paid(bank, "000507", 1500)
    op_id = as_json(run("refund", "000507", "--reason", "Двойная оплата", "--yes",
                        "--json")[1])["operation_id"]
    assert run("reject", str(op_id), "--reason", "не подтверждено", operator="alla")[0] == 4
    code, out, _ = run("reject", str(op_id), "--reason", "не подтверждено", operator="boris")
    assert code == 0 and "will not be sent" in out
    assert run("approvals")[1].strip() == "No refunds wait for approval."
    assert posts(bank) == []


def test_other_failures_are_1(run, bank, server):
    hold(bank, "000508", 1500)
    server.stop()
    code, out, _ = run("confirm", "000508", "--reason", "Нет в наличии", "--yes", "--json")
    assert (code, as_json(out)["result"]) == (1, "error")


@pytest.mark.parametrize("args,says", [
    (["confirm", "000509", "--yes"], "--reason"),
    (["confirm", "000509", "--reason", "Другое", "--yes"], "Другое"),
    (["confirm", "000509", "--amount", "12,345", "--reason", "x", "--yes"], "two decimals"),
    (["confirm", "000509", "--amount", "-5", "--reason", "x", "--yes"], "negative"),
    (["confirm", "12", "--reason", "x", "--yes"], "6 to 15 digits"),
    (["confirm", "000509", "--reason", "x"], "--yes"),
    (["operator", "add", "x", "--role", "boss"], "role"),
])
def test_usage_errors_are_2_and_nothing_is_sent(run, bank, args, says):
    hold(bank, "000509", 1500)
    code, _, err = run(*args)
    assert code == 2 and says in err
    assert posts(bank) == []


def test_operators_from_the_command_line(run):
    assert run("operator", "add", "vera", "--role", "accountant", operator="root")[0] == 0
    code, _, err = run("operator", "add", "vera", "--role", "admin")  # anna is a manager
    assert code == 4 and "manage operators" in err
    code, out, _ = run("operator", "list", "--json")
    assert {"name": "vera", "role": "accountant", "active": True,
            "created_by": "root"} in json.loads(out)
    assert run("operator", "disable", "vera", operator="root")[0] == 0
    assert run("audit", "list", operator="vera")[0] == 4  # disabled: may not even read


def test_audit_list_filters(run, bank):
    hold(bank, "000510", 1500)
    hold(bank, "000511", 1500)
    run("confirm", "000510", "--reason", "Нет в наличии", "--yes")
    run("cancel", "000511", "--reason", "Нет в наличии", "--yes", operator="boris")
    code, out, _ = run("audit", "list", "--invoice", "000511", "--json")
    entries = json.loads(out)
    assert code == 0 and {e["subject"] for e in entries} == {"000511"}
    assert [e["action"] for e in entries] == ["cancel.done", "payment.status", "cancel.intent"]
    code, out, _ = run("audit", "list", "--operator", "anna", "--action", "confirm", "--json")
    assert [e["action"] for e in json.loads(out)] == ["confirm.done", "confirm.intent"]
