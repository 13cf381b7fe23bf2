"""The service owner reads the comments left about their organisation's services: only
theirs, newest first, a page at a time, each read audited."""

import datetime

import pytest
from django.utils import timezone

from civitas.insights.feedback import list_comments, record_feedback
from civitas.insights.models import Feedback
from civitas.platform.models import AuditEvent
from conftest import make_staff

COMMENTS = "/staff/insights/feedback/"


def _feedback(organisation_id, comment, *, service="resident-parking-permit", minutes_ago=0):
    stored = record_feedback(
        kind="satisfaction",
        satisfaction="satisfied",
        comment=comment,
        organisation_id=organisation_id,
        service_slug=service,
    )
    Feedback.objects.filter(pk=stored.pk).update(
        received_at=timezone.now() - datetime.timedelta(minutes=minutes_ago)
    )
    return stored


def test_the_owner_reads_their_organisations_comments_scrubbed(
    client, signed_in, service_owner, parking_permit, other_council_permit
):
    _feedback(parking_permit.organisation_id, "Email me: jo@example.com")
    _feedback(other_council_permit.organisation_id, "A comment for the other council")
    signed_in(service_owner)
    response = client.get(COMMENTS)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Email me: [email address]" in page
    assert "jo@example.com" not in page
    assert "other council" not in page


def test_reading_the_comments_is_audited(client, signed_in, service_owner, parking_permit):
    signed_in(service_owner)
    client.get(COMMENTS, {"service": "resident-parking-permit"})
    event = AuditEvent.objects.get(action="insights.feedback_read")
    assert (event.actor_id, event.organisation, event.object_id) == (
        str(service_owner.pk),
        "example-borough",
        "all",  # no comment yet: the service filter names no service that has feedback
    )


def test_a_caseworker_may_not_read_the_comments(client, signed_in, caseworker):
    signed_in(caseworker)
    assert client.get(COMMENTS).status_code == 403


def test_comments_come_a_page_at_a_time_newest_first_by_key(parking_permit):
    organisation_id = parking_permit.organisation_id
    for n in range(5):
        _feedback(organisation_id, f"comment {n}", minutes_ago=n)
    _feedback(organisation_id, "")  # no comment: not listed
    first = list_comments(organisation_id=organisation_id, page_size=2)
    assert [c.comment for c in first.comments] == ["comment 0", "comment 1"]
    second = list_comments(organisation_id=organisation_id, page_size=2, cursor=first.next_cursor)
    assert [c.comment for c in second.comments] == ["comment 2", "comment 3"]
    last = list_comments(organisation_id=organisation_id, page_size=2, cursor=second.next_cursor)
    assert [c.comment for c in last.comments] == ["comment 4"]
    assert last.next_cursor == ""


def test_a_cursor_that_does_not_parse_starts_from_the_newest(parking_permit):
    _feedback(parking_permit.organisation_id, "only one")
    for cursor in ("nonsense", "2026-01-01~x", "~", "2026-01-01T00:00:00~1", "9" * 500):
        page = list_comments(organisation_id=parking_permit.organisation_id, cursor=cursor)
        assert [c.comment for c in page.comments] == ["only one"]


@pytest.mark.parametrize(
    "cursor",
    [
        # Python reads offsets up to a day; PostgreSQL refuses those past 15:59 in a query.
        "9999-12-31T23:59:59+23:59~1",
        "2026-01-01T00:00:00-16:00~1",
        "0001-01-01T00:00:00+23:59~1",  # before the year 1 in UTC: no such time
        "2026-01-01T00:00:00+00:00~99999999999999999999999999",
        "2026-01-01T00:00:00+00:00~-99999999999999999999",
        "\x00~1",
    ],
)
def test_a_cursor_from_the_edges_of_time_never_breaks_the_page(
    client, signed_in, service_owner, parking_permit, cursor
):
    _feedback(parking_permit.organisation_id, "only one")
    signed_in(service_owner)
    response = client.get(COMMENTS, {"after": cursor})
    assert response.status_code == 200


def test_a_cursor_with_a_far_offset_is_read_as_the_moment_it_names(parking_permit):
    _feedback(parking_permit.organisation_id, "only one")
    page = list_comments(
        organisation_id=parking_permit.organisation_id, cursor="9999-12-31T23:59:59+23:59~1"
    )
    assert [c.comment for c in page.comments] == ["only one"]


def test_the_page_links_to_older_comments_and_filters_by_service(
    client, signed_in, service_owner, parking_permit, django_assert_max_num_queries
):
    for n in range(55):
        _feedback(parking_permit.organisation_id, f"comment {n}", minutes_ago=n)
    _feedback(parking_permit.organisation_id, "about another", service="report-a-problem")
    signed_in(service_owner)
    page = client.get(COMMENTS, {"service": "resident-parking-permit"}).content.decode()
    assert "about another" not in page
    assert "Older comments" in page
    with django_assert_max_num_queries(12):
        client.get(COMMENTS)


def test_another_councils_owner_sees_none_of_them(client, signed_in, parking_permit):
    _feedback(parking_permit.organisation_id, "Example Borough's comment")
    signed_in(make_staff("owner@sample-district.gov.uk", "service_owner", "sample-district"))
    page = client.get(COMMENTS).content.decode()
    assert "Example Borough&#39;s comment" not in page
    assert "There are no comments yet." in page
