"""Checks on what anyone on the internet can send, made where it comes in.

Python takes any string, but what the strings reach does not: PostgreSQL refuses NUL in
text, no encoding can write a lone surrogate (so a page or an email holding one fails to
render or send), and control and bidirectional formatting characters make what a
caseworker reads differ from what was stored. Nobody types these, so they are refused
with a field error rather than cleaned away.
"""

import json
import re
from typing import Any

_UNSAFE = re.compile(
    "["
    "\x00-\x1f\x7f-\x9f"  # NUL and the other C0 and C1 control characters, DEL
    "\ud800-\udfff"  # surrogates: only ever half of a pair that UTF-16 split
    "\ufffd"  # the replacement character: bytes that were not UTF-8
    "\ufffe\uffff"  # not characters at all
    # Bidirectional embeddings, overrides and isolates reorder how text is shown
    # ("Trojan Source", CVE-2021-42574).
    "\u202a-\u202e\u2066-\u2069"
    "]"
)
# Whitespace, and characters that show nothing but are not whitespace to str.strip():
# zero-width spaces and joiners, word joiners and other invisible operators, the soft
# hyphen, the byte order mark, variation selectors and the blank Hangul and Braille fillers.
_INVISIBLE_ONLY = re.compile(
    r"[\s\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028\u2029"
    r"\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0]*"
)

MAX_JSON_DEPTH = 32
"""Deeper than any document Civitas reads; the parser would recurse to a RecursionError."""

# A string (to the end of the text if it is never closed, so no text is scanned twice) or
# a bracket.
_JSON_STRING_OR_BRACKET = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def has_unsafe_characters(text: str) -> bool:
    """Whether `text` holds a character nobody types that breaks what it reaches (see above)."""
    return _UNSAFE.search(text) is not None


def is_only_invisible(text: str) -> bool:
    """Whether `text` shows nothing: empty, or only whitespace and invisible characters."""
    return _INVISIBLE_ONLY.fullmatch(text) is not None


class JSONTooDeep(ValueError):
    pass


def parse_json(body: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads`, refusing documents nested deeper than `max_depth`.

    Raises JSONTooDeep (a ValueError) for deep nesting, and what json.loads raises for text
    that is not JSON. The depth is counted before parsing, skipping strings, so a deep
    document costs one scan of its text rather than the parser's recursion.
    """
    text = body.decode(json.detect_encoding(body)) if isinstance(body, bytes) else body
    depth = 0
    for token in _JSON_STRING_OR_BRACKET.finditer(text):
        opening = token.group()
        if opening in ("[", "{"):
            depth += 1
            if depth > max_depth:
                raise JSONTooDeep(f"the JSON is nested more than {max_depth} deep")
        elif opening in ("]", "}"):
            depth -= 1
    return json.loads(text)
