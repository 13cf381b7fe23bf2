"""Civitas: an open platform for digital public services."""

__version__ = "0.1.0"
