"""Column types with the house rules built in: time is UTC and never naive."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from halyk_desk.domain.text import LIMITS, check_text


class UTCDateTime(TypeDecorator[datetime]):
    """An instant in UTC. Naive datetimes are refused on the way in (a naive time is a bug: its zone
    is a guess); values come back aware, in UTC. SQLite keeps the UTC wall time as text, PostgreSQL
    a timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} refused: every stored time must carry "
                             "its offset (use halyk_desk.domain.timeutil.utc_now or as_utc)")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value  # the column holds datetimes only (process_bind_param)
        if stored.tzinfo is None:
            return stored.replace(tzinfo=UTC)
        return stored.astimezone(UTC)


def code_string(length: int) -> TypeEngine[str]:
    """Text compared byte by byte on every database: invoice ids, RRNs, card masks, search keys.

    Prefix search turns into an index range (col >= 'x' AND col < 'x' + max char), which is only
    right under binary ordering. SQLite compares binary by default; PostgreSQL gets COLLATE "C",
    whatever the database's own locale is.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class BoundedText(TypeDecorator[str]):
    """A text field of domain/text.py's LIMITS, refused when longer on every database alike:
    PostgreSQL would refuse it with its own error, SQLite would store it whole. The edges (imports,
    commands, dialogs) check first with a message for people; this is the store's last word."""

    impl = String
    cache_ok = True

    def __init__(self, field: str) -> None:
        super().__init__(LIMITS[field])
        self.field = field

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if isinstance(value, str) and len(value) > LIMITS[self.field]:
            check_text(value, self.field)  # raises TextError, which names the field and limit
        text: str | None = value
        return text
