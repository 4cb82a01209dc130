"""The Store: one database (a SQLite file or PostgreSQL), migrated on open, and its transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from halyk_desk.domain.text import TextError
from halyk_desk.messages import msg
from halyk_desk.paths import AppPaths, private_file, private_folder
from halyk_desk.store import engine as _engine
from halyk_desk.store import migrate
from halyk_desk.store.engine import (
    WRITE_OPTION,
    DatabaseAddressError,
    create_store_engine,
    normalize_url,
)

DB_FILE = "halyk-desk.sqlite3"
DB_ENV = "HALYK_DESK_DB"


class StoreUnavailable(RuntimeError):
    """The database cannot be reached or opened; the message says which and what to check."""


def default_url(paths: AppPaths) -> URL:
    return URL.create("sqlite", database=str(paths.data_dir / DB_FILE))


@dataclass
class Store:
    engine: Engine
    #: The copy taken before this open migrated an older SQLite file; None when none was needed.
    backup_path: Path | None = None

    @classmethod
    def open(cls, url: str | URL | None, paths: AppPaths) -> Store:
        """Open (and create or migrate) the database at `url`, default the SQLite file in the
        data folder. Pending migrations run now, after a backup of an existing SQLite file."""
        resolved = normalize_url(url) if url else default_url(paths)
        if resolved.get_backend_name() == "sqlite":
            if not resolved.database or resolved.database == ":memory:":
                raise DatabaseAddressError(msg(
                    "store.in_memory", "Для базы данных нужен файл SQLite, а не база в памяти."))
            private_folder(Path(resolved.database).parent)
            private_file(Path(resolved.database))
        try:
            backup = migrate.upgrade(resolved)
        except OperationalError as exc:  # not reached: down, wrong address, refused login
            shown = resolved.render_as_string(hide_password=True)
            raise StoreUnavailable(str(msg(
                "store.cannot_open", "Не удаётся открыть базу данных {database}: {reason}. "
                "Проверьте адрес (--db, {env} или Настройки → База данных), что сервер запущен, "
                "и права пользователя.",
                database=shown, reason=str(exc.orig).strip(), env=DB_ENV))) from exc
        except DBAPIError as exc:  # reached, but refused: e.g. no right to create the tables
            raise StoreUnavailable(str(msg(
                "store.refused", "База данных не открылась: {reason}. Проверьте, что её "
                "пользователь — владелец базы данных (см. руководство администратора).",
                reason=str(exc.orig).strip().splitlines()[0]))) from exc
        return cls(create_store_engine(resolved), backup)

    def __post_init__(self) -> None:
        self._writer = sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        self._reader = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """"sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @property
    def url(self) -> str:
        """The database's address for people: no password."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self, *, readonly: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back when it raises.

        Writers take SQLite's write lock at the start (others wait up to the busy timeout);
        `readonly=True` (lists, the window's models) reads a snapshot without taking it.
        """
        factory = self._reader if readonly else self._writer
        try:
            with factory() as session, session.begin():
                yield session
        except StatementError as exc:
            if isinstance(exc.orig, TextError):  # a column refused its text (store/types.py)
                raise exc.orig from None
            if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
                # Another program held SQLite's write lock past the busy timeout: a state of
                # the shop's computers people can act on, not a fault of the program.
                raise StoreUnavailable(str(msg(
                    "store.busy", "База данных занята: другая программа держит её дольше "
                    "{seconds} с. Повторите через минуту; если не помогает, закройте Halyk Desk "
                    "в других окнах и на других компьютерах.",
                    seconds=_engine.SQLITE_BUSY_TIMEOUT_MS // 1000))) from exc
            raise

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
