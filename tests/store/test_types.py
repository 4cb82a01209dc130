"""Times go in aware and come out aware UTC, on both databases; naive ones never get in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from halyk_desk.store.models import Profile

ALMATY_WINTER = timezone(timedelta(hours=5))


def test_an_aware_time_comes_back_as_the_same_instant_in_utc(store):
    moment = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=ALMATY_WINTER)
    with store.session() as session:
        session.add(Profile(name="p", kind="custom", created_at=moment))
    with store.session(readonly=True) as session:
        stored = session.scalar(select(Profile.created_at))
    assert stored == moment
    assert stored.tzinfo is UTC
    assert stored.hour == 4


def test_a_naive_time_is_refused_on_write(store):
    with pytest.raises(StatementError, match="naive datetime"), store.session() as session:
        session.add(Profile(name="p", kind="custom", created_at=datetime(2025, 3, 1, 9, 30)))
        session.flush()
    with store.session(readonly=True) as session:
        assert session.scalars(select(Profile)).all() == []


def test_a_naive_time_is_refused_in_a_query(store):
    with pytest.raises(StatementError, match="naive datetime"), store.session() as session:
        session.scalars(select(Profile).where(Profile.created_at < datetime(2025, 3, 1))).all()


def test_times_compare_as_instants_whatever_their_offset(store):
    with store.session() as session:
        session.add(Profile(name="p", kind="custom",
                            created_at=datetime(2025, 3, 1, 0, 30, tzinfo=ALMATY_WINTER)))
    with store.session(readonly=True) as session:
        # 00:30 at +05:00 is 19:30 UTC the day before.
        before = datetime(2025, 2, 28, 19, 31, tzinfo=UTC)
        after = datetime(2025, 2, 28, 19, 29, tzinfo=UTC)
        assert session.scalar(select(Profile.name).where(Profile.created_at < before)) == "p"
        assert session.scalar(select(Profile.name).where(Profile.created_at < after)) is None
