"""Plain-English explanation templates.

A template is text with placeholders: ``{name}`` shows the value of an input, parameter or
variable as a person would read it (``£140``, ``1 April 2026``, an enumeration's label);
``{parameter.from}`` and ``{parameter.to}`` show the dates of the period in force;
``{name:percent}`` shows a rate as a percentage and ``{name:raw}`` an enumeration's value
rather than its label. ``{{`` and ``}}`` are literal braces.

Templates are parsed when the rule set is loaded, so a misspelt name is a validation problem
rather than a broken sentence in front of a citizen.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

FORMATS = ("percent", "raw", "bands")
ATTRIBUTES = ("from", "to")

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_PLACEHOLDER = re.compile(r"^([a-z][a-z0-9_]*)(?:\.([a-z]+))?(?::([a-z]+))?$")


class TemplateError(ValueError):
    """The template text is malformed."""


@dataclass(frozen=True)
class Placeholder:
    name: str
    attribute: str | None = None
    fmt: str | None = None


@dataclass(frozen=True)
class Template:
    """A parsed template; ``render`` fills each placeholder through a callback."""

    source: str
    parts: tuple[str | Placeholder, ...]

    def placeholders(self) -> tuple[Placeholder, ...]:
        return tuple(part for part in self.parts if isinstance(part, Placeholder))

    def render(self, fill: Callable[[Placeholder], str]) -> str:
        return "".join(part if isinstance(part, str) else fill(part) for part in self.parts)


def parse_template(text: str) -> Template:
    """Parse ``text`` or raise ``TemplateError`` saying what is wrong."""
    parts: list[str | Placeholder] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.start() > position:
            parts.append(text[position : match.start()])
        token = match.group(0)
        position = match.end()
        if token in ("{{", "}}"):
            parts.append(token[0])
            continue
        if token in ("{", "}"):
            raise TemplateError(f"unmatched '{token}' (write '{token}{token}' for a literal brace)")
        inner = match.group(1).strip()
        found = _PLACEHOLDER.match(inner)
        if not found:
            raise TemplateError(f"'{{{inner}}}' is not a placeholder like {{name}}")
        name, attribute, fmt = found.groups()
        if attribute is not None and attribute not in ATTRIBUTES:
            raise TemplateError(f"'{{{inner}}}': only .from and .to can follow a name")
        if fmt is not None and fmt not in FORMATS:
            raise TemplateError(f"'{{{inner}}}': the formats are {', '.join(FORMATS)}")
        parts.append(Placeholder(name, attribute, fmt))
    if position < len(text):
        parts.append(text[position:])
    return Template(text, tuple(parts))
