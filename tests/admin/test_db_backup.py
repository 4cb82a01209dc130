"""`halyk-desk db backup`: a consistent, checked copy, also while the program writes; refusals
leave nothing behind; --keep prunes only the program's own dated backups."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import threading
from pathlib import Path

import pytest
from admin_helpers import halyk, ok

from halyk_desk.paths import AppPaths
from halyk_desk.services.database_admin import backups_folder
from halyk_desk.store import DB_FILE, Store


@pytest.fixture
def database(app_paths: AppPaths) -> Path:
    """The default SQLite file, at the latest schema, with the built-in profiles."""
    ok("db", "info")
    return app_paths.data_dir / DB_FILE


def _window(database: Path) -> sqlite3.Connection:
    """Another program's connection to the database, as the store configures its own."""
    conn = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def _write_order(conn: sqlite3.Connection, n: int, *, commit: bool = True) -> None:
    """One transaction of the invariant: order n exists exactly when the sandbox profile's
    client_id says n (or more)."""
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO orders (profile_id, invoice_id, amount_minor, currency, created_at, "
        "imported_at) SELECT id, :inv, 100000, 'KZT', '2026-11-01 00:00:00.000000', "
        "'2026-11-01 00:00:00.000000' FROM profiles WHERE name = 'sandbox'",
        {"inv": f"{n:06d}"})
    conn.execute("UPDATE profiles SET client_id = :n WHERE name = 'sandbox'", {"n": str(n)})
    if commit:
        conn.execute("COMMIT")


def _check_copy(path: Path) -> int:
    """Open the backup on its own; returns the orders in it after checking the invariant."""
    assert not Path(f"{path}-wal").exists()
    copy = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        orders = copy.execute("SELECT count(*) FROM orders").fetchone()[0]
        stamp = copy.execute("SELECT client_id FROM profiles WHERE name = 'sandbox'").fetchone()[0]
    finally:
        copy.close()
    assert orders == int(stamp or 0)
    return int(orders)


def test_backup_while_another_connection_writes(database: Path, app_paths: AppPaths) -> None:
    window = _window(database)
    try:
        for n in range(1, 51):
            _write_order(window, n)
        assert Path(f"{database}-wal").stat().st_size > 0  # committed rows still in the log
        _write_order(window, 51, commit=False)  # the window is in the middle of a transaction

        made = json.loads(ok("db", "backup", "--json"))
        path = Path(made["path"])
        assert path.parent == backups_folder(app_paths)
        assert made["verified_by"] == "PRAGMA integrity_check"
        assert _check_copy(path) == 50  # every committed row, nothing of the open transaction

        window.execute("COMMIT")
        stop = threading.Event()
        written = []

        def keep_writing() -> None:
            n = 52
            while not stop.is_set():
                _write_order(window, n)
                written.append(n)
                n += 1

        writer = threading.Thread(target=keep_writing)
        writer.start()
        try:
            copies = [Path(json.loads(ok("db", "backup", str(app_paths.cache_dir / f"b{i}.db"),
                                         "--json"))["path"]) for i in range(3)]
        finally:
            stop.set()
            writer.join()
        for copy in copies:
            assert 51 <= _check_copy(copy) <= 51 + len(written)
    finally:
        window.close()
    with Store.open(None, app_paths):  # the database itself is untouched and still opens
        pass


def test_backup_to_an_unwritable_folder_is_refused_and_leaves_nothing(database: Path,
                                                                      app_paths: AppPaths) -> None:
    # /sys refuses new files even to root (CI runs as root, where permissions do not stop it).
    before = set(os.listdir("/sys"))
    code, out, err = halyk("db", "backup", "/sys/halyk-desk-backup.sqlite3")
    assert code == 1, out
    assert err.startswith("halyk-desk: Cannot write in /sys: ")
    assert "Choose a folder you may write to" in err and "Traceback" not in err
    assert set(os.listdir("/sys")) == before
    assert not backups_folder(app_paths).exists()


def test_backup_help_in_russian(capsys) -> None:
    code, out, _err = halyk("--lang", "ru", "db", "backup", "--help")
    assert code == 0
    out = " ".join(out.split())  # as one line, whatever argparse wrapped
    assert "Резервная копия базы. SQLite: согласованная копия" in out
    assert "Восстановление из резервной копии SQLite" in out
    assert "копия сделана и проверена" in out and "ошибка в команде" in out
    assert "backed up" not in out and "Restoring" not in out


def test_backup_to_a_missing_folder_or_onto_the_database_is_refused(database: Path,
                                                                   tmp_path: Path) -> None:
    code, _out, err = halyk("db", "backup", str(tmp_path / "no-such-folder" / "copy.sqlite3"))
    assert code == 1
    assert f"The folder {tmp_path / 'no-such-folder'} does not exist" in err
    _code, _out, err = halyk("--lang", "kk", "db", "backup",
                             str(tmp_path / "no-such-folder" / "copy.sqlite3"))
    assert f"{tmp_path / 'no-such-folder'} қалтасы жоқ: оны жасаңыз" in err
    assert not (tmp_path / "no-such-folder").exists()

    size = database.stat().st_size
    code, _out, err = halyk("db", "backup", str(database))
    assert code == 1
    assert "is the database itself" in err
    assert database.stat().st_size == size
    assert sorted(p.name for p in database.parent.iterdir()
                  if p.name.startswith(f".{DB_FILE}")) == []


def test_keep_prunes_only_the_dated_backups_of_the_folder(database: Path,
                                                          app_paths: AppPaths) -> None:
    folder = backups_folder(app_paths)
    folder.mkdir()
    mine = folder / "before-the-upgrade.sqlite3"
    mine.write_bytes(b"the admin's own file")
    older = folder / "halyk-desk-20200101-000000.sqlite3"
    older.write_bytes(b"an old dated backup")
    dump = folder / "halyk-desk-20200101-000000.dump"
    dump.write_bytes(b"a PostgreSQL dump: another kind")

    made = [json.loads(ok("db", "backup", "--keep", "2", "--json")) for _ in range(3)]
    left = sorted(p.name for p in folder.iterdir())
    newest = [Path(m["path"]).name for m in made[1:]]
    assert left == sorted([mine.name, dump.name, *newest])
    assert [m["pruned"] for m in made] == [[], [str(older)], [made[0]["path"]]]

    code, _out, err = halyk("db", "backup", "--keep", "0")
    assert code == 2 and "1 or more" in err


@pytest.fixture
def pg_url(pg_cluster) -> str:
    url = pg_cluster.create_database("backup").replace("halyk@", "halyk:Sekr3t-pw@")
    ok("--db", url, "db", "info")
    return url


@pytest.mark.postgres
def test_postgresql_backup_is_a_dump_pg_restore_reads(pg_url: str, app_paths: AppPaths) -> None:
    code, out, err = halyk("--db", pg_url, "db", "backup")
    assert code == 0, err
    assert "Sekr3t-pw" not in out + err
    made = sorted(backups_folder(app_paths).iterdir())
    assert [p.suffix for p in made] == [".dump"]
    assert "checked with pg_restore --list" in out
    listed = subprocess.run(["pg_restore", "--list", str(made[0])], capture_output=True,
                            text=True, check=True).stdout
    assert "TABLE DATA public audit_log" in listed and "TABLE DATA public profiles" in listed


@pytest.mark.postgres
def test_postgresql_password_goes_in_the_environment(pg_url: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in pg_dump on PATH records what it was given."""
    tools = tmp_path / "tools"
    tools.mkdir()
    seen = tmp_path / "seen.txt"
    fake = tools / "pg_dump"
    fake.write_text(f"#!/bin/sh\nprintf '%s\\n' \"$@\" \"PGPASSWORD=$PGPASSWORD\" > {seen}\n"
                    "for a; do case $a in --file=*) echo dump > \"${a#--file=}\";; esac; done\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tools))

    code, out, err = halyk("--db", pg_url, "db", "backup", str(tmp_path / "x.dump"))
    assert code == 0, err
    lines = seen.read_text().splitlines()
    assert lines[-1] == "PGPASSWORD=Sekr3t-pw"
    assert not any("Sekr3t-pw" in arg for arg in lines[:-1])
    assert "--format=custom" in lines
    assert "not checked: pg_restore is not installed" in out


@pytest.mark.postgres
def test_postgresql_backup_without_pg_dump_says_what_to_install(
        pg_url: str, tmp_path: Path, app_paths: AppPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _out, err = halyk("--db", pg_url, "db", "backup")
    assert code == 1
    assert "pg_dump was not found" in err and "apt install postgresql-client" in err
    assert list(backups_folder(app_paths).iterdir()) == []
