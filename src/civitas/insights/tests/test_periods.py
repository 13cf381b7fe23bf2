from datetime import date

import pytest

from civitas.insights.periods import PeriodError, last_complete, parse_period, period_containing

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-W48", date(2026, 11, 23), date(2026, 11, 30)),
        ("2026-11", date(2026, 11, 1), date(2026, 12, 1)),
        ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1)),
        ("2025", date(2025, 1, 1), date(2026, 1, 1)),
        ("2020-W53", date(2020, 12, 28), date(2021, 1, 4)),
    ],
)
def test_each_fixed_form_names_its_calendar_period(text, start, end):
    period = parse_period(text, today=TODAY)
    assert (period.start, period.end, period.label) == (start, end, text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2026-13",
        "2026-00",
        "2026-W54",
        "2025-W53",
        "2026-Q5",
        "26-11",
        "2026-11-01",
        "2026-11..2026-12",
        "1999",
        "２０２６",
    ],
)
def test_anything_but_a_fixed_period_is_refused_with_a_plain_message(text):
    with pytest.raises(PeriodError):
        parse_period(text, today=TODAY)


def test_a_period_that_has_not_started_is_refused():
    with pytest.raises(PeriodError, match="has not started"):
        parse_period("2026-W50", today=TODAY)


def test_the_current_period_has_started_but_not_ended():
    period = parse_period("2026-12", today=TODAY)
    assert period.has_started(TODAY)
    assert not period.has_ended(TODAY)


def test_periods_step_back_and_forward_across_years():
    assert period_containing("week", date(2027, 1, 1)).label == "2026-W53"
    assert parse_period("2026-01", today=TODAY).previous().label == "2025-12"
    assert parse_period("2026-Q4", today=TODAY).next().label == "2027-Q1"
    assert last_complete("month", TODAY).label == "2026-11"
    assert last_complete("year", TODAY).label == "2025"
