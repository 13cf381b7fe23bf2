"""References that are easy to read over the phone and catch a mistyped character.

The alphabet leaves out characters people confuse when reading or hearing them
(0/O, 1/I/L, U/V, 2/Z). The last character is a Luhn mod N check character, which
detects every single-character error and every swap of two neighbouring characters but
one: the first and last characters of the alphabet ("2Y"/"Y2"), like Luhn's own 09/90.
Luhn mod N needs an even N (doubling must permute the alphabet), so the alphabet has 28.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXY"
_INDEX = {character: position for position, character in enumerate(ALPHABET)}
PAYLOAD_LENGTH = 8
GROUP_SIZE = 3


def _check_character(payload: str) -> str:
    base = len(ALPHABET)
    factor = 2
    total = 0
    for character in reversed(payload):
        addend = factor * _INDEX[character]
        factor = 1 if factor == 2 else 2
        total += addend // base + addend % base
    return ALPHABET[(base - total % base) % base]


# The references are split in two halves by their first character, so that two ways of
# handing them out never draw the same one: a case's own (made as it is submitted) starts
# with a character at an even place in the alphabet; one handed out when an application
# is accepted, before its case is made (decision 0037), with one at an odd place. Each
# half is unique within itself by its own table's key.
_FIRST_OF_CASES = ALPHABET[0::2]
_FIRST_OF_ACCEPTED = ALPHABET[1::2]


def new_reference() -> str:
    """A new random reference for a case made now, such as 'K7M-2QH-4XP' (8 random
    characters and a check)."""
    return _drawn(_FIRST_OF_CASES)


def new_accepted_reference() -> str:
    """A new random reference for an application accepted now whose case is made later:
    never one that `new_reference` draws."""
    return _drawn(_FIRST_OF_ACCEPTED)


def is_accepted_reference(reference: str) -> bool:
    """Whether a (canonical) reference is of the half `new_accepted_reference` draws."""
    return reference[:1] in _FIRST_OF_ACCEPTED


def _drawn(first_characters: str) -> str:
    rest = "".join(secrets.choice(ALPHABET) for _ in range(PAYLOAD_LENGTH - 1))
    return reference_for(secrets.choice(first_characters) + rest)


def reference_for(payload: str) -> str:
    """The reference for 8 characters of the alphabet: they and their check character."""
    return format_reference(payload + _check_character(payload))


def format_reference(compact: str) -> str:
    return "-".join(compact[i : i + GROUP_SIZE] for i in range(0, len(compact), GROUP_SIZE))


def normalise_reference(text: str) -> str | None:
    """The canonical form of a reference as a person typed it, or None if it is not valid.

    Spaces, dashes and case are ignored, and the letters people type for digits they
    misread (O for 0 is not in the alphabet) are not guessed: a wrong reference is rejected.
    """
    compact = "".join(character for character in text.upper() if character.isalnum())
    if len(compact) != PAYLOAD_LENGTH + 1 or any(c not in _INDEX for c in compact):
        return None
    if _check_character(compact[:-1]) != compact[-1]:
        return None
    return format_reference(compact)


class ReferenceConverter:
    """The `<reference:...>` URL part: a reference as Civitas writes it, such as 'K7M-2QH-4XP'.

    Anything else in its place is a 404 before any view, or the database, sees it.
    """

    regex = "-".join([f"[{ALPHABET}]{{{GROUP_SIZE}}}"] * ((PAYLOAD_LENGTH + 1) // GROUP_SIZE))

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
