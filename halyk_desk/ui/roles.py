"""Item data roles shared by the window's table models."""

from PySide6.QtCore import Qt

#: Plain values to sort by: tiyn for money, epoch seconds for times, seconds for durations.
SortRole = Qt.ItemDataRole.UserRole + 1
#: The service's row object itself (PaymentRow, HoldRow), for detail panes, copying and actions.
RowRole = Qt.ItemDataRole.UserRole + 2
