"""Personal data taken out of free text before it is stored: what citizens write in a
feedback comment is read by the service owner, who has no need of their email address,
phone number, postcode or National Insurance number.

Scrubbing errs on the side of removing: a date or a reference read as a phone number is
a small loss; a phone number kept is a breach. Each kind is replaced by a placeholder in
square brackets that says what was there ("[email address]"), so that the owner can still
read "I could not get the code sent to [phone number]".

Phone numbers are found by libphonenumber (`phonenumbers`, already used for text
messages) when they are valid numbers, as GB numbers unless they give their own country
code; any other run of nine or more digits (a number in a range libphonenumber does not
know, a mistyped one) is taken out as well. Email addresses, postcodes and National
Insurance numbers have fixed forms, matched here by patterns that allow the ways people
write them: any case, spaces, dots or dashes between the parts, none at all.
"""

import re
import unicodedata

import phonenumbers

EMAIL_ADDRESS = "[email address]"
PHONE_NUMBER = "[phone number]"
POSTCODE = "[postcode]"
NATIONAL_INSURANCE_NUMBER = "[National Insurance number]"
PLACEHOLDERS = (EMAIL_ADDRESS, PHONE_NUMBER, POSTCODE, NATIONAL_INSURANCE_NUMBER)

# Anything with an @ between two runs of non-space characters: partial or odd addresses
# ("name+tag@example.co.uk", "me@localhost", an address cut short) are taken out too. A
# match starts only where a word does (the lookbehind), so a long run of characters with
# no @ in it is read once, not once from each of its characters.
_NOT_IN_ADDRESS = r"\s@<>()\[\]{},;:\""
_EMAIL = re.compile(
    rf"(?<![^{_NOT_IN_ADDRESS}])[^{_NOT_IN_ADDRESS}]++@[^{_NOT_IN_ADDRESS}]++"
    rf"|(?<![^{_NOT_IN_ADDRESS}])@[^{_NOT_IN_ADDRESS}]++"
)
# Someone who writes their address out to dodge a filter: "jo.bloggs (at) example dot com".
# Lengths and repeats are bounded, so no input can make the pattern backtrack for long.
_AT = r"(?:\s*[(\[]at[)\]]\s*|\s+at\s+)"
_DOT = r"(?:\s*\.\s*|\s*[(\[]dot[)\]]\s*|\s+dot\s+)"
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.+-])[\w.+-]{{1,64}}(?:{_DOT}[\w+-]{{1,64}}){{0,3}}{_AT}[\w-]{{1,63}}(?:{_DOT}[\w-]{{1,63}}){{1,4}}"
    # Not followed by another "at": "me at jo dot bloggs at example dot com" is one address.
    rf"(?![\w-])(?!{_AT})",
    re.IGNORECASE,
)
_SPELLED_EMAIL_DOMAIN = re.compile(
    r"[(\[]?\bdot\b[)\]]?|\.\s*(?:com|uk|org|net|gov|co|ac|nhs|wales|scot|io|me)\b", re.I
)

# Two letters, then six digits, then a letter A to D that is often left off, with or
# without spaces, dots or dashes between the parts. Any two letters: HMRC's example
# prefix QQ, and prefixes it never issues, are removed as well. The digits must not run
# on into more digits (a phone number written in pairs: "or 0044 20 7946 0000").
_SEPARATOR = r"[\s.\-_/]{0,3}"
_NATIONAL_INSURANCE = re.compile(
    rf"(?<![A-Za-z0-9])[A-Z]{{2}}{_SEPARATOR}\d(?:{_SEPARATOR}\d){{5}}(?:{_SEPARATOR}[A-D])?"
    rf"(?![A-Za-z0-9])(?!{_SEPARATOR}\d)",
    re.IGNORECASE,
)

# The UK postcode's forms (A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA, AA9A 9AA), and
# GIR 0AA, in any case, with or without the space (or with several).
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR\s*0AA|[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])",
    re.IGNORECASE,
)

# What libphonenumber does not take for a number, but could be one: nine or more digits,
# written with spaces, dots, dashes, brackets or a leading +.
_DIGIT_RUN = re.compile(r"(?<![\w])\+?\(?\d(?:[\s().\-]{0,3}\d){8,}(?![\w])")

MAX_SCRUBBED_LENGTH = 20_000
"""Text beyond this is dropped before it is scrubbed: the patterns are linear, and
libphonenumber tries a bounded number of candidates, but neither needs a novel."""


def scrub(text: str) -> str:
    """`text` with email addresses, phone numbers, postcodes and National Insurance numbers
    replaced by placeholders naming them. Idempotent: scrubbing scrubbed text changes
    nothing. Characters that look like digits or letters in other scripts (full-width
    digits, say) are read as those digits and letters first (Unicode NFKC)."""
    text = unicodedata.normalize("NFKC", text[:MAX_SCRUBBED_LENGTH])
    text = _EMAIL.sub(EMAIL_ADDRESS, text)
    text = _SPELLED_EMAIL.sub(_spelled_email, text)
    text = _NATIONAL_INSURANCE.sub(NATIONAL_INSURANCE_NUMBER, text)
    text = _POSTCODE.sub(POSTCODE, text)
    # Long runs of digits first: cheap, and what is left for libphonenumber is short.
    text = _DIGIT_RUN.sub(PHONE_NUMBER, text)
    return _scrub_phone_numbers(text)


def _spelled_email(match: re.Match[str]) -> str:
    # "at" is an everyday word: only a match whose domain reads like one ("dot", ".com")
    # is an address; "I was at home. It ..." is not.
    found = match.group(0)
    domain = re.split(_AT, found, maxsplit=1, flags=re.I)[-1]
    return EMAIL_ADDRESS if _SPELLED_EMAIL_DOMAIN.search(domain) else found


def _scrub_phone_numbers(text: str) -> str:
    matcher = phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.VALID)
    pieces, position = [], 0
    for match in matcher:
        pieces += [text[position : match.start], PHONE_NUMBER]
        position = match.end
    pieces.append(text[position:])
    return "".join(pieces)
