"""Phrases of Qt's own dialogs that Qt's Russian translation (qtbase_ru.qm) leaves in English:
the file dialog's «Look in:» and «Files of type:». They are translated in the program's own
catalogue under Qt's context; ui/i18n.py installs the program's translator after Qt's, and Qt asks
the translator installed last first, so these answers win. packaging/i18n.py reads them from here.
"""

from PySide6.QtCore import QT_TRANSLATE_NOOP

MISSING_FROM_QTBASE = (
    QT_TRANSLATE_NOOP("QFileDialog", "&Look in:"),
    QT_TRANSLATE_NOOP("QFileDialog", "Files of &type:"),
)
