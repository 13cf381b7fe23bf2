"""Performance history from before Civitas: a file of daily counts becomes the daily and
monthly counts every figure is summed from, replacing what it set before, and a wrong file
is refused whole, each problem named with its line."""

import datetime
import io
import math

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.utils import timezone

from civitas.cases.tests.factories import CaseFactory
from civitas.insights.durations import bucket_of
from civitas.insights.feedback import record_feedback
from civitas.insights.forecast import forecast_for
from civitas.insights.history import (
    COLUMNS,
    HistoryInvalid,
    HistoryRow,
    import_history,
    read_history_csv,
)
from civitas.insights.models import DailyCount
from civitas.insights.periods import parse_period
from civitas.insights.public import roll_up_cases, service_figures
from civitas.platform.models import AuditEvent

SLUG = "resident-parking-permit"
ORG = "example-borough"
TODAY = datetime.date(2026, 12, 4)
HEADER = ",".join(COLUMNS)


@pytest.fixture(autouse=True)
def _published(parking_permit):
    return parking_permit


def rows(*lines: str, organisation: str = ORG, service: str = SLUG) -> list[HistoryRow]:
    """Rows from "date,channel,measure,key,count" lines, numbered from 2 as in a file."""
    return [
        HistoryRow(organisation, service, *line.split(","), line=number)
        for number, line in enumerate(lines, start=2)
    ]


def counts(span: str = "day", **filters) -> dict[tuple, int]:
    found = DailyCount.objects.filter(span=span, organisation=ORG, service_slug=SLUG, **filters)
    return {
        (row.day.isoformat(), row.channel, row.measure, row.key): row.count
        for row in found
        if row.count
    }


def assert_months_are_the_sum_of_their_days() -> None:
    days: dict[tuple, int] = {}
    for row in DailyCount.objects.filter(span="day"):
        key = (row.organisation, row.service_slug, row.day.replace(day=1), row.channel)
        key += (row.measure, row.key)
        days[key] = days.get(key, 0) + row.count
    months = {
        (row.organisation, row.service_slug, row.day, row.channel, row.measure, row.key): row.count
        for row in DailyCount.objects.filter(span="month")
    }
    assert {k: v for k, v in months.items() if v} == {k: v for k, v in days.items() if v}


def test_rows_become_daily_counts_and_the_months_their_sums():
    summary = import_history(
        rows(
            "2026-10-01,online,started,,10",
            "2026-10-02,online,started,,5",
            "2026-10-02,online,submitted,,4",
            "2026-11-03,online,reached,vehicle,7",
            "2026-11-03,online,error_question,registration,2",
            "2026-11-03,assisted,case_submitted,,3",
        ),
        today=TODAY,
    )
    assert summary.rows == 6
    assert summary.services == (f"{ORG}/{SLUG}",)
    assert (summary.first_day, summary.last_day) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 11, 3),
    )
    assert counts("month") == {
        ("2026-10-01", "online", "started", ""): 15,
        ("2026-10-01", "online", "submitted", ""): 4,
        ("2026-11-01", "online", "reached", "vehicle"): 7,
        ("2026-11-01", "online", "error_question", "registration"): 2,
        # Keyed by its channel, as the rollup of cases keys it.
        ("2026-11-01", "assisted", "case_submitted", "assisted"): 3,
    }
    assert counts()[("2026-10-02", "online", "started", "")] == 5
    assert_months_are_the_sum_of_their_days()


def test_durations_in_seconds_are_bucketed_and_those_in_one_bucket_added():
    import_history(
        rows(
            "2026-11-02,online,completion,600,3",
            "2026-11-02,online,completion,601,2",  # the same bucket as 600
            "2026-11-02,online,completion,3600,1",
            "2026-11-02,online,decision_time,86400,4",
        ),
        today=TODAY,
    )
    assert counts(measure="completion") == {
        ("2026-11-02", "online", "completion", str(bucket_of(600))): 5,
        ("2026-11-02", "online", "completion", str(bucket_of(3600))): 1,
    }
    assert counts(measure="decision_time") == {
        ("2026-11-02", "online", "decision_time", str(bucket_of(86400))): 4
    }


def test_importing_the_same_file_twice_gives_the_same_figures():
    history = rows(
        "2026-10-01,online,started,,10",
        "2026-10-02,online,started,,5",
        "2026-10-02,online,completion,600,3",
    )
    import_history(history, today=TODAY)
    first_days, first_months = counts(), counts("month")
    import_history(history, today=TODAY)
    assert (counts(), counts("month")) == (first_days, first_months)
    assert_months_are_the_sum_of_their_days()


def test_a_corrected_day_replaces_the_old_count_and_moves_its_month_by_the_difference():
    import_history(
        rows("2026-10-01,online,started,,10", "2026-10-02,online,started,,5"), today=TODAY
    )
    import_history(rows("2026-10-02,online,started,,2"), today=TODAY)
    assert counts(measure="started") == {
        ("2026-10-01", "online", "started", ""): 10,
        ("2026-10-02", "online", "started", ""): 2,
    }
    assert counts("month", measure="started") == {("2026-10-01", "online", "started", ""): 12}
    assert_months_are_the_sum_of_their_days()


def test_the_history_replaces_counts_the_rollups_made_of_the_same_day():
    # Counts already there (a journey counted on a day the file also gives) are replaced,
    # and the month keeps equal to its days.
    for span, day in (("day", "2026-10-05"), ("month", "2026-10-01")):
        DailyCount.objects.create(
            organisation=ORG,
            service_slug=SLUG,
            span=span,
            day=day,
            channel="online",
            measure="started",
            count=3,
        )
    import_history(rows("2026-10-05,online,started,,8"), today=TODAY)
    assert counts("month", measure="started") == {("2026-10-01", "online", "started", ""): 8}
    assert_months_are_the_sum_of_their_days()


def test_the_figures_of_a_period_are_those_of_the_history():
    import_history(
        rows(
            "2026-11-02,online,started,,100",
            "2026-11-02,online,submitted,,80",
            "2026-11-02,online,abandoned,,20",
            "2026-11-02,online,reached,address,100",
            "2026-11-02,online,reached,vehicle,90",
            "2026-11-02,online,error_page,vehicle,6",
            "2026-11-02,online,completion,600,80",
            "2026-11-02,online,case_submitted,online,80",
            "2026-11-02,assisted,case_submitted,assisted,20",
            "2026-11-09,online,case_decided,,50",
            "2026-11-09,online,case_within,,40",
            "2026-11-09,online,decision_time,259200,50",
            "2026-11-09,online,satisfaction,very_satisfied,6",
            "2026-11-09,online,satisfaction,dissatisfied,2",
        ),
        today=TODAY,
    )
    answer = record_feedback(
        kind="satisfaction",
        satisfaction="satisfied",
        organisation_id=_organisation_id(),
        service_slug=SLUG,
    )
    answer.received_at = timezone.make_aware(datetime.datetime(2026, 11, 20, 9))
    answer.save()
    for period in ("2026-11", "2026-Q4", "2026"):
        figures = service_figures(SLUG, parse_period(period, today=TODAY), organisation=ORG)
        assert (figures.started, figures.submitted, figures.abandoned) == (100, 80, 20)
        assert figures.transactions_by_channel == {"online": 80, "assisted": 20}
        assert (figures.decided, figures.decided_within_service_level) == (50, 40)
        assert figures.time_to_decision.median_seconds == pytest.approx(259200, rel=0.1)
        assert figures.time_to_complete.median_seconds == pytest.approx(600, rel=0.1)
        # The imported answers and the one given on the platform together.
        given = {level: count for level, count in figures.satisfaction.items() if count}
        assert given == {"very_satisfied": 6, "dissatisfied": 2, "satisfied": 1}
        assert str(figures.user_satisfaction) == "0.7778"
        funnel = {step.page: (step.reached, step.validation_errors) for step in figures.funnel}
        assert funnel["vehicle"] == (90, 6)
    assisted = service_figures(
        SLUG, parse_period("2026-11", today=TODAY), "assisted", organisation=ORG
    )
    assert not any(assisted.satisfaction.values())
    assert assisted.transactions_by_channel == {"assisted": 20}


def _organisation_id() -> int:
    from civitas.identity.public import find_organisation

    found = find_organisation(ORG)
    assert found is not None
    return found.id


def test_the_rollup_of_cases_leaves_the_months_of_history_alone():
    import_history(rows("2026-11-02,online,case_submitted,online,40"), today=TODAY)
    CaseFactory(
        organisation_id=_organisation_id(),
        submitted_at=timezone.make_aware(datetime.datetime(2026, 12, 2, 10)),
    )
    roll_up_cases(now=timezone.make_aware(datetime.datetime(2026, 12, 4, 12)))
    november = counts("month", measure="case_submitted")
    assert november[("2026-11-01", "online", "case_submitted", "online")] == 40
    assert sum(counts("month", day="2026-12-01").values()) == 1


def test_two_years_of_history_give_a_seasonal_forecast():
    start = datetime.date(2024, 11, 4)
    history = []
    for day_number in range(7 * 110):
        day = start + datetime.timedelta(days=day_number)
        if day >= TODAY.replace(day=1):
            break
        week = day_number // 7
        count = round(20 + 10 * math.sin(2 * math.pi * week / 52))
        history.append(f"{day.isoformat()},online,case_submitted,online,{count}")
    import_history(rows(*history), today=TODAY)
    forecast = forecast_for(SLUG, TODAY, organisation_id=_organisation_id())
    assert forecast is not None
    assert forecast.method.startswith("Seasonal")
    assert forecast.based_on_weeks >= 104
    assert len(forecast.weeks) == 12


# --- Hostile files ------------------------------------------------------------------------


def problems_of(history: list[HistoryRow]) -> list[tuple[int, str]]:
    with pytest.raises(HistoryInvalid) as refused:
        import_history(history, today=TODAY)
    assert not DailyCount.objects.exists()
    return [(problem.line, problem.message) for problem in refused.value.problems]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2026-11-02,online,started,,-1", "not a whole number"),
        ("2026-11-02,online,started,,1.5", "not a whole number"),
        ("2026-11-02,online,started,,１２", "not a whole number"),
        ("2026-11-02,online,started,,1000000001", "more than 1,000,000,000"),
        ("2026-11-02,online,started,,", "not a whole number"),
        ("2026-13-02,online,started,,1", "not a date"),
        ("02/11/2026,online,started,,1", "not a date"),
        ("2026-11-2,online,started,,1", "not a date"),
        ("1999-12-31,online,started,,1", "before 2000-01-01"),
        ("2026-12-01,online,started,,1", "not before 2026-12-01"),
        ("2027-01-01,online,started,,1", "not before 2026-12-01"),
        ("2026-11-02,carrier-pigeon,started,,1", "no channel 'carrier-pigeon'"),
        ("2026-11-02,online,visits,,1", "no measure 'visits'"),
        ("2026-11-02,online,started,address,1", "started is counted with no key"),
        ("2026-11-02,online,reached,no-such-page,1", "no page 'no-such-page'"),
        ("2026-11-02,online,error_page,../../etc,1", "no page '../../etc'"),
        ("2026-11-02,online,error_question,nope,1", "no question 'nope'"),
        ("2026-11-02,online,completion,ten minutes,1", "a duration in whole seconds"),
        ("2026-11-02,online,decision_time,-5,1", "a duration in whole seconds"),
        ("2026-11-02,online,case_submitted,post,1", "keyed by its channel"),
        ("2026-11-02,online,satisfaction,delighted,1", "no satisfaction answer 'delighted'"),
        ("2026-11-02,phone,satisfaction,satisfied,1", "online only"),
    ],
)
def test_each_bad_row_is_refused_with_its_line_and_nothing_is_written(line, expected):
    found = problems_of(rows("2026-11-01,online,started,,3", line))
    assert len(found) == 1, found
    assert found[0][0] == 3
    assert expected in found[0][1]


def test_a_service_the_organisation_does_not_run_live_is_refused():
    found = problems_of(
        rows("2026-11-02,online,started,,1", organisation="sample-district")
        + rows("2026-11-02,online,started,,1", service="no-such-service")
    )
    assert [line for line, _ in found] == [2, 2]
    assert all("runs no live service" in message for _, message in found)


def test_every_problem_of_a_row_is_named():
    found = problems_of(rows("1999-01-01,fax,visits,,lots"))
    assert len(found) == 4


def read(data: bytes, **options) -> list[HistoryRow]:
    return read_history_csv(io.BytesIO(data), **options)


def test_a_csv_file_is_read_with_its_columns_in_any_order_and_its_lines():
    data = (
        "count,key,measure,channel,date,service,organisation\n"
        f"5,,started,online,2026-11-02,{SLUG},{ORG}\n\n"
        f'"7",vehicle,reached,online,2026-11-02,{SLUG},{ORG}\n'
    ).encode()
    found = read(data)
    assert [(row.line, row.measure, row.count) for row in found] == [
        (2, "started", "5"),
        (4, "reached", "7"),
    ]
    assert read(("\ufeff" + HEADER + "\n").encode()) == []


@pytest.mark.parametrize(
    ("data", "line", "expected"),
    [
        (b"", 1, "empty"),
        (b"organisation,service,date,channel,measure,count\n", 1, "missing: key"),
        ((HEADER + ",note\n").encode(), 1, "not known: note"),
        (b"organisation,organisation,service,date,channel,measure,key,count\n", 1, "twice"),
        ((HEADER + "\na,b,c\n").encode(), 2, "3 values where the header has 7"),
        (
            (HEADER + f"\n{ORG},{SLUG},2026-11-02,online,started,,1\n").encode() + b"\xff\xfe,x\n",
            3,
            "not UTF-8",
        ),
    ],
)
def test_a_malformed_file_is_refused_with_its_line(data, line, expected):
    with pytest.raises(HistoryInvalid) as refused:
        read(data)
    first = refused.value.problems[0]
    assert first.line == line
    assert expected in first.message


def test_a_file_with_too_many_rows_is_refused():
    data = (HEADER + "\n" + f"{ORG},{SLUG},2026-11-02,online,started,,1\n" * 4).encode()
    with pytest.raises(HistoryInvalid) as refused:
        read(data, max_rows=3)
    assert [(p.line, p.message) for p in refused.value.problems] == [
        (5, "more than 3 rows: split the file")
    ]


# --- The command --------------------------------------------------------------------------


def history_file(tmp_path, *lines: str) -> str:
    path = tmp_path / "history.csv"
    path.write_text("\n".join([HEADER, *(f"{ORG},{SLUG},{line}" for line in lines)]) + "\n")
    return str(path)


def test_the_command_imports_a_file_and_audits_it(tmp_path, capsys):
    name = history_file(tmp_path, "2025-11-02,online,started,,5", "2025-11-03,online,started,,6")
    call_command("insights", "import-history", name, "--as", "ops@example-borough.gov.uk")
    out = capsys.readouterr().out
    assert f"{name}: 2 rows, set 2 daily counts from 2025-11-02 to 2025-11-03" in out
    assert f"{ORG}/{SLUG}: 2" in out
    assert DailyCount.objects.filter(span="month").get().count == 11
    event = AuditEvent.objects.get(action="insights.history_imported")
    assert (event.object_id, event.organisation, event.actor_id) == (
        SLUG,
        ORG,
        "ops@example-borough.gov.uk",
    )


def test_a_dry_run_says_what_it_would_set_and_writes_nothing(tmp_path, capsys):
    name = history_file(tmp_path, "2025-11-02,online,started,,5")
    call_command("insights", "import-history", name, "--dry-run")
    assert "would set 1 daily counts" in capsys.readouterr().out
    assert not DailyCount.objects.exists()
    assert not AuditEvent.objects.filter(action="insights.history_imported").exists()


def test_the_command_names_each_bad_line_and_writes_nothing(tmp_path, capsys):
    name = history_file(
        tmp_path,
        "2025-11-02,online,started,,5",
        "2025-11-02,online,started,,many",
        "2025-11-03,telex,started,,1",
    )
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("insights", "import-history", name)
    err = capsys.readouterr().err
    assert f"{name}:3: the count 'many' is not a whole number from 0" in err
    assert f"{name}:4: no channel 'telex'" in err
    assert not DailyCount.objects.exists()


def test_the_command_exits_non_zero_for_a_file_it_cannot_read(tmp_path):
    with pytest.raises(CommandError, match="cannot read") as refused:
        call_command("insights", "import-history", str(tmp_path / "missing.csv"))
    assert refused.value.returncode != 0


def test_the_command_refuses_a_file_too_large_to_read(tmp_path, monkeypatch):
    from civitas.insights.management.commands import insights

    monkeypatch.setattr(insights, "MAX_FILE_BYTES", 100)
    name = history_file(tmp_path, *["2025-11-02,online,started,,5"] * 5)
    with pytest.raises(CommandError, match="larger than"):
        call_command("insights", "import-history", name)
    assert not DailyCount.objects.exists()


def test_the_month_rows_sum_their_days_after_many_imports(tmp_path):
    for count in (5, 9, 0, 3):
        import_history(
            rows(
                f"2026-10-0{count % 7 + 1},online,started,,{count}",
                f"2026-10-01,online,completion,{60 * (count + 1)},{count}",
            ),
            today=TODAY,
        )
    assert_months_are_the_sum_of_their_days()
    total = DailyCount.objects.filter(span="day", measure="started").aggregate(Sum("count"))
    assert total["count__sum"] == 17
