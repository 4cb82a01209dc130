"""The schema: built by the migrations on both databases, equal to the models, and an old SQLite
file is copied before it is upgraded."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from halyk_desk.store import SchemaError, Store, migrate
from halyk_desk.store.models import Base

TABLES = {"profiles", "orders", "payments", "status_history", "sync_runs"}


def test_migrations_build_the_schema_from_nothing(empty_db_url, app_paths):
    with Store.open(empty_db_url, app_paths) as store:
        assert store.backup_path is None
        with store.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
            assert set(inspect(conn).get_table_names()) >= TABLES


def test_the_migrations_build_exactly_what_the_models_describe(store):
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_indexes_for_what_the_window_sorts_and_filters_on(store):
    with store.engine.connect() as conn:
        inspector = inspect(conn)
        indexed = {
            table: {tuple(ix["column_names"]) for ix in inspector.get_indexes(table)}
            | {tuple(uq["column_names"]) for uq in inspector.get_unique_constraints(table)}
            for table in ("orders", "payments")
        }
    assert {("profile_id", "created_at"), ("profile_id", "invoice_id"),
            ("profile_id", "customer_key"), ("profile_id", "amount_minor", "id"),
            ("profile_id", "payment_state", "id"), ("profile_id", "payment_card_mask", "id"),
            ("profile_id", "payment_reference", "id"), ("profile_id", "payment_bank_status", "id"),
            ("profile_id", "payment_captured", "id"), ("profile_id", "payment_refunded", "id"),
            ("profile_id", "shop_status", "id")} <= indexed["orders"]
    assert {("profile_id", "state"), ("profile_id", "invoice_id"), ("profile_id", "reference"),
            ("profile_id", "card_mask"), ("profile_id", "card_last4")} <= indexed["payments"]


def _sqlite_at_first_revision(path: Path) -> None:
    first = migrate.revisions()[0]
    assert first != migrate.head_revision(), "the backup test needs a pending migration"
    migrate.upgrade(f"sqlite:///{path}", first)
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO profiles (name, kind, created_at) "
                     "VALUES ('shop', 'custom', '2025-01-01 00:00:00.000000')")


def test_an_old_sqlite_file_is_backed_up_before_it_is_migrated(tmp_path, app_paths):
    database = tmp_path / "shop.sqlite3"
    _sqlite_at_first_revision(database)

    with Store.open(f"sqlite:///{database}", app_paths) as store:
        backup = store.backup_path
        with store.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
            assert "payments" in inspect(conn).get_table_names()

    assert backup is not None and backup.parent == tmp_path
    assert backup.name.startswith("shop.sqlite3.backup-")
    assert backup.name.endswith(f"-rev{migrate.revisions()[0]}")
    with sqlite3.connect(backup) as old:
        assert old.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (migrate.revisions()[0],)]
        assert old.execute("SELECT name FROM profiles").fetchall() == [("shop",)]
        assert "payments" not in {r[0] for r in old.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_no_backup_when_nothing_is_pending(tmp_path, app_paths):
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    Store.open(url, app_paths).close()
    with Store.open(url, app_paths) as again:
        assert again.backup_path is None
    assert [p.name for p in tmp_path.iterdir() if ".backup-" in p.name] == []


def test_a_database_at_an_older_revision_upgrades_on_postgresql_too(empty_db_url, app_paths):
    migrate.upgrade(empty_db_url, migrate.revisions()[0])
    with Store.open(empty_db_url, app_paths) as store, store.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        assert set(inspect(conn).get_table_names()) >= TABLES


def test_a_database_from_a_newer_program_is_refused_with_a_message(empty_db_url, app_paths):
    Store.open(empty_db_url, app_paths).close()
    engine = create_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(SchemaError, match=r"newer Halyk Desk \(schema revision 9999\)"):
        Store.open(empty_db_url, app_paths)


def test_default_store_is_a_tuned_sqlite_file_in_the_data_folder(app_paths):
    with Store.open(None, app_paths) as store, store.engine.connect() as conn:
        assert store.dialect == "sqlite"
        assert store.url.endswith(str(app_paths.data_dir / "halyk-desk.sqlite3"))
        pragma = {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")}
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30_000,
                      "synchronous": 1}
    assert (app_paths.data_dir / "halyk-desk.sqlite3").is_file()


def test_plain_postgresql_urls_mean_psycopg_3():
    from halyk_desk.store.engine import normalize_url

    assert normalize_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalize_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    with pytest.raises(ValueError, match="Unsupported database 'mysql'"):
        normalize_url("mysql://u@h/db")


def test_the_new_revision_tool_writes_the_next_revision(tmp_path, monkeypatch):
    """`python -m halyk_desk.store.migrate new MESSAGE`, on a copy of the migrations: with the
    models and the migrations in step it writes an empty next revision that follows the head."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", copy)
    head = migrate.head_revision()

    assert migrate.main(["new", "nothing yet"]) == 0
    expected = f"{int(head) + 1:04d}"
    written = copy / "versions" / f"{expected}_nothing_yet.py"
    source = written.read_text()
    assert f"revision = '{expected}'" in source and f"down_revision = '{head}'" in source
    assert "op." not in source, "models and migrations agree, so there is nothing to do"
    assert migrate.head_revision() == expected
