"""The admin's database tools: what is in the database, backups, and moving it to another one.

- `database_info`: address (never the password), schema revision against the program's, rows
  per table, the SQLite file's size and the newest backups.
- `backup`: SQLite through sqlite3's backup API from a read-only connection (one consistent
  snapshot, while the window keeps writing), checked with PRAGMA integrity_check, written under a
  temporary name and moved into place; PostgreSQL through pg_dump -Fc (password in PGPASSWORD,
  never on the command line), checked with pg_restore --list when that is installed.
- `copy_database`: every table into an empty database at the latest schema, in one transaction on
  the target that commits only after the row counts and the audit chain check out there (the
  copying itself is store/tables.py).
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

from halyk_desk.domain import utc_now
from halyk_desk.messages import Message, MessageError, msg
from halyk_desk.paths import AppPaths, private_folder
from halyk_desk.secrets import SecretSaved
from halyk_desk.services import audit, profiles, settings_service
from halyk_desk.services.settings_service import DatabaseCheck, DatabaseCheckError
from halyk_desk.store import DB_ENV, Session, Store, migrate, sqlite_backup
from halyk_desk.store import tables as whole
from halyk_desk.store.engine import URL, make_url, normalize_url

# Copying whole databases is the store's (store/tables.py); its names, for the command line.
from halyk_desk.store.tables import CopyError as CopyError
from halyk_desk.store.tables import CopyProgress as CopyProgress

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
PG_DUMP_HINT = msg("db_admin.no_pg_dump", "pg_dump не найден. Установите клиентские программы "
                   "PostgreSQL версии сервера или новее (Debian/Ubuntu: apt install "
                   "postgresql-client; Windows: «Command Line Tools» установщика PostgreSQL) и "
                   "добавьте их папку bin в PATH.")


class BackupError(MessageError, RuntimeError):
    """No backup was made (nothing was left behind); the message says why and what to do."""


class UseError(MessageError, RuntimeError):
    """The database was not made this computer's; the message says why."""


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
    revision, counts, server = whole.contents(store)
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
            raise BackupError(msg("db_admin.cannot_create_folder", "Не удалось создать папку "
                                  "резервных копий {folder}: {error}.", folder=str(folder),
                                  error=exc.strerror)) from exc
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
        raise BackupError(msg("db_admin.no_folder", "Папки {folder} нет: создайте её или выберите "
                              "для резервной копии другое место.", folder=str(folder)))
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise BackupError(msg("db_admin.cannot_write", "Не удалось записать в {folder}: {error}. "
                              "Выберите папку, в которую вам можно писать, или запустите "
                              "программу от имени пользователя, которому это можно.",
                              folder=str(folder), error=exc.strerror)) from exc
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
        raise ValueError(msg("db_admin.keep_too_small", "--keep должен быть не меньше 1: только "
                             "что сделанная копия сохраняется всегда."))
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
        raise BackupError(msg("db_admin.backup_onto_itself", "{target} — это сама база данных: "
                              "выберите для резервной копии другой файл.", target=str(target)))


def _sqlite_copy(database: Path, scratch: Path) -> str:
    """Copy and check it (store/sqlite_backup.py); BackupError with what to do otherwise."""
    try:
        source = sqlite_backup.open_source(database)
    except sqlite3.Error as exc:
        raise BackupError(msg("db_admin.cannot_read", "Не удалось прочитать {database}: {error}.",
                              database=str(database), error=str(exc))) from exc
    try:
        problems = sqlite_backup.copy_into(source, scratch)
    except sqlite3.Error as exc:
        raise BackupError(msg("db_admin.backup_failed", "Резервная копия {database} не удалась: "
                              "{error}.", database=str(database), error=str(exc))) from exc
    finally:
        source.close()
    if problems != ["ok"]:
        raise BackupError(msg(
            "db_admin.integrity_failed", "Копия {database} не прошла проверку целостности "
            "({problems}); резервная копия не сохранена. Сделайте копию ещё раз; если снова не "
            "выйдет, возможно, повреждён диск или файл базы.", database=str(database),
            problems="; ".join(problems[:3])))
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
        raise BackupError(msg("db_admin.pg_dump_failed", "pg_dump не выгрузил {address}: {error}",
                              address=address(url), error=done.stderr.strip()))
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        return None
    listed = subprocess.run([pg_restore, "--list", str(scratch)], capture_output=True,
                            text=True, check=False)
    if listed.returncode != 0 or "TABLE DATA public audit_log" not in listed.stdout:
        why = listed.stderr.strip() or msg("db_admin.dump_without_audit_log",
                                           "в ней нет журнала аудита")
        raise BackupError(msg("db_admin.dump_unreadable", "pg_restore не прочитал выгрузку "
                              "{address} ({error}); резервная копия не сохранена.",
                              address=address(url), error=why))
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
        raise CopyError(msg("db_admin.copy_onto_itself", "{target} — это база, в которой вы "
                            "работаете: укажите адрес другой.", target=shown))
    with Store.open(url, paths) as target:
        counts, revision, checked = whole.copy_all(
            source, target, shown, batch=batch, progress=progress,
            builtin_profiles={name: p.kind for name, p in profiles.BUILTIN.items()},
            check=_audit_alike(shown))
    return CopyResult(shown, counts, checked, revision)


def _audit_alike(shown: str) -> Callable[[Session, Session], audit.VerifyResult]:
    """The copy's last check: the audit chain verifies in the target as it does in the source."""
    def check(source: Session, target: Session) -> audit.VerifyResult:
        expected, found = audit.verify(source), audit.verify(target)
        if _chain(found) != _chain(expected):
            raise CopyError(msg("db_admin.audit_differs", "Журнал аудита в {target} проверяется "
                                "не так, как здесь ({found} / здесь: {expected}). Ничего не "
                                "скопировано.", target=shown, found=found.message,
                                expected=expected.message))
        return found

    return check


def _chain(result: audit.VerifyResult) -> tuple[object, ...]:
    return (result.ok, result.checked, result.last_seq, result.kind, result.seq)


def next_steps(target: str) -> list[Message]:
    """How to work with the copy from now on, for `target` as shown (no password)."""
    postgres = target.startswith("postgres")
    bare = target.replace(":***@", "@").replace("postgresql+psycopg://", "postgresql://")
    command = f"halyk-desk db use '{bare}'" + (" --password-stdin" if postgres else "")
    return [
        msg("db_admin.next", "Дальше: закройте Halyk Desk на всех компьютерах, затем укажите "
            "каждому новую базу:"),
        msg("db_admin.next_command", "  командой:  {command}", command=command),
        msg("db_admin.next_window", "  или в окне:  Файл > Настройки > База данных."),
        msg("db_admin.next_other_ways", "  (Выбрать её можно и через --db URL для одной команды "
            "или переменную окружения {variable}.)", variable=DB_ENV),
        msg("db_admin.next_old", "Старая база осталась как была: храните её как резервную копию, "
            "но работайте только в новой."),
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
        raise UseError(msg("db_admin.cannot_use", "Нельзя использовать {target}: {error}. Ничего "
                           "не изменено.", target=shown, error=str(exc))) from exc
    if check.schema == "newer":
        raise UseError(msg("db_admin.newer_schema", "{target} записана более новой версией Halyk "
                           "Desk: сначала установите её. Ничего не изменено.", target=shown))
    postgres = bare.startswith("postgres")
    saved = settings_service.save_database_password(ctx, password) if postgres else None
    settings_service.save_settings(ctx, {"database_url": bare})
    return UseResult(shown, check, saved)
