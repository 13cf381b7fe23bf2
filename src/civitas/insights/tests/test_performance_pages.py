"""The performance pages, the open data and the service owner's dashboard: what each shows,
that they agree, and the answer each gives to bad input."""

import csv
import datetime
import html
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.utils import timezone

from civitas.insights import views
from civitas.insights.dashboard import count_text, percent_text
from civitas.insights.models import JourneyEvent
from civitas.insights.open_data import CSV_HEADER, csv_rows, figures_document
from civitas.insights.periods import last_complete, period_containing
from civitas.insights.public import roll_up_journey_events
from civitas.insights.published import publish
from civitas.insights.tests.factories_figures import a_forecast, busy_figures, quiet_figures
from civitas.platform.models import AuditEvent
from tests.architecture.test_every_view_is_guarded import PUBLIC_ROUTES

pytestmark = pytest.mark.django_db

SLUG = "resident-parking-permit"
OPENAPI = Path(__file__).resolve().parents[4] / "docs" / "openapi.yaml"


def last_month():
    return last_complete("month", timezone.localdate())


@pytest.fixture
def figures_of(monkeypatch):
    """Serves the given figures, whatever the service, period and channel asked for."""

    def serve(make, **changes):
        asked = []

        def service_figures(slug, period, channel=None, *, organisation=None):
            asked.append((slug, period.label, channel, organisation))
            return make(period=period, **changes)

        monkeypatch.setattr(views, "service_figures", service_figures)
        return asked

    return serve


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- The public's pages -------------------------------------------------------------------


def test_the_public_page_shows_a_quiet_service_with_small_numbers_suppressed(client, figures_of):
    figures_of(quiet_figures)
    response = client.get(f"/performance/services/{SLUG}/?period={last_month().label}")
    assert response.status_code == 200
    page = text_of(response)
    assert "fewer than 5" in page
    assert "withheld" in page
    # 3 abandoned: never shown as a number.
    assert re.search(r"Abandoned</th>\s*<td[^>]*>fewer than 5<", page)


def test_each_chart_is_an_svg_named_by_its_summary_with_a_table_beside_it(client, figures_of):
    figures_of(busy_figures)
    page = client.get(f"/performance/services/{SLUG}/").content.decode()
    for chart in ("funnel", "channels", "satisfaction"):
        assert f'<svg role="img" aria-labelledby="{chart}-summary"' in page
        assert f'<p class="govuk-body" id="{chart}-summary">' in page
        assert f'id="{chart}-table"' in page
    # The policy allows no inline styles or scripts: none in the charts.
    svgs = re.findall(r"<svg.*?</svg>", page, re.DOTALL)
    # Weeks are not public periods, and the backlog is a snapshot of now: neither is drawn.
    assert len(svgs) == 3
    assert "backlog-summary" not in page
    for svg in svgs:
        assert " style=" not in svg
        assert "<style" not in svg
        assert "<script" not in svg
        assert "<text" in svg  # text stays text
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_the_public_page_defaults_to_the_last_month_that_has_ended(client, figures_of):
    asked = figures_of(busy_figures)
    client.get(f"/performance/services/{SLUG}/")
    # The month with the months before it in its year (and their quarters), so that
    # suppression agrees across them.
    month = last_month()
    assert (SLUG, month.label, None, None) == asked[-1 if month.start.month % 3 else -2]
    assert {entry[1][:4] for entry in asked} == {str(month.start.year)}
    assert len(asked) == month.start.month + month.start.month // 3


def test_a_year_once_published_is_served_from_the_cache(client, figures_of):
    asked = figures_of(busy_figures)
    client.get(f"/performance/services/{SLUG}/")
    first = len(asked)
    response = client.get(f"/api/v1/performance/{SLUG}", {"period": last_month().label})
    assert response.status_code == 200
    assert len(asked) == first


def test_the_public_is_refused_a_week_and_told_why(client, parking_permit, figures_of):
    figures_of(busy_figures)
    week = last_complete("week", timezone.localdate()).label
    response = client.get(f"/performance/services/{SLUG}/", {"period": week})
    assert response.status_code == 400
    assert "subtracting weeks from a month would reveal a count for a few days" in text_of(response)
    problem = client.get(f"/api/v1/performance/{SLUG}", {"period": week})
    assert problem.status_code == 400
    assert problem["Content-Type"] == "application/problem+json"
    assert problem.json()["detail"] == (
        "Figures are published by month, quarter or year: a week overlaps two months, "
        "and subtracting weeks from a month would reveal a count for a few days"
    )
    assert client.get(f"/api/v1/performance/{SLUG}.csv", {"period": week}).status_code == 400
    organisation = client.get("/performance/organisations/example-borough/", {"period": week})
    assert organisation.status_code == 400


def test_the_staff_dashboard_still_gives_a_week(client, signed_in, service_owner, figures_of):
    figures_of(busy_figures)
    signed_in(service_owner)
    week = last_complete("week", timezone.localdate()).label
    response = client.get(f"/staff/performance/{SLUG}/", {"period": week})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("last-year", "Enter a period as a month (2026-11), a quarter"),
        ("2026-13", "A month must be from 01 to 12"),
        ("2999", "has not started yet"),
    ],
)
def test_a_bad_period_on_the_public_page_is_explained(client, figures_of, period, message):
    figures_of(busy_figures)
    response = client.get(f"/performance/services/{SLUG}/", {"period": period})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page


def test_the_public_page_refuses_a_period_that_has_not_ended(client, figures_of):
    figures_of(busy_figures)
    current = period_containing("month", timezone.localdate()).label
    response = client.get(f"/performance/services/{SLUG}/", {"period": current})
    assert response.status_code == 400
    assert "has not ended yet" in response.content.decode()


def test_an_unknown_service_has_no_performance_page(client, parking_permit):
    assert client.get("/performance/services/no-such-service/").status_code == 404


def test_the_organisation_page_lists_its_services_with_their_key_figures(
    client, parking_permit, figures_of
):
    figures_of(busy_figures)
    response = client.get("/performance/organisations/example-borough/")
    assert response.status_code == 200
    page = text_of(response)
    assert parking_permit.title in page or "parking" in page.lower()
    assert "80.0%" in page  # completion rate: 960 of 1,200
    assert client.get("/performance/organisations/nobody/").status_code == 404


def test_the_public_page_is_in_welsh(client, figures_of):
    figures_of(busy_figures)
    client.get("/language/cy/")
    response = client.get(f"/performance/services/{SLUG}/", HTTP_ACCEPT_LANGUAGE="cy")
    page = response.content.decode()
    assert 'lang="cy"' in page
    assert "Perfformiad" in page


def test_a_bad_period_is_explained_in_welsh_on_a_welsh_page(client, figures_of):
    figures_of(busy_figures)
    client.get("/language/cy/")
    response = client.get(f"/performance/services/{SLUG}/", {"period": "2026-13"})
    assert response.status_code == 400
    assert "Rhaid i&#39;r mis fod rhwng 01 a 12" in response.content.decode()


def test_a_week_is_refused_in_welsh_on_a_welsh_page(client, figures_of):
    figures_of(busy_figures)
    client.get("/language/cy/")
    week = last_complete("week", timezone.localdate()).label
    response = client.get(f"/performance/services/{SLUG}/", {"period": week})
    assert response.status_code == 400
    assert "Cyhoeddir ffigurau fesul mis, chwarter neu flwyddyn" in response.content.decode()


# --- Open data -----------------------------------------------------------------------------


def test_the_json_and_the_csv_hold_the_same_figures(client, figures_of):
    figures_of(quiet_figures)
    period = last_month().label
    document = client.get(f"/api/v1/performance/{SLUG}", {"period": period}).json()
    response = client.get(f"/api/v1/performance/{SLUG}.csv", {"period": period})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == list(CSV_HEADER)
    assert [tuple(row) for row in rows[1:]] == list(csv_rows(document))
    by_figure = {row[0]: row for row in rows[1:]}
    assert by_figure["counts.abandoned"] == ["counts.abandoned", "", "fewer_than_5"]
    assert by_figure["counts.started"] == ["counts.started", "30", ""]
    assert document["counts"]["abandoned"] == {"value": None, "suppressed": "fewer_than_5"}
    assert document["period"]["label"] == period
    assert "errors_by_question" not in document
    assert "forecast" not in document
    assert document["weeks"] == []


def test_the_open_data_agrees_with_the_public_page(client, figures_of):
    figures_of(quiet_figures)
    period = last_month().label
    document = client.get(f"/api/v1/performance/{SLUG}", {"period": period}).json()
    page = text_of(client.get(f"/performance/services/{SLUG}/", {"period": period}))
    published = views.public_figures(SLUG, last_month())
    assert figures_document(published) == document
    for name, cell in published.transactions_by_channel.cells.items():
        label = {"online": "Online", "post": "By post", "phone": "By phone"}[name]
        assert re.search(rf"{label}</th>\s*<td[^>]*>{count_text(cell)}<", page)
    for step in published.funnel:
        assert re.search(rf"{step.title}</th>\s*<td[^>]*>{count_text(step.reached)}<", page)


@pytest.mark.parametrize(
    ("query", "status", "problem_type"),
    [
        ({"period": "2026-11-01..2026-11-30"}, 400, "invalid-period"),
        ({"period": "9999-W01"}, 400, "invalid-period"),
        ({"period": "2026-W54"}, 400, "invalid-period"),
    ],
)
def test_the_api_answers_a_bad_period_with_a_problem(
    client, figures_of, query, status, problem_type
):
    figures_of(busy_figures)
    response = client.get(f"/api/v1/performance/{SLUG}", query)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["type"].endswith(problem_type)
    assert body["detail"]


@pytest.mark.parametrize(
    "period",
    ["9" * 10_000, "2026-11' OR 1=1", "２０２６-11", "2026 - 11", "2026-00", "1999", "-2026"],
)
def test_the_api_answers_hostile_periods_with_a_problem(client, figures_of, period):
    figures_of(busy_figures)
    response = client.get(f"/api/v1/performance/{SLUG}", {"period": period})
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body["title"] == "Invalid period"
    assert len(body["detail"]) < 200


def test_the_api_refuses_a_period_that_has_not_ended(client, figures_of):
    figures_of(busy_figures)
    current = period_containing("quarter", timezone.localdate()).label
    response = client.get(f"/api/v1/performance/{SLUG}.csv", {"period": current})
    assert response.status_code == 400
    assert "has not ended yet" in json.loads(response.content)["detail"]


def test_the_api_answers_an_unknown_service_with_a_problem(client, parking_permit):
    response = client.get("/api/v1/performance/no-such-service")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_the_api_gives_real_figures_of_a_live_service(client, parking_permit):
    response = client.get(f"/api/v1/performance/{parking_permit.slug}")
    assert response.status_code == 200
    document = response.json()
    assert document["suppressed"] is True
    assert document["counts"]["started"] == {"value": 0}


# --- The service owner's dashboard ----------------------------------------------------------


def test_the_service_owner_sees_exact_figures_and_the_forecast_and_it_is_audited(
    client, signed_in, service_owner, figures_of, monkeypatch
):
    asked = figures_of(quiet_figures)
    monkeypatch.setattr(
        views, "find_forecast", lambda slug, today, *, organisation_id: a_forecast(slug)
    )
    signed_in(service_owner)
    response = client.get(f"/staff/performance/{SLUG}/", {"period": last_month().label})
    assert response.status_code == 200
    page = text_of(response)
    assert asked == [(SLUG, last_month().label, None, "example-borough")]
    assert re.search(r"Abandoned</th>\s*<td[^>]*>3<", page)
    assert "fewer than 5" not in page
    assert '<svg role="img" aria-labelledby="forecast-summary"' in page
    assert "caseworker hours" in page
    assert "your-vehicle.registration" in page
    event = AuditEvent.objects.get(action="insights.performance_viewed")
    assert event.object_id == SLUG
    assert event.organisation == "example-borough"


def test_the_service_owner_filters_by_channel_and_period(
    client, signed_in, service_owner, figures_of
):
    asked = figures_of(busy_figures)
    signed_in(service_owner)
    current = period_containing("month", timezone.localdate()).label
    response = client.get(f"/staff/performance/{SLUG}/", {"period": current, "channel": "phone"})
    assert response.status_code == 200
    assert asked == [(SLUG, current, "phone", "example-borough")]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"channel": "pigeon"}, "Choose a channel from the list"),
        ({"period": "yesterday"}, "Enter a period as a week"),
        ({"period": "2999-Q1"}, "has not started yet"),
    ],
)
def test_bad_filters_on_the_dashboard_are_explained(
    client, signed_in, service_owner, figures_of, query, message
):
    figures_of(busy_figures)
    signed_in(service_owner)
    response = client.get(f"/staff/performance/{SLUG}/", query)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert not AuditEvent.objects.filter(action="insights.performance_viewed").exists()


@pytest.mark.parametrize("tail", ["     x", "     2027", " " * 5 + "\x00", "-01-01-01-01"])
def test_a_period_with_anything_after_it_is_refused_not_read_as_the_period(
    client, signed_in, service_owner, figures_of, tail
):
    figures_of(busy_figures)
    typed = last_month().label + tail
    public = (
        f"/performance/services/{SLUG}/",
        "/performance/organisations/example-borough/",
        f"/api/v1/performance/{SLUG}",
        f"/api/v1/performance/{SLUG}.csv",
    )
    for path in public:
        assert client.get(path, {"period": typed}).status_code == 400, path
    signed_in(service_owner)
    for path in (f"/staff/performance/{SLUG}/", f"/staff/performance/{SLUG}/figures.csv"):
        response = client.get(path, {"period": typed})
        assert response.status_code == 400, path
        assert "Enter a period as a week" in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="insights.").exists()


HOSTILE_PERIODS = [
    "\x00",
    "2026-11\x00",
    "\u202e2026-11",
    "2026-11\u2066",
    "9" * 10_000,
    "٢٠٢٦-١١",
    "２０２６",
    "2026-11' OR 1=1",
    "99999-01",
    "2025-W53",  # 2025 has 52 ISO weeks
    "2026-Q0",
]


@pytest.mark.parametrize("period", HOSTILE_PERIODS)
def test_hostile_periods_get_the_error_summary_on_every_page(
    client, signed_in, service_owner, figures_of, period
):
    figures_of(busy_figures)
    pages = [f"/performance/services/{SLUG}/", "/performance/organisations/example-borough/"]
    for path in pages:
        response = client.get(path, {"period": period})
        assert response.status_code == 400, path
        page = response.content.decode()
        assert "There is a problem" in page
        # What was typed is shown back in the form, but no more of it than a period takes.
        typed = re.search(r'name="period" type="text" value="([^"]*)"', page, re.DOTALL)
        assert typed is not None
        assert len(html.unescape(typed[1])) <= 12
    signed_in(service_owner)
    for path in (f"/staff/performance/{SLUG}/", f"/staff/performance/{SLUG}/figures.csv"):
        response = client.get(path, {"period": period})
        assert response.status_code == 400, path
        assert "There is a problem" in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="insights.").exists()


@pytest.mark.parametrize("channel", ["\x00", "online\x00", "post\u202e", "x" * 5000, "ONLINE"])
def test_a_channel_not_in_the_list_gets_the_error_summary_and_no_download(
    client, signed_in, service_owner, figures_of, channel
):
    figures_of(busy_figures)
    signed_in(service_owner)
    for path in (f"/staff/performance/{SLUG}/", f"/staff/performance/{SLUG}/figures.csv"):
        response = client.get(path, {"channel": channel})
        assert response.status_code == 400, path
        assert "Choose a channel from the list" in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="insights.").exists()


def test_the_performance_pages_and_api_only_answer_gets(
    client, signed_in, service_owner, figures_of
):
    figures_of(busy_figures)
    paths = [
        f"/performance/services/{SLUG}/",
        "/performance/organisations/example-borough/",
        f"/api/v1/performance/{SLUG}",
        f"/api/v1/performance/{SLUG}.csv",
        "/staff/performance/",
        f"/staff/performance/{SLUG}/",
        f"/staff/performance/{SLUG}/figures.csv",
    ]
    signed_in(service_owner)
    for path in paths:
        assert client.post(path).status_code == 405, path
        assert client.delete(path).status_code == 405, path
    assert not AuditEvent.objects.filter(action__startswith="insights.").exists()


def test_the_dashboards_csv_is_its_exact_figures_and_the_download_is_audited(
    client, signed_in, service_owner, figures_of, monkeypatch
):
    figures_of(quiet_figures)
    monkeypatch.setattr(
        views, "find_forecast", lambda slug, today, *, organisation_id: a_forecast(slug)
    )
    signed_in(service_owner)
    period = last_month()
    response = client.get(f"/staff/performance/{SLUG}/figures.csv", {"period": period.label})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    expected = figures_document(
        publish(quiet_figures(period=period), suppressed=False), a_forecast(SLUG)
    )
    assert [tuple(row) for row in rows[1:]] == list(csv_rows(expected))
    assert ("counts.abandoned", "3", "") in [tuple(row) for row in rows]
    assert AuditEvent.objects.filter(action="insights.performance_downloaded").count() == 1

    # The page shows what the download holds.
    page = text_of(client.get(f"/staff/performance/{SLUG}/", {"period": period.label}))
    values = {row[0]: row[1] for row in rows[1:]}
    for kpi in ("completion_rate", "digital_take_up", "user_satisfaction"):
        shown = percent_text(Decimal(values[f"kpis.{kpi}"]))
        assert re.search(rf'id="kpi-{kpi}">{re.escape(shown)}<', page), kpi
    for name in ("started", "submitted", "abandoned", "decided"):
        label = {"started": "Started", "submitted": "Sent"}.get(name, name.capitalize())
        assert re.search(rf"{label}</th>\s*<td[^>]*>{values[f'counts.{name}']}<", page)
    for name, count in values.items():
        if name.startswith("transactions_by_channel.cells."):
            assert f">{count}<" in page


def test_another_organisations_service_is_not_found_on_the_dashboard(
    client, signed_in, service_owner, other_council_permit
):
    signed_in(service_owner)
    # The same slug, run live by Sample District only: Example Borough's owner finds
    # nothing, on the page or in the download.
    assert other_council_permit.organisation == "sample-district"
    assert client.get(f"/staff/performance/{other_council_permit.slug}/").status_code == 404
    csv_url = f"/staff/performance/{other_council_permit.slug}/figures.csv"
    assert client.get(csv_url).status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="insights.").exists()


def test_the_dashboard_index_lists_the_organisations_live_services(
    client, signed_in, service_owner, parking_permit
):
    signed_in(service_owner)
    page = client.get("/staff/performance/").content.decode()
    assert f"/staff/performance/{parking_permit.slug}/" in page


def test_a_caseworker_may_not_see_the_dashboard(client, signed_in, caseworker):
    signed_in(caseworker)
    assert client.get(f"/staff/performance/{SLUG}/").status_code == 403


# --- Import path ------------------------------------------------------------------------------


def test_other_pages_do_not_import_matplotlib():
    code = (
        "import django, sys; django.setup(); import civitas.urls; "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "civitas.settings"},
    )
    assert result.stdout.strip() == "False"


def test_the_open_data_is_what_the_api_document_says(client, figures_of):
    figures_of(quiet_figures)
    document = yaml.safe_load(OPENAPI.read_text())
    operation = document["paths"]["/api/v1/performance/{slug}"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    schema = {**schema, "components": document["components"]}
    body = client.get(f"/api/v1/performance/{SLUG}").json()
    jsonschema.Draft202012Validator(schema).validate(body)
    assert "api/v1/performance/<slug:slug>" in PUBLIC_ROUTES


# --- From real journey events, through service_figures ----------------------------------------


def _journeys(count: int, *, submitted: int, period, roll_up: bool = True) -> None:
    zone = timezone.get_current_timezone()
    day = datetime.datetime.combine(period.start, datetime.time(10), tzinfo=zone)
    for index in range(count):
        key = f"journey-{period.label}-{index}"
        values = {
            "organisation": "example-borough",
            "service_slug": SLUG,
            "channel": "online",
            "language": "en",
            "device": "desktop",
            "page": "",
            "question": "",
        }
        JourneyEvent.objects.create(
            journey_key=key, kind="started", occurred_at=day, recorded_at=day, **values
        )
        if index < submitted:
            sent = day + datetime.timedelta(minutes=10)
            JourneyEvent.objects.create(
                journey_key=key, kind="submitted", occurred_at=sent, recorded_at=sent, **values
            )
    if roll_up:
        # Counted by the rollup job, as a worker would, long after every event.
        roll_up_journey_events(now=timezone.now() + datetime.timedelta(days=3650))


def test_real_figures_agree_on_the_dashboard_the_public_page_and_the_open_data(
    client, signed_in, service_owner, parking_permit
):
    period = last_month()
    _journeys(12, submitted=3, period=period)
    document = client.get(f"/api/v1/performance/{SLUG}", {"period": period.label}).json()
    assert document["counts"]["started"] == {"value": 12}
    assert document["counts"]["submitted"]["value"] is None
    assert document["kpis"]["completion_rate"] is None  # 3 of 12 would give the 3 back
    public = text_of(client.get(f"/performance/services/{SLUG}/", {"period": period.label}))
    assert re.search(r"Started</th>\s*<td[^>]*>12<", public)
    assert re.search(r"Sent</th>\s*<td[^>]*>(fewer than 5|withheld)<", public)

    signed_in(service_owner)
    dashboard = text_of(client.get(f"/staff/performance/{SLUG}/", {"period": period.label}))
    assert re.search(r"Sent</th>\s*<td[^>]*>3<", dashboard)
    assert "25.0%" in dashboard


def test_a_month_hidden_in_its_quarter_is_not_given_back_by_the_other_months(
    client, parking_permit
):
    quarter = last_complete("quarter", timezone.localdate())
    first = period_containing("month", quarter.start)
    second, third = first.next(), first.next().next()
    for month, count in ((first, 20), (second, 3), (third, 30)):
        _journeys(count, submitted=0, period=month, roll_up=False)
    roll_up_journey_events(now=timezone.now() + datetime.timedelta(days=3650))

    def started(period) -> int | None:
        response = client.get(f"/api/v1/performance/{SLUG}", {"period": period.label})
        assert response.status_code == 200
        rows = list(
            csv.reader(
                io.StringIO(
                    b"".join(
                        client.get(
                            f"/api/v1/performance/{SLUG}.csv", {"period": period.label}
                        ).streaming_content
                    ).decode()
                )
            )
        )
        assert [tuple(row) for row in rows[1:]] == list(csv_rows(response.json()))
        return response.json()["counts"]["started"]["value"]

    assert started(second) is None
    # 20 + ? + 30 = 53 would give the 3 back: one more of them is withheld.
    shown = [started(first), started(third), started(quarter)]
    assert None in shown
    page = text_of(client.get(f"/performance/services/{SLUG}/", {"period": quarter.label}))
    quarter_started = started(quarter)
    expected = "withheld" if quarter_started is None else str(quarter_started)
    assert re.search(rf"Started</th>\s*<td[^>]*>{expected}<", page)
