"""Store sessions: one transaction each; on SQLite a writer holds the write lock from its start."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select

from halyk_desk.domain import utc_now
from halyk_desk.store import Store, StoreUnavailable
from halyk_desk.store.models import Profile


def profiles_named(store):
    with store.session(readonly=True) as session:
        return list(session.scalars(select(Profile.name).order_by(Profile.name)))


def test_a_session_commits_when_its_block_ends(store):
    with store.session() as session:
        session.add(Profile(name="kept", kind="custom", created_at=utc_now()))
    assert profiles_named(store) == ["kept"]


def test_a_session_rolls_back_when_its_block_raises(store):
    with pytest.raises(RuntimeError, match="midway"), store.session() as session:
        session.add(Profile(name="lost", kind="custom", created_at=utc_now()))
        session.flush()
        raise RuntimeError("midway")
    assert profiles_named(store) == []


def _other_writer_can_start(path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    else:
        other.execute("ROLLBACK")
        return True
    finally:
        other.close()


def test_a_sqlite_writer_takes_the_write_lock_at_its_first_statement(app_paths):
    """A writer that read first and wrote later would otherwise fail with "database is locked"
    when another wrote in between; holding the lock from the start makes the other wait instead."""
    path = app_paths.data_dir / "halyk-desk.sqlite3"
    with Store.open(None, app_paths) as store:
        with store.session() as session:
            session.scalar(select(func.count()).select_from(Profile))
            assert not _other_writer_can_start(path)
        with store.session(readonly=True) as session:
            session.scalar(select(func.count()).select_from(Profile))
            assert _other_writer_can_start(path)
        assert _other_writer_can_start(path)


def test_an_unreachable_database_is_named_in_the_error(app_paths):
    # Port 9 (discard) on loopback: nothing listens there, the connection is refused at once.
    url = "postgresql://someone:hunter2@127.0.0.1:9/halyk"
    with pytest.raises(StoreUnavailable) as caught:
        Store.open(url, app_paths)
    message = str(caught.value)
    assert "postgresql+psycopg://someone:***@127.0.0.1:9/halyk" in message
    assert "hunter2" not in message
    assert "--db, HALYK_DESK_DB or Settings → Database" in message
