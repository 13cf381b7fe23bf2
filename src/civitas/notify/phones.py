"""Phone numbers and text messages as the networks see them.

`normalise` takes a UK mobile number as people write it (07700 900 982, +44 7700 900982,
0044...) and gives its E.164 form, or says what is wrong, in GOV.UK Notify's words. As
Notify does, any number of the UK mobile range (07, then nine digits) is taken, not only
one libphonenumber knows to be allocated: the 07700 900xxx drama range works in tests.

`fragment_count` is how many parts a network splits a text into, and bills: GSM 03.38's
7-bit alphabet when every character is in it (160 characters in one part, 153 a part when
split; a character of the extension table counts twice), otherwise UCS-2 (70, then 67 a
part; a character outside the Basic Multilingual Plane counts twice).
"""

import re

import phonenumbers

# GSM 03.38's default alphabet, and its extension table (each sent as escape + character).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")
SINGLE_GSM, PART_GSM = 160, 153
SINGLE_UCS2, PART_UCS2 = 70, 67
MAX_FRAGMENTS = 6
"""Notify's limit: a text of more than 918 GSM characters is refused."""

_WRITTEN = re.compile(r"[\d\s+().-]+")


def normalise(written: str) -> tuple[str, str]:
    """(problem, number): "" and the E.164 number, or the problem and "".

    International numbers are not sent: Notify keeps them behind a permission, which no
    service here has."""
    text = written.strip()
    if not text or not _WRITTEN.fullmatch(text):
        return "Must not contain letters or symbols", ""
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and text.lstrip().startswith("+"):
        digits = "0" + digits[2:]
    elif text.lstrip().startswith("+"):
        return "Not a UK mobile number", ""
    if len(digits) > 11:
        return "Too many digits", ""
    if len(digits) < 11:
        return "Not enough digits", ""
    if not digits.startswith("07"):
        return "Not a UK mobile number", ""
    number = phonenumbers.parse(digits, "GB")
    return "", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_gsm(text: str) -> bool:
    """Whether every character of the text is in GSM 03.38 (with its extension table)."""
    return all(character in GSM_BASIC or character in GSM_EXTENSION for character in text)


def encoded_length(text: str) -> int:
    """The text's length in the units its encoding fills: septets for GSM 03.38 (an
    extension character is two), UTF-16 code units for UCS-2."""
    if is_gsm(text):
        return sum(2 if character in GSM_EXTENSION else 1 for character in text)
    return len(text.encode("utf-16-le")) // 2


def fragment_count(text: str) -> int:
    """How many parts the networks send the text in (0 for no text)."""
    length = encoded_length(text)
    if length == 0:
        return 0
    single, part = (SINGLE_GSM, PART_GSM) if is_gsm(text) else (SINGLE_UCS2, PART_UCS2)
    if length <= single:
        return 1
    return -(-length // part)
