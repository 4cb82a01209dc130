"""What went wrong in an order file, said so that the accountant knows what to fix."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from halyk_desk.imports.limits import MAX_LISTED_PROBLEMS
from halyk_desk.messages import Message, msg, verbatim


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: where it is (row and column as the user sees them) and what to do about it.

    `row` and `column` are None for problems with the whole file (no header, wrong format, ...).
    """

    row: int | None
    column: str | None
    value: str | None
    message: str | Message

    def __str__(self) -> str:
        said = self.message if isinstance(self.message, Message) else verbatim(self.message)
        if self.row is not None and self.column is not None:
            return str(msg("import.at_row_column", "строка {row}, колонка {column}: {problem}",
                           row=str(self.row), column=self.column, problem=said))
        if self.row is not None:
            return str(msg("import.at_row", "строка {row}: {problem}", row=str(self.row),
                           problem=said))
        if self.column is not None:
            return str(msg("import.at_column", "колонка {column}: {problem}",
                           column=self.column, problem=said))
        return str(said)


class ImportFailed(Exception):
    """Nothing was imported; `errors` lists the problems found in the file, in file order: all
    of them, or the first MAX_LISTED_PROBLEMS with `more` counting the rest. `mapping_example`:
    when a column was not recognised, a mapping that would name it (the command line offers it
    as --mapping)."""

    def __init__(
        self, errors: Iterable[RowError], source_file: str | None = None, more: int = 0,
        mapping_example: dict[str, str] | None = None,
    ) -> None:
        self.errors = list(errors)
        self.source_file = source_file
        self.more = more
        self.mapping_example = mapping_example
        # All four as args: keeps the exception picklable.
        super().__init__(self.errors, source_file, more, mapping_example)

    @property
    def count(self) -> int:
        return len(self.errors) + self.more

    def __str__(self) -> str:
        if self.source_file:
            head = msg("import.nothing_imported_from", "Из {file} ничего не загружено: %n "
                       "проблем исправить в файле, прежде чем загрузить его снова.",
                       file=self.source_file, n=self.count)
        else:
            head = msg("import.nothing_imported", "Ничего не загружено: %n проблем исправить в "
                       "файле, прежде чем загрузить его снова.", n=self.count)
        tail = [f"  {more_problems(self.more)}"] if self.more else []
        return "\n".join([str(head), *(f"  {error}" for error in self.errors), *tail])


def more_problems(count: int) -> Message:
    """The line that stands for the problems not listed (the window lists fewer than kept)."""
    return msg("import.more_problems", "… и ещё проблем: {count}. Исправьте эти и загрузите "
               "файл снова, чтобы увидеть остальные.", count=count)


class Problems:
    """The problems of one file as they are found: the first MAX_LISTED_PROBLEMS kept, the rest
    only counted, so a file with a million bad rows costs no more than one with a hundred."""

    def __init__(self) -> None:
        self.kept: list[RowError] = []
        self.count = 0

    def append(self, error: RowError) -> None:
        self.count += 1
        if len(self.kept) < MAX_LISTED_PROBLEMS:
            self.kept.append(error)

    def extend(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.append(error)

    def __len__(self) -> int:
        return self.count

    def failed(self, order: Callable[[RowError], Any]) -> ImportFailed:
        return ImportFailed(sorted(self.kept, key=order), more=self.count - len(self.kept))


def file_error(message: str | Message) -> ImportFailed:
    """A problem with the file as a whole rather than with one of its rows."""
    return ImportFailed([RowError(None, None, None, message)])
