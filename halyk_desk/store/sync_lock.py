"""One sync per profile at a time across a team: a PostgreSQL advisory lock per profile.

Two desktops syncing one profile of a shared database would each read every payment from the bank.
The sync holds this lock while it runs; a second one finds it taken, waits (showing the first
one's progress from its sync_runs row) and then reads only what the first did not. The lock is
held by a connection of its own for the whole sync, so a program that dies releases it with its
connection. On SQLite (one computer) there is nothing to share, and the lock is always free.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from halyk_desk.store.database import Store

#: The first key of the two-key advisory lock: "HDsy", so that no other use of advisory locks on
#: a shared server collides with ours; the second key is the profile's id.
LOCK_CLASS = 0x48447379


class SyncLock:
    """try_acquire() until it says True, then release() (also safe when never acquired)."""

    def __init__(self, store: Store, profile_id: int) -> None:
        self._store = store
        self._profile_id = profile_id
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        if self._store.dialect != "postgresql":
            return True
        if self._conn is None:
            self._conn = self._store.engine.connect()
        got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:c, :p)"),
                                      {"c": LOCK_CLASS, "p": self._profile_id}).scalar())
        self._conn.commit()  # the lock is the session's, not the transaction's
        return got

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock_all()"))
            conn.commit()
        finally:
            conn.close()
