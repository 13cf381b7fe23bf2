"""Staff preview a draft version of their own organisation's service before it goes live."""

import pytest
from django.core.management import call_command

from civitas.cases.models import Case
from civitas.catalogue.models import ServiceVersion
from civitas.catalogue.public import get_live_service, publish_service_file
from civitas.catalogue.queries import forget_live_versions
from civitas.journeys.tests.test_pages import URL as LIVE_URL
from civitas.journeys.tests.versions import NEW_LABEL, changed_permit
from civitas.notify.models import Message
from conftest import make_staff, permit_address

PREVIEW = "/staff/preview/resident-parking-permit/2"


@pytest.fixture
def draft(parking_permit, tmp_path):
    result = publish_service_file(changed_permit(tmp_path), published_by="test", draft=True)
    assert (result.version, result.is_new) == (2, True)
    return result


def walk_through(client, version: int = 2) -> None:
    import datetime

    from django.utils import timezone

    start = timezone.localdate() + datetime.timedelta(days=7)
    steps = [
        ("address", permit_address()),
        ("vehicle", {"registration": "cu57 abc"}),
        ("emissions", {"co2_band": "B"}),
        ("permit-length", {"permit_months": "12"}),
        (
            "start-date",
            {
                "start_date-day": str(start.day),
                "start_date-month": str(start.month),
                "start_date-year": str(start.year),
            },
        ),
        ("household-permits", {"permits_in_household": "0"}),
        ("blue-badge", {"has_blue_badge": "no"}),
        ("email", {"email": "owner@example.gov.uk"}),
    ]
    for page, data in steps:
        response = client.post(f"{PREVIEW}/{page}/", {"version": str(version), **data})
        assert response.status_code == 302, (page, response.content[:2000])
        assert response["Location"].startswith(PREVIEW)


def test_a_draft_is_not_live(draft, client):
    forget_live_versions()
    assert get_live_service("example-borough", "resident-parking-permit").version == 1
    assert NEW_LABEL not in client.get(f"{LIVE_URL}/").content.decode()
    assert ServiceVersion.objects.get(version=2).status == "draft"


@pytest.mark.parametrize("persona", ["owner@example.gov.uk", "admin@example.gov.uk"])
def test_a_service_owner_or_administrator_walks_through_a_draft_marked_as_a_preview(
    draft, client, signed_in, persona
):
    role = "service_owner" if persona.startswith("owner") else "administrator"
    signed_in(make_staff(persona, role))
    for url in (f"{PREVIEW}/", f"{PREVIEW}/address/"):
        page = client.get(url)
        assert page.status_code == 200
        assert "This is a preview of draft version 2" in page.content.decode()
    walk_through(client)
    page = client.get(f"{PREVIEW}/vehicle/").content.decode()
    assert NEW_LABEL in page
    assert "This is a preview" in page
    assert "This is a preview" in client.get(f"{PREVIEW}/check-answers/").content.decode()


def test_sending_a_preview_stores_no_case_and_emails_no_one(draft, client, signed_in):
    signed_in(make_staff("owner@example.gov.uk", "service_owner"))
    walk_through(client)
    response = client.post(f"{PREVIEW}/declaration/", {"version": "2", "confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == f"{PREVIEW}/confirmation/PREVIEW/"
    page = client.get(response["Location"]).content.decode()
    assert "PREVIEW" in page
    assert "This is a preview" in page
    assert not Case.objects.exists()
    assert not Message.objects.exists()


def test_a_preview_keeps_its_answers_apart_from_a_real_application(draft, client, signed_in):
    signed_in(make_staff("owner@example.gov.uk", "service_owner"))
    walk_through(client)
    assert client.get(f"{LIVE_URL}/check-answers/")["Location"].endswith("/address/")


def test_another_councils_staff_guessing_a_preview_url_get_a_404(draft, client, signed_in):
    signed_in(make_staff("owner@sample-district.gov.uk", "service_owner", "sample-district"))
    for url in (f"{PREVIEW}/", f"{PREVIEW}/address/", f"{PREVIEW}/check-answers/"):
        assert client.get(url).status_code == 404
    assert client.post(f"{PREVIEW}/address/", {"version": "2"}).status_code == 404


def test_a_caseworker_may_not_preview(draft, client, signed_in):
    signed_in(make_staff("caseworker@example.gov.uk", "caseworker"))
    assert client.get(f"{PREVIEW}/").status_code == 403


def test_the_public_cannot_open_a_preview(draft, client):
    response = client.get(f"{PREVIEW}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/staff/sign-in")


@pytest.mark.parametrize("version", [1, 3, 999])
def test_only_a_draft_version_can_be_previewed(draft, client, signed_in, version):
    signed_in(make_staff("owner@example.gov.uk", "service_owner"))
    assert client.get(f"/staff/preview/resident-parking-permit/{version}/").status_code == 404


def test_promoting_a_draft_makes_it_live(draft, capsys):
    call_command("services", "promote", "example-borough/resident-parking-permit", "2")
    assert "version 2 is live" in capsys.readouterr().out
    forget_live_versions()
    assert get_live_service("example-borough", "resident-parking-permit").version == 2
    assert ServiceVersion.objects.get(version=1).status == "retired"


def test_publishing_the_same_draft_again_changes_nothing(draft, tmp_path):
    again = publish_service_file(changed_permit(tmp_path), published_by="test", draft=True)
    assert (again.version, again.is_new) == (2, False)


def test_only_a_draft_can_be_promoted(parking_permit):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no draft version 1"):
        call_command("services", "promote", "example-borough/resident-parking-permit", "1")


def test_the_timeout_warning_works_in_a_preview(draft, client, signed_in):
    signed_in(make_staff("owner@example.gov.uk", "service_owner"))
    client.post(f"{PREVIEW}/address/", {"version": "2", **permit_address()})
    page = client.get(f"{PREVIEW}/address/").content.decode()
    assert f'data-keep-alive-url="{PREVIEW}/keep-alive/"' in page
    assert "Save and come back later" not in page
    assert client.post(f"{PREVIEW}/keep-alive/").json()["alive"] is True
    assert "has timed out" in client.get(f"{PREVIEW}/timed-out/").content.decode()


def test_a_draft_overtaken_by_a_newer_live_version_cannot_be_promoted(draft, tmp_path):
    from civitas.catalogue.public import VersionNotFound, promote_draft

    newer = changed_permit(tmp_path, old="Apply for a resident parking permit", new="Apply now")
    assert publish_service_file(newer, published_by="test").version == 3
    with pytest.raises(VersionNotFound, match="older than the live version 3"):
        promote_draft(
            organisation="example-borough",
            slug="resident-parking-permit",
            version=2,
            published_by="test",
        )
    assert ServiceVersion.objects.get(version=2).status == "draft"


def test_a_withdrawn_draft_can_no_longer_be_previewed(draft, client, signed_in):
    from civitas.catalogue.public import withdraw_version

    signed_in(make_staff("owner@example.gov.uk", "service_owner"))
    assert client.get(f"{PREVIEW}/").status_code == 200
    withdraw_version(organisation="example-borough", slug="resident-parking-permit", version=2)
    assert client.get(f"{PREVIEW}/").status_code == 404


def test_check_answers_in_a_preview_sends_to_the_preview(draft, client, signed_in):
    signed_in(make_staff("owner@example.gov.uk", "service_owner"))
    walk_through(client)
    page = client.get(f"{PREVIEW}/check-answers/").content.decode()
    assert f'action="{PREVIEW}/check-answers/"' in page
    assert f'href="{PREVIEW}/privacy/"' in client.get(f"{PREVIEW}/").content.decode()
    response = client.post(f"{PREVIEW}/check-answers/", {"version": "2", "confirm": "yes"})
    assert response["Location"] == f"{PREVIEW}/confirmation/PREVIEW/"
    assert not Case.objects.exists()


def test_a_draft_whose_routing_team_has_gone_is_not_promoted_and_the_live_one_stays(draft):
    from django.core.management.base import CommandError

    from civitas.identity.models import Team

    Team.objects.filter(organisation__slug="example-borough", slug="parking").delete()
    with pytest.raises(CommandError, match="routes cases to 'parking'"):
        call_command("services", "promote", "example-borough/resident-parking-permit", "2")
    assert ServiceVersion.objects.get(version=1).status == "live"
    assert ServiceVersion.objects.get(version=2).status == "draft"
