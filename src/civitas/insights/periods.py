"""The fixed calendar periods that figures are given for: an ISO week, a month, a quarter
or a year, never an arbitrary range (two overlapping ranges could be subtracted to single
out a person).

Written as `2026-W48`, `2026-11`, `2026-Q4` or `2026`. Pure: no database, no clock of its
own (callers pass today).
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from django.utils.translation import gettext as _

PeriodKind = Literal["week", "month", "quarter", "year"]

_FORMS: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    ("week", re.compile(r"(?P<year>\d{4})-W(?P<number>\d{2})", re.ASCII)),
    ("quarter", re.compile(r"(?P<year>\d{4})-Q(?P<number>[1-4])", re.ASCII)),
    ("month", re.compile(r"(?P<year>\d{4})-(?P<number>\d{2})", re.ASCII)),
    ("year", re.compile(r"(?P<year>\d{4})", re.ASCII)),
)

EARLIEST_YEAR = 2000


class PeriodError(ValueError):
    """A period that is not one of the fixed forms, or not one figures can be given for.
    The message is plain words in the active language, fit to show in a problem body or
    a form error."""


class PeriodFormError(PeriodError):
    """Text that is none of the fixed forms."""


@dataclass(frozen=True, order=True)
class Period:
    """A fixed calendar period: from `start` (inclusive) to `end` (exclusive)."""

    start: date
    end: date
    kind: PeriodKind
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def has_started(self, today: date) -> bool:
        return self.start <= today

    def has_ended(self, today: date) -> bool:
        return self.end <= today

    def previous(self) -> "Period":
        return period_containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> "Period":
        return period_containing(self.kind, self.end)

    def __str__(self) -> str:
        return self.label


def parse_period(text: str, *, today: date) -> Period:
    """The period `text` names. Refused (PeriodError) if it is not one of the fixed forms,
    does not exist (week 54, month 13), or has not started by `today`."""
    text = (text or "").strip()
    for kind, pattern in _FORMS:
        match = pattern.fullmatch(text)
        if match:
            period = _build(kind, int(match["year"]), _number(match))
            break
    else:
        raise PeriodFormError(
            _(
                "Enter a period as a week (2026-W48), a month (2026-11), "
                "a quarter (2026-Q4) or a year (2026)"
            )
        )
    if not period.has_started(today):
        raise PeriodError(_("The period %(period)s has not started yet") % {"period": period.label})
    return period


def period_containing(kind: PeriodKind, day: date) -> Period:
    """The period of this kind that `day` falls in."""
    if kind == "week":
        iso_year, iso_week, _ = day.isocalendar()
        return _build("week", iso_year, iso_week)
    if kind == "month":
        return _build("month", day.year, day.month)
    if kind == "quarter":
        return _build("quarter", day.year, (day.month - 1) // 3 + 1)
    return _build("year", day.year, None)


def last_complete(kind: PeriodKind, today: date) -> Period:
    """The latest period of this kind that has ended by `today`."""
    return period_containing(kind, today).previous()


def _number(match: re.Match[str]) -> int | None:
    return int(match["number"]) if "number" in match.groupdict() else None


def _build(kind: PeriodKind, year: int, number: int | None) -> Period:
    if not EARLIEST_YEAR <= year <= 9998:
        raise PeriodError(_("Enter a year from %(year)s") % {"year": EARLIEST_YEAR})
    if kind == "week":
        assert number is not None
        try:
            start = date.fromisocalendar(year, number, 1)
        except ValueError:
            raise PeriodError(
                _("%(year)s has no week %(week)s") % {"year": year, "week": number}
            ) from None
        return Period(start, start + timedelta(weeks=1), "week", f"{year}-W{number:02d}")
    if kind == "month":
        assert number is not None
        if not 1 <= number <= 12:
            raise PeriodError(_("A month must be from 01 to 12"))
        start = date(year, number, 1)
        return Period(start, _add_months(start, 1), "month", f"{year}-{number:02d}")
    if kind == "quarter":
        assert number is not None
        start = date(year, 3 * (number - 1) + 1, 1)
        return Period(start, _add_months(start, 3), "quarter", f"{year}-Q{number}")
    return Period(date(year, 1, 1), date(year + 1, 1, 1), "year", str(year))


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    return date(month_index // 12, month_index % 12 + 1, 1)
