"""Small JSON files (settings, window state, the fallback secrets file), written atomically.

A crash or a full disk while saving must leave either the old file or the new one, never half
of each: write a temporary file in the same folder, flush it to disk, then os.replace() it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


class JsonFileError(ValueError):
    """A file that exists but cannot be used; the message names the file and what to do."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path


def read_json_object(path: Path, what: str) -> dict[str, Any] | None:
    """The JSON object stored in `path`, or None when there is no file. `what` names the file for
    people ("settings file"). Broken content raises JsonFileError; it is never silently dropped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        raise JsonFileError(path, f"The {what} {path} is not UTF-8 text ({exc.reason}). "
                            f"Fix it in a text editor, or move it away to start over "
                            f"with defaults.") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonFileError(
            path,
            f"The {what} {path} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg}). Fix it in a text editor, or move it away to start over with defaults.",
        ) from exc
    if not isinstance(data, dict):
        raise JsonFileError(path, f"The {what} {path} must hold a JSON object ({{...}}), not "
                            f"{type(data).__name__}. Fix it in a text editor, or move it away "
                            f"to start over with defaults.")
    return data


def write_json_atomic(path: Path, data: Any, *, mode: int = 0o644) -> None:
    """Replace `path` with `data` as JSON. `mode` applies from the first byte written, so a secret
    file is never readable by others, not even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # here: the window reads settings before it appears, and needs no writing

    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp_name, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
