"""Postal addresses for letters, checked as GOV.UK Notify checks them before printing.

An address is 3 to 7 lines (blank lines are dropped), each at most 50 characters; its
last line is a UK postcode, or the name of a country for a letter going abroad. A line
may not start with a character a printer's software reads as a formula.
"""

import re

MIN_LINES, MAX_LINES = 3, 7
MAX_LINE_LENGTH = 50
# The UK's postcode shape (BS 7666), with the space optional, and BFPO addresses.
UK_POSTCODE = re.compile(
    r"^(GIR ?0AA|BFPO ?[0-9]{1,4}"
    r"|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})$",
    re.IGNORECASE,
)
# Countries whose post the Royal Mail takes (a short list of the usual ones is not enough:
# any line of letters and spaces not a UK postcode is read as a country, as Notify does).
_COUNTRY = re.compile(r"^[A-Za-z][A-Za-z .,'()&-]{1,49}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def lines_of(address: str) -> list[str]:
    """The address's lines, stripped, without blank ones."""
    return [line.strip() for line in address.splitlines() if line.strip()]


def normalise_postcode(line: str) -> str:
    """A UK postcode in upper case with its one space (SW1A1AA: SW1A 1AA)."""
    compact = re.sub(r"\s+", "", line).upper()
    if compact.startswith("BFPO"):
        return f"BFPO {compact[4:]}"
    return f"{compact[:-3]} {compact[-3:]}"


def is_uk_postcode(line: str) -> bool:
    return bool(UK_POSTCODE.match(re.sub(r"\s+", " ", line.strip())))


def check_address(address: str) -> tuple[list[str], str]:
    """(lines, problem): the address's lines, the postcode tidied, and "" when it can be
    posted; otherwise the problem in Notify's words."""
    lines = lines_of(address)
    if len(lines) < MIN_LINES:
        return lines, f"Address must be at least {MIN_LINES} lines"
    if len(lines) > MAX_LINES:
        return lines, f"Address must be no more than {MAX_LINES} lines"
    if any(len(line) > MAX_LINE_LENGTH for line in lines):
        return lines, f"Address lines must be {MAX_LINE_LENGTH} characters or fewer"
    if any(line.startswith(_FORMULA_START) for line in lines):
        return lines, "Address lines must not start with =, +, -, @ or a tab"
    last = lines[-1]
    if is_uk_postcode(last):
        return [*lines[:-1], normalise_postcode(last)], ""
    if any(character.isdigit() for character in last) or not _COUNTRY.match(last):
        return lines, "Must be a real UK postcode"
    return lines, ""


def is_international(lines: list[str]) -> bool:
    """Whether the letter goes abroad: its last line is a country, not a UK postcode."""
    return bool(lines) and not is_uk_postcode(lines[-1])
