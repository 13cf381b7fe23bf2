"""Message templates in GOV.UK Notify's syntax, for every channel that sends words.

A template is text with placeholders:

- `((name))` is replaced by the value called `name`.
- `((name??optional text))` is replaced by `optional text` when the value called `name`
  means yes (see `is_yes`), and by nothing otherwise.

Nothing else is special: `{`, `}`, a single `(` or `)`, and `))` outside a placeholder are
plain text. Values are inserted once, as they are: a value that itself contains `((x))`,
`{x}`, `??` or HTML is never expanded again.

Names are matched as Notify matches them: upper and lower case are the same, and spaces,
underscores and hyphens are ignored, so `((Service title))`, `((service_title))` and
`((service-title))` all name `service_title` (`placeholder_key` gives the form they share).
A name is made of ASCII letters, digits, spaces, underscores and hyphens, and has at least
one letter or digit. A run of three or more `(` opens a placeholder with its last two, so
`(((reference)))` shows the value in brackets.

Notify treats anything that is not a well-formed placeholder as plain text; here it is an
error instead, found when the template is parsed (`TemplateSyntaxError`, with its line and
column), so a mistake is caught when a template is written, not when a message is sent:
a `((` with no `))`, an empty name, a name with other characters, and a placeholder inside
another (no brackets at all may go inside a placeholder, its optional text included).

This module knows nothing of any channel: an email, a text message or a letter each take
`render` (plain text) or `render_html` (escaped, in paragraphs) and add their own wrapping.
"""

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.html import escape, linebreaks

_YES = frozenset({"yes", "y", "true", "t", "1", "include", "show"})
_NAME_CHARACTER = re.compile(r"[A-Za-z0-9 _-]")
_IGNORED_IN_NAMES = str.maketrans("", "", " _-")


class TemplateSyntaxError(ValueError):
    """A template that is not well formed; `line` and `column` count from 1."""

    def __init__(self, reason: str, *, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}: {reason}")
        self.reason = reason
        self.line = line
        self.column = column


class MissingValues(KeyError):
    """`render` was not given a value for every placeholder the template uses."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"no value for {', '.join(f'(({name}))' for name in names)}")
        self.names = names

    def __str__(self) -> str:
        return str(self.args[0])


def placeholder_key(name: str) -> str:
    """The form of a name that matching uses: lower case, without spaces, `_` and `-`."""
    return name.translate(_IGNORED_IN_NAMES).lower()


def is_yes(value: object) -> bool:
    """Whether a value shows a `((name??optional text))`: Notify's meaning of yes.

    True, and text such as "yes", "y", "true" or "1" in any case, mean yes; False, None,
    empty text, "no" and anything else mean no.
    """
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in _YES


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    return str(value)


@dataclass(frozen=True)
class Placeholder:
    """One `((name))` or `((name??optional text))` in a template."""

    name: str
    """The name as written, without the spaces around it."""
    optional_text: str | None
    """The text after `??`, or None for a plain placeholder."""
    line: int
    column: int
    """Where its opening `((` is in the template, counting from 1."""

    @property
    def key(self) -> str:
        return placeholder_key(self.name)

    @property
    def is_conditional(self) -> bool:
        return self.optional_text is not None

    def __str__(self) -> str:
        if self.optional_text is None:
            return f"(({self.name}))"
        return f"(({self.name}??{self.optional_text}))"


@dataclass(frozen=True)
class MessageTemplate:
    """A parsed template: the text between its placeholders, and the placeholders."""

    text: str
    parts: tuple[str | Placeholder, ...]

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        """Every placeholder, in the order they appear (a name used twice is listed twice)."""
        return tuple(part for part in self.parts if isinstance(part, Placeholder))

    @property
    def keys(self) -> frozenset[str]:
        """The names the template needs a value for, in `placeholder_key` form."""
        return frozenset(placeholder.key for placeholder in self.placeholders)

    def render(self, values: Mapping[str, object]) -> str:
        """The text with each placeholder replaced; nothing is escaped.

        `values` maps names (matched as placeholders are) to text, numbers or booleans
        (a plain placeholder shows True and False as "yes" and "no"; None shows as
        nothing). Raises MissingValues when a placeholder has no value.
        """
        return self._render(values, str)

    def render_html(self, values: Mapping[str, object]) -> str:
        """The rendering as HTML paragraphs: the template's text and the values escaped,
        the surrounding whitespace removed, blank lines separating `<p>` paragraphs and
        other line breaks as `<br>` (Django's `linebreaks`)."""
        return linebreaks(self._render(values, escape).strip())

    def _render(self, values: Mapping[str, object], escape_text: Callable[[str], str]) -> str:
        by_key = _values_by_key(values)
        missing: dict[str, str] = {}
        for placeholder in self.placeholders:
            if placeholder.key not in by_key:
                missing.setdefault(placeholder.key, placeholder.name)
        if missing:
            raise MissingValues(list(missing.values()))
        pieces = []
        for part in self.parts:
            if isinstance(part, str):
                pieces.append(escape_text(part))
            elif part.optional_text is None:
                pieces.append(escape_text(_as_text(by_key[part.key])))
            elif is_yes(by_key[part.key]):
                pieces.append(escape_text(part.optional_text))
        return "".join(pieces)


def _values_by_key(values: Mapping[str, object]) -> dict[str, object]:
    by_key: dict[str, object] = {}
    for name, value in values.items():
        key = placeholder_key(name)
        if key in by_key and by_key[key] != value:
            raise ValueError(f"two values are called '{name}': names ignore case, ' ', '_', '-'")
        by_key[key] = value
    return by_key


def _position(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _closed_after_another(text: str, body_from: int) -> bool:
    """Whether a `((` whose text holds another `((` is closed once that one is: nested,
    rather than left open."""
    depth, index = 1, body_from
    while index < len(text) - 1:
        pair = text[index : index + 2]
        if pair in ("((", "))"):
            depth += 1 if pair == "((" else -1
            if depth == 0:
                return True
            index += 2
        else:
            index += 1
    return False


@functools.lru_cache(maxsize=256)
def parse_template(text: str) -> MessageTemplate:
    """Parses a template, or raises TemplateSyntaxError at its first mistake."""

    def error(reason: str, index: int) -> TemplateSyntaxError:
        line, column = _position(text, index)
        return TemplateSyntaxError(reason, line=line, column=column)

    parts: list[str | Placeholder] = []
    literal_from = 0
    search_from = 0
    while (found := text.find("((", search_from)) >= 0:
        body_from = found
        while body_from < len(text) and text[body_from] == "(":
            body_from += 1
        opening = body_from - 2  # the last two of a run of brackets open the placeholder
        closing = text.find("))", body_from)
        if closing < 0:
            raise error("'((' is not closed: a placeholder is written ((name))", opening)
        body = text[body_from:closing]
        if (inner := body.find("((")) >= 0:
            if _closed_after_another(text, body_from):
                raise error("a placeholder cannot go inside another", body_from + inner)
            raise error("'((' is not closed: a placeholder is written ((name))", opening)
        name, separator, optional_text = body.partition("??")
        for offset, character in enumerate(body):
            if character in "()":
                raise error("brackets cannot go inside a placeholder", body_from + offset)
            if offset < len(name) and not _NAME_CHARACTER.fullmatch(character):
                raise error(
                    f"{character!r} cannot be in a placeholder's name: use letters, digits, "
                    "spaces, '_' and '-'",
                    body_from + offset,
                )
        if not placeholder_key(name):
            raise error("a placeholder needs a name, like ((reference))", opening)
        if opening > literal_from:
            parts.append(text[literal_from:opening])
        line, column = _position(text, opening)
        parts.append(
            Placeholder(
                name=name.strip(" "),
                optional_text=optional_text if separator else None,
                line=line,
                column=column,
            )
        )
        literal_from = search_from = closing + 2
    if literal_from < len(text):
        parts.append(text[literal_from:])
    return MessageTemplate(text=text, parts=tuple(parts))
