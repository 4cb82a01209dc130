"""`halyk-desk db use`: pointing this computer at a database from the command line, as the
settings dialog does: checked first, password to the keyring, admins only, audited."""

from __future__ import annotations

import io
import json

import pytest
from admin_helpers import halyk, ok
from operator_helpers import PASSWORD

from halyk_desk.paths import AppPaths
from halyk_desk.secrets import SERVICE
from halyk_desk.services import audit
from halyk_desk.services.settings_service import DATABASE_SECRET
from halyk_desk.settings import SETTINGS_FILE, Settings
from halyk_desk.store import Store


@pytest.mark.postgres
def test_use_postgresql_from_the_next_start(pg_cluster, app_paths: AppPaths, memory_keyring,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    bare = pg_cluster.create_database("use")
    monkeypatch.setattr("sys.stdin", io.StringIO("Sekr3t-pw\n"))

    code, out, err = halyk("db", "use", bare, "--password-stdin")
    assert code == 0, err
    assert f"this computer opens {bare} (PostgreSQL " in out
    assert "It holds no data yet" in out and "db copy --to" in out
    assert Settings.load(app_paths.config_dir)["database_url"] == bare
    assert "Sekr3t-pw" not in (app_paths.config_dir / SETTINGS_FILE).read_text()
    assert memory_keyring.items[(SERVICE, DATABASE_SECRET)] == "Sekr3t-pw"

    # Every later start opens it, the password taken from the keyring (and never shown).
    shown = json.loads(ok("db", "info", "--json"))["address"]
    assert shown == bare.replace("halyk@", "halyk:***@")
    # The change is in the audit log of the database used until then.
    with Store.open(None, app_paths) as old, old.session(readonly=True) as session:
        entries = audit.list_entries(session, audit.AuditFilter(action="setting.change"))
    assert [(e.details["key"], e.details["new"]) for e in entries] == [("database_url", bare)]

    ok("db", "use", "--default")
    assert Settings.load(app_paths.config_dir)["database_url"] == ""
    assert json.loads(ok("db", "info", "--json"))["dialect"] == "sqlite"


def test_a_database_that_cannot_be_used_changes_nothing(app_paths: AppPaths) -> None:
    code, _out, err = halyk("db", "use", "postgresql://halyk:pw@127.0.0.1:1/halyk")
    assert code == 1
    assert err.startswith("halyk-desk: Cannot use postgresql://halyk@127.0.0.1:1/halyk: ")
    assert err.rstrip().endswith("Nothing was changed.") and ":pw@" not in err
    assert Settings.load(app_paths.config_dir)["database_url"] == ""

    code, _out, err = halyk("db", "use", "mysql://halyk@server/halyk")
    assert code == 1 and "must be a SQLite file" in err


def test_only_an_admin_points_the_computer_elsewhere(app_paths: AppPaths, tmp_path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    # the first to act (the OS user) is the admin
    ok("operator", "add", "alla", "--role", "accountant", "--password-stdin")
    other = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
    code, _out, err = halyk("--operator", "alla", "--password-stdin", "db", "use", other)
    assert code == 4
    assert "may not change settings" in err
    assert Settings.load(app_paths.config_dir)["database_url"] == ""

    ok("db", "use", other)
    assert Settings.load(app_paths.config_dir)["database_url"] == other
