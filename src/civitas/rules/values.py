"""Typed values: checking Python values, reading them from text, and showing them to people.

One place decides what a valid ``money`` or ``date`` is, so that ``decide`` inputs, scenario
files, ``--set`` overrides and population files all accept the same things:

- boolean: ``True``/``False`` (text: true/false, yes/no, 1/0)
- integer: a whole number (not a boolean)
- money: a whole number of pence (text may also be pounds with a sign: ``£140``)
- number: any finite number (text may be a percentage: ``20%``)
- date: a ``datetime.date`` (text: ``YYYY-MM-DD``)
- enumeration: one of the declared values (text)
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

from civitas.platform.formats import format_pence, written_date
from civitas.rules import datatypes as dt

WHOLE_LIMIT = 2**53
"""The largest size of a whole number (an integer or an amount of pence) the rules hold.

9,007,199,254,740,992 (about £90 trillion): the largest range in which a 64-bit float, and
so a part-pence amount, still holds every whole number exactly. Every integer and money
value, whether an input, a parameter or anything a rule computes, must lie within
-WHOLE_LIMIT to WHOLE_LIMIT; ``decide`` and ``simulate`` refuse a result outside it in the
same way rather than wrap round or lose pence (see docs/rules-as-code.md).
"""

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_POUNDS = re.compile(r"^(-?)£(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$")
TRUE_WORDS = ("true", "yes", "1")
FALSE_WORDS = ("false", "no", "0")

LANGUAGES = ("en", "cy")
"""The languages explanations may be written in: English, and Welsh."""

_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "yes": "yes",
        "no": "no",
        "until further notice": "until further notice",
        "at": "at",
        "from": "from",
        "nothing": "nothing",
    },
    "cy": {
        "yes": "ie",
        "no": "na",
        "until further notice": "hyd nes y rhoddir rhybudd pellach",
        "at": "ar",
        "from": "o",
        "nothing": "dim",
    },
}


def word(english: str, language: str | None) -> str:
    """One of the few words the engine adds to a sentence (yes, no, until further notice,
    and the words of a scale's bands),
    in ``language`` (English when None). The engine runs without Django, so these are
    kept here rather than in the gettext catalogue."""
    return _WORDS.get(language or "en", _WORDS["en"])[english]


def format_money(pence: float) -> str:
    """``14000`` → ``£140``, ``1250`` → ``£12.50`` (GOV.UK's way, the one way money is
    written: platform/formats.py); part-pence amounts keep their fraction (``£28.005``)."""
    if float(pence).is_integer():
        return format_pence(int(pence))
    sign = "-" if pence < 0 else ""
    pence = abs(pence)
    text = f"{pence / 100:,.6f}".rstrip("0")
    if len(text.split(".")[1]) < 2:
        text = f"{pence / 100:,.2f}"
    return f"{sign}£{text}"


def format_date(value: datetime.date, language: str | None = None) -> str:
    """``2026-04-01`` → ``1 April 2026``; ``1 Ebrill 2026`` in Welsh. ``language`` None
    means the active language of the page being made: limits are shown on citizens' pages."""
    return written_date(value, language=language)


def format_number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.10g}"


def format_percent(value: float) -> str:
    """``0.2`` → ``20%``."""
    text = f"{value * 100:.6f}".rstrip("0").rstrip(".")
    return f"{text}%"


def format_value(
    kind: str,
    value: object,
    *,
    fmt: str | None = None,
    labels: Mapping[str, str] | None = None,
    language: str | None = None,
) -> str:
    """Show a value of type ``kind`` to a person, in ``language`` (dates and yes/no; money
    and numbers are written the same way in English and Welsh).

    ``fmt`` may be ``percent`` (numbers) or ``raw`` (enumerations without their labels).
    ``labels`` are the enumeration's labels in that language.
    """
    if kind == dt.SCALE:
        return str(value.describe(language))  # type: ignore[attr-defined]
    if fmt == "percent" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_percent(float(value))
    if kind == dt.BOOLEAN:
        return word("yes" if value else "no", language)
    if kind == dt.MONEY:
        return format_money(value)  # type: ignore[arg-type]
    if kind == dt.DATE and isinstance(value, datetime.date):
        return format_date(value, language)
    if kind in (dt.NUMBER, dt.INTEGER) and isinstance(value, (int, float)):
        return format_number(value)
    if kind == dt.ENUMERATION and labels and fmt != "raw":
        return labels.get(str(value), str(value))
    return str(value)


def check(kind: str, value: object, *, allowed: Sequence[object] | None = None) -> object:
    """Return ``value`` as the canonical Python value of ``kind``, or raise ``ValueError``.

    The message completes the sentence "<name> ...", e.g. "must be a whole number of pence".
    Strict on purpose: a money input given as ``1.5`` is a caller's bug, not something to
    round silently.
    """
    checked = _check_kind(kind, value)
    if allowed is not None and checked not in allowed:
        shown = ", ".join(str(a) for a in allowed)
        raise ValueError(f"must be one of {shown}, not {value!r}")
    return checked


def _check_kind(kind: str, value: object) -> object:
    if kind == dt.BOOLEAN:
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            return bool(value)
        raise ValueError(f"must be true or false, not {value!r}")
    if kind in (dt.INTEGER, dt.MONEY):
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            whole = int(value)
            if not -WHOLE_LIMIT <= whole <= WHOLE_LIMIT:
                raise ValueError(
                    f"must be between -{WHOLE_LIMIT:,} and {WHOLE_LIMIT:,} (the largest whole "
                    f"numbers the rules hold exactly), not {value!r}"
                )
            return whole
        what = "a whole number of pence" if kind == dt.MONEY else "a whole number"
        raise ValueError(f"must be {what}, not {value!r}")
    if kind == dt.NUMBER:
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            number = float(value)
            if math.isfinite(number):
                return number
        raise ValueError(f"must be a number, not {value!r}")
    if kind == dt.DATE:
        if isinstance(value, datetime.datetime):
            raise ValueError(f"must be a date without a time, not {value!r}")
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str) and _ISO_DATE.match(value):
            try:
                return datetime.date.fromisoformat(value)
            except ValueError:
                pass
        raise ValueError(f"must be a date (YYYY-MM-DD), not {value!r}")
    if kind == dt.ENUMERATION:
        if isinstance(value, str):
            return value
        raise ValueError(f"must be text, not {value!r}")
    raise TypeError(f"unknown kind {kind}")


def format_limit(kind: str, limit: float) -> str:
    """A parameter's minimum or maximum as a person reads it: ``100% (1)`` for a rate,
    ``£0`` for money, ``3`` for a count."""
    if kind == dt.NUMBER:
        return f"{format_percent(float(limit))} ({format_number(limit)})"
    if kind == dt.MONEY:
        return f"{format_money(limit)} ({format_number(limit)} pence)"
    return format_number(limit)


def parse_text(kind: str, text: str) -> object:
    """Read a value of ``kind`` written as text (a command-line value), or raise ``ValueError``."""
    stripped = text.strip()
    if kind == dt.BOOLEAN:
        lowered = stripped.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise ValueError(f"must be true or false, not {text!r}")
    if kind == dt.MONEY:
        return check(kind, parse_money(stripped))
    if kind == dt.INTEGER:
        if re.fullmatch(r"-?\d+", stripped):
            return check(kind, int(stripped))
        raise ValueError(f"must be a whole number, not {text!r}")
    if kind == dt.NUMBER:
        try:
            if stripped.endswith("%"):
                number = float(Decimal(stripped[:-1]) / 100)
            else:
                number = float(Decimal(stripped))
        except InvalidOperation:
            raise ValueError(f"must be a number (like 0.2 or 20%), not {text!r}") from None
        return check(kind, number)
    return check(kind, stripped)


def parse_money(text: str) -> int:
    """``14000`` (pence) or ``£140`` (pounds) → 14000, or raise ``ValueError``."""
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    match = _POUNDS.match(text)
    if match:
        sign, pounds, pence = match.groups()
        amount = int(pounds.replace(",", "")) * 100 + int((pence or "0").ljust(2, "0"))
        return -amount if sign else amount
    raise ValueError(
        f"must be a whole number of pence (like 14000) or pounds with a £ sign (like £140), "
        f"not {text!r}"
    )
