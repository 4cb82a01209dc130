"""CSV as shops export it: comma, semicolon or tab; UTF-8 (BOM or not), UTF-16 or cp1251.

The file is streamed, never held whole: its encoding is found in one pass that keeps nothing, and
records are read one by one within the bounds of imports/limits.py.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TextIO

from halyk_desk.imports.cells import Cell
from halyk_desk.imports.errors import ImportFailed, RowError, file_error
from halyk_desk.imports.limits import (
    HEADER_SEARCH,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_RECORD_CHARS,
    MAX_ROWS,
)
from halyk_desk.imports.table import Table, is_empty_row
from halyk_desk.messages import Message, msg

DELIMITERS = (";", ",", "\t")
_SNIFF_RECORDS = 20  # the header is among the first rows; more would only slow big files down
_CHUNK = 1 << 20


def detect_encoding(path: Path) -> str:
    """The file's encoding. UTF-8 is tried strictly first: Cyrillic cp1251 bytes are almost
    never valid UTF-8, whereas any bytes "decode" as cp1251 (checked as the rows are read)."""
    with path.open("rb") as stream:
        head = stream.read(3)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
            return "utf-16"
        stream.seek(0)
        check = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := stream.read(_CHUNK):
                check.decode(chunk)
            check.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1251"
    return "utf-8-sig" if head == b"\xef\xbb\xbf" else "utf-8"


def encoding_problem(encoding: str) -> ImportFailed:
    if encoding == "utf-16":
        return file_error(msg("import.utf16_damaged",
                              "Файл начинается как UTF-16, но повреждён: выгрузите его снова."))
    return file_error(msg(
        "import.bad_encoding", "Файл — не текст в UTF-8 и не в Windows-1251 (cp1251): сохраните "
        "его как CSV UTF-8 или как XLSX."))


def cell_too_long() -> Message:
    return msg("import.cell_too_long", "Значение длиннее {max} символов (предел Excel для "
               "ячейки): сократите его или выгрузите заказы заново.", max=MAX_CELL_CHARS)


def open_text(path: Path, encoding: str) -> TextIO:
    return path.open(encoding=encoding, newline="")


def pick_delimiter(text: str, header_score: Callable[[Sequence[str]], int]) -> str:
    """The delimiter under which the header names are recognised best, then the one that splits
    the first row into most columns. Counting characters alone is fooled by "Сумма, ₸" headers or
    decimal commas, and csv.Sniffer guesses badly on Cyrillic text."""

    def rank(delimiter: str) -> tuple[int, int]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            records = [r for r in islice(reader, _SNIFF_RECORDS) if not is_empty_row(r)]
        except csv.Error:  # e.g. a field over csv's size limit: not this delimiter
            return (-1, 0)
        if not records:
            return (0, 0)
        return (max(header_score(r) for r in records), len(records[0]))

    return max(DELIMITERS, key=rank)  # ties keep the earlier one: ';' as 1C-Bitrix writes


class _Lines:
    """The stream's lines for csv.reader, refusing a record that grows past MAX_RECORD_CHARS
    (a quote never closed, or a row of a million columns) before csv builds it."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.record_chars = 0  # reset by the reader at each record

    def __iter__(self) -> Iterator[str]:
        while line := self.stream.readline(MAX_RECORD_CHARS + 1):
            self.record_chars += len(line)
            if self.record_chars > MAX_RECORD_CHARS:
                raise _RecordTooLong
            yield line


class _RecordTooLong(Exception):
    pass


def read_csv(
    path: Path, encoding: str, sample: str, header_score: Callable[[Sequence[str]], int]
) -> Table:
    """`sample` is the file's beginning (or all of it), decoded."""
    if not sample.strip("".join(DELIMITERS) + '" \r\n') and path.stat().st_size <= len(sample):
        return Table("csv", encoding, None, None, [])  # only separators: any would split it "right"
    delimiter = pick_delimiter(sample, header_score)
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    number = 0

    def refuse(message: Message, row: int) -> ImportFailed:
        return ImportFailed([RowError(row, None, None, message)])

    with open_text(path, encoding) as stream:
        lines = _Lines(stream)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        try:
            # Rows are counted as records (what Excel shows); a quoted field may span lines.
            for number, record in enumerate(reader, start=1):
                lines.record_chars = 0
                if is_empty_row(record):
                    continue
                if len(record) > MAX_COLUMNS:
                    raise refuse(msg("import.too_many_values",
                                     "В строке значений: {count}, а в файле заказов не больше "
                                     "{max} столбцов: проверьте разделитель.",
                                     count=len(record), max=MAX_COLUMNS), number)
                if any(len(field) > MAX_CELL_CHARS for field in record):
                    raise refuse(cell_too_long(), number)
                rows.append((number, tuple(record)))
                if len(rows) > MAX_ROWS + HEADER_SEARCH:
                    raise file_error(msg(
                        "import.too_many_rows", "В файле больше {max} строк заказов: разбейте "
                        "заказы на несколько файлов (например, по месяцам).", max=MAX_ROWS))
        except _RecordTooLong:
            raise refuse(msg(
                "import.record_too_long", 'Строка длиннее {max} символов: видимо, не закрыта '
                'кавычка (кавычка внутри значения пишется дважды: ""), или это не список '
                "заказов.", max=MAX_RECORD_CHARS), number + 1) from None
        except UnicodeDecodeError:
            raise encoding_problem(encoding) from None
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise refuse(cell_too_long(), number + 1) from None
            raise refuse(msg(
                "import.bad_csv", "Здесь файл не читается как CSV ({error}, строка {line}): "
                'проверьте кавычки вокруг значения (кавычка внутри значения пишется дважды: "").',
                error=str(exc), line=reader.line_num), number + 1) from None
    return Table("csv", encoding, delimiter, None, rows)
