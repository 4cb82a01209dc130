"""XLSX workbooks: the orders sheet (or the first one), cells as openpyxl types them."""

from __future__ import annotations

import io
import warnings
import zipfile

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from halyk_desk.imports.errors import file_error
from halyk_desk.imports.headers import header_key
from halyk_desk.imports.table import Table, is_empty_row

_ORDER_SHEET_WORDS = ("order", "заказ")
_NOT_A_WORKBOOK = (
    "The file is a ZIP archive but not an Excel workbook (XLSX); if it is from LibreOffice or "
    "Numbers, save it as XLSX or CSV."
)


def read_xlsx(data: bytes) -> Table:
    with warnings.catch_warnings():
        # openpyxl's notes on styles or unsupported extensions mean nothing to the accountant.
        warnings.simplefilter("ignore", UserWarning)
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
            raise file_error(_NOT_A_WORKBOOK) from None
        try:
            if not book.worksheets:
                raise file_error("The workbook has no worksheets: put the orders on a sheet.")
            sheet = next(
                (ws for ws in book.worksheets
                 if any(word in header_key(ws.title) for word in _ORDER_SHEET_WORDS)),
                book.worksheets[0],
            )
            sheet.reset_dimensions()  # some exporters write a wrong size; read what is there
            rows = [
                (number, tuple(cells))
                for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
                if not is_empty_row(cells)
            ]
        finally:
            book.close()
    return Table("xlsx", None, None, sheet.title, rows)
