"""Which column holds which order field: Russian or English header names, or the user's mapping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from halyk_desk.imports.errors import ImportFailed, RowError
from halyk_desk.imports.model import FIELDS, REQUIRED
from halyk_desk.messages import Message, msg

# Names recognised for each field, best first: when several columns match one field (a Bitrix
# export can carry both ID and Номер заказа) the earlier name wins and the user is told.
ALIASES: dict[str, tuple[str, ...]] = {
    "invoice_id": (
        "invoiceId", "invoice_id", "Номер заказа", "Номер счёта", "ID", "Номер", "Order ID",
    ),
    "amount": ("Сумма", "Amount", "Сумма заказа", "Сумма к оплате", "Total"),
    "currency": ("Валюта", "Currency"),
    "created_at": ("Дата создания", "Created", "Created at", "Дата заказа", "Дата", "Date"),
    "customer": ("Покупатель", "Customer", "ФИО", "Клиент"),
    "shop_paid": ("Оплачен", "Paid", "Оплачено"),
    "shop_status": ("Статус", "Status", "Статус заказа"),
}

TITLES = {
    "invoice_id": msg("import.field.invoice_id", "номер заказа (invoiceId)"),
    "amount": msg("import.field.amount", "сумма"),
    "currency": msg("import.field.currency", "валюта"),
    "created_at": msg("import.field.created_at", "дата создания"),
    "customer": msg("import.field.customer", "покупатель"),
    "shop_paid": msg("import.field.shop_paid", "оплачен или нет"),
    "shop_status": msg("import.field.shop_status", "статус в магазине"),
}


def repeated(column: str, letters: str, count: int) -> Message:
    return msg("import.column_repeated", "Колонка «{column}» встречается %n раз (колонки "
               "{letters}): дайте каждой колонке своё имя.", column=column, letters=letters,
               n=count)


def header_key(text: object) -> str:
    """A header name compared without case, spaces, punctuation or the ё/е difference."""
    folded = str(text if text is not None else "").casefold().replace("ё", "е")
    return "".join(ch for ch in folded if ch.isalnum())


# invoiceId and invoice_id compare equal: keep each key once, in order.
_ALIAS_KEYS = {name: tuple(dict.fromkeys(map(header_key, n))) for name, n in ALIASES.items()}
_KNOWN_KEYS = frozenset(key for keys in _ALIAS_KEYS.values() for key in keys)


@dataclass(frozen=True, slots=True)
class Columns:
    """The outcome: field -> column index, plus notes for the import report. `other_choice`:
    a mapping that would take the other column where a field had two candidates (the command
    line offers it as --mapping; the window has no mapping, so its user renames a column)."""

    index: dict[str, int]
    warnings: list[Message]
    other_choice: dict[str, str]


class ColumnResolver:
    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping
        self._mapped_keys = frozenset(header_key(header) for header in mapping.values())

    def score(self, cells: Sequence[object]) -> int:
        """How many cells look like header names we know: finds the header row and the delimiter."""
        keys = {header_key(cell) for cell in cells if isinstance(cell, str)}
        return len(keys & (_KNOWN_KEYS | self._mapped_keys))

    def resolve(self, headers: list[str]) -> Columns:
        keys = [header_key(header) for header in headers]
        listing: str | Message = ", ".join(repr(h) for h in headers if h) \
            or msg("import.no_columns", "(нет)")
        errors: list[Message] = []
        warnings: list[Message] = []
        other_choice: dict[str, str] = {}
        index: dict[str, int] = {}
        # Fields the mapping decides, or already reported: not to be called missing as well.
        settled = set(self.mapping)

        def where(hits: list[int]) -> str:
            return ", ".join(get_column_letter(i + 1) for i in hits)

        for name, wanted in self.mapping.items():
            hits = [i for i, key in enumerate(keys) if key == header_key(wanted)]
            if not hits:
                errors.append(msg(
                    "import.mapping_no_column", "Сопоставление отдаёт полю {field} колонку "
                    "«{column}», но такой колонки в файле нет. Колонки файла: {columns}.",
                    field=name, column=wanted, columns=listing))
            elif len(hits) > 1:
                errors.append(repeated(wanted, where(hits), len(hits)))
            elif hits[0] in index.values():
                other = next(f for f, i in index.items() if i == hits[0])
                errors.append(msg(
                    "import.mapping_column_twice", "Сопоставление отдаёт колонку «{column}» "
                    "сразу двум полям: {first} и {second}.", column=wanted, first=other,
                    second=name))
            else:
                index[name] = hits[0]

        for name in FIELDS:
            if name in settled:
                continue
            matches = [
                [i for i, key in enumerate(keys) if key == alias and i not in index.values()]
                for alias in _ALIAS_KEYS[name]
            ]
            matches = [hits for hits in matches if hits]
            if not matches:
                continue
            best = matches[0]
            if len(best) > 1:
                errors.append(repeated(headers[best[0]], where(best), len(best)))
                settled.add(name)
                continue
            index[name] = best[0]
            others = [headers[hits[0]] for hits in matches[1:]]
            if others:
                warnings.append(msg(
                    "import.column_guessed", "Для поля «{field}» взята колонка «{column}»; "
                    "подошли бы и {others}. Если нужна другая, переименуйте лишнюю колонку в "
                    "файле.", field=TITLES[name], column=headers[best[0]],
                    others=", ".join(map(repr, others))))
                other_choice[name] = others[0]

        missing = [name for name in REQUIRED if name not in index and name not in settled]
        if missing:
            needed = [msg("import.field_named", "{field} (например, {names})",
                          field=TITLES[name], names=list(ALIASES[name][:4])) for name in missing]
            errors.append(msg(
                "import.no_column_for", "В файле нет колонки для: {fields}. Колонки файла: "
                "{columns}. Переименуйте колонку в файле: подойдёт любое из названий в скобках.",
                fields=needed, columns=listing))
        if errors:
            example = {missing[0]: str(msg("import.column_name", "Имя колонки"))} \
                if missing else None
            raise ImportFailed((RowError(None, None, None, message) for message in errors),
                               mapping_example=example)

        ignored = [h for i, h in enumerate(headers) if keys[i] and i not in index.values()]
        if ignored:
            warnings.append(msg("import.columns_ignored", "Не использованы колонки: {columns}.",
                                columns=ignored))
        return Columns(index, warnings, other_choice)
