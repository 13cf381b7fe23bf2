"""The audit trail page: the acting organisation's events, newest first, for auditors."""

import datetime
import re

import pytest
from django.utils import timezone

from civitas.platform.models import AuditEvent
from conftest import make_staff


def event(organisation: str, minutes_ago: int, action: str = "case.assigned") -> AuditEvent:
    return AuditEvent.objects.create(
        occurred_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        actor_type="staff",
        actor_id="7",
        organisation=organisation,
        action=action,
        object_type="case",
        object_id=f"REF-{organisation}-{minutes_ago}",
    )


@pytest.fixture
def auditor(db, client, signed_in):
    user = make_staff("auditor@example.gov.uk", "auditor")
    signed_in(user)
    return user


def test_the_auditor_reads_their_organisations_trail_and_no_other(client, auditor):
    event("example-borough", 5)
    event("sample-district", 1)
    response = client.get("/staff/audit/")
    assert response.status_code == 200
    assert b"REF-example-borough-5" in response.content
    assert b"REF-sample-district-1" not in response.content


def test_the_trail_pages_by_key_newest_first(client, auditor):
    for minutes in range(60):
        event("example-borough", minutes)
    first = client.get("/staff/audit/").content.decode()
    [cursor] = re.findall(r'\?after=([^"]+)"', first)
    second = client.get(f"/staff/audit/?after={cursor}").content.decode()
    shown = [int(n) for n in SHOWN.findall(first) + SHOWN.findall(second)]
    assert shown == list(range(60))
    assert "?after=" not in second


SHOWN = re.compile(r"REF-example-borough-(\d+)<")


@pytest.mark.parametrize("cursor", ["nonsense", "2026-01-01~not-a-uuid", "~", "'; --"])
def test_a_made_up_cursor_shows_the_first_page(client, auditor, cursor):
    event("example-borough", 1)
    assert client.get("/staff/audit/", {"after": cursor}).status_code == 200


def test_the_trail_page_reads_in_a_fixed_number_of_queries(
    client, auditor, django_assert_num_queries
):
    client.get("/staff/audit/")
    for count in (1, 40):
        for minutes in range(count):
            event("example-borough", minutes)
        # session, user, OTP device, staff context, the page
        with django_assert_num_queries(5):
            assert client.get("/staff/audit/").status_code == 200
