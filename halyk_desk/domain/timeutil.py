"""Time rules: stored in UTC, never naive; shown and grouped into business days in Asia/Almaty."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALMATY = ZoneInfo("Asia/Almaty")


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is a bug, so it is refused rather than guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: every time must carry its offset")
    return value.astimezone(UTC)


def parse_bank_datetime(text: str) -> datetime:
    """The bank's ISO 8601 timestamp with its own offset (+06:00, +05:00, Z) → UTC."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        # Undocumented, but a timestamp without offset from the bank is in Kazakhstan time.
        value = value.replace(tzinfo=ALMATY)
    return value.astimezone(UTC)


def business_day_bounds(day: date, tz: ZoneInfo = ALMATY) -> tuple[datetime, datetime]:
    """[start, end) of a business day in UTC, midnight to midnight in `tz`."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def business_range(
    date_from: date | None, date_to: date | None, tz: ZoneInfo = ALMATY
) -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC of the business days date_from..date_to (both included; None: open)."""
    start = business_day_bounds(date_from, tz)[0] if date_from is not None else None
    end = business_day_bounds(date_to, tz)[1] if date_to is not None else None
    return start, end


def business_day_of(moment: datetime, tz: ZoneInfo = ALMATY) -> date:
    return as_utc(moment).astimezone(tz).date()
