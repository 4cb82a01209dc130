"""A look at a database before the program uses it (the settings' database test): which
migration its schema is at and which server it is, without opening it as a store and without
writing anything."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL

from halyk_desk.store import migrate
from halyk_desk.store.engine import create_store_engine


def sqlite_file(path: Path) -> tuple[str | None, str]:
    """The schema's revision of the SQLite file at `path` (None: no program tables yet) and the
    SQLite version; opened read-only. sqlite3.Error when it cannot be read."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = (connection.execute("SELECT version_num FROM alembic_version").fetchone()
                    if "alembic_version" in tables else None)
    finally:
        connection.close()
    return (revision[0] if revision else None), "SQLite " + sqlite3.sqlite_version


def postgresql(url: URL) -> tuple[str | None, str]:
    """The schema's revision of the PostgreSQL database at `url` (None: empty) and the server's
    version. The driver's errors (no such server, wrong password...) go through as they are."""
    engine = create_store_engine(url, pooled=False)
    try:
        with engine.connect() as connection:
            server = str(connection.execute(text("SHOW server_version")).scalar())
            revision = migrate.current_revision(connection)
    finally:
        engine.dispose()
    return revision, "PostgreSQL " + server
