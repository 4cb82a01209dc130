"""The admin's database tools: what is in the database, backups, and moving it to another one.

- `database_info`: address (never the password), schema revision against the program's, rows
  per table, the SQLite file's size and the newest backups.
- `backup`: SQLite through sqlite3's backup API from a read-only connection (one consistent
  snapshot, while the window keeps writing), checked with PRAGMA integrity_check, written under a
  temporary name and moved into place; PostgreSQL through pg_dump -Fc (password in PGPASSWORD,
  never on the command line), checked with pg_restore --list when that is installed.
- `copy_database`: every table into an empty database at the latest schema, in one transaction on
  the target that commits only after the row counts and the audit chain check out there.
- `use_database`: what the settings dialog's Database page does, for the command line: this
  computer opens that database from the next start (its password in the keyring).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Table, delete, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from halyk_desk.domain import utc_now
from halyk_desk.paths import AppPaths, private_folder
from halyk_desk.secrets import SecretSaved
from halyk_desk.services import audit, profiles, settings_service
from halyk_desk.services.settings_service import DatabaseCheck, DatabaseCheckError
from halyk_desk.store import DB_ENV, Store, migrate
from halyk_desk.store.engine import SQLITE_BUSY_TIMEOUT_MS, WRITE_OPTION, normalize_url
from halyk_desk.store.models import Base, Profile

if TYPE_CHECKING:
    from halyk_desk.services.workspace import AppContext

#: Where `backup` puts files it names itself, under the data folder.
BACKUP_DIR = "backups"
BACKUP_PREFIX = "halyk-desk-"
SQLITE_SUFFIX = ".sqlite3"
PG_SUFFIX = ".dump"
#: The names `backup` gives: these, and only these, are pruned by `keep`.
_AUTOMATIC = re.compile(r"halyk-desk-(\d{8}-\d{6})(?:-(\d+))?\.(?:sqlite3|dump)")
#: Rows read from the source and inserted into the target at a time.
COPY_BATCH = 1000
PG_DUMP_HINT = ("pg_dump was not found. Install the PostgreSQL client tools of the server's "
                "version or newer (Debian/Ubuntu: apt install postgresql-client; Windows: the "
                "PostgreSQL installer's \"Command Line Tools\") and put their bin folder on PATH.")


class BackupError(RuntimeError):
    """No backup was made (nothing was left behind); the message says why and what to do."""


class CopyError(RuntimeError):
    """Nothing was copied; the message says why and what to do."""


class UseError(RuntimeError):
    """The database was not made this computer's; the message says why."""


def tables() -> list[Table]:
    """Every table of the program, parents before the tables that refer to them."""
    return list(Base.metadata.sorted_tables)


def address(url: str | URL) -> str:
    """A database address to show: the password masked."""
    return (make_url(url) if isinstance(url, str) else url).render_as_string(hide_password=True)


# --- info -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BackupFile:
    path: Path
    size: int
    #: When the file was last written (UTC).
    at: datetime


@dataclass(frozen=True)
class DatabaseInfo:
    address: str
    dialect: str
    server: str
    revision: str | None
    head: str
    #: Rows per table, parents first.
    counts: dict[str, int]
    #: The SQLite file and its write-ahead log, in bytes; None on PostgreSQL.
    file_size: int | None
    #: The newest backup of this kind of database that `backup` named itself in the data
    #: folder's backups folder.
    last_backup: BackupFile | None
    #: The newest copy taken before the program upgraded the SQLite file.
    last_upgrade_copy: BackupFile | None

    @property
    def schema_current(self) -> bool:
        return self.revision == self.head

    def to_json(self) -> dict[str, object]:
        """For `db info --json` and the support report."""
        return {
            "address": self.address, "dialect": self.dialect, "server": self.server,
            "revision": self.revision, "head": self.head, "counts": self.counts,
            "file_size": self.file_size,
            "last_backup": str(self.last_backup.path) if self.last_backup else None,
            "last_upgrade_copy": (str(self.last_upgrade_copy.path)
                                  if self.last_upgrade_copy else None),
        }


def _file(path: Path) -> BackupFile:
    stat = path.stat()
    return BackupFile(path, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))


def _newest(paths: list[Path]) -> BackupFile | None:
    found = [_file(p) for p in paths if p.is_file()]
    return max(found, key=lambda f: (f.at, f.path.name)) if found else None


def sqlite_file(store: Store) -> Path | None:
    database = store.engine.url.database
    return Path(database) if store.dialect == "sqlite" and database else None


def backups_folder(paths: AppPaths) -> Path:
    return paths.data_dir / BACKUP_DIR


def automatic_backups(folder: Path, suffix: str | None = None) -> list[Path]:
    """The backups `backup` named itself in `folder` (of one kind when `suffix` is given),
    oldest first."""
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir()
             if _AUTOMATIC.fullmatch(p.name) and (suffix is None or p.suffix == suffix)]
    return sorted(found, key=_made)


def _made(path: Path) -> tuple[str, int]:
    """When `backup` made an automatic backup, from its name (second, then counter)."""
    stamp, counter = _AUTOMATIC.fullmatch(path.name).groups()  # type: ignore[union-attr]
    return stamp, int(counter or 1)


def database_info(store: Store, paths: AppPaths) -> DatabaseInfo:
    with store.engine.connect() as conn, conn.begin():
        revision = migrate.current_revision(conn)
        counts = {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0)
                  for t in tables()}
        if store.dialect == "postgresql":
            server = f"PostgreSQL {conn.scalar(text('SHOW server_version'))}"
        else:
            server = f"SQLite {sqlite3.sqlite_version}"
    database = sqlite_file(store)
    size = upgrade_copy = None
    if database is not None:
        size = sum(p.stat().st_size for p in (database, Path(f"{database}-wal")) if p.exists())
        upgrade_copy = _newest(list(database.parent.glob(f"{database.name}.backup-*")))
    return DatabaseInfo(
        address=store.url, dialect=store.dialect, server=server, revision=revision,
        head=migrate.head_revision(), counts=counts, file_size=size,
        last_backup=next((_file(p) for p in reversed(automatic_backups(
            backups_folder(paths), PG_SUFFIX if database is None else SQLITE_SUFFIX))), None),
        last_upgrade_copy=upgrade_copy,
    )


# --- backup -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    #: What checked the copy: "PRAGMA integrity_check" or "pg_restore --list" (None: unchecked).
    verified_by: str | None
    #: Older automatic backups deleted by `keep`.
    pruned: list[Path] = field(default_factory=list)


def _target(paths: AppPaths, where: Path | None, suffix: str) -> Path:
    """The file to write: `where`, or a name of the program's choosing in the folder `where`
    (default the backups folder)."""
    if where is not None and not where.is_dir():
        return where.expanduser().absolute()
    folder = where.expanduser().absolute() if where is not None else backups_folder(paths)
    if where is None:
        try:
            private_folder(folder)
        except OSError as exc:
            raise BackupError(f"Cannot create the backups folder {folder}: "
                              f"{exc.strerror}.") from exc
    stamp = utc_now().strftime("%Y%m%d-%H%M%S")
    path, counter = folder / f"{BACKUP_PREFIX}{stamp}{suffix}", 1
    while path.exists():  # two backups within one second
        counter += 1
        path = folder / f"{BACKUP_PREFIX}{stamp}-{counter}{suffix}"
    return path


def _scratch(target: Path) -> Path:
    """An empty file beside `target`, so that the final move is a rename on one disk."""
    folder = target.parent
    if not folder.is_dir():
        raise BackupError(f"The folder {folder} does not exist: create it, or choose another "
                          "place for the backup.")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise BackupError(f"Cannot write in {folder}: {exc.strerror}. Choose a folder you may "
                          "write to, or run as a user who may write there.") from exc
    os.close(handle)
    return Path(name)


def _discard(*files: Path) -> None:
    for path in files:
        path.unlink(missing_ok=True)


def backup(store: Store, paths: AppPaths, where: Path | None = None, *,
           keep: int | None = None) -> BackupResult:
    """Back up the store to `where` (a file, or a folder for a name of the program's choosing;
    default the data folder's backups folder). `keep`: afterwards delete all but the newest
    `keep` automatic backups of this kind in the folder written to. BackupError when no backup
    was made; nothing is left behind then."""
    if keep is not None and keep < 1:
        raise ValueError("--keep must be 1 or more: the backup just made is always kept.")
    database = sqlite_file(store)
    suffix = SQLITE_SUFFIX if database is not None else PG_SUFFIX
    target = _target(paths, where, suffix)
    if database is not None:
        _refuse_live_file(database, target)
    scratch = _scratch(target)
    try:
        if database is not None:
            verified_by: str | None = _sqlite_copy(database, scratch)
        else:
            verified_by = _pg_dump(store.engine.url, scratch)
        os.replace(scratch, target)
    except BaseException:
        _discard(scratch, Path(f"{scratch}-journal"))
        raise
    pruned = prune(target.parent, keep, suffix) if keep is not None else []
    return BackupResult(target, target.stat().st_size, verified_by, pruned)


def _refuse_live_file(database: Path, target: Path) -> None:
    live = {database.resolve(), *(Path(f"{database.resolve()}{s}") for s in ("-wal", "-shm"))}
    if target.resolve() in live:
        raise BackupError(f"{target} is the database itself: choose another file for the backup.")


def _sqlite_copy(database: Path, scratch: Path) -> str:
    """Copy with the backup API in one step (a single read snapshot, so writers of other
    connections never make it start over or mix two states), make the copy one self-contained
    file (journal_mode DELETE) and check it."""
    try:
        source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True,
                                 timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise BackupError(f"Cannot read {database}: {exc}.") from exc
    try:
        copy = sqlite3.connect(scratch)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        finally:
            copy.close()
    except sqlite3.Error as exc:
        raise BackupError(f"The backup of {database} failed: {exc}.") from exc
    finally:
        source.close()
    if problems != ["ok"]:
        raise BackupError(f"The copy of {database} failed its integrity check "
                          f"({'; '.join(problems[:3])}); no backup was kept. Run the backup again; "
                          "if it fails again, the disk or the database file may be damaged.")
    return "PRAGMA integrity_check"


def _pg_dump(url: URL, scratch: Path) -> str | None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(PG_DUMP_HINT)
    # libpq reads the address without the password; the password travels in the environment.
    # (URL.set ignores None, so the address is made anew.)
    conninfo = URL.create("postgresql", url.username, None, url.host, url.port, url.database,
                          url.query).render_as_string(hide_password=False)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    done = subprocess.run([pg_dump, "--format=custom", "--no-password", f"--file={scratch}",
                           f"--dbname={conninfo}"], env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed for {address(url)}: {done.stderr.strip()}")
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        return None
    listed = subprocess.run([pg_restore, "--list", str(scratch)], capture_output=True,
                            text=True, check=False)
    if listed.returncode != 0 or "TABLE DATA public audit_log" not in listed.stdout:
        raise BackupError(f"The dump of {address(url)} could not be read back by pg_restore "
                          f"({listed.stderr.strip() or 'the audit log is missing'}); no backup "
                          "was kept.")
    return "pg_restore --list"


def prune(folder: Path, keep: int, suffix: str) -> list[Path]:
    """Delete all but the newest `keep` automatic backups of one kind in `folder`."""
    found = automatic_backups(folder, suffix)
    doomed = found[:-keep] if keep else found
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


# --- copy -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CopyResult:
    target: str
    #: Rows copied per table, parents first.
    counts: dict[str, int]
    audit: audit.VerifyResult
    #: The target's own schema revision (the program's head).
    revision: str


#: progress(table, rows copied so far, rows in the table)
CopyProgress = Callable[[str, int, int], None]


def same_database(a: URL, b: URL) -> bool:
    if a.get_backend_name() != b.get_backend_name():
        return False
    if a.get_backend_name() == "sqlite":
        return Path(a.database or "").resolve() == Path(b.database or "").resolve()
    return ((a.host or "localhost"), a.port or 5432, a.database) == (
        (b.host or "localhost"), b.port or 5432, b.database)


def copy_database(source: Store, target_url: str | URL, paths: AppPaths, *,
                  batch: int = COPY_BATCH, progress: CopyProgress | None = None) -> CopyResult:
    """Copy every row of `source` into the empty database at `target_url`, keeping primary keys.

    The target is first brought to the program's schema; one that holds anything but the
    built-in profiles is refused. The copy runs in one transaction on
    the target and commits only when every table's row count equals the source's and the audit
    chain verifies there as it does in the source; on any failure it is rolled back and the target
    holds no rows (CopyError). The source is locked against writers while it is read, so no change
    made meanwhile is left behind.
    """
    url = normalize_url(target_url)
    shown = address(url)
    if same_database(source.engine.url, url):
        raise CopyError(f"{shown} is the database in use: give the address of another one.")
    with Store.open(url, paths) as target:
        try:
            return _copy(source, target, shown, batch, progress)
        except DBAPIError as exc:  # a lock not granted, a connection lost...
            raise CopyError(f"Nothing was copied to {shown}: {_reason(exc)}. If a database is "
                            "busy, close Halyk Desk everywhere and copy again.") from exc


def _copy(source: Store, target: Store, shown: str, batch: int,
          progress: CopyProgress | None) -> CopyResult:
    with _reading(source) as src, target.engine.connect() as dst:
        dst.execution_options(**{WRITE_OPTION: True})
        with src.begin():
            if source.dialect == "postgresql":
                _lock(src, "SHARE")  # before the first read: the snapshot comes after the locks
            with dst.begin():
                if target.dialect == "postgresql":
                    _lock(dst, "SHARE ROW EXCLUSIVE")
                _refuse_rows(dst, shown)
                counts = {t.name: _copy_table(src, dst, t, shown, batch, progress)
                          for t in tables()}
                if target.dialect == "postgresql":
                    _reset_sequences(dst)
                result = _verify(src, dst, counts, shown)
                revision = migrate.current_revision(dst) or ""
    return CopyResult(shown, counts, result, revision)


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


def _refuse_rows(conn: Connection, shown: str) -> None:
    """Refuse a target that holds data. A database the program merely opened (a `db info`, a
    start after `db use`) holds only the built-in profiles: those are removed, as the copy brings
    its own."""
    filled = {t.name: n for t in tables()
              if (n := int(conn.scalar(select(func.count()).select_from(t)) or 0))}
    if set(filled) <= {Profile.__tablename__}:
        builtin = [Profile.name.in_(list(profiles.BUILTIN)),
                   Profile.kind.in_([p.kind for p in profiles.BUILTIN.values()])]
        if conn.scalar(select(func.count()).select_from(Profile).where(*builtin)) == filled.get(
                Profile.__tablename__, 0):
            conn.execute(delete(Profile).where(*builtin))
            return
    listing = ", ".join(f"{name} ({n} row{'s' if n != 1 else ''})" for name, n in filled.items())
    raise CopyError(f"The target {shown} is not empty: {listing}. Nothing was copied. Copy into "
                    "a new, empty database (see the admin guide), or remove that one first if "
                    "it holds nothing you need.")


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
            raise CopyError(
                f"The target {shown} refused the row of table {table.name} with "
                f"{_key(table, row)}: {why}. Nothing was copied. Correct that row in the current "
                "database (or send this message to whoever supports you), then copy again."
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


def _verify(src: Connection, dst: Connection, counts: dict[str, int],
            shown: str) -> audit.VerifyResult:
    for table in tables():
        there = int(dst.scalar(select(func.count()).select_from(table)) or 0)
        here = int(src.scalar(select(func.count()).select_from(table)) or 0)
        if not here == there == counts[table.name]:
            raise CopyError(f"Table {table.name}: {here} rows here, {there} in {shown} after the "
                            "copy. Nothing was copied; run the copy again.")
    with Session(bind=src) as source, Session(bind=dst) as target:
        expected, found = audit.verify(source), audit.verify(target)
    if _chain(found) != _chain(expected):
        raise CopyError(f"The audit log does not verify in {shown} as it does here "
                        f"({found.message} / here: {expected.message}). Nothing was copied.")
    return found


def _chain(result: audit.VerifyResult) -> tuple[object, ...]:
    return (result.ok, result.checked, result.last_seq, result.kind, result.seq)


def next_steps(target: str) -> list[str]:
    """How to work with the copy from now on, for `target` as shown (no password)."""
    postgres = target.startswith("postgres")
    bare = target.replace(":***@", "@").replace("postgresql+psycopg://", "postgresql://")
    return [
        "Next: close Halyk Desk on every computer, then point each one at the new database,",
        f"  with the command:  halyk-desk db use '{bare}'"
        + (" --password-stdin" if postgres else ""),
        "  or in the window:  Файл > Настройки > База данных (File > Settings > Database).",
        f"  (--db URL for one command, or the environment variable {DB_ENV}, also choose it.)",
        "The old database is left as it was: keep it as a backup, but work in the new one only.",
    ]


# --- use ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UseResult:
    #: What the next start opens (no password): an address, or the default SQLite file's.
    address: str
    check: DatabaseCheck
    #: Where a new password went (its warning set when that is the fallback file).
    password_saved: SecretSaved | None


def use_database(ctx: AppContext, typed: str | None, password: str | None = None) -> UseResult:
    """Make the database at `typed` (None: the SQLite file in the data folder) the one this
    computer opens from the next start, as the settings dialog does: checked first (it must be
    reachable and not written by a newer program), the password to the keyring, the address to
    the settings, the change audited; admins only (operators.NotAllowed). UseError when the
    database cannot be used; nothing is changed then."""
    if typed is None:
        bare, shown = "", str(settings_service.default_database_file(ctx.paths))
        target = settings_service.sqlite_address(shown)
    else:
        bare, in_address = settings_service.split_password(typed)
        password = password or in_address
        refused = settings_service.problems({"database_url": bare})
        if refused:
            raise UseError(f"{address(bare) if bare.startswith('postgres') else bare}: "
                           f"{refused['database_url']}.")
        target = shown = bare
    try:
        check = settings_service.check_database(
            target, password, stored_password=settings_service.stored_database_password(ctx))
    except DatabaseCheckError as exc:
        raise UseError(f"Cannot use {shown}: {exc}. Nothing was changed.") from exc
    if check.schema == "newer":
        raise UseError(f"{shown} was written by a newer Halyk Desk: install that version first. "
                       "Nothing was changed.")
    postgres = bare.startswith("postgres")
    saved = settings_service.save_database_password(ctx, password) if postgres else None
    settings_service.save_settings(ctx, {"database_url": bare})
    return UseResult(shown, check, saved)
