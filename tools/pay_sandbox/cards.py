"""What the sandbox's bank decides about a card: GOV.UK Pay's published test card
numbers, and the checks a card page makes before it asks. Plain functions over plain
values."""

import datetime
import re
from dataclasses import dataclass
from enum import Enum


class Outcome(Enum):
    AUTHORISED = "authorised"
    DECLINED = "declined"
    EXPIRED = "expired"
    PROCESSING_ERROR = "processing_error"
    NEEDS_3DS = "needs_3ds"


@dataclass(frozen=True)
class TestCard:
    outcome: Outcome
    brand: str
    card_type: str | None


# GOV.UK Pay's sandbox numbers (docs.payments.service.gov.uk, "Mock card numbers").
TEST_CARDS: dict[str, TestCard] = {
    "4444333322221111": TestCard(Outcome.AUTHORISED, "visa", "credit"),
    "4000056655665556": TestCard(Outcome.AUTHORISED, "visa", "debit"),
    "5105105105105100": TestCard(Outcome.AUTHORISED, "master-card", "debit"),
    "4000000000000002": TestCard(Outcome.DECLINED, "visa", "credit"),
    "4000000000000069": TestCard(Outcome.EXPIRED, "visa", "credit"),
    "4000000000000119": TestCard(Outcome.PROCESSING_ERROR, "visa", "credit"),
    "4000000000003220": TestCard(Outcome.NEEDS_3DS, "visa", "credit"),
}

NOT_DIGITS = re.compile(r"[\s-]")


def normalise_card_number(text: str) -> str:
    """The digits of a card number as people type it: with spaces or dashes."""
    return NOT_DIGITS.sub("", text)


def is_luhn_valid(number: str) -> bool:
    """Whether `number` (digits only) passes the Luhn check every card number passes."""
    if not number.isdigit():
        return False
    total = 0
    for position, digit in enumerate(int(character) for character in reversed(number)):
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def is_plausible_card_number(number: str) -> bool:
    return number.isdigit() and 12 <= len(number) <= 19 and is_luhn_valid(number)


def brand_of(number: str) -> str:
    """The card scheme by the number's prefix, as GOV.UK Pay names it."""
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "master-card"
    if number[:2] in {"34", "37"}:
        return "american-express"
    return "unknown"


def decide(number: str) -> TestCard:
    """What the bank says about a valid card number: a test card's outcome, else declined
    (the sandbox knows no other cards)."""
    return TEST_CARDS.get(number) or TestCard(Outcome.DECLINED, brand_of(number), None)


def expiry_of(month_text: str, year_text: str) -> tuple[int, int] | None:
    """The (month, four-digit year) of an expiry date typed as "MM" and "YY" or "YYYY"."""
    month_text, year_text = month_text.strip(), year_text.strip()
    if not (month_text.isdigit() and year_text.isdigit()):
        return None
    month, year = int(month_text), int(year_text)
    if len(year_text) == 2:
        year += 2000
    elif len(year_text) != 4:
        return None
    if not 1 <= month <= 12:
        return None
    return month, year


def has_expired(month: int, year: int, *, today: datetime.date) -> bool:
    """A card is good to the end of its expiry month."""
    return (year, month) < (today.year, today.month)
