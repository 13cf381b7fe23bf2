"""Texts in English and Welsh.

A definition writes a text as a string (English) or as a mapping of language to string
(`{en: ..., cy: ...}`, `en` required). The model holds every text as a `Text`: a string
whose value is the English text, so code that joins, compares or stores it keeps working,
that also carries its translations. A page shows the text of its language: templates
escape a value through `__html__`, which picks the active language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from django.utils.translation import get_language
from markupsafe import Markup, escape

LANGUAGES = ("en", "cy")
"""The languages a text may be written in: English, which every text has, and Welsh."""

_SKIPPED = frozenset({"_data", "_addresses", "_rules", "_computed_order", "data", "rules"})
"""Parts of a definition that hold data, never texts a citizen reads."""


def active_language() -> str:
    """The language of the page being made: one of LANGUAGES, English when unsure."""
    code = (get_language() or "en").split("-")[0].lower()
    return code if code in LANGUAGES else "en"


def is_text_mapping(value: object) -> bool:
    """Whether `value` is a text written in several languages."""
    return (
        isinstance(value, Mapping)
        and "en" in value
        and set(value) <= set(LANGUAGES)
        and all(isinstance(item, str) for item in value.values())
    )


def text_versions(value: object) -> list[tuple[str, str]]:
    """Each language's version of a text as written in a definition: `[("en", text)]` for
    a plain string, one pair a language for a mapping, none for anything else."""
    if isinstance(value, Text):
        return list(value.translations.items())
    if isinstance(value, str):
        return [("en", value)]
    if is_text_mapping(value):
        mapping = cast("Mapping[str, str]", value)
        return [(code, mapping[code]) for code in LANGUAGES if code in mapping]
    return []


def in_language(value: str, code: str) -> str:
    """A model's text in language `code`: its translation when it has one, else itself."""
    return value.in_language(code) if isinstance(value, Text) else value


def join_texts(separator: str, items: list[str]) -> str:
    """`separator.join(items)`, keeping each language's version when an item has them."""
    if not any(isinstance(item, Text) for item in items):
        return separator.join(items)
    return Text(
        {code: separator.join(in_language(item, code) for item in items) for code in LANGUAGES}
    )


def english(value: object) -> str:
    """The English of a text as written in a definition (a string or a mapping)."""
    versions = dict(text_versions(value))
    return versions.get("en", "")


class Text(str):
    """A text in one or more languages. Its string value is the English text."""

    translations: Mapping[str, str]

    def __new__(cls, value: str | Mapping[str, str] = "") -> Text:
        versions = dict(text_versions(value)) or {"en": ""}
        text = super().__new__(cls, versions["en"])
        object.__setattr__(text, "translations", versions)
        return text

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Text cannot be changed")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Text, (dict(self.translations),))

    def __repr__(self) -> str:
        if len(self.translations) == 1:
            return f"Text({str(self)!r})"
        return f"Text({dict(self.translations)!r})"

    def in_language(self, code: str) -> str:
        """The text in language `code`, or the English where none is written."""
        return self.translations.get(code, str(self))

    def localised(self) -> str:
        """The text in the active language (of the page being made)."""
        return self.in_language(active_language())

    def __html__(self) -> str:
        return str(escape(self.localised()))

    def map(self, change: Callable[[str], str]) -> Text:
        """The text with `change` made to each language's version."""
        return Text({code: change(value) for code, value in self.translations.items()})

    def __add__(self, other: str) -> Text:
        if isinstance(other, Text):
            return Text(
                {
                    code: self.in_language(code) + other.in_language(code)
                    for code in LANGUAGES
                    if code in self.translations or code in other.translations
                }
            )
        return self.map(lambda value: value + other)

    def __radd__(self, other: str) -> Text:
        return self.map(lambda value: other + value)

    def format(self, *args: object, **kwargs: object) -> Text:
        return self.map(lambda value: value.format(*args, **kwargs))

    def replace(self, old: str, new: str, count: int = -1) -> Text:  # type: ignore[override]
        return self.map(lambda value: value.replace(old, new, count))


class LocalisedMarkup(Markup):
    """HTML rendered in several languages; its value is the English HTML."""

    versions: dict[str, Markup]

    def __new__(cls, versions: Mapping[str, Markup]) -> LocalisedMarkup:
        markup = super().__new__(cls, versions.get("en", ""))
        markup.versions = dict(versions)
        return markup

    def __reduce__(self) -> tuple[Any, ...]:
        return (LocalisedMarkup, (dict(self.versions),))

    def in_language(self, code: str) -> Markup:
        """The HTML in language `code`, or the English where none is written."""
        return self.versions.get(code) or self.versions.get("en") or Markup()

    def __html__(self) -> Markup:  # type: ignore[override]
        return self.in_language(active_language())


def as_texts(value: Any, *, top: bool = True) -> Any:
    """A copy of a definition (as checked) with every text as a `Text`: a mapping of
    languages becomes one; other values are kept as they are."""
    if is_text_mapping(value):
        return Text(cast("Mapping[str, str]", value))
    if isinstance(value, dict):
        return {
            key: item if top and key in _SKIPPED else as_texts(item, top=False)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [as_texts(item, top=False) for item in value]
    return value
