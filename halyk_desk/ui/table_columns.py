"""What the table models share about their columns: alignment and the horizontal header."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def alignment(right: bool) -> Qt.AlignmentFlag:
    return RIGHT if right else LEFT


def header_data(context: str, titles: Sequence[str], alignments: Sequence[Qt.AlignmentFlag],
                section: int, orientation: Qt.Orientation, role: int) -> Any:
    """headerData of a model whose columns have these (untranslated) titles and alignments."""
    if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(titles):
        return None
    if role == Qt.ItemDataRole.DisplayRole:
        return QCoreApplication.translate(context, titles[section])
    if role == Qt.ItemDataRole.TextAlignmentRole:
        return alignments[section]
    return None
