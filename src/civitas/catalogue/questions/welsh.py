"""The question types' own words (default error messages and hints) in Welsh.

A definition may write its own error messages and hints in both languages; where it
does not, a question shows the type's wording. That wording is kept in English in each
type, where it is read beside the code that uses it, and its Welsh is here, by the
English text. A test checks that every type's wording has its Welsh.
"""

from collections.abc import Mapping

from civitas.catalogue.texts import Text

WELSH: Mapping[str, str] = {
    # Every type
    "Answer this question": "Atebwch y cwestiwn hwn",
    "Enter a valid answer": "Rhowch ateb dilys",
    "Your answer includes characters that cannot be used. Try typing it rather than "
    "pasting it": "Mae eich ateb yn cynnwys nodau na ellir eu defnyddio. Ceisiwch ei deipio "
    "yn hytrach na'i ludo",
    "Your answer must be {max_length} characters or fewer": (
        "Rhaid i'ch ateb fod yn {max_length} nod neu lai"
    ),
    # Dates
    "The date must include a {part}": "Rhaid i'r dyddiad gynnwys {part}",
    "The date must be on or after {date}": "Rhaid i'r dyddiad fod ar {date} neu ar ôl hynny",
    "The date must be on or before {date}": "Rhaid i'r dyddiad fod ar {date} neu cyn hynny",
    # Addresses
    "Enter a postcode": "Rhowch god post",
    "Enter a real postcode": "Rhowch god post go iawn",
    "Select an address": "Dewiswch gyfeiriad",
    "Enter address line 1, typically the building and street": (
        "Rhowch linell 1 y cyfeiriad, sef yr adeilad a'r stryd fel arfer"
    ),
    "Enter town or city": "Rhowch dref neu ddinas",
    "Building name or number must be 100 characters or fewer": (
        "Rhaid i enw neu rif yr adeilad fod yn 100 nod neu lai"
    ),
    "Address line 1 must be 100 characters or fewer": (
        "Rhaid i linell 1 y cyfeiriad fod yn 100 nod neu lai"
    ),
    "Address line 2 must be 100 characters or fewer": (
        "Rhaid i linell 2 y cyfeiriad fod yn 100 nod neu lai"
    ),
    "Town or city must be 100 characters or fewer": (
        "Rhaid i'r dref neu'r ddinas fod yn 100 nod neu lai"
    ),
    "Enter the address as 3 or 4 lines: address line 1, address line 2 (if there is one), "
    "town or city, and postcode": "Rhowch y cyfeiriad fel 3 neu 4 llinell: llinell 1 y "
    "cyfeiriad, llinell 2 y cyfeiriad (os oes un), tref neu ddinas, a chod post",
    # Choices
    "Select at least one option": "Dewiswch o leiaf un opsiwn",
    "Select from the options given": "Dewiswch o'r opsiynau a roddwyd",
    'Select "{none}", or select one or more of the other options, not both': (
        'Dewiswch "{none}", neu dewiswch un neu fwy o\'r opsiynau eraill, nid y ddau'
    ),
    "Select at least {min_selected} options": "Dewiswch o leiaf {min_selected} opsiwn",
    "Select no more than {max_selected} options": "Dewiswch ddim mwy na {max_selected} opsiwn",
    # Numbers and money
    "Enter a number": "Rhowch rif",
    "The answer must be a number": "Rhaid i'r ateb fod yn rhif",
    "The answer must be a whole number": "Rhaid i'r ateb fod yn rhif cyfan",
    "The answer must have {decimal_places} decimal places or fewer": (
        "Rhaid i'r ateb gael {decimal_places} lle degol neu lai"
    ),
    "The answer must be {min} or more": "Rhaid i'r ateb fod yn {min} neu fwy",
    "The answer must be {max} or less": "Rhaid i'r ateb fod yn {max} neu lai",
    "Enter an amount in pounds and pence, like 12.50": (
        "Rhowch swm mewn punnoedd a cheiniogau, fel 12.50"
    ),
    "The amount must be {min} or more": "Rhaid i'r swm fod yn {min} neu fwy",
    "The amount must be {max} or less": "Rhaid i'r swm fod yn {max} neu lai",
    # Formats
    "Enter an email address": "Rhowch gyfeiriad e-bost",
    "Enter an email address in the correct format, like name@example.com": (
        "Rhowch gyfeiriad e-bost yn y fformat cywir, fel enw@enghraifft.com"
    ),
    "Enter a National Insurance number": "Rhowch rif Yswiriant Gwladol",
    "Enter a National Insurance number in the correct format": (
        "Rhowch rif Yswiriant Gwladol yn y fformat cywir"
    ),
    "It's on your National Insurance card, benefit letter, payslip or P60. For example, "
    "'QQ 12 34 56 C'.": "Mae ar eich cerdyn Yswiriant Gwladol, llythyr budd-dal, slip cyflog "
    "neu P60. Er enghraifft, 'QQ 12 34 56 C'.",
    "Enter a telephone number": "Rhowch rif ffôn",
    "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192": (
        "Rhowch rif ffôn, fel 01632 960 001, 07700 900 982 neu +44 808 157 0192"
    ),
    "Enter a time": "Rhowch amser",
    "Enter a time in the correct format, like 2:30pm or 14:30": (
        "Rhowch amser yn y fformat cywir, fel 2:30pm neu 14:30"
    ),
    "For example, 2:30pm or 14:30": "Er enghraifft, 2:30pm neu 14:30",
    # Refusals of a request the page could not have produced
    "That address is not one of the addresses found": (
        "Nid yw'r cyfeiriad hwnnw yn un o'r cyfeiriadau a ddaethpwyd o hyd iddynt"
    ),
    "Choose one of the addresses found for the postcode. Nothing was saved.": (
        "Dewiswch un o'r cyfeiriadau a ddaethpwyd o hyd iddynt ar gyfer y cod post. Ni "
        "chafodd dim ei gadw."
    ),
    "That answer is not one of the options": "Nid yw'r ateb hwnnw yn un o'r opsiynau",
    "Choose one of the options given. Nothing was saved.": (
        "Dewiswch un o'r opsiynau a roddwyd. Ni chafodd dim ei gadw."
    ),
    # Files
    "Select a file": "Dewiswch ffeil",
    "The selected file is empty": "Mae'r ffeil a ddewiswyd yn wag",
    "The selected file must be smaller than {max_size}": (
        "Rhaid i'r ffeil a ddewiswyd fod yn llai na {max_size}"
    ),
    "The selected file must be {kinds}": "Rhaid i'r ffeil a ddewiswyd fod yn {kinds}",
    "The selected file contains a virus": "Mae'r ffeil a ddewiswyd yn cynnwys feirws",
    "The file could not be checked. Try again later": (
        "Nid oedd modd gwirio'r ffeil. Rhowch gynnig arall arni yn nes ymlaen"
    ),
}

# What fills a wording's {part} and {kinds}, in Welsh.
DATE_PARTS: Mapping[str, str] = {"day": "diwrnod", "month": "mis", "year": "blwyddyn"}


def in_both_languages(english: str) -> str:
    """A type's own wording with its Welsh: a `Text` when the Welsh is known (a test makes
    sure it always is), the English as it is otherwise."""
    welsh = WELSH.get(english)
    return Text({"en": english, "cy": welsh}) if welsh is not None else english


def date_parts(missing: list[str]) -> Text:
    """ "a day and a year" / "diwrnod a blwyddyn": the parts of a date not given."""
    return Text(
        {
            "en": " and a ".join(missing),
            "cy": " a ".join(DATE_PARTS[part] for part in missing),
        }
    )


def kinds_of_file(english: str) -> Text:
    """ "a PDF, JPG or PNG" / "PDF, JPG neu PNG"."""
    return Text(
        {
            "en": english,
            "cy": english.removeprefix("a ").removeprefix("an ").replace(" or ", " neu "),
        }
    )
