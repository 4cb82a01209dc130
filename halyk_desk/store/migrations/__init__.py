"""Alembic migrations of the store; see halyk_desk.store.migrate for how to add one."""
