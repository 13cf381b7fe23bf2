"""YAML source files with line numbers: reading, schema checking, and ``Problem`` reports.

PyYAML's composed node tree keeps the position of every key and value. Documents are built
from that tree (rather than with ``safe_load``) so that any path into the data — from a
JSON Schema error or from a semantic check — can be mapped back to the line a person must
edit. Two YAML 1.1 surprises are avoided on the way: mapping keys are always taken as the
text written (``on:`` is the key "on", not ``True``; ``6:`` is "6"), and duplicate keys are
reported instead of silently keeping the last.
"""

from __future__ import annotations

import datetime
import difflib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.exceptions import ValidationError


@dataclass(frozen=True)
class Problem:
    """Something wrong with a file, reported as ``file:line: message``."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order, without duplicates."""
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.file, p.line or 0, p.message))


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped in ``civitas/rules/schema``."""
    text = resources.files("civitas.rules").joinpath("schema", name).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    _validator_class().check_schema(loaded)
    return loaded


def _validator_class() -> type[jsonschema.Draft202012Validator]:
    # jsonschema is imported when a file is checked, not by every import of the rules.
    import jsonschema

    return jsonschema.Draft202012Validator


PathPart = str | int


class Document:
    """A parsed YAML file: ``data`` (JSON-compatible, dates as ISO text) plus positions."""

    def __init__(self, path: str, text: str, root: yaml.Node, data: Any) -> None:
        self.path = path
        self.text = text
        self.root = root
        self.data = data

    def node(self, *path: PathPart) -> yaml.Node | None:
        """The value node at ``path``, or None if the path does not exist."""
        node: yaml.Node | None = self.root
        for part in path:
            node = _child(node, part)
            if node is None:
                return None
        return node

    def line(self, *path: PathPart) -> int:
        """The 1-based line of the value at ``path`` (or of its deepest existing parent)."""
        node: yaml.Node = self.root
        for part in path:
            child = _child(node, part)
            if child is None:
                break
            node = child
        return int(node.start_mark.line) + 1

    def key_line(self, *path: PathPart) -> int:
        """The line of the key of the last part of ``path``: where a name is written."""
        parent = self.node(*path[:-1])
        if isinstance(parent, yaml.MappingNode):
            for key, _value in parent.value:
                if isinstance(key, yaml.ScalarNode) and key.value == path[-1]:
                    return int(key.start_mark.line) + 1
        return self.line(*path)

    def problem(self, message: str, *path: PathPart, key: bool = False) -> Problem:
        line = self.key_line(*path) if key and path else self.line(*path)
        return Problem(self.path, line, message)


def _child(node: yaml.Node | None, part: PathPart) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        found = None
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                found = value  # the last one wins, as in the data
        return found
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        return node.value[part]  # type: ignore[no-any-return]
    return None


def read_document(
    path: str | Path, schema_name: str, *, text: str | None = None
) -> tuple[Document | None, list[Problem]]:
    """Read, parse and schema-check a YAML file (or ``text``, reported as ``path``).

    Returns the document (None if it could not be parsed) and the problems found; callers
    must not use the data for anything but reporting when there are problems.
    """
    shown = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, [Problem(shown, None, "file not found")]
        except (OSError, UnicodeDecodeError) as error:
            return None, [Problem(shown, None, f"cannot read the file: {error}")]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(part for part in (error.context, error.problem) if part)
        if error.problem == "mapping values are not allowed here":
            # The usual cause in rule files: an `a ? b : c` expression written unquoted.
            what += (
                " (text containing ': ', such as an `a ? b : c` expression, must be "
                "quoted or written as a block after '>-')"
            )
        return None, [Problem(shown, line, f"YAML syntax error: {what}")]
    except yaml.YAMLError as error:
        return None, [Problem(shown, None, f"YAML syntax error: {error}")]
    if root is None:
        return None, [Problem(shown, 1, "the file is empty")]
    problems: list[Problem] = []
    data = _to_data(root, shown, problems, yaml.constructor.SafeConstructor())
    document = Document(shown, text, root, data)
    if problems:
        return document, problems
    validator = _validator_class()(schema(schema_name))
    for error in validator.iter_errors(data):
        problems.append(_schema_problem(document, error))
    return document, sorted_problems(problems)


def _to_data(
    node: yaml.Node,
    shown: str,
    problems: list[Problem],
    constructor: yaml.constructor.SafeConstructor,
) -> Any:
    line = int(node.start_mark.line) + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                problems.append(Problem(shown, line, "mapping keys must be plain text"))
                continue
            name = str(key.value)
            key_line = int(key.start_mark.line) + 1
            if name in seen:
                problems.append(
                    Problem(shown, key_line, f"duplicate key '{name}' (first on line {seen[name]})")
                )
            seen[name] = key_line
            result[name] = _to_data(value, shown, problems, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_data(item, shown, problems, constructor) for item in node.value]
    value = constructor.construct_object(node, deep=True)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem(shown, line, "infinite or not-a-number values are not allowed"))
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    problems.append(Problem(shown, line, f"unsupported YAML value {node.tag}"))
    return None


def dotted(path: Sequence[PathPart]) -> str:
    """``("variables", "fee", "type")`` → ``variables.fee.type``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


def _schema_problem(document: Document, error: ValidationError) -> Problem:
    if error.context:
        from jsonschema.exceptions import best_match

        error = best_match(error.context)
    path = list(error.absolute_path)
    where = dotted(path)
    validator = error.validator
    if error.schema is False or validator is None:
        return document.problem(
            f"'{path[-1]}' is not allowed in {dotted(path[:-1])}", *path, key=True
        )
    if validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = (
            sorted(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
        )
        extras = [k for k in error.instance if k not in allowed]
        close = difflib.get_close_matches(extras[0], allowed, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        hint += f" (allowed: {', '.join(allowed)})" if allowed else ""
        return document.problem(
            f"unknown key '{extras[0]}' in {where}{hint}", *path, extras[0], key=True
        )
    if validator == "required":
        return document.problem(f"{where}: {error.message.replace('property', 'key')}", *path)
    if "propertyNames" in error.absolute_schema_path:
        # The error is about a key of the mapping at `path`: point at that key.
        return document.problem(
            f"{where}: the name {error.instance!r} must start with a lower-case letter and "
            "contain only lower-case letters, digits and underscores",
            *path,
            error.instance,
            key=True,
        )
    if validator == "pattern" and error.validator_value == "^[a-z][a-z0-9_]*$":
        return document.problem(
            f"{where}: the name {error.instance!r} must start with a lower-case letter and "
            "contain only lower-case letters, digits and underscores",
            *path,
        )
    if validator == "pattern" and "[0-9]{4}" in str(error.validator_value):
        return document.problem(
            f"{where}: {error.instance!r} is not a date written YYYY-MM-DD", *path
        )
    return document.problem(f"{where}: {error.message}", *path)
