"""The report a shop sends to support (`halyk-desk support-report PATH`, Справка → Сохранить отчёт
для поддержки…): one ZIP file with the recent journal, the versions of the program and what it
runs on, the settings and `db info`.

Nothing in it may be a secret: the settings lose every value named like one, and every text put
in the file passes logs.redact (secrets the program handled, tokens, passwords in addresses, card
numbers, customers' e-mails and phones). The secrets file is never included. The ZIP is written
to a temporary file beside the target and moved into place, so a failure leaves no half a report.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from halyk_desk import __version__, logs
from halyk_desk.paths import AppPaths

#: The journal's newest files, up to this much in all: recent enough, small enough to e-mail.
MAX_LOG_BYTES = 8 * 2**20
_PACKAGES = ("PySide6", "SQLAlchemy", "alembic", "httpx", "openpyxl", "psycopg", "keyring",
             "platformdirs", "tzdata")
_SECRET_WORDS = ("secret", "password", "token", "key")


@dataclass(frozen=True)
class SupportReport:
    path: Path
    files: list[str]


def versions() -> dict[str, Any]:
    found: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return {"halyk_desk": __version__, "python": platform.python_version(),
            "system": platform.platform(), "executable": sys.executable, "packages": found}


def clean_settings(values: dict[str, Any]) -> dict[str, Any]:
    """The settings without any value named like a secret; the rest redacted (a database address
    keeps its host and user but not its password)."""
    return {key: logs.HIDDEN if any(word in key.lower() for word in _SECRET_WORDS)
            else json.loads(logs.redact(json.dumps(value, ensure_ascii=False)))
            for key, value in values.items()}


def write_report(
    paths: AppPaths, target: Path, *, settings: dict[str, Any] | str,
    database: Callable[[], dict[str, Any]],
) -> SupportReport:
    """Write the report to `target`. `settings` are the settings' values (or why they could not
    be read); `database` gives `db info`, and what it raises is written instead: the report is
    most needed when the program cannot open its data."""
    try:
        db_info: dict[str, Any] | str = database()
    except Exception as exc:  # any failure to read the database is itself worth reporting
        db_info = f"{type(exc).__name__}: {exc}"
    parts: dict[str, str] = {
        "versions.json": json.dumps(versions(), ensure_ascii=False, indent=2),
        "settings.json": json.dumps(clean_settings(settings) if isinstance(settings, dict)
                                    else settings, ensure_ascii=False, indent=2),
        "db-info.json": json.dumps(db_info, ensure_ascii=False, indent=2),
        "created.txt": f"{datetime.now().astimezone().isoformat(timespec='seconds')}\n",
    }
    budget = MAX_LOG_BYTES
    for log_file in logs.files(paths.log_dir):
        if budget <= 0:
            break
        data = log_file.read_bytes()[-budget:]
        budget -= len(data)
        parts[f"logs/{log_file.name}"] = data.decode("utf-8", errors="replace")
    target = target.expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, text in parts.items():
                    archive.writestr(name, logs.redact(text))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return SupportReport(target, sorted(parts))


def report_of(ctx: Any, target: Path) -> SupportReport:
    """The report of an open workspace or context (the window's)."""
    from halyk_desk.services import database_admin

    return write_report(ctx.paths, target, settings=ctx.settings.as_dict(),
                        database=lambda: database_admin.database_info(ctx.store,
                                                                      ctx.paths).to_json())
