"""The rules' YAML files: read by the platform's loader, checked against the rules' schemas.

Reading, line numbers and ``Problem`` reports are the platform's
(``civitas.platform.yamlsource``); what is the rules' own is the schemas in
``civitas/rules/schema``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from civitas.platform.yamlsource import Document, Problem, check_schema
from civitas.platform.yamlsource import read_document as read_checked_document


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped in ``civitas/rules/schema``."""
    text = resources.files("civitas.rules").joinpath("schema", name).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    check_schema(loaded)
    return loaded


def read_document(
    path: str | Path, schema_name: str, *, text: str | None = None
) -> tuple[Document | None, list[Problem]]:
    """Read, parse and check a rules YAML file (or ``text``, reported as ``path``) against
    the rules schema ``schema_name``. Callers must not use the data for anything but
    reporting when there are problems."""
    return read_checked_document(path, schema(schema_name), text=text)
