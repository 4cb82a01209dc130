"""The window: PySide6 views and thin Qt models over the services; the only package with Qt."""

import builtins

#: Python's own import function, kept before PySide6 (imported by the modules of this package)
#: puts its own in its place; see imports.without_pyside_import_hook. When PySide6 was imported
#: before this package, this is PySide6's, and the hook stays.
PLAIN_IMPORT = builtins.__import__
