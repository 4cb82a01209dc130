"""The window's language: Russian (the source text), Kazakh or English, through Qt's .qm files.

Which language: the `language` setting, or for `auto` the system's (halyk_desk.messages.resolve
says why `auto` means Russian on a Kazakh system). A change of language applies at the next start:
views set their texts once, when they are built. Installing a language also makes the services'
messages (halyk_desk.messages) render in it.

Translations live in halyk_desk/translations/halyk_desk_<lang>.qm (made by packaging/i18n.py from
resources/i18n/*.ts), inside the package, so they come along in a wheel and in the PyInstaller
bundle alike. Qt's own translations (the buttons of standard dialogs) are loaded beside them.
The Russian file holds only the plural forms: every other Russian text is the source itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from halyk_desk import messages

LANGUAGES = messages.LANGUAGES
#: Each language by its own name: what the language menu shows, whatever the current language.
NATIVE_NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}
DEFAULT_LANGUAGE = "ru"
CATALOG = "halyk_desk"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

_LOCALES = {
    "ru": (QLocale.Language.Russian, QLocale.Country.Kazakhstan),
    "kk": (QLocale.Language.Kazakh, QLocale.Country.Kazakhstan),
    # Day-first dates and 1,234.50: British conventions read naturally in Kazakhstan.
    "en": (QLocale.Language.English, QLocale.Country.UnitedKingdom),
}
#: Date and time as digits, the way each language writes them in an office.
_DATE_TIME_FORMATS = {"ru": "%d.%m.%Y %H:%M", "kk": "%d.%m.%Y %H:%M", "en": "%d/%m/%Y %H:%M"}

_current = DEFAULT_LANGUAGE


def resolve_language(setting: str, system: QLocale | None = None) -> str:
    """The language to show for the setting's value (ru, kk, en or auto): the command line's rule
    (messages.resolve), with the system's language as Qt reads it."""
    system = system or QLocale.system()
    if system.language() in (QLocale.Language.C, QLocale.Language.AnyLanguage):
        return messages.resolve(setting, "c")
    return messages.resolve(setting, system.name().split("_")[0])


def locale_of(language: str) -> QLocale:
    return QLocale(*_LOCALES[language])


def current() -> str:
    """The language the window speaks: ru, kk or en."""
    return _current


def current_locale() -> QLocale:
    return locale_of(_current)


def date_time_format() -> str:
    """strftime format of a date and time in the current language."""
    return _DATE_TIME_FORMATS[_current]


def catalog_path(language: str) -> Path:
    return TRANSLATIONS_DIR / f"{CATALOG}_{language}.qm"


@dataclass
class Installed:
    """The translators in use; kept alive as long as they are installed (Qt does not own them)."""

    language: str
    translators: list[QTranslator] = field(default_factory=list)
    #: Files that should have been there and were not (the window then shows the source text).
    missing: list[Path] = field(default_factory=list)

    def remove(self) -> None:
        for translator in self.translators:
            QCoreApplication.removeTranslator(translator)
        self.translators.clear()


def install(language: str) -> Installed:
    """Load the program's and Qt's translations of `language` (ru, kk or en), make its locale the
    default for numbers and dates, and remember it for the formatting of money and times."""
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; one of {', '.join(LANGUAGES)}")
    installed = Installed(language)
    qt_folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    for path in (qt_folder / f"qtbase_{language}.qm", catalog_path(language)):
        translator = QTranslator()
        if translator.load(str(path)):
            QCoreApplication.installTranslator(translator)
            installed.translators.append(translator)
        elif path.parent == TRANSLATIONS_DIR:
            installed.missing.append(path)
    QLocale.setDefault(locale_of(language))
    messages.use(language)
    _current = language
    return installed


def uninstall(installed: Installed) -> None:
    """Back to the Russian source text (tests switch languages within one process)."""
    global _current
    installed.remove()
    QLocale.setDefault(locale_of(DEFAULT_LANGUAGE))
    messages.use(DEFAULT_LANGUAGE)
    _current = DEFAULT_LANGUAGE
