"""Halyk Desk: back office for shops paid through Halyk Bank's ePay gateway."""

__version__ = "0.1.0"
