"""The program's journal for support: a rotating file in the logs folder, set up at start by the
command line and the window alike.

Each line has the time, the level, the module, the operator and the message; an unexpected error
has its traceback. Nothing a log line could carry is trusted to stay clean: every record passes
the Redactor, which removes the secrets the program has handled (client secrets, tokens; each is
registered with `secret()` when read), and anything shaped like one — a `client_secret=` or
`password=` value, a bearer token, a password in a database address, a card number (13 to 19
digits that pass the Luhn check), an e-mail address or a phone number (a customer's contact).
"""

from __future__ import annotations

import getpass
import logging
import logging.handlers
import re
import threading
from pathlib import Path

from halyk_desk.messages import Message, msg

LOG_NAME = "halyk-desk.log"
#: Each file at most 2 MB, five older ones kept: about a month of a shop's ordinary use.
MAX_BYTES = 2 * 2**20
BACKUPS = 5
HIDDEN = "[hidden]"
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(operator)s] %(message)s"
#: Loggers of libraries that say too much at INFO (httpx logs every request).
_QUIET = ("httpx", "httpcore", "urllib3", "asyncio", "alembic")

_secrets: set[str] = set()
_lock = threading.Lock()
_handler: logging.Handler | None = None

_PATTERNS = [
    # name=value and "name": "value" pairs whose value is a secret
    (re.compile(r"(?i)((?:client_secret|secret|password|passwd|access_token|refresh_token|token"
                r"|authorization)[\"']?\s*[:=]\s*[\"']?)(?:Bearer\s+)?[^\s\"'&,;}]+"),
     rf"\1{HIDDEN}"),
    (re.compile(r"(?i)\bBearer\s+[A-Za-z0-9._~+/=-]+"), f"Bearer {HIDDEN}"),
    # a password inside a database address: scheme://user:password@host
    (re.compile(r"(://[^/\s:@]+:)[^@\s/]+@"), rf"\1{HIDDEN}@"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), HIDDEN),  # e-mail
    # phones as people write them: +7 701 123 45 67, 8 (701) 123-45-67, +77011234567
    # (a bare 8XXXXXXXXXX is left alone: it is as likely one of the shop's order numbers)
    (re.compile(r"(?<![\w+])(?:\+7[ (-]*|8[ (-]+)\d{3}[ )-]*\d{3}[ -]?\d{2}[ -]?\d{2}(?!\d)"
                r"|\+\d{10,14}(?!\d)"), HIDDEN),
]
_CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")


def default_operator() -> str:
    """Who is acting when nobody said: the operating system's user."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name (a container without a passwd entry)
        return "operator"


def secret(value: str | None) -> None:
    """Never write `value` (a client secret, a token, a password) in the journal."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    if 13 <= len(digits) <= 19 and _luhn(digits):
        return f"{digits[:6]}{'*' * (len(digits) - 10)}{digits[-4:]}"
    return match.group()


def redact(text: str) -> str:
    """`text` without any secret, token, card number or customer contact in it."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for value in known:
        text = text.replace(value, HIDDEN)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _CARD.sub(_card, text)


class Redactor(logging.Filter):
    """Renders each record's message and traceback once, redacted, and names the operator."""

    def __init__(self, operator: str) -> None:
        super().__init__()
        self.operator = operator

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record.operator = redact(getattr(record, "operator", self.operator))
        return True


def configure(log_dir: Path, operator: str) -> Path | None:
    """Write the journal to `log_dir`/halyk-desk.log from now on (replacing an earlier set-up of
    this process). Returns the file, or None when the folder cannot be written: the program then
    works without a journal rather than not at all."""
    global _handler
    path = log_dir / LOG_NAME
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
        _handler.close()
        _handler = None
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.addFilter(Redactor(operator))
    handler.setLevel(logging.INFO)
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    _handler = handler
    return path


def unexpected(error: BaseException) -> Message:
    """What a person is told of a fault of the program (its traceback is in the journal)."""
    return msg("app.unexpected_error", "Внутренняя ошибка программы ({kind}), действие не "
               "выполнено. Подробности сохранены в журнале.", kind=type(error).__name__)


def explained(error: BaseException) -> bool:
    """Whether `error` carries a message for people: the program's own errors, and the system's
    about files and connections. Anything else (KeyError, a database driver's error...) is a
    fault whose details belong in the journal, and people are told so (unexpected())."""
    if not isinstance(error, Exception):
        return True  # KeyboardInterrupt, SystemExit: not errors to explain
    return isinstance(error, OSError) or type(error).__module__.startswith("halyk_desk.")


def files(log_dir: Path) -> list[Path]:
    """The journal's files, newest first."""
    return sorted(log_dir.glob(f"{LOG_NAME}*"), key=lambda p: p.stat().st_mtime, reverse=True)
