"""Open an order file: tell CSV from XLSX by content (not by name), and refuse anything else with
advice the accountant can follow."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from halyk_desk.imports.csvfile import detect_encoding, encoding_problem, open_text, read_csv
from halyk_desk.imports.errors import file_error
from halyk_desk.imports.limits import MAX_FILE_BYTES, megabytes
from halyk_desk.imports.table import Table
from halyk_desk.imports.xlsxfile import read_xlsx
from halyk_desk.messages import msg

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and password-protected workbooks
_SAVE_AS = "open it in Excel and save it as XLSX, or as CSV (semicolon-separated)"
_SAMPLE_BYTES = 65536  # enough to tell the format, the encoding and the delimiter
_SAMPLE_CHARS = 65536
_CONTROL_SHARE = 0.01  # real text has no control characters; a few may be stray


def read_table(path: Path, header_score: Callable[[Sequence[str]], int]) -> Table:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError
        with path.open("rb") as stream:
            head = stream.read(_SAMPLE_BYTES)
    except FileNotFoundError:
        raise file_error(f"There is no file {str(path)!r}: check its name and folder.") from None
    except IsADirectoryError:
        raise file_error(f"{str(path)!r} is a folder: choose the order file inside it.") from None
    except OSError as exc:
        raise file_error(f"Cannot read {str(path)!r}: {exc.strerror}.") from None
    if size > MAX_FILE_BYTES:
        raise file_error(msg(
            "import.file_too_big", "Файл занимает {size} МБ, а файл заказов — не больше {max} МБ: "
            "разбейте заказы на несколько файлов (например, по месяцам).",
            size=megabytes(size), max=megabytes(MAX_FILE_BYTES)))
    if not head.strip() and size <= len(head):
        raise file_error("The file is empty: export the orders again, with the header row.")
    if head.startswith(_ZIP):
        return read_xlsx(path)
    if head.startswith(_OLE):
        raise file_error(
            f"This is an old Excel .xls file or a password-protected workbook: {_SAVE_AS}, "
            "without a password."
        )
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise file_error(f"This is not a CSV or XLSX file (it holds binary data): {_SAVE_AS}.")
    try:
        encoding = detect_encoding(path)
        with open_text(path, encoding) as stream:
            sample = stream.read(_SAMPLE_CHARS)
    except UnicodeDecodeError:
        raise encoding_problem(encoding) from None
    except OSError as exc:
        raise file_error(f"Cannot read {str(path)!r}: {exc.strerror}.") from None
    if sum(ch < " " and ch not in "\t\r\n" for ch in sample) > len(sample) * _CONTROL_SHARE:
        raise file_error(f"This is not a CSV or XLSX file (it holds binary data): {_SAVE_AS}.")
    start = sample.lstrip().lower()
    if start.startswith(("<!doctype", "<html", "<table", "<?xml")) or "<table" in start[:4096]:
        raise file_error(
            "This is a web page or XML saved under a spreadsheet name (1C-Bitrix's \"Export to "
            f"Excel\" makes such files): {_SAVE_AS}, or export the order list as CSV."
        )
    return read_csv(path, encoding, sample, header_score)
