"""Texts of a definition with no Welsh: found by walking the definition beside its JSON
Schema, which marks every text a citizen or member of staff reads (`$defs/text`,
`$defs/optionalText`, `$defs/prose`).

A gap is a warning (`civitas services validate` prints it and loads the service), or an
error when the organisation that runs the service requires Welsh (decision 0023).
"""

from collections.abc import Iterator, Mapping
from typing import Any

from civitas.platform.yamlsource import Document, PathPart, Problem, dotted

_TEXTS = {"#/$defs/text", "#/$defs/optionalText"}
_PROSE = "#/$defs/prose"


def welsh_gaps(
    document: Mapping[str, Any], positions: Document, schema: Mapping[str, Any]
) -> list[Problem]:
    """A problem at the line of each text that is written in English only."""
    return [
        positions.problem(f"{dotted(path)}: no Welsh (cy) text", *path)
        for path in _texts_without_welsh(schema, schema, document, ())
    ]


def _texts_without_welsh(
    root: Mapping[str, Any], schema: Mapping[str, Any], value: Any, path: tuple[PathPart, ...]
) -> Iterator[tuple[PathPart, ...]]:
    reference = schema.get("$ref")
    if reference in _TEXTS or (reference == _PROSE and not isinstance(value, list)):
        if _lacks_welsh(value):
            yield path
        return
    if reference is not None:
        yield from _texts_without_welsh(root, _resolve(root, reference), value, path)
        return
    for keyword in ("allOf",):
        for part in schema.get(keyword, ()):
            yield from _texts_without_welsh(root, part, value, path)
    for keyword in ("oneOf", "anyOf"):
        alternatives = schema.get(keyword)
        if alternatives:
            chosen = _first_valid(root, alternatives, value)
            if chosen is not None:
                yield from _texts_without_welsh(root, chosen, value, path)
    if "if" in schema and _is_valid(root, schema["if"], value):
        yield from _texts_without_welsh(root, schema.get("then", {}), value, path)
    elif "if" in schema:
        yield from _texts_without_welsh(root, schema.get("else", {}), value, path)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                yield from _texts_without_welsh(root, properties[key], item, (*path, key))
            elif isinstance(additional, dict):
                yield from _texts_without_welsh(root, additional, item, (*path, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from _texts_without_welsh(root, schema["items"], item, (*path, index))


def _lacks_welsh(value: Any) -> bool:
    # A text with no letters (empty, "2", "£10") reads the same in Welsh.
    if isinstance(value, str):
        return any(character.isalpha() for character in value)
    return isinstance(value, dict) and not value.get("cy") and _lacks_welsh(value.get("en", ""))


def _resolve(root: Mapping[str, Any], reference: str) -> Mapping[str, Any]:
    node: Any = root
    for part in reference.removeprefix("#/").split("/"):
        node = node[part]
    return node  # type: ignore[no-any-return]


def _first_valid(
    root: Mapping[str, Any], alternatives: list[Mapping[str, Any]], value: Any
) -> Mapping[str, Any] | None:
    return next((option for option in alternatives if _is_valid(root, option, value)), None)


def _is_valid(root: Mapping[str, Any], schema: Mapping[str, Any], value: Any) -> bool:
    # jsonschema is imported when a file is checked, not by every import of a domain.
    from jsonschema import Draft202012Validator

    return bool(Draft202012Validator({**schema, "$defs": root.get("$defs", {})}).is_valid(value))
