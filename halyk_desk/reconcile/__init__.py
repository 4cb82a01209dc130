"""Daily reconciliation: shop orders against bank payments (pure logic, no store or Qt)."""

from halyk_desk.reconcile.categories import ATTENTION, CATEGORIES, TITLES
from halyk_desk.reconcile.engine import ReconcileError, reconcile
from halyk_desk.reconcile.model import (
    BankOperation,
    BankPayment,
    OpenOperation,
    ReconcileSettings,
    ResolvedMark,
    ShopOrder,
)
from halyk_desk.reconcile.result import (
    CategoryTotal,
    DailyTotal,
    Discrepancy,
    Pair,
    ReconcileResult,
    to_json,
)

__all__ = [
    "ATTENTION",
    "CATEGORIES",
    "TITLES",
    "BankOperation",
    "BankPayment",
    "CategoryTotal",
    "DailyTotal",
    "Discrepancy",
    "OpenOperation",
    "Pair",
    "ReconcileError",
    "ReconcileResult",
    "ReconcileSettings",
    "ResolvedMark",
    "ShopOrder",
    "reconcile",
    "to_json",
]
