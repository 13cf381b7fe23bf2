"""Money and dates are written one way on every citizen's page, dates in its language."""

import datetime

import pytest
from django.utils import translation

from civitas.platform.formats import (
    clock_time,
    format_pence,
    month_names,
    written_date,
    written_datetime,
)
from civitas.platform.templating import format_date
from civitas.rules.public import format_date as rules_format_date

DAY = datetime.date(2027, 3, 3)


@pytest.mark.parametrize(
    ("pence", "written"),
    [
        (1250, "£12.50"),
        (1200, "£12"),
        (5, "£0.05"),
        (0, "£0"),
        (123456700, "£1,234,567"),
        (-150, "-£1.50"),
    ],
)
def test_money_is_written_as_govuk_writes_it(pence, written):
    assert format_pence(pence) == written


def test_a_date_is_written_in_the_pages_language():
    assert written_date(DAY) == "3 March 2027"
    with translation.override("cy"):
        assert written_date(DAY) == "3 Mawrth 2027"
        assert format_date(DAY) == "3 Mawrth 2027"
        assert rules_format_date(datetime.date(2026, 7, 1)) == "1 Gorffennaf 2026"
    assert written_date(DAY, language="cy") == "3 Mawrth 2027"


def test_every_welsh_month_is_spelled_as_the_welsh_language_commissioner_spells_it():
    assert month_names("cy") == (
        "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
        "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr",
    )  # fmt: skip


def test_a_language_without_month_names_falls_back_to_english():
    assert written_date(DAY, language="fr") == "3 March 2027"


@pytest.mark.parametrize(
    ("hour", "minutes", "english", "welsh"),
    [
        (0, 0, "midnight", "hanner nos"),
        (12, 0, "midday", "hanner dydd"),
        (9, 0, "9am", "9yb"),
        (14, 30, "2:30pm", "2:30yh"),
        (0, 5, "12:05am", "12:05yb"),
        (12, 45, "12:45pm", "12:45yh"),
    ],
)
def test_a_time_is_written_as_govuk_writes_it_in_the_pages_language(hour, minutes, english, welsh):
    with translation.override("en"):
        assert clock_time(hour, minutes) == english
    with translation.override("cy"):
        assert clock_time(hour, minutes) == welsh


def test_a_moment_on_a_staff_page_has_its_month_and_time_in_welsh():
    moment = datetime.datetime(2027, 7, 3, 14, 30)
    with translation.override("cy"):
        assert written_datetime(moment) == "3 Gorffennaf 2027, 2:30yh"
    assert written_datetime(moment, language="en") == "3 July 2027, 2:30pm"
