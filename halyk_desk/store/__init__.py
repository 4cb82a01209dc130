"""The local store: orders, the bank's picture of their payments, history and sync runs.

Open it with `Store.open(url, paths)`; work in `with store.session() as session:` blocks calling
`halyk_desk.store.repository`, which speaks in plain records (halyk_desk.store.records).
"""

from halyk_desk.store.database import DB_ENV, DB_FILE, Store
from halyk_desk.store.migrate import SchemaError
from halyk_desk.store.repository import UnknownProfile

__all__ = ["DB_ENV", "DB_FILE", "SchemaError", "Store", "UnknownProfile"]
