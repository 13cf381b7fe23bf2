"""The performance figures, the channels' figures and the citizens' comments are walled off
between organisations.

A service owner of a second council, properly signed in with a second factor, must not see
or change the first council's figures: not by the pages, not by a guessed URL, and without
learning whether the first council runs the service. Where both councils run a service of
the same slug, each sees and changes only its own.
"""

import csv
import datetime
import io

import pytest
from django.test import Client
from django.utils import timezone

from civitas.insights.channels import enter_channel_volumes, set_channel_costs
from civitas.insights.feedback import record_feedback
from civitas.insights.models import ChannelCost, ChannelVolume, Feedback
from civitas.insights.periods import last_complete
from civitas.platform.models import AuditEvent
from conftest import make_staff

SLUG = "resident-parking-permit"
CHANNELS = f"/staff/insights/channels/{SLUG}/"


@pytest.fixture
def district_owner(db):
    return make_staff("owner@sample-district.gov.uk", "service_owner", "sample-district")


@pytest.fixture
def intruder(client, signed_in, district_owner):
    """Sample District's service owner, signed in."""
    signed_in(district_owner)
    return client


def last_month():
    return last_complete("month", timezone.localdate())


def borough_figures(organisation_id: int) -> None:
    """What Example Borough's service owner and citizens entered for last month."""
    common = {
        "organisation_id": organisation_id,
        "organisation": "example-borough",
        "staff_user_id": "1",
        "service_slug": SLUG,
    }
    enter_channel_volumes(**common, month=last_month().start, volumes={"post": 4321})
    set_channel_costs(**common, costs_pence={"post": 987})
    stored = record_feedback(
        kind="satisfaction",
        satisfaction="very_dissatisfied",
        comment="Borough comment",
        organisation_id=organisation_id,
        service_slug=SLUG,
    )
    Feedback.objects.filter(pk=stored.pk).update(
        received_at=timezone.make_aware(
            datetime.datetime.combine(last_month().start, datetime.time(12))
        )
    )


def csv_values(response) -> dict[str, str]:
    rows = csv.reader(io.StringIO(b"".join(response.streaming_content).decode()))
    return {row[0]: row[1] for row in rows}


# --- A service only the first council runs -------------------------------------------------


def test_the_dashboard_and_its_download_of_anothers_service_are_the_404_of_no_service(
    intruder, parking_permit
):
    for path in (f"/staff/performance/{SLUG}/", f"/staff/performance/{SLUG}/figures.csv"):
        theirs = intruder.get(path, {"period": last_month().label})
        nobodys = intruder.get(path.replace(SLUG, "no-such-service"))
        assert theirs.status_code == nobodys.status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="insights.").exists()


def test_the_index_lists_none_of_anothers_services(intruder, parking_permit):
    for index in ("/staff/performance/", "/staff/insights/channels/"):
        page = intruder.get(index).content.decode()
        assert SLUG not in page, index


def test_anothers_channels_page_is_not_found(intruder, parking_permit):
    assert intruder.get(CHANNELS).status_code == 404


def test_volumes_for_anothers_service_are_refused_and_nothing_is_written(intruder, parking_permit):
    response = intruder.post(CHANNELS + "volumes", {"month": "2026-10", "post": "999"})
    assert response.status_code == 404
    assert not ChannelVolume.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="insights.").exists()


def test_costs_for_anothers_service_are_refused_and_nothing_is_written(intruder, parking_permit):
    borough_figures(parking_permit.organisation_id)
    response = intruder.post(CHANNELS + "costs", {"cost-post": "0.01"})
    assert response.status_code == 404
    # Blank costs clear them: a refused post must not have cleared the borough's either.
    assert intruder.post(CHANNELS + "costs", {}).status_code == 404
    assert dict(ChannelCost.objects.values_list("channel", "cost_pence")) == {"post": 987}
    assert not AuditEvent.objects.filter(
        action="insights.channel_costs_set", organisation="sample-district"
    ).exists()


# --- A service both councils run, by the same slug -----------------------------------------


def test_each_councils_dashboard_counts_only_its_own_figures(
    client, signed_in, intruder, parking_permit, other_council_permit, service_owner
):
    borough_figures(parking_permit.organisation_id)
    url = f"/staff/performance/{SLUG}/figures.csv"
    district = csv_values(intruder.get(url, {"period": last_month().label}))
    assert "4321" not in district.values()
    assert district.get("transactions_by_channel.cells.post", "0") == "0"
    assert "cost_per_channel_pence.post" not in district
    assert district["satisfaction.cells.very_dissatisfied"] == "0"
    event = AuditEvent.objects.get(action="insights.performance_downloaded")
    assert event.organisation == "sample-district"

    signed_in(service_owner)
    borough = csv_values(client.get(url, {"period": last_month().label}))
    assert borough["transactions_by_channel.cells.post"] == "4321"
    assert borough["cost_per_channel_pence.post"] == "987"
    assert borough["satisfaction.cells.very_dissatisfied"] == "1"


def test_volumes_and_costs_entered_by_one_council_change_only_its_own(
    client, signed_in, intruder, parking_permit, other_council_permit, service_owner
):
    borough_figures(parking_permit.organisation_id)
    month = last_month().label
    assert intruder.post(CHANNELS + "volumes", {"month": month, "post": "7"}).status_code == 302
    assert intruder.post(CHANNELS + "costs", {}).status_code == 302  # clears its own only
    by_organisation = {
        (organisation, channel): transactions
        for organisation, channel, transactions in ChannelVolume.objects.values_list(
            "organisation_id", "channel", "transactions"
        )
    }
    assert by_organisation == {
        (parking_permit.organisation_id, "post"): 4321,
        (other_council_permit.organisation_id, "post"): 7,
    }
    assert list(ChannelCost.objects.values_list("organisation_id", "cost_pence")) == [
        (parking_permit.organisation_id, 987)
    ]
    district_page = intruder.get(CHANNELS).content.decode()
    assert "4,321" not in district_page
    assert "9.87" not in district_page

    signed_in(service_owner)
    borough_page = client.get(CHANNELS).content.decode()
    assert "4,321" in borough_page
    assert "9.87" in borough_page
    assert ">7<" not in borough_page


def test_each_council_reads_only_its_own_comments_even_filtered_by_the_shared_slug(
    intruder, parking_permit, other_council_permit
):
    borough_figures(parking_permit.organisation_id)
    record_feedback(
        kind="problem",
        comment="District comment",
        organisation_id=other_council_permit.organisation_id,
        service_slug=SLUG,
    )
    borough = Feedback.objects.get(comment="Borough comment")
    cursor = f"{(borough.received_at + datetime.timedelta(days=1)).isoformat()}~{borough.pk + 1}"
    for query in ({}, {"service": SLUG}, {"service": SLUG, "after": cursor}):
        page = intruder.get("/staff/insights/feedback/", query).content.decode()
        assert "Borough comment" not in page, query
    assert "District comment" in intruder.get("/staff/insights/feedback/").content.decode()
    reads = AuditEvent.objects.filter(action="insights.feedback_read")
    assert set(reads.values_list("organisation", flat=True)) == {"sample-district"}


# --- Forged posts ----------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["volumes", "costs"])
def test_figures_posted_without_the_forms_token_are_refused_and_nothing_is_written(
    client, signed_in, service_owner, parking_permit, form
):
    signed_in(service_owner)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    assert strict.get(CHANNELS).status_code == 200  # signed in, with the form's cookie
    response = strict.post(
        CHANNELS + form, {"month": last_month().label, "post": "5", "cost-post": "1.00"}
    )
    assert response.status_code == 403
    assert not ChannelVolume.objects.exists()
    assert not ChannelCost.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="insights.channel").exists()
