"""Reports: the reconciliation workbook (openpyxl, write-only), pure logic without store or Qt."""

from halyk_desk.reports.sheets import OperationLine
from halyk_desk.reports.workbook import (
    ExportCancelled,
    ExportError,
    ReportMeta,
    write_reconciliation_workbook,
)

__all__ = [
    "ExportCancelled",
    "ExportError",
    "OperationLine",
    "ReportMeta",
    "write_reconciliation_workbook",
]
