"""Compiled translations of the window (*.qm), made by packaging/i18n.py; package data."""
