"""YAML source files with line numbers: reading, schema checking, and ``Problem`` reports.

Every YAML file the platform reads (service definitions, rule sets, scenarios) is read
here, so each is held to the same rules and every problem is reported the same way, as
``file:line: message``.

PyYAML's composed node tree keeps the position of every key and value. Documents are built
from that tree (rather than with ``safe_load``) so that any path into the data — from a
JSON Schema error or from a later check of meaning — can be mapped back to the line a
person must edit. On the way, the reader refuses what YAML would otherwise accept silently
or report cryptically:

- a key written twice (YAML keeps the last, so the first is lost without a word);
- tabs used as whitespace (PyYAML says "found character '\\t' that cannot start any
  token");
- a YAML 1.1 boolean word (``yes``, ``no``, ``on``, ``off``, ``y``, ``n`` in any case)
  written unquoted as a value: some YAML readers take it as true or false, others as text,
  so the author must write ``true``/``false`` or quote it;
- values that have no JSON form: tagged Python objects, binary, sets, infinities, NaN;
- impossible dates (``2026-02-30``);
- aliases that expand to an enormous document (a "billion laughs"), or that refer to the
  value containing them: the expanded size is counted on the composed tree, where an
  alias is one shared node, before anything is expanded;
- a file that is not UTF-8 (reported at the line of the first bad byte) or nested too
  deeply to read.

Mapping keys are always the text written: ``on:`` is the key "on" (not ``True``), ``6:``
is "6". Unquoted ``true`` and ``false`` stay booleans; dates become ISO text.
"""

from __future__ import annotations

import datetime
import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import yaml

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

YAMLValue: TypeAlias = "dict[str, YAMLValue] | list[YAMLValue] | str | int | float | bool | None"
"""What a document holds once read: JSON-compatible data."""

PathPart: TypeAlias = str | int
"""One step of a path into a document: a mapping key or a list index."""

YAML11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})
"""Words YAML 1.1 reads as booleans (in any case) besides true and false."""

MAX_VALUES = 100_000
"""The most keys and values a document may expand to (aliases can multiply them)."""

MAX_ALIAS_EXPANSION = 100_000
"""How much aliases may add to a document: characters of text plus keys and values, over
what is written out in the file. Generous for sharing a block or two; a "billion laughs"
passes it at once."""

MAX_MESSAGE = 300
"""The longest a problem's message may be (a schema message quotes the value it is about)."""

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


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


class Document:
    """A parsed YAML file: ``data`` (JSON-compatible, dates as ISO text) plus positions."""

    def __init__(self, path: str, text: str, root: yaml.Node, data: YAMLValue) -> None:
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
                if isinstance(key, yaml.ScalarNode) and key.value == str(path[-1]):
                    return int(key.start_mark.line) + 1
        return self.line(*path)

    def problem(self, message: str, *path: PathPart, key: bool = False) -> Problem:
        """A problem at the value at ``path`` (at its key, with ``key=True``)."""
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
        child: yaml.Node = node.value[part]
        return child
    return None


def read_yaml(
    path: str | Path, *, text: str | None = None
) -> tuple[Document | None, list[Problem]]:
    """Read and parse a YAML file (or ``text``, reported as ``path``).

    Returns the document (None if it could not be parsed) and the problems found; callers
    must not use the data for anything but reporting when there are problems.
    """
    shown = str(path)
    if text is None:
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            return None, [Problem(shown, None, "file not found")]
        except OSError as error:
            return None, [Problem(shown, None, f"cannot read the file: {error.strerror}")]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            line = raw.count(b"\n", 0, error.start) + 1
            return None, [
                Problem(
                    shown,
                    line,
                    f"not UTF-8 text (byte 0x{raw[error.start]:02x}); save the file as UTF-8",
                )
            ]
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        return None, [_syntax_problem(shown, text, error)]
    except yaml.YAMLError as error:
        return None, [Problem(shown, None, f"YAML syntax error: {error}"[:MAX_MESSAGE])]
    except RecursionError:
        return None, [Problem(shown, None, "the file is nested too deeply to read")]
    if root is None:
        return None, [Problem(shown, 1, "the file is empty")]
    alias_problem = _alias_problem(shown, root)
    if alias_problem is not None:
        return None, [alias_problem]
    builder = _Builder(shown)
    data = builder.value(root)
    return Document(shown, text, root, data), sorted_problems(builder.problems)


def read_document(
    path: str | Path, schema: Mapping[str, object], *, text: str | None = None
) -> tuple[Document | None, list[Problem]]:
    """Read and parse a YAML file (or ``text``) and check it against a JSON Schema.

    The schema is only checked once the file has been read without problems.
    """
    document, problems = read_yaml(path, text=text)
    if document is None or problems:
        return document, problems
    return document, schema_problems(document, schema)


def _syntax_problem(shown: str, text: str, error: yaml.MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return Problem(shown, None, f"YAML syntax error: {error.problem or error}")
    line = mark.line + 1
    if text[mark.index : mark.index + 1] == "\t":
        # PyYAML's own words: "found character '\t' that cannot start any token".
        start = text.rfind("\n", 0, mark.index) + 1
        if not text[start : mark.index].strip(" \t"):
            return Problem(shown, line, "tabs cannot indent YAML; use spaces")
        return Problem(
            shown, line, "tabs cannot separate the parts of a YAML line; use spaces (or quote text)"
        )
    what = " ".join(part for part in (error.context, error.problem) if part)
    if error.problem == "mapping values are not allowed here":
        what += (
            " (text containing ': ', such as an `a ? b : c` expression, must be quoted or "
            "written as a block after '>-')"
        )
    return Problem(shown, line, f"YAML syntax error: {what}")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _alias_problem(shown: str, root: yaml.Node) -> Problem | None:
    """Refuse aliases that would expand the document by more than ``MAX_ALIAS_EXPANSION``,
    or that refer to a value containing them, counting on the composed tree (where each
    alias is the one shared node it names) so that nothing is expanded to find out."""
    sizes: dict[int, int] = {}
    written = 0
    reused: yaml.Node | None = None
    in_progress: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            in_progress.discard(key)
            sizes[key] = _own_size(node) + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            reused = reused or node
            continue
        if key in in_progress:
            line = int(node.start_mark.line) + 1
            return Problem(shown, line, "an alias refers to the value that contains it")
        in_progress.add(key)
        written += _own_size(node)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    if sizes[id(root)] - written > MAX_ALIAS_EXPANSION:
        line = int((reused or root).start_mark.line) + 1
        return Problem(
            shown,
            line,
            f"aliases expand the file by more than {MAX_ALIAS_EXPANSION:,} characters and "
            "values; write the values out instead",
        )
    return None


def _own_size(node: yaml.Node) -> int:
    return 1 + len(node.value) if isinstance(node, yaml.ScalarNode) else 1


class _Builder:
    """Turns a composed node tree into data, collecting the problems found on the way."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.problems: list[Problem] = []
        self.constructor = yaml.constructor.SafeConstructor()
        self.count = 0

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.shown, int(node.start_mark.line) + 1, message))

    def value(self, node: yaml.Node) -> YAMLValue:
        self.count += 1
        if self.count > MAX_VALUES:
            if self.count == MAX_VALUES + 1:
                self.problem(
                    node, f"the file holds more than {MAX_VALUES} values (are aliases nested?)"
                )
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node) if node.tag == _MAP else self.unsupported(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                return self.unsupported(node)
            return [self.value(item) for item in node.value]
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        return self.unsupported(node)

    def mapping(self, node: yaml.MappingNode) -> dict[str, YAMLValue]:
        result: dict[str, YAMLValue] = {}
        seen: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.problem(node, "mapping keys must be plain text")
                continue
            name = str(key.value)
            key_line = int(key.start_mark.line) + 1
            if name in seen:
                self.problem(key, f"duplicate key '{name}' (first on line {seen[name]})")
            seen[name] = key_line
            result[name] = self.value(value)
        return result

    def scalar(self, node: yaml.ScalarNode) -> YAMLValue:
        text = str(node.value)
        if node.style is None and node.tag in (_BOOL, _STR) and text.lower() in YAML11_BOOLEANS:
            self.problem(
                node,
                f"unquoted {text!r} is read as true or false by some YAML readers and as "
                f'text by others: write true or false, or quote it ("{text}")',
            )
            return None
        try:
            value: object = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError):
            if node.tag == _TIMESTAMP:
                self.problem(node, f"{text[:40]!r} is not a real date")
                return None
            return self.unsupported(node)
        if isinstance(value, datetime.date):  # datetimes too
            return value.isoformat()
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(node, "infinite or not-a-number values are not allowed")
            return None
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        return self.unsupported(node)

    def unsupported(self, node: yaml.Node) -> YAMLValue:
        """Records that ``node`` has no JSON form; it is read as None."""
        self.problem(node, f"unsupported YAML value {node.tag}")
        return None


def dotted(path: Sequence[PathPart]) -> str:
    """``("variables", "fee", "type")`` → ``variables.fee.type``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the file"


def _validator_class() -> type[Validator]:
    # jsonschema is imported when a file is checked, not by every import of a domain.
    from jsonschema import Draft202012Validator

    validator: type[Validator] = Draft202012Validator
    return validator


def check_schema(schema: Mapping[str, object]) -> None:
    """Raises ``jsonschema.SchemaError`` if ``schema`` is not a valid JSON Schema."""
    _validator_class().check_schema(schema)


def schema_problems(document: Document, schema: Mapping[str, object]) -> list[Problem]:
    """Each way ``document.data`` breaks ``schema`` (JSON Schema 2020-12), in line order,
    reported at the line to edit."""
    validator = _validator_class()(schema)
    errors = validator.iter_errors(document.data)
    return sorted_problems(_schema_problem(document, error) for error in errors)


_NAME_PATTERN = "^[a-z][a-z0-9_]*$"
_NAME_RULE = (
    "must start with a lower-case letter and contain only lower-case letters, digits and "
    "underscores"
)


def _schema_problem(document: Document, error: ValidationError) -> Problem:
    problem = _schema_problem_in_full(document, error)
    if len(problem.message) <= MAX_MESSAGE:
        return problem
    # The value quoted is in the middle; what is wrong with it is at the end.
    half = (MAX_MESSAGE - 3) // 2
    message = f"{problem.message[:half]} … {problem.message[-half:]}"
    return Problem(problem.file, problem.line, message)


def _schema_problem_in_full(document: Document, error: ValidationError) -> Problem:
    if error.context:
        from jsonschema.exceptions import best_match

        # A value of the wrong kind for one alternative is no news when another alternative
        # takes its kind (a text written as a mapping of languages is not a string): report
        # what is wrong inside the alternative that fits, if one does.
        inner = [
            found
            for found in error.context
            if not (found.validator == "type" and not found.relative_path)
        ]
        error = best_match(inner or error.context)
    path: list[PathPart] = list(error.absolute_path)
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
    if "propertyNames" in error.absolute_schema_path and isinstance(error.instance, str):
        # The error is about a key of the mapping at `path`: point at that key.
        rule = (
            _NAME_RULE
            if error.validator_value == _NAME_PATTERN
            else f"is not allowed: {error.message}"
        )
        return document.problem(
            f"{where}: the name {error.instance!r} {rule}", *path, error.instance, key=True
        )
    if validator == "pattern" and error.validator_value == _NAME_PATTERN:
        return document.problem(f"{where}: the name {error.instance!r} {_NAME_RULE}", *path)
    if validator == "pattern" and "[0-9]{4}" in str(error.validator_value):
        return document.problem(
            f"{where}: {error.instance!r} is not a date written YYYY-MM-DD", *path
        )
    return document.problem(f"{where}: {error.message}", *path)
