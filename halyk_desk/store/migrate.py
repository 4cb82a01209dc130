"""Schema migrations (Alembic), applied when the store opens; no alembic.ini anywhere.

Before an existing SQLite file is migrated, a copy is taken next to it with SQLite's backup API
(`halyk-desk.sqlite3.backup-<UTC time>-rev<revision>`), so an upgrade that goes wrong costs
nothing. PostgreSQL is migrated in one transaction under an advisory lock; back it up with
pg_dump before upgrading the program (the admin guide says so).

Adding a migration (for example the journal, audit or reconciliation tables):
 1. Add the models to halyk_desk/store/models.py (constraint names come from models.NAMING).
 2. Run  `.venv/bin/python -m halyk_desk.store.migrate new "journal of money operations"`.
    It builds a scratch SQLite database at the current head, compares it with the models and writes
    halyk_desk/store/migrations/versions/<NNNN>_<slug>.py holding the difference, with the next
    four-digit revision id after the current head (and runs `ruff check --fix` on it).
 3. Read the generated file and finish it by hand: a NOT NULL column added to an existing table
    needs a server_default (or a data step), renames come out as drop + add, and PostgreSQL-only
    details (partial indexes, COLLATE "C" via with_variant) must be spelled out. On SQLite the
    operations run in batch mode (the table is copied), so keep them inside
    `with op.batch_alter_table(...)` as autogenerate writes them.
 4. tests/store/test_migrations.py then checks, on SQLite and PostgreSQL, that the migrations build
    exactly what the models describe, and that a database at the previous revision upgrades.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url

from halyk_desk.messages import MessageError, msg
from halyk_desk.paths import private_file
from halyk_desk.store.engine import WRITE_OPTION, create_store_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: Any constant: serialises concurrent first opens of one PostgreSQL database.
PG_MIGRATION_LOCK = 0x48414C59  # "HALY"


class SchemaError(MessageError, RuntimeError):
    """The database cannot be used by this version of the program; the message says why."""


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


def revisions() -> list[str]:
    """Every revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations folder holds no revision"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def backup_sqlite(database: Path, revision: str) -> Path:
    """Copy the database with SQLite's backup API (consistent even in WAL mode, unlike copying the
    file) to a new file next to it, named for the time and the revision it holds.

    It reads through a connection of its own: the migration's connection holds the write lock
    (so nobody changes the file meanwhile), and SQLite will not back up from a writing connection.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = database.with_name(f"{database.name}.backup-{stamp}-rev{revision}")
    counter = 1
    while target.exists():
        counter += 1
        target = database.with_name(f"{database.name}.backup-{stamp}-{counter}-rev{revision}")
    source = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    private_file(target)
    destination = sqlite3.connect(target)
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    return target


def upgrade(url: str | URL, target: str = "head") -> Path | None:
    """Bring the database at `url` to `target`; returns the backup taken first, if one was.

    Runs on a connection of its own: SQLite foreign keys are off meanwhile (batch mode drops and
    recreates tables) and checked before the commit. A database already at `target` is only read
    (a start must not wait for a running sync's write lock); otherwise the migration holds the
    write lock (SQLite) or an advisory lock (PostgreSQL) from its first look at the revision, so
    two programs opening a new database at once do not both create it.
    """
    url = make_url(url) if isinstance(url, str) else url
    engine = create_store_engine(url, foreign_keys=False, pooled=False)
    known = revisions()
    wanted = known[-1] if target == "head" else target
    try:
        with engine.connect() as conn:
            with conn.begin():
                if current_revision(conn) == wanted:
                    return None
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
                current = current_revision(conn)
                if current == wanted:
                    return None
                if current is not None and current not in known:
                    raise SchemaError(msg(
                        "store.newer_schema", "База данных {database} записана более новой "
                        "версией Halyk Desk (ревизия схемы {revision}): чтобы открыть её, "
                        "установите ту версию или более позднюю.",
                        database=url.render_as_string(hide_password=True), revision=current))
                backup = None
                if conn.dialect.name == "sqlite" and current is not None and url.database:
                    backup = backup_sqlite(Path(url.database), current)
                command.upgrade(alembic_config(conn), target)
                if conn.dialect.name == "sqlite":
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise SchemaError(msg(
                            "store.migration_broke_keys", "Обновление схемы нарушило внешние "
                            "ключи: {rows}; ничего не изменено.", rows=str(broken[:5])))
                return backup
    finally:
        engine.dispose()


def new_revision(message: str) -> Path:
    """Write a new migration with what the models add over the current head (see the module
    docstring); returns its path."""
    next_id = f"{int(head_revision()) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        url = make_url(f"sqlite:///{Path(scratch) / 'scratch.sqlite3'}")
        upgrade(url)
        engine = create_store_engine(url, pooled=False)
        try:
            with engine.begin() as conn:
                script = command.revision(
                    alembic_config(conn), message=message, autogenerate=True, rev_id=next_id
                )
        finally:
            engine.dispose()
    assert script is not None and not isinstance(script, list)
    written = Path(script.path)
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff:  # drop the unused imports of the template, sort the rest
        subprocess.run([ruff, "check", "--fix", "--quiet", str(written)], check=False)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "new":
        print('usage: python -m halyk_desk.store.migrate new "what the migration does"',
              file=sys.stderr)
        return 2
    print(new_revision(argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
