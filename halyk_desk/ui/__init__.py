"""The window: PySide6 views and thin Qt models over the services; the only package with Qt."""
