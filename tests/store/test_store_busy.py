"""A SQLite store held by another program past the busy timeout says so, and what to do.

Two windows, the morning cron job and a `db backup` can meet on one SQLite file; when one holds
the write lock too long, the other is told the database is busy — never "internal error".
"""

from __future__ import annotations

import sqlite3

import pytest

from halyk_desk.cli import main
from halyk_desk.paths import resolve_paths
from halyk_desk.store import Store, engine
from halyk_desk.store.database import DB_FILE, StoreUnavailable


@pytest.fixture
def locked_store(monkeypatch):
    """The default store, its write lock held by another connection; a short busy timeout."""
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    paths = resolve_paths(None)
    Store.open(None, paths).close()
    other = sqlite3.connect(paths.data_dir / DB_FILE, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield paths
    other.execute("ROLLBACK")
    other.close()


def test_a_write_waits_then_says_the_database_is_busy(locked_store):
    with Store.open(None, locked_store) as store:
        with pytest.raises(StoreUnavailable, match="The database is busy"), \
                store.session() as session:
            session.connection()  # a writer takes the lock as it starts
        with store.session(readonly=True) as session:
            session.connection()  # reading goes on meanwhile


def test_the_command_line_says_so_too(locked_store, capsys):
    code = main(["operator", "add", "alla", "--role", "accountant"])
    err = capsys.readouterr().err
    assert code == 1
    assert "The database is busy" in err and "Internal error" not in err
