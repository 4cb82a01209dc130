"""`halyk-desk db info`: what the admin sees about the database in use."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from admin_helpers import halyk, ok

from halyk_desk.paths import AppPaths
from halyk_desk.store import migrate


def labelled(out: str) -> dict[str, str]:
    """The labelled lines of `db info` ("Label:   value", values in one column): label → value."""
    found = [line.split(":  ", 1) for line in out.splitlines()
             if ":  " in line and not line.startswith(" ")]
    columns = {len(label) + 3 + len(value) - len(value.lstrip()) for label, value in found}
    assert len(columns) == 1, out
    return {label: value.strip() for label, value in found}


def test_info_of_the_shops_sqlite_file(shop: Path, app_paths: AppPaths) -> None:
    out = ok("db", "info")
    head = migrate.head_revision()
    shown = labelled(out)
    assert shown["Database"] == f"sqlite:///{shop}"
    assert shown["Schema"] == f"revision {head}, this program's {head} (current)"
    assert shown["File size"].endswith((" bytes", " KB", " MB"))
    rows = dict(line.split() for line in out.splitlines() if line.startswith("  "))
    assert int(rows["orders"]) > 100 and int(rows["audit_log"]) > 5
    assert rows["money_operations"] == "3" and rows["discrepancy_marks"] == "1"
    assert shown["Last backup"] == "none"

    made = json.loads(ok("db", "backup", "--json"))
    document = json.loads(ok("db", "info", "--json"))
    assert document["last_backup"] == made["path"]
    assert document["counts"]["operators"] == 2
    assert document["file_size"] == sum(
        p.stat().st_size for p in (shop, Path(f"{shop}-wal")) if p.exists())


def test_info_speaks_the_chosen_language(shop: Path, app_paths: AppPaths) -> None:
    head = migrate.head_revision()
    kazakh = labelled(ok("--lang", "kk", "db", "info"))
    assert kazakh["Дерекқор"] == f"sqlite:///{shop}"
    assert kazakh["Схема"] == f"нұсқасы {head}, осы бағдарламанікі {head} (сәйкес)"
    assert kazakh["Соңғы резервтік көшірме"] == "жоқ"
    russian = labelled(ok("--lang", "ru", "db", "info"))
    assert russian["Схема"] == f"версия {head}, у этой программы {head} (совпадает)"
    assert russian["Размер файла"].endswith((" байт", " КБ", " МБ"))


@pytest.mark.postgres
def test_info_of_postgresql_hides_the_password(pg_cluster, app_paths: AppPaths) -> None:
    # The test server trusts local connections, so any password opens it; it must not show.
    url = pg_cluster.create_database("info").replace("halyk@", "halyk:Sekr3t-pw@")
    code, out, err = halyk("--db", url, "db", "info")
    assert code == 0, err
    assert "Sekr3t-pw" not in out + err
    assert "postgresql+psycopg://halyk:***@127.0.0.1:" in out
    assert labelled(out)["Server"].startswith("PostgreSQL ")
    assert "File size" not in out and "Last copy before upgrade" not in out
    rows = dict(line.split() for line in out.splitlines() if line.startswith("  "))
    assert rows["profiles"] == "2" and rows["orders"] == "0"  # the built-in profiles only


def test_info_when_the_database_cannot_be_opened() -> None:
    code, _out, err = halyk("--db", "postgresql://nobody@127.0.0.1:1/none", "db", "info")
    assert code == 1
    assert "Cannot open the database postgresql+psycopg://nobody@127.0.0.1:1/none" in err
    assert "Traceback" not in err


def test_info_of_an_address_that_is_no_database() -> None:
    code, _out, err = halyk("--db", "mysql://shop@server/halyk", "db", "info")
    assert code == 2
    assert err.startswith("halyk-desk: Unsupported database 'mysql': use a SQLite file")


@pytest.mark.postgres
def test_info_when_the_user_may_not_create_the_tables(pg_cluster) -> None:
    # From PostgreSQL 15 only the database's owner may create tables in its public schema.
    owned_by_another = pg_cluster.create_database("not_mine")
    with psycopg.connect(pg_cluster.url("postgres").replace("+psycopg", ""),
                         autocommit=True) as conn:
        conn.execute("CREATE ROLE clerk LOGIN")
    url = owned_by_another.replace("halyk@", "clerk@")
    code, _out, err = halyk("--db", url, "db", "info")
    assert code == 1
    assert err == ("halyk-desk: The database refused to open: permission denied for schema "
                   "public. Check that its user owns the database (see the admin guide).\n")
