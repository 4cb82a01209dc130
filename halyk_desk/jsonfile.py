"""Small JSON files (settings, window state, the fallback secrets file), written atomically.

A crash or a full disk while saving must leave either the old file or the new one, never half
of each: write a temporary file in the same folder, flush it to disk, then os.replace() it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from halyk_desk.messages import Message, MessageError, msg


class JsonFileError(MessageError, ValueError):
    """A file that exists but cannot be used; the message names the file and what to do."""

    def __init__(self, path: Path, message: Message | str) -> None:
        super().__init__(message)
        self.path = path


def read_json_object(path: Path, what: Message | str) -> dict[str, Any] | None:
    """The JSON object stored in `path`, or None when there is no file. `what` names the file for
    people (msg "файл настроек"). Broken content raises JsonFileError; it is never silently
    dropped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        raise JsonFileError(path, msg(
            "jsonfile.not_utf8", "Не удаётся прочитать {what} {path}: это не текст в кодировке "
            "UTF-8 ({reason}). Исправьте его в текстовом редакторе или уберите его, чтобы начать "
            "заново с настройками по умолчанию.", what=what, path=str(path),
            reason=exc.reason)) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JsonFileError(path, msg(
            "jsonfile.not_json", "Не удаётся прочитать {what} {path}: это не JSON (строка {line}, "
            "столбец {column}: {error}). Исправьте его в текстовом редакторе или уберите его, "
            "чтобы начать заново с настройками по умолчанию.", what=what, path=str(path),
            line=exc.lineno, column=exc.colno, error=exc.msg)) from exc
    if not isinstance(data, dict):
        raise JsonFileError(path, msg(
            "jsonfile.not_object", "Не удаётся прочитать {what} {path}: в нём должен быть объект "
            "JSON (в фигурных скобках), а не {kind}. Исправьте его в текстовом редакторе или "
            "уберите его, чтобы начать заново с настройками по умолчанию.", what=what,
            path=str(path), kind=type(data).__name__))
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
