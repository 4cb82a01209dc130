"""The local store: orders, the bank's picture of their payments, history and sync runs.

Open it with `Store.open(url, paths)`; work in `with store.session() as session:` blocks calling
`halyk_desk.store.repository`, which speaks in plain records (halyk_desk.store.records).

Every module of models is imported here, so that Base.metadata (what the migrations and the schema
test compare against) holds every table whenever the store is used. A new module of models is
added to this list.
"""

from sqlalchemy.orm import Session

from halyk_desk.store import journal_models, link_models, models, reconciliation_models
from halyk_desk.store.database import DB_ENV, DB_FILE, Store, StoreUnavailable
from halyk_desk.store.migrate import SchemaError
from halyk_desk.store.repository import UnknownProfile

MODEL_MODULES = (models, journal_models, reconciliation_models, link_models)

__all__ = [
    "DB_ENV",
    "DB_FILE",
    "MODEL_MODULES",
    "SchemaError",
    # The transaction the services open (Store.session) and pass to store functions: they hold
    # it for all-or-nothing work but never write SQL with it (docs/architecture.md).
    "Session",
    "Store",
    "StoreUnavailable",
    "UnknownProfile",
]
