"""Amounts of money as finance staff type them: pounds, with or without pence.

The refund form's input has a £ prefix, so "12.50" and "12" are what is expected; a
pasted "£12.50" or "1,250.00" is read the same. Anything that is not pounds and at most
two figures of pence ("12.505", "12.5.0", "abc", "1e3", Arabic-Indic digits) is refused
rather than guessed at: money is never rounded into being.
"""

import re

from django.utils.translation import gettext

LARGEST_PENCE = 100_000_000 - 1
"""£999,999.99: far above any fee, and well inside the database's integer."""

_POUNDS = re.compile(r"(?P<pounds>[0-9]+)(?:\.(?P<pence>[0-9]{1,2}))?", re.ASCII)
_GROUPED_POUNDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?", re.ASCII)


class AmountInvalid(ValueError):
    """The text is not an amount that can be refunded; the message says why."""


def pence_from_pounds(text: str) -> int:
    """The amount in whole pence of an amount typed in pounds ("12.50" is 1250, "12" is
    1200, "0.5" is 50). Raises AmountInvalid for anything else, and for nothing (0)."""
    amount = text.strip().removeprefix("£").strip()
    if not amount:
        raise AmountInvalid(gettext("Enter the amount to refund"))
    if amount.startswith("-"):
        raise AmountInvalid(gettext("The amount must be at least 1p"))
    if _GROUPED_POUNDS.fullmatch(amount):
        amount = amount.replace(",", "")
    found = _POUNDS.fullmatch(amount) if len(amount) <= 20 else None
    if found is None:
        raise AmountInvalid(gettext("Enter the amount in pounds and pence, like 12.50"))
    pence = int(found["pounds"]) * 100 + int((found["pence"] or "0").ljust(2, "0"))
    if pence == 0:
        raise AmountInvalid(gettext("The amount must be at least 1p"))
    if pence > LARGEST_PENCE:
        raise AmountInvalid(gettext("The amount must be £999,999.99 or less"))
    return pence
