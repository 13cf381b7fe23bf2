"""`civitas demo setup` gives every live example service two years of history, so its
owner's dashboard shows figures and a seasonal forecast on a fresh demo, the same figures
however often it runs."""

import datetime

import pyotp
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from civitas.catalogue.public import list_live_services
from civitas.demo.management.commands.demo import DEMO_ORGANISATIONS, DEMO_STAFF
from civitas.insights.models import DailyCount
from civitas.insights.periods import last_complete
from civitas.insights.public import roll_up_cases, roll_up_journey_events, service_figures


def sign_in(client, email: str) -> None:
    person = next(person for person in DEMO_STAFF if person["email"] == email)
    response = client.post("/staff/sign-in", {"email": email, "password": person["password"]})
    assert response.status_code == 302, response.content
    code = pyotp.TOTP(person["totp_secret"]).now()
    response = client.post("/staff/sign-in/code", {"code": code})
    assert response.status_code == 302, response.content


def _every_count() -> dict[tuple, int]:
    fields = ("span", "organisation", "service_slug", "day", "channel", "measure", "key")
    return {
        tuple(getattr(row, name) for name in fields): row.count for row in DailyCount.objects.all()
    }


def test_every_demo_service_shows_a_years_figures_and_a_forecast_to_its_owner(db, client):
    cache.clear()
    call_command("demo", "setup", stdout=None)
    counted = _every_count()
    call_command("demo", "setup", stdout=None)  # again: the same figures
    assert _every_count() == counted
    # The rollups own this month on: they leave the history alone.
    roll_up_journey_events()
    roll_up_cases()
    assert DailyCount.objects.count() == len(counted)

    year = last_complete("year", timezone.localdate())
    services = [s for s in list_live_services() if s.organisation.slug in DEMO_ORGANISATIONS]
    assert {s.organisation.slug for s in services} == set(DEMO_ORGANISATIONS)
    for service in services:
        figures = service_figures(service.slug, year, organisation=service.organisation.slug)
        shown = {
            "started": figures.started,
            "submitted": figures.submitted,
            "decided": figures.decided,
            "completion rate": figures.completion_rate,
            "digital take-up": figures.digital_take_up,
            "cost per transaction": figures.cost_per_transaction_pence,
            "user satisfaction": figures.user_satisfaction,
            "time to complete": figures.time_to_complete.count,
            "time to decision": figures.time_to_decision.count,
            "within the service level": figures.decided_within_service_level_rate,
        }
        missing = [name for name, value in shown.items() if not value]
        assert missing == [], f"{service.organisation.slug}/{service.slug}"
        # People drop off page by page.
        assert figures.funnel[0].reached > figures.funnel[-1].reached

    for organisation in DEMO_ORGANISATIONS:
        client.logout()
        sign_in(client, f"owner@{organisation}.gov.uk")
        for service in services:
            if service.organisation.slug != organisation:
                continue
            response = client.get(f"/staff/performance/{service.slug}/")
            assert response.status_code == 200
            page = response.content.decode()
            assert '<svg role="img" aria-labelledby="forecast-summary"' in page, service.slug
            assert "Seasonal" in page, service.slug

    # And the public's open data, small numbers suppressed, of the last month.
    client.logout()
    month = last_complete("month", timezone.localdate()).label
    for slug in {service.slug for service in services}:
        response = client.get(f"/api/v1/performance/{slug}", {"period": month})
        assert response.status_code == 200, slug
        assert response.json()["counts"]["started"]["value"], slug

    # The history ends where the rollups' month begins, and covers two years and more.
    first_of_month = timezone.localdate().replace(day=1)
    days = DailyCount.objects.filter(span="day").order_by("day").values_list("day", flat=True)
    assert days.last() == first_of_month - datetime.timedelta(days=1)
    assert (first_of_month - days.first()).days > 2 * 365
