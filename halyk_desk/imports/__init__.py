"""Order import: the shop's CSV or XLSX export -> validated order rows, all or nothing.

Pure logic (no store, no Qt): the import service writes `read_orders(...).rows` to the store after
refusing re-imports that `find_conflicts` reports.
"""

from halyk_desk.imports.conflicts import find_conflicts
from halyk_desk.imports.errors import ImportFailed, RowError
from halyk_desk.imports.model import FIELDS, ImportReport, Mapping, OrderRow
from halyk_desk.imports.reader import read_orders

__all__ = [
    "FIELDS",
    "ImportFailed",
    "ImportReport",
    "Mapping",
    "OrderRow",
    "RowError",
    "find_conflicts",
    "read_orders",
]
