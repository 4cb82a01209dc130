"""A workbook measured before openpyxl reads it: the ZIP directory's unpacked sizes, then the order
sheet's XML streamed through expat, counting rows, columns and each cell's length without keeping
any of it. openpyxl is only given a workbook that fits (imports/limits.py).

The ZIP directory's sizes can be trusted: zipfile stops reading a part at its declared size and
then refuses it (CRC mismatch), so a part cannot unpack to more than the directory says.
"""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree
from xml.parsers import expat

from halyk_desk.imports.csvfile import cell_too_long
from halyk_desk.imports.errors import ImportFailed, RowError, file_error
from halyk_desk.imports.limits import (
    HEADER_SEARCH,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_OTHER_PART_BYTES,
    MAX_ROWS,
    MAX_SHARED_STRINGS_BYTES,
    MAX_SHEET_BYTES,
    MAX_UNPACKED_BYTES,
    megabytes,
)
from halyk_desk.messages import Message, msg

_CHUNK = 1 << 16
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def check_parts(book: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts unpack to more than the limits allow, before unpacking."""
    total = 0
    for info in book.infolist():
        total += info.file_size
        name = info.filename
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            limit = MAX_SHEET_BYTES
        elif name == "xl/sharedStrings.xml":
            limit = MAX_SHARED_STRINGS_BYTES
        elif name.endswith((".xml", ".rels")):
            limit = MAX_OTHER_PART_BYTES
        else:
            continue  # pictures and the like: never unpacked
        if info.file_size > limit:
            raise file_error(msg(
                "import.part_too_big", "Книга распаковывается в слишком большой объём ({part} — "
                "{size} МБ, а можно не больше {max} МБ): разбейте заказы на несколько файлов или "
                "сохраните их как CSV.",
                part=name, size=megabytes(info.file_size), max=megabytes(limit)))
    if total > MAX_UNPACKED_BYTES:
        raise file_error(msg(
            "import.workbook_too_big", "Книга распаковывается в {size} МБ, а файл заказов — не "
            "больше {max} МБ: разбейте заказы на несколько файлов или сохраните их как CSV.",
            size=megabytes(total), max=megabytes(MAX_UNPACKED_BYTES)))


def check_shared_strings(book: zipfile.ZipFile) -> None:
    """Each text the workbook shares between cells is at most MAX_CELL_CHARS long."""
    if "xl/sharedStrings.xml" not in book.namelist():
        return
    _Scan(None).run(book, "xl/sharedStrings.xml")


def check_sheets(book: zipfile.ZipFile) -> None:
    """Every worksheet has at most MAX_ROWS rows of cells (plus a header and a few title rows),
    at most MAX_COLUMNS columns, and no cell longer than MAX_CELL_CHARS. Every one: opening the
    workbook, openpyxl reads through each sheet that does not state its size."""
    titles = _titles(book)
    for part in book.namelist():
        if part.startswith("xl/worksheets/") and part.endswith(".xml"):
            _Scan(titles.get(part, part)).run(book, part)


def _titles(book: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet part's title, as far as workbook.xml and its relations say."""
    try:
        relations = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        targets = {rel.get("Id"): rel.get("Target", "") for rel in relations}
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    except (KeyError, ElementTree.ParseError):
        return {}  # openpyxl says what is wrong with the workbook
    titles = {}
    for sheet in workbook.iter(f"{{{_MAIN}}}sheet"):
        target = targets.get(sheet.get(f"{{{_RELATIONS}}}id"), "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        titles[part] = sheet.get("name", part)
    return titles


class _TooBig(Exception):
    def __init__(self, failure: ImportFailed) -> None:
        self.failure = failure


class _Scan:
    """expat callbacks that only count: the text of a cell is measured, never stored."""

    def __init__(self, sheet: str | None) -> None:
        self.sheet = sheet
        self.rows = 0  # rows holding a cell so far
        self.row_has_cell = False
        self.row = 0  # the row being read, as Excel numbers it
        self.cell = ""  # the cell being read (A1), for messages
        self.text = 0  # characters of the element being read

    def run(self, book: zipfile.ZipFile, part: str) -> None:
        parser = expat.ParserCreate()
        parser.StartElementHandler = self.start
        parser.CharacterDataHandler = self.data
        try:
            with book.open(part) as stream:
                while chunk := stream.read(_CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _TooBig as big:
            raise big.failure from None
        self.end_row()

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.text = 0
        local = name.rpartition(":")[2]
        if local == "row":
            self.end_row()
            number = attributes.get("r", "")
            self.row = int(number) if number.isdigit() else self.row + 1
        elif local == "c" and self.sheet is not None:
            # Even a cell that only holds formatting counts: openpyxl gives every row as wide as
            # its last cell, and as many rows as hold a cell.
            self.row_has_cell = True
            self.cell = attributes.get("r", "")
            self.check_column()

    def check_column(self) -> None:
        match = _CELL_REF.fullmatch(self.cell)
        if match is None:
            return
        column = 0
        for letter in match.group(1):
            column = column * 26 + ord(letter) - 64
        if column > MAX_COLUMNS:
            self.refuse(msg("import.column_too_far",
                            "В столбце {column} (№ {number}) есть значение или оформление, а в "
                            "файле заказов не больше {max} столбцов: удалите столбцы правее "
                            "заказов и сохраните файл снова.",
                            column=match.group(1), number=column, max=MAX_COLUMNS))

    def end_row(self) -> None:
        if self.row_has_cell:
            self.rows += 1
            self.row_has_cell = False
            if self.rows > MAX_ROWS + HEADER_SEARCH:
                self.refuse(msg("import.sheet_too_many_rows",
                                "На листе «{sheet}» больше {max} строк заказов: разбейте заказы "
                                "на несколько файлов или сохраните их как CSV.",
                                sheet=self.sheet, max=MAX_ROWS), whole_file=True)

    def data(self, text: str) -> None:
        self.text += len(text)
        if self.text > MAX_CELL_CHARS:
            if self.sheet is None:
                self.refuse(msg("import.shared_text_too_long",
                                "Текст в книге длиннее {max} символов (предел Excel для ячейки): "
                                "файл сделан не в Excel или повреждён; выгрузите заказы заново.",
                                max=MAX_CELL_CHARS), whole_file=True)
            self.refuse(cell_too_long())

    def refuse(self, message: Message, *, whole_file: bool = False) -> None:
        if whole_file:
            error = RowError(None, None, None, message)
        else:
            column = _CELL_REF.fullmatch(self.cell)
            error = RowError(self.row, column.group(1) if column else None, None, message)
        raise _TooBig(ImportFailed([error]))
