"""Keeping the sandbox bank between runs: save and load, atomically and without secrets."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sandbox_helpers import NOW, Clock, get_token, operate, status

from halyk_desk.domain import Money
from halyk_desk.sandbox import TEST_CLIENT_SECRET, SandboxBank, SandboxServer
from halyk_desk.sandbox.demo import seed_demo


def test_save_and_load_round_trip_payments_and_operations(tmp_path, http, bank, server, token):
    hold = bank.add_payment("000100001", Money(50000), status="AUTH",
                            created_at=NOW - timedelta(days=1), description="Заказ №000100001: фен")
    paid = bank.add_payment("000100002", Money(100000), refunded=Money(2000),
                            refunded_at=NOW - timedelta(hours=1))
    bank.add_payment("000100003", Money(7000), status="FAILED", reason="Недостаточно средств")
    operate(http, server, token, hold, "charge", amount="300")
    operate(http, server, token, paid, "refund", amount="100", externalID="ext-1")
    path = tmp_path / "bank.json"
    bank.save(path)

    loaded = SandboxBank.load(path, clock=bank.clock)
    assert loaded.payments() == bank.payments()
    assert loaded.operations == bank.operations
    with SandboxServer(loaded) as again:
        before = status(http, server, token, "000100002").json()
        after = status(http, again, get_token(http, again), "000100002").json()
    assert after == before


def test_the_file_holds_no_secret_and_no_temporary_is_left(tmp_path):
    bank = SandboxBank(client_secret="a-private-secret")
    bank.add_payment("000100001", Money(5000))
    bank.save(tmp_path / "bank.json")
    bank.save(tmp_path / "bank.json")  # overwriting is fine
    text = (tmp_path / "bank.json").read_text(encoding="utf-8")
    assert "a-private-secret" not in text and TEST_CLIENT_SECRET not in text
    assert [p.name for p in tmp_path.iterdir()] == ["bank.json"]


def test_a_failed_save_leaves_the_previous_file_intact(tmp_path):
    path = tmp_path / "bank.json"
    bank = SandboxBank()
    bank.add_payment("000100001", Money(5000))
    bank.save(path)
    before = path.read_bytes()
    bank.add_payment("000100002", Money(6000), description="\ud800")  # cannot be encoded
    with pytest.raises(UnicodeEncodeError):
        bank.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["bank.json"]


def test_a_loaded_bank_takes_new_credentials_and_new_ids(tmp_path, http):
    clock = Clock()
    demo = SandboxBank(clock=clock, seed=3)
    seed_demo(demo, now=NOW, count=120)
    demo.save(tmp_path / "bank.json")
    loaded = SandboxBank.load(tmp_path / "bank.json", clock=clock, seed=3,
                              client_id="shop", client_secret="other-secret")
    fresh = loaded.add_payment("999000111", Money(5000))  # same seed: ids must not collide
    assert len({p.id for p in loaded.payments()}) == 121 and fresh in {p.id for p in
                                                                        loaded.payments()}
    with SandboxServer(loaded) as srv:
        assert get_token(http, srv, client_id="shop", client_secret="other-secret")


def test_loading_something_else_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": "world"}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a sandbox bank"):
        SandboxBank.load(path)
