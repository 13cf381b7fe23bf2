"""How citizens' pages write money and dates: one way everywhere, in the page's language.

GOV.UK's style: money as £12.50, whole pounds without pence (£12); dates as 3 March 2027,
with no leading zero and the month in words. On a Welsh page the month is Welsh (3 Mawrth
2027). The month names are ours rather than Django's locale files: Django's Welsh
catalogue spells July "Gorffenaf", where the Welsh Language Commissioner's and GOV.UK's
spelling is "Gorffennaf". Numbers are written the same way in Welsh and English (1,250.5).
"""

import datetime

from django.utils import translation
from django.utils.translation import pgettext

_MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "cy": (
        "Ionawr",
        "Chwefror",
        "Mawrth",
        "Ebrill",
        "Mai",
        "Mehefin",
        "Gorffennaf",
        "Awst",
        "Medi",
        "Hydref",
        "Tachwedd",
        "Rhagfyr",
    ),
}


def month_names(language: str | None = None) -> tuple[str, ...]:
    """The months in `language` (the active language when None; English when we have no
    names for it)."""
    code = (language or translation.get_language() or "en").split("-")[0]
    return _MONTHS.get(code, _MONTHS["en"])


def written_date(day: datetime.date, *, language: str | None = None) -> str:
    """3 March 2027 (3 Mawrth 2027 on a Welsh page), as GOV.UK writes dates."""
    return f"{day.day} {month_names(language)[day.month - 1]} {day.year}"


def clock_time(hour: int, minutes: int) -> str:
    """2:30pm, 9am (2:30yh, 9yb on a Welsh page), as GOV.UK writes times; midday and
    midnight in words, which say it without the am/pm doubt."""
    if (hour, minutes) == (0, 0):
        return pgettext("time", "midnight")
    if (hour, minutes) == (12, 0):
        return pgettext("time", "midday")
    on_the_clock = f"{hour % 12 or 12}" + (f":{minutes:02d}" if minutes else "")
    return on_the_clock + (pgettext("time", "pm") if hour >= 12 else pgettext("time", "am"))


def written_datetime(moment: datetime.datetime, *, language: str | None = None) -> str:
    """3 March 2027, 2:30pm: the date as written_date, the time as clock_time."""
    day = written_date(moment.date(), language=language)
    return f"{day}, {clock_time(moment.hour, moment.minute)}"


def format_pence(amount_pence: int | None) -> str:
    """£12.50 style, as GOV.UK writes money; whole pounds drop the pence (£12)."""
    if amount_pence is None:
        return ""
    amount = int(amount_pence)
    sign, amount = ("-", -amount) if amount < 0 else ("", amount)
    pounds, pence = divmod(amount, 100)
    return f"{sign}£{pounds:,}" if pence == 0 else f"{sign}£{pounds:,}.{pence:02d}"
