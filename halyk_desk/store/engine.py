"""Database engines: SQLite tuned for a desktop program, PostgreSQL for a team, one URL each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, NullPool, create_engine, event

# A database address, and how one is read from text: the services name them through here.
from sqlalchemy.engine import URL as URL
from sqlalchemy.engine import Connection
from sqlalchemy.engine import make_url as make_url

from halyk_desk.messages import MessageError, msg

#: How long a writer waits for another to finish before "database is locked" (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: Execution option: begin SQLite transactions with BEGIN IMMEDIATE (take the write lock first).
WRITE_OPTION = "halyk_write"


class DatabaseAddressError(MessageError, ValueError):
    """A database address the program cannot use."""


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL; plain postgresql:// (and postgres://) mean psycopg 3, the driver we
    ship, rather than psycopg2."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseAddressError(msg(
            "store.unsupported", "База данных «{kind}» не поддерживается: укажите файл SQLite "
            "(sqlite:///путь/halyk-desk.sqlite3) или PostgreSQL "
            "(postgresql+psycopg://user@host/db).", kind=parsed.get_backend_name()))
    return parsed


def create_store_engine(url: URL, *, foreign_keys: bool = True, pooled: bool = True) -> Engine:
    """An engine for `url`. On SQLite every connection gets WAL, a busy timeout, synchronous=NORMAL
    (safe with WAL; a power cut may lose the last commit, never corrupt) and foreign keys, and
    SQLAlchemy emits BEGIN itself so that DDL and reads are transactional too (the sqlite3
    module's legacy mode would leave them outside the transaction)."""
    if url.get_backend_name() == "postgresql":
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if not pooled:
            kwargs["poolclass"] = NullPool
        return create_engine(url, **kwargs)

    engine = create_engine(url, poolclass=None if pooled else NullPool)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we send BEGIN ourselves, see _begin
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # A writer that starts by reading and then writes can fail at once with "database is
        # locked" when another writer committed meanwhile; taking the write lock first avoids it.
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
