"""The service owner enters the transactions by post, phone and in person, and the cost of
a transaction by each channel; the figures read them back for any period."""

import datetime

import pytest
from django.utils import timezone

from civitas.insights.channels import (
    channel_costs_pence,
    channel_volumes,
    enter_channel_volumes,
    parse_cost_pence,
)
from civitas.insights.models import ChannelCost, ChannelVolume
from civitas.platform.models import AuditEvent
from conftest import make_staff

PAGE = "/staff/insights/channels/resident-parking-permit/"


@pytest.fixture
def owner_signed_in(client, signed_in, service_owner, parking_permit):
    signed_in(service_owner)
    return service_owner


def test_the_owner_sees_their_live_services(client, owner_signed_in):
    page = client.get("/staff/insights/channels/").content.decode()
    assert PAGE in page


def test_a_months_volumes_are_saved_and_audited(client, owner_signed_in, parking_permit):
    response = client.post(
        PAGE + "volumes", {"month": "2026-10", "post": "1,250", "phone": "30", "in_person": ""}
    )
    assert response.status_code == 302
    assert response["Location"] == PAGE + "?saved=volumes"
    stored = dict(ChannelVolume.objects.values_list("channel", "transactions"))
    assert stored == {"post": 1250, "phone": 30}
    assert ChannelVolume.objects.filter(month=datetime.date(2026, 10, 1)).count() == 2
    event = AuditEvent.objects.get(action="insights.channel_volumes_entered")
    assert event.details == {"month": "2026-10", "volumes": {"post": 1250, "phone": 30}}
    assert event.actor_id == str(owner_signed_in.pk)
    page = client.get(response["Location"]).content.decode()
    assert "The transactions were saved" in page
    assert "1,250" in page


def test_entering_a_month_again_replaces_its_figures(client, owner_signed_in):
    client.post(PAGE + "volumes", {"month": "2026-10", "post": "10"})
    client.post(PAGE + "volumes", {"month": "2026-10", "post": "12", "phone": "3"})
    assert dict(ChannelVolume.objects.values_list("channel", "transactions")) == {
        "post": 12,
        "phone": 3,
    }


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"month": "October", "post": "1"}, "month", "Enter the month as a year and month"),
        ({"month": "2026-13", "post": "1"}, "month", "Enter the month as a year and month"),
        ({"month": "1999-12", "post": "1"}, "month", "Enter a month from 2000-01"),
        ({"month": "2999-01", "post": "1"}, "month", "The month must be this month or earlier"),
        ({"month": "2026-10", "post": "-4"}, "post", "Enter a whole number"),
        ({"month": "2026-10", "phone": "1.5"}, "phone", "Enter a whole number"),
        ({"month": "2026-10", "in_person": "9" * 30}, "in_person", "Enter a whole number"),
        ({"month": "2026-10", "post": "200000000"}, "post", "100,000,000 or less"),
        ({"month": "2026-10"}, "post", "Enter the transactions for at least one channel"),
        ({"month": "2026-10", "post": "\x00"}, "post", "Enter a whole number"),
        # Digits Python's int() reads but nobody means: other scripts, full width, "_".
        ({"month": "2026-10", "post": "١٢٣"}, "post", "Enter a whole number"),
        ({"month": "2026-10", "phone": "１２"}, "phone", "Enter a whole number"),
        ({"month": "2026-10", "post": "1_000"}, "post", "Enter a whole number"),
        ({"month": "2026-10", "post": "1e3"}, "post", "Enter a whole number"),
        ({"month": "\x00", "post": "1"}, "month", "Enter the month as a year and month"),
        ({"month": "2026-10\u202e", "post": "1"}, "month", "Enter the month as a year and month"),
        ({"month": "2026-10" + "0" * 5000, "post": "1"}, "month", "Enter the month as"),
        ({"month": "٢٠٢٦-١٠", "post": "1"}, "month", "Enter the month as a year and month"),
    ],
)
def test_bad_volumes_get_the_govuk_error_summary(client, owner_signed_in, form, field, message):
    response = client.post(PAGE + "volumes", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert f'href="#{field}"' in page
    assert message in page
    assert not ChannelVolume.objects.exists()


def test_costs_are_saved_in_pence_cleared_when_blank_and_audited(client, owner_signed_in):
    response = client.post(
        PAGE + "costs",
        {"cost-online": "0.35", "cost-post": "£8.50", "cost-phone": "4", "cost-in_person": ""},
    )
    assert response.status_code == 302
    assert channel_costs_pence("resident-parking-permit") == {
        "online": 35,
        "post": 850,
        "phone": 400,
    }
    client.post(PAGE + "costs", {"cost-online": "0.40"})
    assert channel_costs_pence("resident-parking-permit") == {"online": 40}
    assert AuditEvent.objects.filter(action="insights.channel_costs_set").count() == 2
    page = client.get(PAGE).content.decode()
    assert 'value="0.40"' in page


@pytest.mark.parametrize(
    "typed",
    ["abc", "-1", "1.234", "££5", "1e5", "2000000", "0x10", "\x00", "١٢", "1_000", "£\u202e5"],
)
def test_a_cost_that_is_not_pounds_and_pence_is_refused(client, owner_signed_in, typed):
    response = client.post(PAGE + "costs", {"cost-post": typed})
    assert response.status_code == 400
    assert 'href="#cost-post"' in response.content.decode()
    assert not ChannelCost.objects.exists()


def test_the_forms_take_only_posts(client, owner_signed_in):
    for form in ("volumes", "costs"):
        assert client.get(PAGE + form).status_code == 405
        assert client.put(PAGE + form, {"post": "1"}).status_code == 405
    assert client.post(PAGE, {"post": "1"}).status_code == 405
    assert not ChannelVolume.objects.exists()


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("0", 0), ("0.5", 50), ("12", 1200), ("1,200.05", 120005), (" £3.99 ", 399), ("", None)],
)
def test_costs_read_as_people_type_them(typed, pence):
    assert parse_cost_pence(typed) == pence


def test_a_service_the_organisation_does_not_run_is_not_found(
    client, signed_in, other_council_permit
):
    signed_in(make_staff("owner@sample-district.gov.uk", "service_owner", "sample-district"))
    # Sample District runs no service of this slug. Another council's service is walled
    # off the same way: test_organisation_wall.py.
    assert client.get("/staff/insights/channels/report-a-problem/").status_code == 404
    response = client.post("/staff/insights/channels/report-a-problem/volumes", {"post": "1"})
    assert response.status_code == 404
    assert not ChannelVolume.objects.exists()


def test_a_caseworker_may_not_enter_figures(client, signed_in, caseworker, parking_permit):
    signed_in(caseworker)
    assert client.post(PAGE + "volumes", {"month": "2026-10", "post": "1"}).status_code == 403


def _enter(organisation_id, month, **volumes):
    enter_channel_volumes(
        organisation_id=organisation_id,
        organisation="example-borough",
        staff_user_id="1",
        service_slug="resident-parking-permit",
        month=month,
        volumes=volumes,
    )


def test_volumes_for_whole_months_are_summed(parking_permit):
    organisation_id = parking_permit.organisation_id
    _enter(organisation_id, datetime.date(2026, 10, 1), post=310, phone=31)
    _enter(organisation_id, datetime.date(2026, 11, 1), post=300)
    _enter(organisation_id, datetime.date(2026, 12, 1), post=1000)
    assert channel_volumes(
        "resident-parking-permit", datetime.date(2026, 10, 1), datetime.date(2026, 12, 1)
    ) == {"post": 610, "phone": 31}


def test_a_week_gets_its_share_of_its_months_volume(parking_permit):
    _enter(parking_permit.organisation_id, datetime.date(2026, 10, 1), post=310)
    # 2026-W44: Monday 26 October to Sunday 1 November: 6 of October's 31 days.
    assert channel_volumes(
        "resident-parking-permit", datetime.date(2026, 10, 26), datetime.date(2026, 11, 2)
    ) == {"post": 60}


def test_no_volumes_entered_reads_as_no_channels(parking_permit):
    today = timezone.localdate()
    assert channel_volumes("resident-parking-permit", today, today) == {}
    assert channel_volumes("resident-parking-permit", today.replace(day=1), today) == {}
