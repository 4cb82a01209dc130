"""CSV as shops export it: comma, semicolon or tab; UTF-8 (BOM or not), UTF-16 or cp1251."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from itertools import islice

from halyk_desk.imports.errors import ImportFailed, RowError, file_error
from halyk_desk.imports.table import Table, is_empty_row

DELIMITERS = (";", ",", "\t")
_SNIFF_RECORDS = 20  # the header is among the first rows; more would only slow big files down


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in. UTF-8 is tried strictly first: Cyrillic cp1251 bytes are
    almost never valid UTF-8, whereas any bytes "decode" as cp1251."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise file_error("The file starts as UTF-16 but is damaged: export it again.") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    try:
        return data.decode("cp1251"), "cp1251"
    except UnicodeDecodeError:
        raise file_error(
            "The file is neither UTF-8 nor Windows-1251 (cp1251) text: "
            "save it as CSV UTF-8 or as XLSX."
        ) from None


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


def read_csv(text: str, encoding: str, header_score: Callable[[Sequence[str]], int]) -> Table:
    if not text.strip("".join(DELIMITERS) + '" \r\n'):
        return Table("csv", encoding, None, None, [])  # only separators: any would split it "right"
    delimiter = pick_delimiter(text, header_score)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows = []
    number = 0
    try:
        # Rows are counted as records (what Excel shows); a quoted field may span several lines.
        for number, record in enumerate(reader, start=1):
            if not is_empty_row(record):
                rows.append((number, tuple(record)))
    except csv.Error as exc:
        raise ImportFailed([RowError(
            number + 1, None, None,
            f"the file is not valid CSV here ({exc}, line {reader.line_num}): check the quotes "
            'around this value; a quote inside a value is written twice ("").',
        )]) from None
    return Table("csv", encoding, delimiter, None, rows)
