"""The messaging component's staff pages: sending services with their use against their
limits, templates with previews, messages by status; each organisation sees only its own."""

import datetime
import html
import re

import pytest
from django.utils import timezone

from civitas.notify.models import Message
from civitas.notify.tests.factories import MessageFactory, SendingServiceFactory, make_template
from conftest import make_staff

pytestmark = pytest.mark.django_db


def test_a_service_owner_sees_each_sending_service_with_todays_use(
    client, signed_in, service_owner, parking_permit
):
    signed_in(service_owner)
    response = client.get("/staff/messages/services/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Resident parking permit" in page or "parking" in page.lower()
    assert "250,000" in page  # the daily limit for emails


def test_a_templates_preview_shows_its_placeholders_and_its_welsh(client, signed_in, service_owner):
    service = SendingServiceFactory(organisation=service_owner.memberships.get().organisation)
    template = make_template(
        service,
        body="# Hello\n\nDear ((name)), see https://example.gov.uk/x",
        welsh_body="Annwyl ((name))",
    )
    signed_in(service_owner)
    page = client.get(f"/staff/messages/templates/{template.id}/").content.decode()
    assert "Dear ((name))" in page
    assert '<a href="https://example.gov.uk/x"' in page
    assert "Preview in Welsh" in page
    assert "Annwyl ((name))" in page


def test_a_text_message_template_says_how_many_parts_it_is_charged_as(
    client, signed_in, service_owner
):
    service = SendingServiceFactory(organisation=service_owner.memberships.get().organisation)
    template = make_template(service, "sms", body="x" * 161)
    signed_in(service_owner)
    page = client.get(f"/staff/messages/templates/{template.id}/").content.decode()
    assert "Charged as 2 text messages" in page


def test_another_councils_service_and_template_are_not_found(client, signed_in, service_owner):
    other = make_staff("owner@sample-district.gov.uk", "service_owner", "sample-district")
    service = SendingServiceFactory(organisation=other.memberships.get().organisation)
    template = make_template(service)
    signed_in(service_owner)
    assert client.get(f"/staff/messages/services/{service.id}/").status_code == 404
    assert client.get(f"/staff/messages/templates/{template.id}/").status_code == 404
    assert client.get("/staff/messages/templates/not-a-uuid/").status_code == 404


def test_a_caseworker_cannot_see_the_sending_services(client, signed_in, caseworker):
    signed_in(caseworker)
    assert client.get("/staff/messages/services/").status_code == 403


def test_a_services_messages_page_by_key_and_filter_by_status(client, signed_in, service_owner):
    service = SendingServiceFactory(organisation=service_owner.memberships.get().organisation)
    now = timezone.now()
    for n in range(55):
        MessageFactory(
            organisation=service.organisation,
            sending_service=service,
            about=f"REF-{n:02}",
            created_at=now - datetime.timedelta(seconds=n),
            status=Message.Status.DELIVERED if n % 2 else Message.Status.CREATED,
        )
    signed_in(service_owner)
    first = client.get(f"/staff/messages/services/{service.id}/")
    page = first.content.decode()
    assert "REF-00" in page
    assert "REF-49" in page
    assert "REF-50" not in page
    older = re.search(r'href="(\?[^"]+)#messages">Older messages', page).group(1)
    second = client.get(f"/staff/messages/services/{service.id}/{html.unescape(older)}")
    assert "REF-50" in second.content.decode()
    assert "REF-49" not in second.content.decode()
    assert "Older messages" not in second.content.decode()
    delivered = client.get(f"/staff/messages/services/{service.id}/", {"status": "delivered"})
    shown = re.findall(r"REF-\d\d", delivered.content.decode())
    assert shown[:2] == ["REF-01", "REF-03"]


@pytest.mark.parametrize("cursor", ["garbage", "2026-13-45_x", "_" * 100, "\x00"])
def test_a_hostile_cursor_shows_the_first_page(client, signed_in, service_owner, cursor):
    service = SendingServiceFactory(organisation=service_owner.memberships.get().organisation)
    signed_in(service_owner)
    response = client.get(f"/staff/messages/services/{service.id}/", {"before": cursor})
    assert response.status_code == 200


def test_a_services_api_keys_are_listed_without_their_secrets(client, signed_in, service_owner):
    from civitas.notify.api_keys import create_notify_key

    service = SendingServiceFactory(organisation=service_owner.memberships.get().organisation)
    key = create_notify_key(
        sending_service=service, name="case system", key_type="team", created_by="test"
    )
    signed_in(service_owner)
    page = client.get(f"/staff/messages/services/{service.id}/").content.decode()
    assert "case system" in page
    assert "Team and guest list" in page
    assert key[-36:] not in page
