"""Auditors download the organisation's audit trail for a range of days, as CSV: streamed
in batches, only their organisation's events, cells guarded, and the download audited."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from civitas.platform import audit
from civitas.platform.models import AuditEvent
from conftest import make_staff

TODAY = timezone.localdate()


def event(organisation: str, when: datetime.datetime, **fields) -> AuditEvent:
    values = {
        "actor_type": "staff",
        "actor_id": "7",
        "action": "case.assigned",
        "object_type": "case",
        "object_id": f"REF-{organisation}-{when:%d%H%M}",
        **fields,
    }
    return AuditEvent.objects.create(occurred_at=when, organisation=organisation, **values)


def at(days_ago: int, hour: int = 12) -> datetime.datetime:
    day = TODAY - datetime.timedelta(days=days_ago)
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()
    )


def rows_of(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def auditor(db, client, signed_in):
    user = make_staff("auditor@example.gov.uk", "auditor")
    signed_in(user)
    return user


def test_the_auditor_downloads_the_days_asked_for_oldest_first_and_the_download_is_audited(
    client, auditor
):
    before = event("example-borough", at(10))
    first = event("example-borough", at(5, hour=0))
    last = event("example-borough", at(3, hour=23), details={"how": "leader"})
    after = event("example-borough", at(2))
    theirs = event("sample-district", at(4))
    start, end = TODAY - datetime.timedelta(days=5), TODAY - datetime.timedelta(days=3)
    response = client.get("/staff/audit/export.csv", {"from": str(start), "to": str(end)})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = rows_of(response)
    assert header[:2] == ["when", "action"]
    assert [row[3] for row in rows] == [first.object_id, last.object_id]
    assert rows[1][6] == '{"how": "leader"}'
    for other in (before, after, theirs):
        assert other.object_id not in str(rows)
    exported = AuditEvent.objects.get(action="audit.exported")
    assert exported.actor_id == str(auditor.pk)
    assert exported.organisation == "example-borough"
    assert exported.details == {"from": str(start), "to": str(end), "rows": 2}


def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(client, auditor):
    event("example-borough", at(1), object_id='=HYPERLINK("http://evil","x")', actor_id="@x")
    _, row = rows_of(
        client.get(
            "/staff/audit/export.csv",
            {"from": str(TODAY - datetime.timedelta(days=2)), "to": str(TODAY)},
        )
    )
    assert row[3] == '\'=HYPERLINK("http://evil","x")'
    assert row[5] == "'@x"


def test_the_events_are_read_in_keyset_batches_however_many_there_are(
    db, django_assert_num_queries
):
    start = at(1, hour=0)
    made = [event("example-borough", start + datetime.timedelta(seconds=n // 2)) for n in range(9)]
    found = audit.iter_organisation_audit_events(
        organisation="example-borough",
        start=start,
        end=start + datetime.timedelta(days=1),
        batch_size=4,
    )
    with django_assert_num_queries(3):  # 4 + 4 + 1
        ids = [e.id for e in found]
    assert sorted(ids) == sorted(e.id for e in made)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "from"),
        ({"from": "2026-01-01"}, "to"),
        ({"from": "2026-13-01", "to": "2026-01-02"}, "from"),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "from"),
        ({"from": "99999999999-01-01", "to": "2026-01-01"}, "from"),
        ({"from": "2026-01-01\x00", "to": "2026-01-02"}, "from"),
        ({"from": "2026-01-05", "to": "2026-01-01"}, "to"),
        ({"from": "1 January 2026", "to": "2026-01-02"}, "from"),
    ],
)
def test_a_range_that_is_not_two_dates_in_order_is_refused_with_the_error_on_the_page(
    client, auditor, query, field
):
    response = client.get("/staff/audit/export.csv", query)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert f'href="#{field}"' in body
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_the_audit_page_offers_the_download(client, auditor):
    body = client.get("/staff/audit/").content.decode()
    assert 'action="/staff/audit/export.csv"' in body


def test_only_an_auditor_may_download_it(client, signed_in, db):
    signed_in(make_staff("leader@example.gov.uk", "team_leader"))
    response = client.get("/staff/audit/export.csv", {"from": "2026-01-01", "to": "2026-01-02"})
    assert response.status_code == 403
