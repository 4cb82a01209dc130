"""`halyk-desk profile add | list | use | test`, and the context every command opens."""

from __future__ import annotations

import io
import json
import sqlite3
import stat
import sys
import threading
from types import SimpleNamespace

import pytest
from operator_helpers import PASSWORD, typed

from halyk_desk.cli import main
from halyk_desk.paths import resolve_paths
from halyk_desk.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)
from halyk_desk.secrets import FALLBACK_FILE, cabinet_binding, secret_binding
from halyk_desk.services import operators
from halyk_desk.services.context import open_context
from halyk_desk.settings import Settings
from halyk_desk.store import UnknownProfile

TERMINAL = "0f4e8b52-77a3-4c39-9a0e-2d1f6c5b8a91"


@pytest.fixture
def sandbox_server():
    with SandboxServer(SandboxBank(), port=0) as server:
        yield server


def run(capsys, *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    previous = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = main(list(argv))
    finally:
        sys.stdin = previous
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys, name="shop", *, oauth="http://127.0.0.1:9/oauth2/token",
        api="http://127.0.0.1:9", client_id="shop-client", terminal=TERMINAL,
        secret="s3cret-value", extra=()):
    return run(capsys, *extra, "profile", "add", name, "--oauth-url", oauth, "--api-url", api,
               "--client-id", client_id, "--terminal", terminal, "--secret-stdin", stdin=secret)


def listed(capsys, *extra: str) -> dict[str, dict]:
    code, out, _ = run(capsys, *extra, "profile", "list", "--json")
    assert code == 0
    return {row["name"]: row for row in json.loads(out)}


def test_built_in_profiles_are_there_from_the_start(capsys):
    profiles = listed(capsys)
    assert set(profiles) == {"sandbox", "halyk-test"}
    assert profiles["sandbox"]["current"]
    assert profiles["sandbox"]["secret"] == "not needed (sandbox)"
    assert profiles["halyk-test"] == {
        "name": "halyk-test", "kind": "halyk-test", "current": False,
        "oauth_url": "https://test-epay-oauth.epayment.kz/oauth2/token",
        "api_url": "https://test-epay-api.epayment.kz", "client_id": "test",
        "terminal_id": "67e34d63-102f-4bd1-898e-370781d0074d", "cabinet_user": None,
        "shop_id": None, "callback_url": None, "secret": "published by the bank",
    }


def test_add_without_a_keyring_stores_the_secret_in_a_private_file_and_warns(capsys):
    code, out, err = add(capsys, terminal=TERMINAL.upper())
    assert code == 0
    paths = resolve_paths(None)
    secrets_file = paths.config_dir / FALLBACK_FILE
    assert f"Secrets saved in: {secrets_file}" in out
    assert err.startswith("WARNING: No usable system keyring") and str(secrets_file) in err
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    row = listed(capsys)["shop"]
    assert (row["kind"], row["terminal_id"], row["secret"]) == ("custom", TERMINAL,
                                                                str(secrets_file))
    database = (paths.data_dir / "halyk-desk.sqlite3").read_bytes()
    assert b"shop-client" in database and b"s3cret-value" not in database
    assert "s3cret-value" not in out + err


def test_add_with_a_keyring_keeps_the_secret_there(capsys, memory_keyring):
    code, out, err = add(capsys)
    assert (code, err) == (0, "")
    assert "Secrets saved in: system keyring" in out
    # beside it, what it belongs to: a digest of the token address and client id
    assert memory_keyring.items == {
        ("halyk-desk", "shop"): "s3cret-value",
        ("halyk-desk", "shop#binding"): secret_binding("http://127.0.0.1:9/oauth2/token",
                                                       "shop-client")}
    assert listed(capsys)["shop"]["secret"] == "keyring"


def test_the_secret_can_come_from_an_environment_variable(capsys, monkeypatch, memory_keyring):
    monkeypatch.setenv("SHOP_SECRET", "from-env")
    code, _, _ = run(capsys, "profile", "add", "shop", "--oauth-url", "https://o.example/t",
                     "--api-url", "https://a.example", "--client-id", "c", "--terminal", TERMINAL,
                     "--secret-env", "SHOP_SECRET")
    assert code == 0 and memory_keyring.items[("halyk-desk", "shop")] == "from-env"

    code, _, err = run(capsys, "profile", "add", "shop", "--oauth-url", "https://o.example/t",
                       "--api-url", "https://a.example", "--client-id", "c", "--terminal",
                       TERMINAL, "--secret-env", "NOT_SET_ANYWHERE")
    assert code == 2 and "NOT_SET_ANYWHERE is not set" in err


def test_adding_again_replaces_the_profile_and_its_secret(capsys, memory_keyring):
    add(capsys)
    code, _, _ = add(capsys, api="https://new.example", secret="rotated")
    assert code == 0
    assert listed(capsys)["shop"]["api_url"] == "https://new.example"
    assert memory_keyring.items[("halyk-desk", "shop")] == "rotated"


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": "Shop Main"}, "Profile name 'Shop Main' is not allowed"),
    ({"name": "sandbox"}, "'sandbox' is a built-in profile"),
    ({"oauth": "ftp://bank.example/token"}, "token address 'ftp://bank.example/token' is not"),
    ({"api": "epay-api.homebank.kz"}, "API address 'epay-api.homebank.kz' is not an http(s)"),
    ({"terminal": "98120001"}, "the terminal '98120001' is not a UUID"),
    ({"client_id": "  "}, "the client id is empty"),
    ({"secret": ""}, "no client secret on standard input"),
])
def test_add_refuses_what_cannot_work_and_says_why(capsys, changes, message):
    code, out, err = add(capsys, **changes)
    assert code == 2
    assert message in err and out == ""
    assert set(listed(capsys)) == {"sandbox", "halyk-test"}


def test_use_switches_the_profile_for_later_commands_and_the_window(capsys):
    add(capsys)
    code, out, _ = run(capsys, "profile", "use", "shop")
    assert code == 0 and "Now using profile 'shop'" in out
    assert Settings.load(resolve_paths(None).config_dir)["last_profile"] == "shop"
    assert listed(capsys)["shop"]["current"]
    assert listed(capsys, "--profile", "halyk-test")["halyk-test"]["current"]

    code, _, err = run(capsys, "profile", "use", "ghost")
    assert code == 2 and "There is no profile named 'ghost'" in err
    assert Settings.load(resolve_paths(None).config_dir)["last_profile"] == "shop"


def test_home_and_db_choose_where_profiles_live(capsys, tmp_path, monkeypatch):
    other_db = f"sqlite:///{tmp_path / 'team.sqlite3'}"
    add(capsys, extra=("--home", str(tmp_path / "elsewhere"), "--db", other_db))
    assert (tmp_path / "elsewhere" / "config" / FALLBACK_FILE).exists()
    assert "shop" not in listed(capsys)
    assert "shop" in listed(capsys, "--db", other_db)
    monkeypatch.setenv("HALYK_DESK_DB", other_db)
    assert "shop" in listed(capsys)


def test_the_sandbox_profile_tests_against_the_sandbox_on_this_computer(capsys):
    code, out, err = run(capsys, "profile", "test", "sandbox")
    assert code == 0, err
    assert "Connected to sandbox at 127.0.0.1:" in out and "issued a token" in out


def test_a_custom_profile_is_tested_against_its_bank(capsys, sandbox_server, memory_keyring):
    add(capsys, oauth=sandbox_server.oauth_url, api=sandbox_server.api_url,
        client_id=TEST_CLIENT_ID, terminal=TEST_TERMINAL, secret=TEST_CLIENT_SECRET)
    run(capsys, "profile", "use", "shop")
    code, out, err = run(capsys, "profile", "test")
    assert code == 0, err
    assert "Connected to shop at 127.0.0.1:" in out and "issued a token" in out


def test_a_failed_test_says_what_failed(capsys, sandbox_server, memory_keyring):
    add(capsys, oauth=sandbox_server.oauth_url, api=sandbox_server.api_url,
        client_id=TEST_CLIENT_ID, terminal=TEST_TERMINAL, secret="not-the-secret")
    code, out, err = run(capsys, "profile", "test", "shop", "--timeout", "2")
    assert code == 1
    assert "Testing profile 'shop'" in out
    assert "the connection test of profile 'shop' failed:" in err
    assert "not-the-secret" not in out + err


def test_a_profile_whose_secret_is_gone_says_how_to_add_it(capsys, memory_keyring):
    add(capsys)
    memory_keyring.items.clear()
    code, _, err = run(capsys, "profile", "test", "shop")
    assert code == 1 and "No client secret is stored for profile «shop»" in err


def test_testing_an_unknown_profile_is_a_usage_error(capsys):
    code, _, err = run(capsys, "profile", "test", "ghost")
    assert code == 2 and "There is no profile named 'ghost'" in err


def _args(**values):
    return SimpleNamespace(**{"home": None, "db": None, "profile": None, "operator": None,
                              **values})


def test_the_context_opens_on_the_last_profile_as_the_os_user(monkeypatch, capsys):
    monkeypatch.setattr("getpass.getuser", lambda: "aigerim")
    with open_context(_args()) as ctx:
        assert (ctx.profile.name, ctx.profile.kind, ctx.operator) == ("sandbox", "sandbox",
                                                                      "aigerim")
        assert ctx.as_("boris").operator == "boris" and ctx.operator == "aigerim"
        operators.add_operator(ctx, "anna", "accountant", PASSWORD)
    with typed(PASSWORD + "\n"), open_context(_args(profile="halyk-test", operator="anna",
                                                    operator_password_stdin=True)) as ctx:
        assert (ctx.profile.name, ctx.operator) == ("halyk-test", "anna")
        assert ctx.secret() == "yF587AV9Ms94qN2QShFzVR3vFnWkhjbAK3sG"
    with pytest.raises(UnknownProfile):
        open_context(_args(profile="ghost"))


def test_the_context_opens_while_another_program_holds_the_write_lock(app_paths):
    """A sync writing in another process must not keep the window or a command from starting."""
    open_context(_args()).close()
    writer = sqlite3.connect(app_paths.data_dir / "halyk-desk.sqlite3", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        with open_context(_args()) as ctx:
            assert ctx.profile.name == "sandbox"
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# --- the merchant cabinet's login --------------------------------------------------------------

def test_add_keeps_the_cabinet_user_and_its_password_in_the_keyring(capsys, memory_keyring):
    code, out, err = run(
        capsys, "profile", "add", "shop", "--oauth-url", "https://o.example/t", "--api-url",
        "https://a.example", "--client-id", "c", "--terminal", TERMINAL, "--secret-stdin",
        "--cabinet-user", "boss@shop.kz", "--cabinet-password-stdin",
        stdin="s3cret-value\ncabinet-pass\n")
    assert (code, err) == (0, ""), err
    assert "Cabinet user: boss@shop.kz" in out and "cabinet-pass" not in out
    assert memory_keyring.items == {("halyk-desk", "shop"): "s3cret-value",
                                    ("halyk-desk", "shop#binding"): secret_binding(
                                        "https://o.example/t", "c"),
                                    ("halyk-desk", "shop:cabinet"): "cabinet-pass",
                                    ("halyk-desk", "shop:cabinet#binding"): cabinet_binding(
                                        "https://o.example/t", "c", "boss@shop.kz")}
    assert listed(capsys)["shop"]["cabinet_user"] == "boss@shop.kz"


def test_edit_adds_changes_and_forgets_the_cabinet_login(capsys, memory_keyring):
    add(capsys)
    code, _, err = run(capsys, "profile", "edit", "shop", "--cabinet-user", "boss@shop.kz",
                       "--cabinet-password-stdin", stdin="cabinet-pass\n")
    assert (code, err) == (0, "")
    shop = listed(capsys)["shop"]
    assert shop["cabinet_user"] == "boss@shop.kz" and shop["api_url"] == "http://127.0.0.1:9"
    assert memory_keyring.items[("halyk-desk", "shop")] == "s3cret-value"  # untouched
    assert memory_keyring.items[("halyk-desk", "shop:cabinet")] == "cabinet-pass"

    code, _, _ = run(capsys, "profile", "edit", "shop", "--api-url", "https://new.example")
    assert code == 0 and listed(capsys)["shop"]["cabinet_user"] == "boss@shop.kz"

    code, _, _ = run(capsys, "profile", "edit", "shop", "--no-cabinet")
    assert code == 0 and listed(capsys)["shop"]["cabinet_user"] is None
    assert ("halyk-desk", "shop:cabinet") not in memory_keyring.items


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["--cabinet-user", "boss@shop.kz"], None, "has no password: give it with "
     "--cabinet-password-stdin"),
    (["--cabinet-password-stdin"], "pass\n", "a cabinet password without a cabinet user"),
    (["--cabinet-user", "u", "--cabinet-password-stdin"], "", "no cabinet password on "
     "standard input"),
    (["--no-cabinet", "--cabinet-user", "u"], None, "--no-cabinet forgets"),
])
def test_edit_refuses_half_a_cabinet_login(capsys, memory_keyring, argv, stdin, message):
    add(capsys)
    code, _, err = run(capsys, "profile", "edit", "shop", *argv, stdin=stdin)
    assert code == 2 and message in err
    assert listed(capsys)["shop"]["cabinet_user"] is None


def test_built_in_profiles_are_not_edited(capsys):
    code, _, err = run(capsys, "profile", "edit", "halyk-test", "--cabinet-user", "u")
    assert code == 2 and "built-in profile" in err


def test_the_cabinet_login_reaches_a_bank_that_demands_it(capsys, memory_keyring):
    from halyk_desk.sandbox import SANDBOX_CABINET_PASSWORD, SANDBOX_CABINET_USER
    from halyk_desk.services import reconciliation  # reads the operations list

    with SandboxServer(SandboxBank(cabinet_only=True)) as server:
        add(capsys, oauth=server.oauth_url, api=server.api_url, client_id=TEST_CLIENT_ID,
            terminal=TEST_TERMINAL, secret=TEST_CLIENT_SECRET)
        with open_context(_args(profile="shop")) as ctx:
            _, without = reconciliation.read_operations_list(
                ctx, *_day(), threading.Event())
        assert "profile edit shop --cabinet-user" in (without.note or "")
        run(capsys, "profile", "edit", "shop", "--cabinet-user", SANDBOX_CABINET_USER,
            "--cabinet-password-stdin", stdin=SANDBOX_CABINET_PASSWORD + "\n")
        with open_context(_args(profile="shop")) as ctx:
            _, listed_ops = reconciliation.read_operations_list(ctx, *_day(), threading.Event())
        assert listed_ops.note is None and server.bank.tokens.grants[-1] == "password"
        code, out, _ = run(capsys, "profile", "test", "shop")
        assert code == 0 and "cabinet user signed in" in out


def _day():
    from datetime import timedelta

    from halyk_desk.domain import utc_now
    now = utc_now()
    return now - timedelta(days=1), now


def test_a_store_made_with_the_older_test_hosts_gets_the_current_ones(capsys):
    from halyk_desk.services.profiles import HALYK_TEST
    from halyk_desk.store import repository
    from halyk_desk.store.records import ProfileRecord

    listed(capsys)  # a store with the built-in profiles
    with open_context(_args()) as ctx, ctx.store.session() as session:
        repository.save_profile(session, ProfileRecord(
            name="halyk-test", kind="halyk-test",
            oauth_url="https://testoauth.homebank.kz/epay2/oauth2/token",
            api_url="https://testepay.homebank.kz/api", client_id="test",
            terminal_id=HALYK_TEST.terminal_id, shop_id="shop-1",
            callback_url="https://shop.example.kz/halyk/callback"))
    test = listed(capsys)["halyk-test"]
    assert test["oauth_url"] == "https://test-epay-oauth.epayment.kz/oauth2/token"
    assert test["api_url"] == "https://test-epay-api.epayment.kz"
    # what the shop set on the built-in profile stays
    assert test["shop_id"] == "shop-1"
    assert test["callback_url"] == "https://shop.example.kz/halyk/callback"
