"""A SQLite store copied into one file while the program keeps writing (services.database_admin's
`db backup`): SQLite's backup API from a read-only connection, in one step (a single read
snapshot, so writers of other connections never make it start over or mix two states), then the
copy made self-contained (journal_mode DELETE) and checked (integrity_check)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from halyk_desk.store.engine import SQLITE_BUSY_TIMEOUT_MS


def open_source(database: Path) -> sqlite3.Connection:
    """The store file `database`, read-only. sqlite3.Error when it cannot be opened."""
    return sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True,
                           timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)


def copy_into(source: sqlite3.Connection, scratch: Path) -> list[str]:
    """Copy `source` into the new file `scratch`; what SQLite's integrity check says of the copy
    (["ok"] when it is sound). sqlite3.Error when the copy fails."""
    copy = sqlite3.connect(scratch)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
        return [row[0] for row in copy.execute("PRAGMA integrity_check")]
    finally:
        copy.close()
