"""Profiles are an admin's, audited, and bound to their secret (issue 9, part 3).

An accountant cannot add, edit, remove or choose a profile. A secret belongs to the profile's
token address and client id: after either changes, the old secret is never sent — the program
asks for a new one first. Tried from the command line against sandbox banks over real HTTP.
"""

from __future__ import annotations

import io
import json
import sys
from dataclasses import replace

import pytest
from operator_helpers import PASSWORD

from halyk_desk.cli import main
from halyk_desk.paths import resolve_paths
from halyk_desk.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)
from halyk_desk.secrets import SecretStore, cabinet_entry
from halyk_desk.services import audit, profiles
from halyk_desk.store import Store

AS_ALLA = ["--operator", "alla", "--password-stdin"]


@pytest.fixture
def banks():
    """The shop's bank, and another address someone would like the secret sent to."""
    with SandboxServer(SandboxBank(), port=0) as ours, \
            SandboxServer(SandboxBank(), port=0) as theirs:
        yield ours, theirs


def run(capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    previous = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.stdin = previous
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def shop(banks, capsys):
    """Profile `shop` on our bank, saved by root (the OS user: the store's first admin); alla
    is an accountant."""
    ours, _ = banks
    code, _, err = run(capsys, "profile", "add", "shop", "--oauth-url", ours.oauth_url,
                       "--api-url", ours.api_url, "--client-id", TEST_CLIENT_ID, "--terminal",
                       TEST_TERMINAL, "--secret-stdin", stdin=TEST_CLIENT_SECRET)
    assert code == 0, err
    assert run(capsys, "operator", "add", "alla", "--role", "accountant", "--password-stdin",
               stdin=PASSWORD + "\n")[0] == 0
    assert run(capsys, "profile", "test", "shop")[0] == 0
    return "shop"


def entries(action: str) -> list[audit.AuditRecord]:
    with Store.open(None, resolve_paths(None)) as store, store.session(readonly=True) as s:
        return audit.list_entries(s, audit.AuditFilter(action=action))


def test_an_accountant_cannot_touch_profiles(shop, banks, capsys):
    _, theirs = banks
    attempts = [
        ["profile", "edit", "shop", "--oauth-url", theirs.oauth_url],
        ["profile", "add", "mine", "--oauth-url", theirs.oauth_url, "--api-url",
         theirs.api_url, "--client-id", "x", "--terminal", TEST_TERMINAL, "--secret-stdin"],
        ["profile", "remove", "shop"],
        ["profile", "use", "halyk-test"],
    ]
    for argv in attempts:
        code, _, err = run(capsys, *AS_ALLA, *argv, stdin=f"{PASSWORD}\nsecret\n")
        assert code == 4 and "may not change settings" in err, argv
    listed = json.loads(run(capsys, "profile", "list", "--json")[1])
    assert [p["name"] for p in listed] == ["halyk-test", "sandbox", "shop"]
    assert {p["name"]: p["current"] for p in listed}["sandbox"]
    assert [(e.operator, e.subject) for e in reversed(entries("refused"))] == [
        ("alla", "profile.save"), ("alla", "profile.save"), ("alla", "profile.remove"),
        ("alla", "setting.change")]
    assert theirs.bank.requests == []


def test_a_new_token_address_drops_the_secret_and_never_sends_it(shop, banks, capsys):
    ours, theirs = banks
    code, _, err = run(capsys, "profile", "edit", "shop", "--oauth-url", theirs.oauth_url,
                       "--api-url", theirs.api_url)
    assert code == 0 and "was dropped" in err
    code, _, err = run(capsys, "profile", "test", "shop")
    assert code == 1 and "No client secret is stored for profile «shop»" in err
    assert theirs.bank.requests == []  # the old secret never went there
    [saved, _first] = entries("profile.save")
    assert saved.details["old"]["oauth_url"] == ours.oauth_url
    assert saved.details["new"]["oauth_url"] == theirs.oauth_url
    assert saved.details["secret_dropped"] is True
    assert TEST_CLIENT_SECRET not in json.dumps([e.details for e in entries("profile")])
    # Given again, it is used at the new address.
    code, _, err = run(capsys, "profile", "edit", "shop", "--secret-stdin",
                       stdin=TEST_CLIENT_SECRET)
    assert code == 0, err
    assert run(capsys, "profile", "test", "shop")[0] == 0
    assert ("POST", "/oauth2/token") in [(r.method, r.path) for r in theirs.bank.requests]


def test_a_new_client_id_drops_it_too_but_a_new_terminal_keeps_it(shop, capsys):
    code, _, err = run(capsys, "profile", "edit", "shop",
                       "--terminal", "0f4e8b52-77a3-4c39-9a0e-2d1f6c5b8a91")
    assert code == 0 and "dropped" not in err
    assert run(capsys, "profile", "edit", "shop", "--terminal", TEST_TERMINAL)[0] == 0
    assert run(capsys, "profile", "test", "shop")[0] == 0
    code, _, err = run(capsys, "profile", "edit", "shop", "--client-id", "another-client")
    assert code == 0 and "was dropped" in err
    assert run(capsys, "profile", "test", "shop")[0] == 1


def test_another_computer_drops_a_secret_stored_for_the_old_address(shop, banks, capsys,
                                                                     tmp_path):
    """On a team database the profile is shared and each computer keeps its own secret: when
    the admin moves the profile, this computer's secret (stored for the old address) is
    dropped, not sent."""
    _, theirs = banks
    other_computer = SecretStore(tmp_path / "other-config")
    record = profiles.get(Store.open(None, resolve_paths(None)), "shop")
    other_computer.set("shop", TEST_CLIENT_SECRET, bound_to=profiles.binding(record))
    assert profiles.stored_secret(other_computer, record) == TEST_CLIENT_SECRET
    assert run(capsys, "profile", "edit", "shop", "--oauth-url", theirs.oauth_url)[0] == 0
    moved = profiles.get(Store.open(None, resolve_paths(None)), "shop")
    assert profiles.stored_secret(other_computer, moved) is None
    assert other_computer.get("shop") is None  # gone, not merely hidden


def test_removing_a_profile(shop, capsys):
    assert run(capsys, "profile", "use", "shop")[0] == 0
    code, _, err = run(capsys, "profile", "remove", "sandbox")
    assert code == 2 and "built-in" in err
    assert run(capsys, "profile", "remove", "shop")[0] == 0
    listed = json.loads(run(capsys, "profile", "list", "--json")[1])
    assert [p["name"] for p in listed] == ["halyk-test", "sandbox"]
    assert {p["name"]: p["current"] for p in listed}["sandbox"]
    assert SecretStore(resolve_paths(None).config_dir).get("shop") is None
    [removed] = entries("profile.remove")
    assert removed.subject == "profile:shop" and removed.details["old"]["client_id"]


def test_a_new_token_address_drops_the_cabinet_password_and_never_sends_it(shop, banks, capsys):
    """The cabinet password is a secret like the client's: it belongs to the token address,
    the client id and the cabinet user, and is asked for again after any of them changes."""
    _, theirs = banks
    code, _, err = run(capsys, "profile", "edit", "shop", "--cabinet-user", "boss@shop.kz",
                       "--cabinet-password-stdin", stdin="cabinet-pass\n")
    assert code == 0, err
    secrets = SecretStore(resolve_paths(None).config_dir)
    assert secrets.get(cabinet_entry("shop")) == "cabinet-pass"
    code, _, err = run(capsys, "profile", "edit", "shop", "--oauth-url", theirs.oauth_url,
                       "--api-url", theirs.api_url, "--secret-stdin", stdin=TEST_CLIENT_SECRET)
    assert code == 0, err
    assert secrets.get(cabinet_entry("shop")) is None
    [saved, *_] = entries("profile.save")
    assert saved.details["cabinet_password_dropped"] is True
    assert "cabinet-pass" not in json.dumps([e.details for e in entries("profile")])
    # The next request asks for it instead of sending anything with the old one.
    code, _, err = run(capsys, "profile", "test", "shop")
    assert code == 1 and "--cabinet-password-stdin" in err
    assert theirs.bank.requests == []


def test_another_computer_drops_a_cabinet_password_stored_for_the_old_address(shop, banks,
                                                                             tmp_path):
    _, theirs = banks
    other_computer = SecretStore(tmp_path / "other-config")
    record = profiles.get(Store.open(None, resolve_paths(None)), "shop")
    record = replace(record, cabinet_user="boss@shop.kz")
    profiles.save_cabinet_password(other_computer, record, "cabinet-pass")
    bound = profiles.cabinet_binding_of(record)
    assert other_computer.get(cabinet_entry("shop"), bound_to=bound) == "cabinet-pass"
    moved = replace(record, oauth_url=theirs.oauth_url)
    # Looking for a profile not yet saved changes nothing...
    assert other_computer.peek(cabinet_entry("shop"),
                               bound_to=profiles.cabinet_binding_of(moved)) is None
    assert other_computer.peek(cabinet_entry("shop"), bound_to=bound) == "cabinet-pass"
    # ...reading it for the moved profile drops it.
    assert other_computer.get(cabinet_entry("shop"),
                              bound_to=profiles.cabinet_binding_of(moved)) is None
    assert other_computer.get(cabinet_entry("shop")) is None
