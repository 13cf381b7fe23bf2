"""Phone numbers as people write them, and texts as the networks split and bill them."""

import pytest

from civitas.notify.phones import MAX_FRAGMENTS, encoded_length, fragment_count, normalise


@pytest.mark.parametrize(
    "written",
    [
        "07700900123",
        "07700 900 123",
        "07700 900123",
        "+447700900123",
        "+44 7700 900123",
        "0044 7700 900123",
        "(07700) 900-123",
        " 07700.900.123 ",
    ],
)
def test_uk_mobile_numbers_as_people_write_them_become_e164(written):
    assert normalise(written) == ("", "+447700900123")


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("", "Must not contain letters or symbols"),
        ("0770090012a", "Must not contain letters or symbols"),
        ("07700 900 123 ext 4", "Must not contain letters or symbols"),
        ("0770090012", "Not enough digits"),
        ("077009001234", "Too many digits"),
        ("02079460000", "Not a UK mobile number"),
        ("+12025550123", "Not a UK mobile number"),
        ("+353 85 123 4567", "Not a UK mobile number"),
        ("07700#900123", "Must not contain letters or symbols"),
    ],
)
def test_numbers_that_are_not_uk_mobiles_are_refused_in_notifys_words(written, problem):
    assert normalise(written) == (problem, "")


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("", 0),
        ("a", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("£@èΔ" * 40, 1),  # the GSM alphabet's own characters count once
        ("€" * 80, 1),  # extension table: each counts twice, 160 septets
        ("€" * 81, 2),
        ("a" * 159 + "[", 2),  # 161 septets
        ("ŵ" * 70, 1),  # Welsh ŵ is not GSM: UCS-2, 70 a text
        ("ŷ" * 71, 2),
        ("Diolch yn fawr, mae'ch trwydded yn barod i'w chasglu o'r tŷ" * 2, 2),
        ("a" * 134 + "ŵ", 3),  # one non-GSM character turns the whole text UCS-2
        ("😀" * 35, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_fragments_are_counted_as_the_networks_bill_them(text, fragments):
    assert fragment_count(text) == fragments


def test_the_longest_text_allowed_is_six_gsm_fragments():
    assert MAX_FRAGMENTS == 6
    assert fragment_count("a" * 918) == MAX_FRAGMENTS
    assert fragment_count("a" * 919) == MAX_FRAGMENTS + 1
    assert fragment_count("ŵ" * 402) == MAX_FRAGMENTS
    assert fragment_count("ŵ" * 403) == MAX_FRAGMENTS + 1


def test_extension_characters_take_two_septets():
    assert encoded_length("{}[]~|^\\€") == 18
    assert encoded_length("abc") == 3
