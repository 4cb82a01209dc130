"""Text that people type or files bring: one length limit per field, the same on SQLite and
PostgreSQL, and no character that can rewrite a terminal, a cell or a log line.

People's input (names, reasons, notes, imported cells) is refused when it breaks these rules, with
a message; the bank's text cannot be refused, so it is neutralised where it comes in
(epay/models.py): each control character becomes U+FFFD. Either way nothing stored, shown,
exported or written to the audit log carries ESC, BEL, CR or a bidi override.
"""

from __future__ import annotations

import re

from halyk_desk.messages import Message, MessageError, msg, verbatim

#: The longest text each field holds: the store's columns are declared with these (store/models.py,
#: journal_models.py, reconciliation_models.py) and every edge checks them (docs/admin-guide.md).
LIMITS = {
    "customer": 255,
    "shop_status": 100,
    "reason": 100,
    "reason_text": 500,
    "note": 1000,
    "rejected_reason": 500,
    "operator": 64,
    "profile": 64,
    "source_file": 1000,
    "bank_message": 1000,
    "read_error": 500,
    "link_description": 500,
}
#: C0 and C1 controls (ESC, BEL, CR, LF, TAB, NUL, DEL, CSI...) and the invisible marks that reorder
#: text (bidi embeddings, overrides and isolates, LRM/RLM/ALM).
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMES = {"\x1b": "ESC", "\x07": "BEL", "\r": "CR", "\n": "LF", "\t": "TAB", "\x00": "NUL",
          "\x08": "BS", "\x7f": "DEL"}


class TextError(MessageError, ValueError):
    """Typed or imported text a field cannot hold; the message says what to change."""


def char_name(char: str) -> str:
    return _NAMES.get(char, f"U+{ord(char):04X}")


def neutralise(text: str | None) -> str | None:
    """`text` with every control character and bidi mark replaced by U+FFFD (for the bank's text,
    which is stored and shown but cannot be refused)."""
    return CONTROL.sub("\ufffd", text) if text else text


def check_text(text: str, field: str, *, multiline: bool = False) -> str:
    """`text` if the field may hold it; TextError otherwise. `multiline` allows line breaks (LF,
    and CR before one) and tabs, as a note or a spreadsheet cell may have them; a lone CR, which
    sends a terminal back to the start of the line, never."""
    limit = LIMITS[field]
    if len(text) > limit:
        raise TextError(msg("text.too_long", "Текст длиной {length} символов не помещается в поле "
                            "«{field}»: допускается не больше {limit}. Сократите его.",
                            length=len(text), field=title(field), limit=limit))
    for found in CONTROL.finditer(text):
        char = found.group()
        if multiline and (char in "\n\t" or text.startswith("\r\n", found.start())):
            continue
        raise TextError(msg("text.control_character", "В поле «{field}» есть управляющий символ "
                            "{char} (позиция {position}): он может исказить экран или таблицу. "
                            "Уберите его и введите текст заново.", field=title(field),
                            char=char_name(char), position=found.start() + 1))
    return text


def title(field: str) -> Message:
    """The field's name as people know it."""
    return {
        "customer": msg("field.customer", "Покупатель"),
        "shop_status": msg("field.shop_status", "Статус заказа"),
        "reason": msg("field.reason", "Причина"),
        "reason_text": msg("field.reason_text", "Пояснение к причине"),
        "note": msg("field.note", "Примечание"),
        "rejected_reason": msg("field.rejected_reason", "Причина отказа"),
        "operator": msg("field.operator", "Оператор"),
        "profile": msg("field.profile", "Профиль"),
        "link_description": msg("field.link_description", "За что платит покупатель"),
    }.get(field) or verbatim(field)
