"""The program's tables as a whole: counting their rows, and copying every one of them into
another database (services.database_admin's `db info` and `db copy`).

The copy runs in one transaction on the target and commits only when every table's row count
equals the source's and the caller's own check (the audit chain) passes; on any failure it is
rolled back and the target holds no rows (CopyError).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import TypeVar

from sqlalchemy import Connection, Table, delete, func, select, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from halyk_desk.messages import MessageError, msg
from halyk_desk.store import migrate
from halyk_desk.store.database import Store
from halyk_desk.store.engine import WRITE_OPTION
from halyk_desk.store.models import Base, Profile

T = TypeVar("T")
#: progress(table, rows copied so far, rows in the table)
CopyProgress = Callable[[str, int, int], None]


class CopyError(MessageError, RuntimeError):
    """Nothing was copied; the message says why and what to do."""


def tables() -> list[Table]:
    """Every table of the program, parents before the tables that refer to them."""
    return list(Base.metadata.sorted_tables)


def contents(store: Store) -> tuple[str | None, dict[str, int], str]:
    """The schema's revision, the rows of each table (parents first) and the server's name and
    version, read in one transaction."""
    with store.engine.connect() as conn, conn.begin():
        revision = migrate.current_revision(conn)
        counts = {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
                  for t in tables()}
        if store.dialect == "postgresql":
            server = f"PostgreSQL {conn.scalar(text('SHOW server_version'))}"
        else:
            server = f"SQLite {sqlite3.sqlite_version}"
    return revision, counts, server


def copy_all(source: Store, target: Store, shown: str, *, batch: int,
             progress: CopyProgress | None, builtin_profiles: Mapping[str, str],
             check: Callable[[Session, Session], T]) -> tuple[dict[str, int], str, T]:
    """Copy every row of `source` into `target` (already at the program's schema; `shown` is its
    address as people see it), keeping primary keys: the rows copied per table, the target's
    schema revision, and what `check(source session, target session)` said before the commit
    (it raises CopyError to roll the copy back). The source is locked against writers while it
    is read, so no change made meanwhile is left behind."""
    try:
        with _reading(source) as src, target.engine.connect() as dst:
            dst.execution_options(**{WRITE_OPTION: True})
            with src.begin():
                if source.dialect == "postgresql":
                    _lock(src, "SHARE")  # before the first read: the snapshot comes after the locks
                with dst.begin():
                    if target.dialect == "postgresql":
                        _lock(dst, "SHARE ROW EXCLUSIVE")
                    _refuse_rows(dst, shown, builtin_profiles)
                    counts = {t.name: _copy_table(src, dst, t, shown, batch, progress)
                              for t in tables()}
                    if target.dialect == "postgresql":
                        _reset_sequences(dst)
                    _same_counts(src, dst, counts, shown)
                    with Session(bind=src) as here, Session(bind=dst) as there:
                        checked = check(here, there)
                    revision = migrate.current_revision(dst) or ""
    except DBAPIError as exc:  # a lock not granted, a connection lost...
        raise CopyError(msg("db_admin.copy_refused", "В {target} ничего не скопировано: "
                            "{error}. Если база занята, закройте Halyk Desk везде и "
                            "скопируйте снова.", target=shown, error=_reason(exc))) from exc
    return counts, revision, checked


def _reading(source: Store) -> Connection:
    """A connection that reads the source as one snapshot and keeps writers out meanwhile:
    SQLite's write lock (BEGIN IMMEDIATE), or PostgreSQL's repeatable read under table locks."""
    conn = source.engine.connect()
    if source.dialect == "postgresql":
        return conn.execution_options(isolation_level="REPEATABLE READ")
    return conn.execution_options(**{WRITE_OPTION: True})


def _lock(conn: Connection, mode: str) -> None:
    names = ", ".join(conn.dialect.identifier_preparer.quote(t.name) for t in tables())
    conn.exec_driver_sql(f"LOCK TABLE {names} IN {mode} MODE")


def _refuse_rows(conn: Connection, shown: str, builtin_profiles: Mapping[str, str]) -> None:
    """Refuse a target that holds data. A database the program merely opened (a `db info`, a
    start after `db use`) holds only the built-in profiles (`builtin_profiles`: name → kind):
    those are removed, as the copy brings its own."""
    filled = {t.name: n for t in tables()
              if (n := int(conn.scalar(select(func.count()).select_from(t)) or 0))}
    if set(filled) <= {Profile.__tablename__}:
        builtin = [Profile.name.in_(list(builtin_profiles)),
                   Profile.kind.in_(list(builtin_profiles.values()))]
        if conn.scalar(select(func.count()).select_from(Profile).where(*builtin)) == filled.get(
                Profile.__tablename__, 0):
            conn.execute(delete(Profile).where(*builtin))
            return
    listing = [msg("db_admin.table_rows", "{table} (%n строк)", table=name, n=n)
               for name, n in filled.items()]
    raise CopyError(msg("db_admin.target_not_empty", "Целевая база {target} не пуста: {tables}. "
                        "Ничего не скопировано. Копируйте в новую, пустую базу (см. руководство "
                        "администратора) или сначала удалите эту, если в ней нет ничего "
                        "нужного.", target=shown, tables=listing))


def _copy_table(src: Connection, dst: Connection, table: Table, shown: str, batch: int,
                progress: CopyProgress | None) -> int:
    total = int(src.scalar(select(func.count()).select_from(table)) or 0)
    if progress:
        progress(table.name, 0, total)
    query = select(table).order_by(*table.primary_key.columns)
    rows = src.execute(query.execution_options(yield_per=batch))
    copied = 0
    for part in rows.mappings().partitions(batch):
        chunk = [dict(row) for row in part]
        try:
            with dst.begin_nested():  # a savepoint, so a refused batch can be searched
                dst.execute(table.insert(), chunk)
        except StatementError as exc:  # the target's refusal, or a column's own (too long)
            row, why = _refused_row(dst, table, chunk, exc)
            raise CopyError(msg(
                "db_admin.row_refused", "Целевая база {target} не приняла строку таблицы "
                "{table} с {key}: {error}. Ничего не скопировано. Исправьте эту строку в "
                "текущей базе (или отправьте это сообщение тому, кто вам помогает) и скопируйте "
                "снова.", target=shown, table=table.name, key=_key(table, row), error=why)
            ) from exc
        copied += len(chunk)
        if progress:
            progress(table.name, copied, total)
    return copied


def _refused_row(dst: Connection, table: Table, chunk: list[dict[str, object]],
                 exc: StatementError) -> tuple[dict[str, object], str]:
    """The first row of a refused batch that the target refuses on its own, and why."""
    for row in chunk:
        try:
            with dst.begin_nested() as savepoint:
                dst.execute(table.insert(), [row])
                savepoint.rollback()
        except StatementError as refused:
            return row, _reason(refused)
    return chunk[0], _reason(exc)


def _reason(exc: StatementError) -> str:
    return str(exc.orig).strip().splitlines()[0].rstrip(".")


def _key(table: Table, row: dict[str, object]) -> str:
    return ", ".join(f"{c.name} {row[c.name]}" for c in table.primary_key.columns)


def _reset_sequences(conn: Connection) -> None:
    """Rows came with their ids; each id sequence must continue after the largest one."""
    for table in tables():
        for column in table.primary_key.columns:
            sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                   {"t": table.name, "c": column.name})
            if sequence is None:
                continue
            largest = conn.scalar(select(func.max(column)))
            conn.execute(text("SELECT setval(:s, :v, :called)"),
                         {"s": sequence, "v": largest or 1, "called": largest is not None})


def _same_counts(src: Connection, dst: Connection, counts: dict[str, int], shown: str) -> None:
    for table in tables():
        there = int(dst.scalar(select(func.count()).select_from(table)) or 0)
        here = int(src.scalar(select(func.count()).select_from(table)) or 0)
        if not here == there == counts[table.name]:
            raise CopyError(msg("db_admin.counts_differ", "Таблица {table}: здесь строк {here}, "
                                "в {target} после копирования — {there}. Ничего не "
                                "скопировано; запустите копирование снова.", table=table.name,
                                here=here, there=there, target=shown))
