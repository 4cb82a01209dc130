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
from halyk_desk.messages import Message, msg

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and password-protected workbooks
_SAMPLE_BYTES = 65536  # enough to tell the format, the encoding and the delimiter
_SAMPLE_CHARS = 65536
_CONTROL_SHARE = 0.01  # real text has no control characters; a few may be stray


def _save_as() -> Message:
    return msg("import.save_as", "откройте его в Excel и сохраните как XLSX или как CSV (с "
               "точкой с запятой)")


def _binary() -> Message:
    return msg("import.binary", "Это не файл CSV или XLSX (в нём двоичные данные): {save_as}.",
               save_as=_save_as())


def _cannot_read(path: Path, exc: OSError) -> Message:
    return msg("import.cannot_read", "Не удаётся прочитать «{file}»: {error}.", file=str(path),
               error=exc.strerror or str(exc))


def read_table(path: Path, header_score: Callable[[Sequence[str]], int]) -> Table:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError
        with path.open("rb") as stream:
            head = stream.read(_SAMPLE_BYTES)
    except FileNotFoundError:
        raise file_error(msg("import.no_file", "Файла «{file}» нет: проверьте его имя и "
                             "папку.", file=str(path))) from None
    except IsADirectoryError:
        raise file_error(msg("import.is_folder", "«{file}» — папка: выберите файл заказов в "
                             "ней.", file=str(path))) from None
    except OSError as exc:
        raise file_error(_cannot_read(path, exc)) from None
    if size > MAX_FILE_BYTES:
        raise file_error(msg(
            "import.file_too_big", "Файл занимает {size} МБ, а файл заказов — не больше {max} МБ: "
            "разбейте заказы на несколько файлов (например, по месяцам).",
            size=megabytes(size), max=megabytes(MAX_FILE_BYTES)))
    if not head.strip() and size <= len(head):
        raise file_error(msg("import.empty_file", "Файл пустой: выгрузите заказы снова, со "
                             "строкой заголовков."))
    if head.startswith(_ZIP):
        return read_xlsx(path)
    if head.startswith(_OLE):
        raise file_error(msg("import.old_xls", "Это старый файл Excel .xls или книга с "
                             "паролем: {save_as}, без пароля.", save_as=_save_as()))
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise file_error(_binary())
    try:
        encoding = detect_encoding(path)
        with open_text(path, encoding) as stream:
            sample = stream.read(_SAMPLE_CHARS)
    except UnicodeDecodeError:
        raise encoding_problem(encoding) from None
    except OSError as exc:
        raise file_error(_cannot_read(path, exc)) from None
    if sum(ch < " " and ch not in "\t\r\n" for ch in sample) > len(sample) * _CONTROL_SHARE:
        raise file_error(_binary())
    start = sample.lstrip().lower()
    if start.startswith(("<!doctype", "<html", "<table", "<?xml")) or "<table" in start[:4096]:
        raise file_error(msg(
            "import.web_page", "Это веб-страница или XML, сохранённые под именем таблицы (такие "
            "файлы делает «Экспорт в Excel» 1С-Битрикс): {save_as}, или выгрузите список "
            "заказов в CSV.", save_as=_save_as()))
    return read_csv(path, encoding, sample, header_score)
