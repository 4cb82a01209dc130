"""An audit entry's details as a person reads them, in their language (the Audit tab, `audit
list`): "сумма: 1 500,00 ₸ · причина: Брак", never the stored JSON.

The details are kept as JSON with stable English keys (the hash chain covers them); here each
known key gets its name from the catalogue, a stored message (Message.dump_dict) is rendered, an
amount with the entry's currency is written as money. A key this version does not know is shown
as it is, so that nothing recorded is hidden.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from halyk_desk.domain import Money, MoneyError
from halyk_desk.messages import Message, msg
from halyk_desk.services.operators import ROLE_NAMES

#: The details' keys, each by its name for people.
KEY_NAMES: dict[str, Message] = {
    "operation_id": msg("audit.key.operation_id", "операция №"),
    "amount": msg("audit.key.amount", "сумма"),
    "currency": msg("audit.key.currency", "валюта"),
    "reason": msg("audit.key.reason", "причина"),
    "note": msg("audit.key.note", "примечание"),
    "old_note": msg("audit.key.old_note", "прежнее примечание"),
    "requested_by": msg("audit.key.requested_by", "запросил"),
    "from": msg("audit.key.from", "было"),
    "message": msg("audit.key.message", "итог"),
    "role": msg("audit.key.role", "роль"),
    "old_role": msg("audit.key.old_role", "прежняя роль"),
    "was_active": msg("audit.key.was_active", "был активен"),
    "why": msg("audit.key.why", "почему"),
    "category": msg("audit.key.category", "категория"),
    "key": msg("audit.key.key", "ключ"),
    "old": msg("audit.key.old", "было"),
    "new": msg("audit.key.new", "стало"),
}
#: Values that are codes, each by its meaning.
VALUE_NAMES: dict[str, Message] = {
    "first_operator": msg("audit.value.first_operator", "первый оператор этой базы"),
    "first operator of this store": msg("audit.value.first_operator", "первый оператор этой базы"),
}
_YES, _NO = msg("audit.value.yes", "да"), msg("audit.value.no", "нет")


def _value(key: str, value: Any, details: Mapping[str, Any], language: str | None) -> str:
    if isinstance(value, Mapping) and "code" in value:
        return Message.from_dict(value).render(language)
    if isinstance(value, bool):
        return (_YES if value else _NO).render(language)
    if key == "amount" and isinstance(value, str):
        try:
            return Money.from_decimal(value, details.get("currency") or "KZT").format(
                language or "ru")
        except (MoneyError, ValueError, ArithmeticError):
            return value
    if key in ("role", "old_role") and value in ROLE_NAMES:
        return ROLE_NAMES[value].render(language)
    if isinstance(value, str) and value in VALUE_NAMES:
        return VALUE_NAMES[value].render(language)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_value(k, v, value, language)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(key, v, details, language) for v in value)
    return "" if value is None else str(value)


def details_text(details: Mapping[str, Any], language: str | None = None) -> str:
    """The details as "name: value · name: value", names and values in `language`."""
    from halyk_desk import messages

    language = language or messages.current()
    parts = []
    for key, value in details.items():
        if key == "currency" and "amount" in details:
            continue  # written with the amount
        if value is None or value == "":
            continue
        name = KEY_NAMES.get(key)
        label = name.render(language) if name is not None else key
        parts.append(f"{label}: {_value(key, value, details, language)}")
    return " · ".join(parts)
