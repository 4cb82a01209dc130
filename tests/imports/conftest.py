"""Order files made on the fly: CSV in any encoding and delimiter, XLSX written by openpyxl."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest


class Files:
    """Writes each file under a fresh name, so one instance serves a whole hypothesis run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count()

    def raw(self, data: bytes, suffix: str = ".csv") -> Path:
        path = self.folder / f"orders{next(self._numbers)}{suffix}"
        path.write_bytes(data)
        return path

    def csv(
        self,
        rows: Sequence[Sequence[str]],
        *,
        delimiter: str = ";",
        encoding: str = "utf-8",
        newline: str = "\r\n",
    ) -> Path:
        text = io.StringIO()
        csv.writer(text, delimiter=delimiter, lineterminator=newline).writerows(rows)
        return self.raw(text.getvalue().encode(encoding))

    def xlsx(self, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
        """Sheets in the given order; each row is written from column A of the next Excel row."""
        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            for number, row in enumerate(rows, start=1):
                for column, value in enumerate(row, start=1):
                    if value is not None:
                        sheet.cell(number, column, value)
        buffer = io.BytesIO()
        book.save(buffer)
        return self.raw(buffer.getvalue(), ".xlsx")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    return Files(tmp_path_factory.mktemp("orders"))
