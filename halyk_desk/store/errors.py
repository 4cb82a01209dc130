"""The database's refusals the services react to, named here so that the services need not
import SQLAlchemy (docs/architecture.md, "Where SQL lives"): the store's driver may raise them
from any query or commit.

- IntegrityError: a constraint refused the write (a second intent for one payment, a duplicate);
  the transaction is rolled back.
- ProgrammingError: on PostgreSQL, also a login without the right to read or write a table.
"""

from sqlalchemy.exc import IntegrityError, ProgrammingError

__all__ = ["IntegrityError", "ProgrammingError"]
