"""A file's rows before they mean anything: what the CSV and XLSX readers give the order reader."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from halyk_desk.imports.cells import Cell


@dataclass(frozen=True, slots=True)
class Table:
    format: Literal["csv", "xlsx"]
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    #: Non-empty rows only, each with its number as the user sees it (Excel's, or the CSV record's).
    rows: list[tuple[int, tuple[Cell, ...]]]


def is_empty_row(cells: Sequence[Cell]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)
