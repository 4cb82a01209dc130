"""Text a person reads: money in ₸, times in Asia/Almaty, durations like "2 д 4 ч", counted nouns.

Every phrase goes through QCoreApplication.translate with literal text, so pyside6-lupdate finds it
for the translation files (packaging/i18n.py). Numbers, money and dates follow the window's
language (ui.i18n): "1 234,50 ₸" in Russian and Kazakh, "KZT 1,234.50" in English.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QCoreApplication

from halyk_desk.domain import ALMATY, Money
from halyk_desk.ui import i18n

# Russian plural forms of the counted phrases, chosen by the number until a .qm file supplies them
# (Qt's own %n plurals need a translation file even for the source language).
_RU_FORMS = {
    "%n платежей": ("%n платёж", "%n платежа", "%n платежей"),
    "%n блокировок": ("%n блокировка", "%n блокировки", "%n блокировок"),
}


def grouped(n: int) -> str:
    """1234567 → "1 234 567" with no-break spaces in Russian and Kazakh, "1,234,567" in English."""
    return f"{n:,}".replace(",", "," if i18n.current() == "en" else "\u00a0")


def counted(text: str, n: int) -> str:
    """A counted phrase already through tr()/translate() with n, e.g.
    counted(self.tr("%n платежей", "", n), n): the Russian plural form while no translation file
    gives one, and the number grouped ("1 000 000 платежей")."""
    for source, forms in _RU_FORMS.items():
        if text == source.replace("%n", str(n)):
            text = _ru_form(forms, n).replace("%n", str(n))
            break
    return text.replace(str(n), grouped(n), 1)


def count_text(context: str, source: str, n: int) -> str:
    """counted() for a phrase named by its context and source text."""
    return counted(QCoreApplication.translate(context, source, None, n), n)


def _ru_form(forms: tuple[str, str, str], n: int) -> str:
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return forms[0]
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return forms[1]
    return forms[2]


def money_text(amount: Money | None) -> str:
    return "" if amount is None else amount.format(i18n.current())


def money_plain(amount: Money | None) -> str:
    """An amount a spreadsheet in the window's language reads as a number: "1234,50" in Russian
    and Kazakh, "1234.50" in English (no grouping, no symbol)."""
    if amount is None:
        return ""
    text = str(amount.to_decimal())
    return text if i18n.current() == "en" else text.replace(".", ",")


def local_time_text(moment: datetime | None, fmt: str | None = None) -> str:
    """A UTC moment as Almaty wall-clock time, the time zone every accountant here reads; as
    digits in the window's language unless `fmt` (strftime) says otherwise."""
    if moment is None:
        return ""
    return moment.astimezone(ALMATY).strftime(fmt or i18n.date_time_format())


def epoch_seconds(moment: datetime | None) -> int:
    """An integer to sort times by; missing times sort first."""
    return -(2**62) if moment is None else int(moment.timestamp())


def duration_text(span: timedelta) -> str:
    """Days and hours ("2 д 4 ч"), hours and minutes under a day, minutes under an hour."""
    minutes = max(0, int(span.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        text = QCoreApplication.translate("Duration", "{days} д {hours} ч")
        return text.format(days=days, hours=hours)
    if hours:
        text = QCoreApplication.translate("Duration", "{hours} ч {minutes} мин")
        return text.format(hours=hours, minutes=mins)
    return QCoreApplication.translate("Duration", "{minutes} мин").format(minutes=mins)


def eta_text(seconds: float | None) -> str:
    """Time left of a running task, "1:05" or "1:02:05"; a dash while it cannot be estimated."""
    if seconds is None:
        return "—"
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    mins, secs = divmod(rest, 60)
    return f"{hours}:{mins:02d}:{secs:02d}" if hours else f"{mins}:{secs:02d}"
