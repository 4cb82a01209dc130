"""Random sequences of operations, faults, crashes and restarts against the sandbox bank.

Invariants: no operation ever runs twice at the bank (each journal operation is at most one bank
operation; each refund's externalID at most once), and after resolution every operation is
settled, the bank's operations are exactly the journal's done ones, and the store's picture of
each payment it touched — captured, refunded, status — is the bank's.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from money_helpers import (
    NO_GRACE,
    REASON,
    Crash,
    CrashingTransport,
    Ctx,
    make_client,
    register_profile,
)

from halyk_desk.domain import Money
from halyk_desk.domain.journal import UNRESOLVED
from halyk_desk.paths import resolve_paths
from halyk_desk.sandbox import SandboxBank, SandboxServer
from halyk_desk.services import operations, operators
from halyk_desk.settings import Settings
from halyk_desk.store import Store, repository

HOLDS = {"000901": 1000_00, "000902": 500_00}
CAPTURED = {"000903": 2000_00, "000904": 1500_00}
INVOICES = sorted(HOLDS) + sorted(CAPTURED)
FAULTS = [None, "drop", "lost_reply", "slow", "http5xx", "html502", "token_expiry",
          "crash_before", "crash_after"]
BANK_ACTION = {"confirm": "charge", "cancel": "cancel", "refund": "refund"}
PATHS = {"confirm": "/charge", "cancel": "/cancel", "refund": "/refund"}


class MoneyMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.home = Path(tempfile.mkdtemp(prefix="halyk-property-"))
        self.bank = SandboxBank(seed=7)
        for invoice, minor in HOLDS.items():
            self.bank.add_payment(invoice, Money(minor), status="AUTH")
        for invoice, minor in CAPTURED.items():
            self.bank.add_payment(invoice, Money(minor), status="CHARGE")
        self.server = SandboxServer(self.bank, slow_seconds=0.6).start()
        self.url = f"sqlite:///{self.home / 'shop.sqlite3'}"
        self.paths = resolve_paths(self.home)
        self.ctx = self._open()
        profile = register_profile(self.ctx.store, self.server)
        self.ctx.profile = profile
        self.ctx.settings.set("refund_approval_threshold", 10**12)
        operators.current(self.ctx)  # "anna" is the store's first operator: its admin
        self.client = make_client(self.server, timeout=0.3)

    def _open(self) -> Ctx:
        return Ctx(self.paths, Settings.load(self.paths.config_dir),
                   Store.open(self.url, self.paths), None, "anna")  # type: ignore[arg-type]

    def teardown(self) -> None:
        self.client.close()
        self.server.stop()
        self.ctx.store.close()
        shutil.rmtree(self.home, ignore_errors=True)

    # --- steps --------------------------------------------------------------------------------
    def _operate(self, action: str, invoice: str, amount: int | None, fault: str | None) -> None:
        money = Money(amount * 100) if amount is not None else None
        kwargs = {"reason": REASON, "settle_grace": NO_GRACE}
        if action != "cancel":
            kwargs["amount"] = money
        if fault in ("crash_before", "crash_after"):
            when = fault.removeprefix("crash_")
            with make_client(self.server, transport=CrashingTransport(when)) as dying:
                try:
                    getattr(operations, action)(self.ctx, invoice, client=dying, **kwargs)
                except Crash:
                    self.restart()
            return
        if fault is not None:
            self.server.set_fault(fault, 1.0, times=1, match=PATHS[action])
        outcome = getattr(operations, action)(self.ctx, invoice, client=self.client, **kwargs)
        self.server.clear_faults()
        assert outcome.result in ("done", "unknown", "not_allowed"), outcome

    @rule(action=st.sampled_from(["confirm", "cancel", "refund", "refund"]),
          invoice=st.sampled_from(INVOICES),
          amount=st.integers(5, 800) | st.none(),
          fault=st.sampled_from(FAULTS))
    def operate(self, action: str, invoice: str, amount: int | None, fault: str | None) -> None:
        self._operate(action, invoice, amount, fault)

    @rule()
    def restart(self) -> None:
        """The program starts again: new store connection, new client, nothing in memory."""
        self.client.close()
        profile = self.ctx.profile
        self.ctx.store.close()
        self.ctx = self._open()
        self.ctx.profile = profile
        self.ctx.settings.set("refund_approval_threshold", 10**12)
        self.client = make_client(self.server, timeout=0.3)

    @rule()
    def resolve(self) -> None:
        operations.resolve_unresolved(self.ctx, client=self.client, settle_grace=NO_GRACE)
        journal = operations.list_operations(self.ctx, limit=None)
        assert not [op for op in journal if op.status in UNRESOLVED]
        done = Counter(
            (op.transaction_id, BANK_ACTION[op.action], op.amount.minor,
             op.external_id if op.action == "refund" else None)
            for op in journal if op.status == "done")
        at_bank = Counter((o.tx_id, o.action, o.amount_minor, o.external_id)
                          for o in self.bank.operations)
        assert done == at_bank
        touched = {op.invoice_id for op in journal}
        with self.ctx.store.session(readonly=True) as session:
            for invoice in touched:
                mine = repository.get_payment(session, self.ctx.profile.name, invoice)
                theirs = self.bank.get(invoice)
                captured = theirs.charged_minor if theirs.status in ("CHARGE", "REFUND") else 0
                assert (mine.bank_status, mine.captured_minor, mine.refunded_minor) == (
                    theirs.status, captured, theirs.refunded_minor), invoice

    # --- always -------------------------------------------------------------------------------
    @invariant()
    def nothing_ran_twice(self) -> None:
        journal = operations.list_operations(self.ctx, limit=None)
        refunds = [o.external_id for o in self.bank.operations if o.action == "refund"]
        assert len(refunds) == len(set(refunds))
        assert set(refunds) <= {op.external_id for op in journal if op.action == "refund"}
        for action in ("charge", "cancel"):
            per_tx = Counter(o.tx_id for o in self.bank.operations if o.action == action)
            assert all(n == 1 for n in per_tx.values())
        # Each bank operation belongs to a journal operation that was sent.
        sent = Counter((op.transaction_id, BANK_ACTION[op.action]) for op in journal
                       if op.sent_at is not None)
        at_bank = Counter((o.tx_id, o.action) for o in self.bank.operations)
        assert all(at_bank[key] <= sent[key] for key in at_bank)


@pytest.mark.slow
def test_money_never_moves_twice_whatever_happens():
    run_state_machine_as_test(
        MoneyMachine,
        settings=settings(max_examples=20, stateful_step_count=15, deadline=None,
                          database=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.filter_too_much]),
    )
