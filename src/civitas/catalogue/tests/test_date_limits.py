"""A date question's fixed limits (`earliest_date`, `latest_date`), alone and with the
limits counted from today: pure, no database."""

import datetime
import textwrap

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.model import Question
from civitas.catalogue.questions import Cleaned, FieldError
from civitas.catalogue.tests.memory import service_from_yaml
from civitas.catalogue.tests.test_model import SMALL

TODAY = datetime.date(2026, 11, 24)


def date_question(**extra: object) -> Question:
    return Question(id="answer", type="date", label="When?", **extra)


def cleaned(q: Question, day: datetime.date) -> Cleaned:
    fields = {f"answer-{part}": str(getattr(day, part)) for part in ("day", "month", "year")}
    return q.clean(fields, today=TODAY)


def test_a_date_before_the_earliest_date_is_refused_naming_it() -> None:
    q = date_question(
        earliest_date=datetime.date(2027, 1, 1),
        error_messages={"too_early": "The party must be on or after {date}"},
    )
    assert cleaned(q, datetime.date(2026, 12, 31)).error == FieldError(
        "The party must be on or after 1 January 2027", "answer-day"
    )
    assert cleaned(q, datetime.date(2027, 1, 1)) == Cleaned("2027-01-01")


def test_a_date_after_the_latest_date_is_refused_with_the_default_message() -> None:
    q = date_question(latest_date=datetime.date(2027, 3, 31))
    assert cleaned(q, datetime.date(2027, 4, 1)).error == FieldError(
        "The date must be on or before 31 March 2027", "answer-day"
    )
    assert cleaned(q, datetime.date(2027, 3, 31)).error is None


def test_with_both_kinds_of_limit_the_tighter_applies() -> None:
    q = date_question(
        earliest_days_from_today=0,
        earliest_date=datetime.date(2026, 12, 1),
        latest_days_from_today=365,
        latest_date=datetime.date(2027, 3, 31),
    )
    # The fixed earliest date is later than today: it applies.
    assert cleaned(q, datetime.date(2026, 11, 30)).error.message == (
        "The date must be on or after 1 December 2026"
    )
    # The fixed latest date is sooner than a year from today: it applies.
    assert cleaned(q, datetime.date(2027, 4, 1)).error.message == (
        "The date must be on or before 31 March 2027"
    )
    # Days from today are tighter here: 10 days from today is 4 December 2026.
    tighter = date_question(earliest_date=datetime.date(2026, 1, 1), latest_days_from_today=10)
    assert cleaned(tighter, datetime.date(2026, 6, 1)).error is None
    assert cleaned(tighter, datetime.date(2026, 12, 5)).error.message == (
        "The date must be on or before 4 December 2026"
    )
    late_start = date_question(earliest_date=datetime.date(2026, 1, 1), earliest_days_from_today=1)
    assert cleaned(late_start, TODAY).error.message == (
        "The date must be on or after 25 November 2026"
    )


def problems(*extra: str, kind: str = "date") -> list[str]:
    """What validating SMALL with one more question, of these extra lines, reports."""
    page = (
        "      - id: party\n"
        "        question:\n"
        "          id: party\n"
        f"          type: {kind}\n"
        "          label: When is the party?\n"
        + "".join(f"          {line}\n" for line in extra)
        + "      - id: email\n"
    )
    source = textwrap.dedent(SMALL.replace("      - id: email\n", page, 1))
    return [str(p) for p in parse_definition(source, filename="svc.yaml").problems]


def line_of_extra(index: int) -> int:
    """The line of the `index`th extra line given to `problems`."""
    return textwrap.dedent(SMALL).splitlines().index("  - id: email") + 6 + index


def test_date_limits_written_plainly_or_quoted_are_accepted_and_read_as_dates() -> None:
    assert problems("earliest_date: 2027-01-01", "latest_date: '2027-12-31'") == []
    service = service_from_yaml(
        textwrap.dedent(SMALL).replace(
            "  - id: email\n",
            "  - id: party\n"
            "    question: {id: party, type: date, label: 'When?', earliest_date: 2027-01-01,"
            " latest_date: '2027-12-31'}\n"
            "  - id: email\n",
            1,
        )
    )
    party = service.page("party").questions[0]
    assert party.earliest_date == datetime.date(2027, 1, 1)
    assert party.latest_date == datetime.date(2027, 12, 31)


def test_a_limit_that_is_not_a_real_date_is_refused_at_its_line() -> None:
    for written in ("'2027-02-30'", "'1 January 2027'", "'20270101'", "2027-01-01 10:00:00"):
        found = problems(f"latest_date: {written}")
        assert len(found) == 1, (written, found)
        assert "is not a real date: write it as YYYY-MM-DD" in found[0]
        assert found[0].startswith(f"svc.yaml:{line_of_extra(0)}:")
    # YAML itself cannot read an unquoted impossible date: refused at its line too.
    found = problems("earliest_date: 2027-02-30")
    assert len(found) == 1
    assert found[0].startswith(f"svc.yaml:{line_of_extra(0)}:")


def test_an_earliest_date_after_the_latest_is_refused_at_its_line() -> None:
    found = problems("earliest_date: 2027-06-01", "latest_date: 2027-05-31")
    assert found == [
        f"svc.yaml:{line_of_extra(0)}: earliest_date (2027-06-01) is after latest_date (2027-05-31)"
    ]


def test_date_limits_on_another_type_are_refused() -> None:
    assert [p.split(": ", 1)[1] for p in problems("earliest_date: 2027-01-01", kind="text")] == [
        "a text question has no earliest_date"
    ]
    assert [p.split(": ", 1)[1] for p in problems("latest_days_from_today: 3", kind="text")] == [
        "a text question has no latest_days_from_today"
    ]


def test_the_schema_refuses_a_limit_that_is_not_text() -> None:
    assert problems("earliest_date: 20270101")
