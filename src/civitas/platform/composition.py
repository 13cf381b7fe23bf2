"""Reading the composition root: the module that wires the domains into the kernel.

The kernel knows no domain. What it runs of theirs (periodic jobs, parts of /healthz) is
listed in tables in the module the CIVITAS_WIRING setting names (`civitas.wiring`), read
here by name when first needed, so that no import in the kernel names a domain.
"""

from collections.abc import Sequence
from importlib import import_module
from types import ModuleType
from typing import Protocol, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class _Named(Protocol):
    @property
    def name(self) -> str: ...


Entry = TypeVar("Entry", bound=_Named)


def wiring_module() -> ModuleType | None:
    """The module CIVITAS_WIRING names; None when the setting is empty."""
    path = getattr(settings, "CIVITAS_WIRING", None)
    if not path:
        return None
    try:
        return import_module(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"CIVITAS_WIRING: cannot import {path!r} ({error})") from error


def read_table(table: str, entry_type: type[Entry]) -> list[Entry]:
    """The entries of the wiring module's `table`, checked: each an `entry_type`, each name
    once. No CIVITAS_WIRING, or no such table in it, means no entries."""
    module = wiring_module()
    if module is None:
        return []
    path = module.__name__
    entries = getattr(module, table, ())
    if isinstance(entries, str) or not isinstance(entries, Sequence):
        raise ImproperlyConfigured(f"{path}.{table} must be a list or tuple")
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, entry_type):
            raise ImproperlyConfigured(f"{path}.{table}: {entry!r} is not a {entry_type.__name__}")
        if entry.name in seen:
            raise ImproperlyConfigured(f"{path}.{table}: {entry.name!r} is listed twice")
        seen.add(entry.name)
    return list(entries)
