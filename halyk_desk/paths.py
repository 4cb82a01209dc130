"""Where Halyk Desk keeps its files.

By default the platform's own folders (platformdirs, app name "HalykDesk"). `--home DIR` or
HALYK_DESK_HOME puts config, data, logs and cache under one folder instead: a portable install,
a second shop on the same machine, or a test that must not touch the real home.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "HalykDesk"
HOME_ENV = "HALYK_DESK_HOME"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    log_dir: Path
    cache_dir: Path

    def create(self) -> None:
        for folder in (self.config_dir, self.data_dir, self.log_dir, self.cache_dir):
            private_folder(folder)


#: Owner-only: the store, its backups and secrets are nobody else's business on a shared machine.
PRIVATE_FOLDER, PRIVATE_FILE = 0o700, 0o600


def private_folder(folder: Path) -> None:
    """Create `folder` (and missing parents) readable by its owner only; an existing one is left
    as its owner set it."""
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_FOLDER)


def private_file(path: Path) -> None:
    """Create an empty `path` readable by its owner only, unless it exists (then it is kept as
    it is). SQLite gives a database's -wal and -shm files the mode of the database file."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))


def resolve_paths(home: str | os.PathLike[str] | None = None, *, create: bool = True) -> AppPaths:
    """The folders to use, created if missing (unless `create` is false: only looking). `home`
    wins over HALYK_DESK_HOME, which wins over the platform's folders."""
    chosen = home if home else os.environ.get(HOME_ENV) or None
    if chosen:
        root = Path(chosen).expanduser().resolve()
        paths = AppPaths(
            config_dir=root / "config",
            data_dir=root / "data",
            log_dir=root / "logs",
            cache_dir=root / "cache",
        )
    else:
        # Imported only when needed: the window reads its paths before it appears.
        from platformdirs import PlatformDirs

        dirs = PlatformDirs(APP_NAME, appauthor=False)
        paths = AppPaths(
            config_dir=Path(dirs.user_config_dir),
            data_dir=Path(dirs.user_data_dir),
            log_dir=Path(dirs.user_log_dir),
            cache_dir=Path(dirs.user_cache_dir),
        )
    if create:
        paths.create()
    return paths
