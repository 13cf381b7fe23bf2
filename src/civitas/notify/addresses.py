"""Postal addresses for letters, checked as GOV.UK Notify checks them before printing.

An address is 3 to 7 lines (blank lines are dropped, spaces and trailing commas tidied),
each at most 50 characters (what the envelope's window shows at the letter's type size).
Its last line is a UK postcode (or a BFPO number), or the name of a country for a letter
going abroad; a line naming the UK after the postcode is dropped, as Royal Mail's sorting
machines read the last line. A line may not start with a character that a printer's or a
spreadsheet's software reads as markup or a formula, and "no fixed abode" is no address.
The problems are worded as Notify's API words them.
"""

import re

from civitas.notify.countries import COUNTRIES, EUROPE, UK_COUNTRY_NAMES

MIN_LINES, MAX_LINES = 3, 7
MAX_LINE_LENGTH = 50
# The UK's postcode shape (BS 7666), with the space optional, and BFPO addresses.
UK_POSTCODE = re.compile(
    r"^(GIR ?0AA|BFPO ?[0-9]{1,4}"
    r"|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]? ?[0-9][ABD-HJLNP-UW-Z]{2})$",
    re.IGNORECASE,
)
# Notify's characters no line may start with, and those that start a spreadsheet formula
# (a print supplier's manifest is often opened in one).
INVALID_FIRST_CHARACTERS = '@()=[]"\\/,<>~+-'
_NO_FIXED_ABODE = re.compile(r"no fixed (abode|address)", re.IGNORECASE)


def lines_of(address: str) -> list[str]:
    """The address's lines, without blank ones: inner spaces made one, spaces and commas
    taken off the ends."""
    lines = (" ".join(line.split()).strip(" ,") for line in address.splitlines())
    return [line for line in lines if line]


def normalise_postcode(line: str) -> str:
    """A UK postcode in upper case with its one space (SW1A1AA: SW1A 1AA)."""
    compact = re.sub(r"\s+", "", line).upper()
    if compact.startswith("BFPO"):
        return f"BFPO {compact[4:]}"
    return f"{compact[:-3]} {compact[-3:]}"


def is_uk_postcode(line: str) -> bool:
    return bool(UK_POSTCODE.match(re.sub(r"\s+", " ", line.strip())))


def _country_name(line: str) -> str:
    return " ".join(line.split()).casefold()


def is_country(line: str) -> bool:
    """Whether the line names a country other than the UK."""
    name = _country_name(line)
    return name in COUNTRIES or name.replace("&", "and") in COUNTRIES


def postage_zone(lines: list[str]) -> str:
    """Notify's postage for a letter going abroad ("europe" or "rest-of-world", which
    replaces the class asked for), or "" for one posted in the UK. `lines` is a checked
    address."""
    if not lines or not is_international(lines):
        return ""
    name = _country_name(lines[-1])
    return "europe" if name in EUROPE or name.replace("&", "and") in EUROPE else "rest-of-world"


def check_address(address: str) -> tuple[list[str], str]:
    """(lines, problem): the address's lines, the postcode tidied, and "" when it can be
    posted; otherwise the problem in Notify's words."""
    lines = lines_of(address)
    # "…, SW1A 1AA, United Kingdom": the postcode is what the machines read last.
    while len(lines) > 1 and lines[-1].casefold() in UK_COUNTRY_NAMES:
        lines = lines[:-1]
    if len(lines) < MIN_LINES:
        return lines, f"Address must be at least {MIN_LINES} lines"
    if len(lines) > MAX_LINES:
        return lines, f"Address must be no more than {MAX_LINES} lines"
    if any(line.startswith(tuple(INVALID_FIRST_CHARACTERS)) for line in lines):
        return lines, (
            "Address lines must not start with any of the following characters: "
            + " ".join(INVALID_FIRST_CHARACTERS)
        )
    if any(len(line) > MAX_LINE_LENGTH for line in lines):
        return lines, f"Address lines must be {MAX_LINE_LENGTH} characters or fewer"
    if any(line.casefold() == "nfa" for line in lines) or _NO_FIXED_ABODE.search("\n".join(lines)):
        return lines, "Must be a real address"
    last = lines[-1]
    if is_uk_postcode(last):
        return [*lines[:-1], normalise_postcode(last)], ""
    if is_country(last):
        return lines, ""
    if any(character.isdigit() for character in last):
        return lines, "Must be a real UK postcode"
    return lines, "Last line of the address must be a real UK postcode or another country"


def is_international(lines: list[str]) -> bool:
    """Whether the letter goes abroad: its last line is a country, not a UK postcode."""
    return bool(lines) and not is_uk_postcode(lines[-1])
