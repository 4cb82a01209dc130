"""XLSX workbooks: the orders sheet (or the first one), cells as openpyxl types them, read only
once xlsx_bounds has measured the file."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from xml.parsers.expat import ExpatError

import openpyxl

from halyk_desk.imports import xlsx_bounds
from halyk_desk.imports.errors import ImportFailed, file_error
from halyk_desk.imports.headers import header_key
from halyk_desk.imports.table import Table, is_empty_row
from halyk_desk.messages import Message, msg

_ORDER_SHEET_WORDS = ("order", "заказ")


def _damaged() -> Message:
    return msg("import.workbook_damaged", "Книга Excel повреждена и не читается: откройте её в "
               "Excel и сохраните снова как XLSX или как CSV (с точкой с запятой).")


def read_xlsx(path: Path) -> Table:
    # The bytes are whatever the user picked: any parser error (bad ZIP, bad XML, missing part;
    # the types differ between openpyxl's XML backends) means a file we cannot read.
    try:
        with zipfile.ZipFile(path) as archive:
            xlsx_bounds.check_parts(archive)
            xlsx_bounds.check_shared_strings(archive)
            xlsx_bounds.check_sheets(archive)
            return _read_book(archive)
    except ImportFailed:
        raise
    except (zipfile.BadZipFile, ExpatError, OSError, EOFError) as exc:
        raise file_error(_damaged()) from exc


def _read_book(archive: zipfile.ZipFile) -> Table:
    with warnings.catch_warnings():
        # openpyxl's notes on styles or unsupported extensions mean nothing to the accountant.
        warnings.simplefilter("ignore", UserWarning)
        try:
            book = openpyxl.load_workbook(archive.fp, read_only=True, data_only=True)
        except Exception as exc:
            raise file_error(msg(
                "import.not_xlsx", "Файл — ZIP-архив, но не книга Excel (XLSX) или повреждённая "
                "книга: если он из LibreOffice или Numbers, откройте его в Excel и сохраните "
                "снова как XLSX или как CSV (с точкой с запятой).")) from exc
        try:
            sheet = next(
                (ws for ws in book.worksheets
                 if any(word in header_key(ws.title) for word in _ORDER_SHEET_WORDS)),
                book.worksheets[0] if book.worksheets else None,
            )
            if sheet is None:
                raise file_error(msg(
                    "import.no_sheets", "В книге нет ни одного листа: поместите заказы на лист."))
            try:
                sheet.reset_dimensions()  # some exporters write a wrong size; read what is there
                rows = [
                    (number, tuple(cells))
                    for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
                    if not is_empty_row(cells)
                ]
            except Exception as exc:
                raise file_error(_damaged()) \
                    from exc
        finally:
            book.close()
    return Table("xlsx", None, None, sheet.title, rows)
