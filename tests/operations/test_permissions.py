"""Roles are enforced by the services: an operator without the right gets a refusal that says
who may, and nothing is sent or written. Large refunds wait for a second manager."""

from __future__ import annotations

import pytest
from money_helpers import (
    REASON,
    Ctx,
    hold,
    journal,
    paid,
    posts,
    register_profile,
    sqlite_store_url,  # noqa: F401 (fixture: SQLite only)
)

from halyk_desk.domain import Money
from halyk_desk.services import audit, operations, operators
from halyk_desk.services.operators import NotAllowed
from halyk_desk.settings import Settings


def money_actions(ctx, client):
    return {
        "confirm": lambda: operations.confirm(ctx, "000200", reason=REASON, client=client),
        "cancel": lambda: operations.cancel(ctx, "000200", reason=REASON, client=client),
        "refund": lambda: operations.refund(ctx, "000201", reason=REASON, client=client),
    }


@pytest.mark.parametrize("who", ["alla", "stranger", "retired"])
@pytest.mark.parametrize("action", ["confirm", "cancel", "refund"])
def test_only_managers_and_admins_move_money(ctx, bank, client, who, action):
    operators.add_operator(ctx.as_("root"), "retired", "manager")
    operators.disable_operator(ctx.as_("root"), "retired")
    hold(bank, "000200", 500)
    paid(bank, "000201", 500)
    outcome = money_actions(ctx.as_(who), client)[action]()
    assert outcome.result == "not_allowed" and outcome.exit_code == 4
    assert who in outcome.message
    assert posts(bank) == [] and journal(ctx) == []
    assert [op for op in bank.operations] == []


@pytest.mark.parametrize("who", ["anna", "root"])
def test_managers_and_admins_may(ctx, bank, client, who):
    hold(bank, "000200", 500)
    assert operations.confirm(ctx.as_(who), "000200", reason=REASON,
                              client=client).result == "done"
    assert journal(ctx)[0].operator == who


def test_the_refusal_names_the_role_needed(ctx, bank, client):
    hold(bank, "000200", 500)
    message = operations.confirm(ctx.as_("alla"), "000200", reason=REASON, client=client).message
    assert "accountant" in message and "manager" in message
    message = operations.confirm(ctx.as_("stranger"), "000200", reason=REASON,
                                 client=client).message
    assert "operator add stranger --role manager" in message


def test_the_first_operator_of_a_fresh_store_becomes_its_admin(store, app_paths):
    fresh = Ctx(app_paths, Settings.load(app_paths.config_dir), store, register_profile(store),
                "olga")
    assert operators.current(fresh).role == "admin"
    # From then on, strangers are strangers.
    assert operators.current(fresh.as_("pavel")) is None
    with pytest.raises(NotAllowed):
        operators.require(fresh.as_("pavel"), operators.READ)
    with store.session(readonly=True) as session:
        refusal, entry = audit.list_entries(session)
    assert (entry.action, entry.operator) == ("operator.bootstrap", "olga")
    # the refusal is in the log too
    assert (refusal.action, refusal.operator, refusal.subject) == ("refused", "pavel", "read")


@pytest.mark.parametrize("who", ["anna", "alla"])
def test_only_admins_manage_operators(ctx, who):
    with pytest.raises(NotAllowed, match="manage operators"):
        operators.add_operator(ctx.as_(who), "newbie", "admin")
    with pytest.raises(NotAllowed):
        operators.disable_operator(ctx.as_(who), "boris")
    assert "newbie" not in {o.name for o in operators.list_operators(ctx)}


def test_an_admin_adds_changes_and_disables_operators(ctx):
    admin = ctx.as_("root")
    operators.add_operator(admin, "newbie", "accountant")
    operators.add_operator(admin, "newbie", "manager")
    operators.disable_operator(admin, "newbie")
    [newbie] = [o for o in operators.list_operators(ctx) if o.name == "newbie"]
    assert (newbie.role, newbie.active, newbie.created_by) == ("manager", False, "root")
    assert not newbie.can(operators.READ)
    with ctx.store.session(readonly=True) as session:
        actions = [e.action for e in audit.list_entries(
            session, audit.AuditFilter(action="operator")) if e.subject == "operator:newbie"]
    assert actions == ["operator.disable", "operator.change", "operator.add"]


def test_the_last_admin_stays_an_admin(ctx):
    with pytest.raises(NotAllowed, match="last active admin"):
        operators.add_operator(ctx.as_("root"), "root", "manager")
    with pytest.raises(NotAllowed, match="last active admin"):
        operators.disable_operator(ctx.as_("root"), "root")


def test_roles_and_permissions():
    can = {role: perms for role, perms in operators.ROLE_PERMISSIONS.items()}
    assert can["accountant"] == {"read", "reconcile", "export"}
    assert can["manager"] == can["accountant"] | {"move_money", "approve", "create_links"}
    assert can["admin"] == can["manager"] | {"settings", "operators"}


# --- a second manager for large refunds -------------------------------------------------------

@pytest.fixture
def large_refund(ctx, bank, client):
    ctx.settings.set("refund_approval_threshold", 500_00)
    paid(bank, "000210", 2000)
    outcome = operations.refund(ctx, "000210", reason=REASON, amount=Money(500_01), client=client)
    return outcome


def test_a_refund_above_the_threshold_waits_for_approval(ctx, bank, large_refund):
    assert large_refund.result == "pending_approval" and large_refund.exit_code == 6
    assert posts(bank) == []
    [op] = operations.pending_approvals(ctx)
    assert (op.id, op.status, op.amount, op.operator) == (
        large_refund.operation_id, "pending_approval", Money(500_01), "anna")


def test_a_refund_at_the_threshold_does_not_wait(ctx, bank, client):
    ctx.settings.set("refund_approval_threshold", 500_00)
    paid(bank, "000211", 2000)
    outcome = operations.refund(ctx, "000211", reason=REASON, amount=Money(500_00),
                                client=client)
    assert outcome.result == "done"


def test_a_waiting_refund_holds_the_payment(ctx, bank, client, large_refund):
    outcome = operations.refund(ctx.as_("boris"), "000210", reason=REASON, amount=Money(10_00),
                                client=client)
    assert outcome.result == "not_allowed"
    assert "in progress" in outcome.message and f"#{large_refund.operation_id}" in outcome.message
    assert posts(bank) == []


@pytest.mark.parametrize("who", ["anna", "alla", "stranger"])
def test_not_the_requester_nor_an_accountant_may_approve(ctx, bank, client, large_refund, who):
    outcome = operations.approve(ctx.as_(who), large_refund.operation_id, client=client)
    assert outcome.result == "not_allowed"
    assert posts(bank) == []
    assert operations.pending_approvals(ctx)[0].status == "pending_approval"


@pytest.mark.parametrize("who", ["boris", "root"])
def test_another_manager_approves_and_then_it_is_sent(ctx, bank, client, large_refund, who):
    outcome = operations.approve(ctx.as_(who), large_refund.operation_id, client=client)
    assert (outcome.result, outcome.exit_code) == ("done", 0)
    assert len(posts(bank)) == 1
    assert bank.get("000210").refunded_minor == 500_01
    [op] = journal(ctx)
    assert (op.status, op.operator, op.approved_by) == ("done", "anna", who)
    # An approval is spent: approving again does nothing.
    again = operations.approve(ctx.as_(who), large_refund.operation_id, client=client)
    assert again.result == "not_allowed" and len(posts(bank)) == 1


def test_the_approved_refund_is_checked_again_before_sending(ctx, bank, client, large_refund):
    bank.refund(bank.get("000210").id, 1800_00)  # meanwhile, in the bank's cabinet
    outcome = operations.approve(ctx.as_("boris"), large_refund.operation_id, client=client)
    assert outcome.result == "not_allowed" and "at most KZT 200.00" in outcome.message
    assert posts(bank) == []
    assert journal(ctx)[0].status == "refused"


def test_a_rejected_request_is_never_sent_and_frees_the_payment(ctx, bank, client, large_refund):
    with pytest.raises(NotAllowed):
        operations.reject(ctx.as_("alla"), large_refund.operation_id, "no")
    row = operations.reject(ctx.as_("boris"), large_refund.operation_id, "the goods came back")
    assert (row.status, row.rejected_by, row.rejected_reason) == (
        "rejected", "boris", "the goods came back")
    assert operations.approve(ctx.as_("root"), row.id, client=client).result == "not_allowed"
    assert posts(bank) == []
    smaller = operations.refund(ctx, "000210", reason=REASON, amount=Money(100_00),
                                client=client)
    assert smaller.result == "done"


def test_the_requester_may_withdraw_a_request(ctx, large_refund):
    row = operations.reject(ctx, large_refund.operation_id, "typo in the amount")
    assert (row.status, row.rejected_by) == ("rejected", "anna")


# --- reasons ----------------------------------------------------------------------------------

REASONS = ["Просьба покупателя", "Нет в наличии", "Другое"]


def test_a_reason_comes_from_the_list():
    assert operations.check_reason(REASONS, "нет в наличии") == operations.Reason("Нет в наличии")
    with pytest.raises(operations.ReasonError, match="Просьба покупателя"):
        operations.check_reason(REASONS, "Потому что")
    with pytest.raises(operations.ReasonError, match="required"):
        operations.check_reason(REASONS, "  ")


def test_other_needs_the_operators_own_words():
    with pytest.raises(operations.ReasonError, match="Другое"):
        operations.check_reason(REASONS, "Другое")
    with pytest.raises(operations.ReasonError):
        operations.check_reason(REASONS, "Другое", "   ")
    assert operations.check_reason(REASONS, "Другое", " брак ") == operations.Reason(
        "Другое", "брак")


def test_the_clis_reason_is_a_listed_one_or_other_words():
    assert operations.reason_from_words(REASONS, "Нет в наличии") == operations.Reason(
        "Нет в наличии")
    assert operations.reason_from_words(REASONS, "клиент передумал") == operations.Reason(
        "Другое", "клиент передумал")
    with pytest.raises(operations.ReasonError):
        operations.reason_from_words(REASONS, "Другое")
    with pytest.raises(operations.ReasonError):
        operations.reason_from_words(["Нет в наличии"], "клиент передумал")
