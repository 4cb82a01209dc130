"""services.settings_service: what the settings dialog relies on, without the dialog."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace

import pytest
from sqlalchemy import select

from halyk_desk.sandbox import (
    TEST_CLIENT_ID,
    TEST_CLIENT_SECRET,
    TEST_TERMINAL,
    SandboxBank,
    SandboxServer,
)
from halyk_desk.services import operators, profiles
from halyk_desk.services import settings_service as service
from halyk_desk.services.profiles import ProfileRecord
from halyk_desk.settings import Settings, SettingsError
from halyk_desk.store import Store
from halyk_desk.store.journal_models import AuditEntry


@pytest.fixture
def sandbox_server():
    with SandboxServer(SandboxBank(), port=0) as server:
        yield server


def sandbox_record(server: SandboxServer, name: str = "shop-main") -> ProfileRecord:
    return ProfileRecord(name=name, kind="custom", oauth_url=server.oauth_url,
                         api_url=server.api_url, client_id=TEST_CLIENT_ID,
                         terminal_id=TEST_TERMINAL)


def audit_entries(ctx, action: str) -> list[AuditEntry]:
    with ctx.store.session(readonly=True) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.seq)))


def test_saving_changes_the_file_the_context_and_the_audit_log(ctx):
    changes = service.save_settings(ctx, {"hold_warn_days": 3, "hold_expire_days": 6,
                                          "reasons": ["Брак", "Другое"], "language": "ru"})
    assert {c.key for c in changes} == {"hold_warn_days", "hold_expire_days", "reasons",
                                        "language"}
    on_disk = json.loads(ctx.settings.path.read_text(encoding="utf-8"))
    assert on_disk["hold_warn_days"] == 3 and on_disk["reasons"] == ["Брак", "Другое"]
    assert ctx.settings["hold_expire_days"] == 6
    assert Settings.load(ctx.paths.config_dir)["language"] == "ru"
    logged = {e.details["key"]: e.details for e in audit_entries(ctx, "setting.change")}
    assert logged["hold_warn_days"] == {"key": "hold_warn_days", "old": 5, "new": 3}
    assert logged["reasons"]["old"][0] == "Просьба покупателя"
    assert all(e.operator == ctx.operator for e in audit_entries(ctx, "setting.change"))
    # Saving the same values again changes nothing and logs nothing.
    assert service.save_settings(ctx, {"hold_warn_days": 3}) == []
    assert len(audit_entries(ctx, "setting.change")) == 4


@pytest.mark.parametrize("values", [
    {"hold_warn_days": 7, "hold_expire_days": 7},
    {"business_tz": "Asia/Nowhere"},
    {"reasons": []},
    {"refund_approval_threshold": -1},
    {"database_url": "postgresql://anna:secret@db/halyk"},
])
def test_a_refused_value_changes_nothing(ctx, values):
    before = ctx.settings.path.read_bytes() if ctx.settings.path.exists() else None
    with pytest.raises(SettingsError):
        service.save_settings(ctx, values)
    after = ctx.settings.path.read_bytes() if ctx.settings.path.exists() else None
    assert after == before
    assert audit_entries(ctx, "setting.change") == []


def test_only_an_admin_changes_settings_but_anyone_the_language(ctx):
    assert service.may_change_settings(ctx)  # the first operator of a store is its admin
    operators.add_operator(ctx, "anna", "accountant")
    anna = ctx.as_("anna")
    assert not service.may_change_settings(anna)
    with pytest.raises(operators.NotAllowed):
        service.save_settings(anna, {"hold_warn_days": 2, "language": "en"})
    assert ctx.settings["hold_warn_days"] == 5 and ctx.settings["language"] == "auto"
    assert [c.key for c in service.save_settings(anna, {"language": "kk"})] == ["language"]
    assert Settings.load(ctx.paths.config_dir)["language"] == "kk"


def test_a_file_that_cannot_be_written_leaves_the_old_values(ctx, monkeypatch):
    def full_disk() -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ctx.settings, "save", full_disk)
    with pytest.raises(OSError):
        service.save_settings(ctx, {"hold_warn_days": 2})
    assert ctx.settings["hold_warn_days"] == 5
    assert audit_entries(ctx, "setting.change") == []  # the log's transaction rolled back


def test_the_database_password_lives_in_the_keyring(ctx, memory_keyring):
    address, password = service.split_password("postgresql://halyk:s3cret@db.shop.kz:5432/halyk")
    assert address == "postgresql://halyk@db.shop.kz:5432/halyk" and password == "s3cret"
    assert service.save_database_password(ctx, password) is not None
    service.save_settings(ctx, {"database_url": address})
    assert "s3cret" not in ctx.settings.path.read_text(encoding="utf-8")
    url = service.configured_database(ctx.settings, ctx.secrets)
    assert url is not None and url.password == "s3cret" and url.host == "db.shop.kz"
    service.save_settings(ctx, {"database_url": ""})
    assert service.configured_database(ctx.settings, ctx.secrets) is None


def test_the_database_of_the_settings_is_opened_at_the_next_start(ctx, tmp_path, make_args):
    from halyk_desk.services.context import open_context

    other = tmp_path / "team" / "shared.sqlite3"
    service.save_settings(ctx, {"database_url": service.sqlite_address(other)})
    with open_context(make_args()) as reopened:
        assert reopened.store.url == f"sqlite:///{other}"
    assert other.exists()


def test_checking_sqlite_files(ctx, tmp_path):
    current = service.check_database(service.sqlite_address(
        service.default_database_file(ctx.paths)))
    assert (current.backend, current.schema) == ("sqlite", "current")
    assert current.server and current.server.startswith("SQLite")
    absent = service.check_database(service.sqlite_address(tmp_path / "new" / "x.sqlite3"))
    assert absent.schema == "absent"
    assert not (tmp_path / "new").exists()  # a check writes nothing
    with pytest.raises(service.DatabaseCheckError):
        service.check_database("mysql://somewhere/db")


def test_an_unreachable_postgresql_server_is_reported():
    with pytest.raises(service.DatabaseCheckError) as caught:
        service.check_database("postgresql://halyk@127.0.0.1:1/halyk", "secret")
    assert "refused" in str(caught.value).lower()
    assert "secret" not in str(caught.value)


@pytest.mark.postgres
def test_checking_a_postgresql_database(pg_cluster, app_paths):
    url = pg_cluster.create_database("settings_check")
    assert service.check_database(url).schema == "empty"
    Store.open(url, app_paths).close()
    found = service.check_database(url)
    assert (found.backend, found.schema) == ("postgresql", "current")
    assert found.server and found.server.startswith("PostgreSQL")


def test_profile_connection_tests_against_the_sandbox(ctx, sandbox_server):
    record = sandbox_record(sandbox_server)
    assert service.test_profile(ctx, record, TEST_CLIENT_SECRET).ok
    refused = service.test_profile(ctx, record, "wrong-secret")
    assert refused.kind == "auth" and "wrong-secret" not in refused.detail
    # Nothing listens on port 1 of this machine.
    gone = replace(record, oauth_url="http://127.0.0.1:1/oauth2/token",
                   api_url="http://127.0.0.1:1")
    assert service.test_profile(ctx, gone, TEST_CLIENT_SECRET, timeout=2).kind == "unreachable"
    # Not saved, no secret typed: nothing to test with.
    assert service.test_profile(ctx, record).kind == "setup"
    # The built-in sandbox runs in this process.
    assert service.test_profile(ctx, profiles.SANDBOX).ok


def test_saving_a_profile_keeps_its_secret_in_the_keyring(ctx, sandbox_server, memory_keyring):
    record = sandbox_record(sandbox_server)
    saved = service.save_profile(ctx, record, TEST_CLIENT_SECRET)
    assert saved is not None and saved.warning is None
    assert ("halyk-desk", "shop-main") in memory_keyring.items
    [info] = [p for p in service.list_profiles(ctx) if p.record.name == "shop-main"]
    assert info.secret_where == "keyring" and info.record.api_url == sandbox_server.api_url
    # Saved: the stored secret is used when none is typed.
    assert service.test_profile(ctx, record).ok
    # Changing the addresses keeps the secret.
    assert service.save_profile(ctx, record, None) is None
    [entry, _again] = audit_entries(ctx, "profile.save")
    assert entry.details["secret_changed"] is True
    assert TEST_CLIENT_SECRET not in json.dumps(entry.details)


def test_without_a_keyring_the_secret_goes_to_a_private_file_and_says_so(ctx, sandbox_server):
    saved = service.save_profile(ctx, sandbox_record(sandbox_server), TEST_CLIENT_SECRET)
    assert saved is not None and saved.warning
    assert saved.location == str(ctx.secrets.fallback_path)
    assert ctx.secrets.fallback_path.stat().st_mode & 0o077 == 0


def test_a_profile_is_checked_before_anything_is_saved(ctx, memory_keyring):
    bad = ProfileRecord(name="shop", kind="custom", oauth_url="https://x/token",
                        api_url="https://x", client_id="c", terminal_id="not-a-uuid")
    with pytest.raises(profiles.ProfileError):
        service.save_profile(ctx, bad, "secret")
    new = replace(bad, terminal_id=str(uuid.uuid4()))
    with pytest.raises(profiles.ProfileError):
        service.save_profile(ctx, new, None)  # a new profile needs its secret
    assert memory_keyring.items == {}
    assert [p.record.name for p in service.list_profiles(ctx)] == ["halyk-test", "sandbox"]
