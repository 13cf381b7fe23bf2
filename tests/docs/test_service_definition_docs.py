"""The service-definition guide and the JSON Schema describe the same language.

Every key the schema allows is named in docs/service-definitions.md, and every example
service in the repository passes the schema, so neither can drift from what is accepted.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "src/civitas/catalogue/schema/service.schema.json"
GUIDE = ROOT / "docs/service-definitions.md"


def _schema_keys(node: object) -> Iterator[str]:
    """Every property name the schema declares, at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                yield from value
            yield from _schema_keys(value)
    elif isinstance(node, list):
        for item in node:
            yield from _schema_keys(item)


def test_every_key_the_schema_allows_is_documented():
    guide = GUIDE.read_text(encoding="utf-8")
    # A key counts as documented where it is written as code (`key`) or as YAML (key: ...).
    documented = set(re.findall(r"`([a-z_][a-z0-9_]*)`", guide)) | set(
        re.findall(r"\b([a-z_][a-z0-9_]*):", guide)
    )
    keys = set(_schema_keys(json.loads(SCHEMA.read_text(encoding="utf-8"))))
    undocumented = sorted(key for key in keys if key not in documented and not key.startswith("$"))
    assert undocumented == [], f"keys missing from {GUIDE.name}: {undocumented}"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "services").glob("*/service.yaml")), ids=lambda path: path.parent.name
)
def test_every_example_service_passes_the_schema(path):
    from civitas.platform.yamlsource import read_document

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    _document, problems = read_document(path, schema)
    assert [str(problem) for problem in problems] == []
