"""Each case-management page reads a fixed number of queries, however many cases there are
and however many it shows: no query per case (N+1). The counts are pinned exactly, so a
page that starts asking the database once more (or once per row) fails here first; the
benchmark (bench/cases.py) measures the same pages at a million cases.

The queue pages are pinned in test_queues.py (QUEUE_PAGE_QUERIES)."""

import datetime
import time

import pytest
from django.db import connection
from django.utils import timezone

from civitas.cases.models import Case
from civitas.cases.search import index_case
from civitas.cases.tests.factories import ANSWERS, CaseFactory
from civitas.cases.tracking_views import GRANTED
from civitas.identity.models import Team
from civitas.identity.public import add_team_member
from conftest import SERVICES, make_staff, publish_example

REPORT = SERVICES / "report-a-problem" / "service.yaml"
SEARCH = "/staff/cases/search/"


@pytest.fixture
def teams(db):
    publish_example(REPORT)
    return {team.slug: team for team in Team.objects.filter(organisation__slug="example-borough")}


def _worker(teams):
    worker = make_staff("w@example.gov.uk", "caseworker")
    add_team_member(organisation="example-borough", team="highways", email=worker.email)
    return worker


def _cases(service, count: int, **fields) -> list[Case]:
    """`count` cases of `service`, found by the same email address and postcode."""
    start = timezone.now() - datetime.timedelta(days=1)
    made = []
    for index in range(count):
        case = CaseFactory(
            organisation_id=service.organisation_id,
            service_slug=service.slug,
            service_version=service.version,
            submitted_at=start + datetime.timedelta(minutes=index),
            **fields,
        )
        index_case(case, service)
        made.append(case)
    return made


def _per_database(sqlite: int, postgresql: int) -> int:
    return postgresql if connection.vendor == "postgresql" else sqlite


# session, user, OTP device, staff context: every staff page reads these first.
SIGNED_IN = 4


def test_take_next_reads_a_fixed_number_of_queries_however_many_wait(
    teams, client, signed_in, django_assert_num_queries
):
    worker = _worker(teams)
    signed_in(worker)
    client.get("/staff/cases/queues/unassigned/")  # the session's first read
    for more in (1, 30):
        _cases_in_team(teams["highways"], more)
        # The caller's teams; then, in a savepoint, on SQLite the oldest waiting, the
        # conditional update, the case with its team and the audit event; on PostgreSQL
        # the oldest waiting locked with SKIP LOCKED (its team joined), the update and the
        # audit event.
        with django_assert_num_queries(SIGNED_IN + _per_database(7, 6)):
            response = client.post("/staff/cases/next")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/staff/cases/")
        assert "none=1" not in response.headers["Location"]


def _cases_in_team(team: Team, count: int) -> None:
    start = timezone.now() - datetime.timedelta(days=2)
    Case.objects.bulk_create(
        CaseFactory.build(
            organisation=team.organisation,
            team=team,
            submitted_at=start + datetime.timedelta(minutes=index),
        )
        for index in range(count)
    )


def test_search_by_reference_reads_a_fixed_number_of_queries(
    client, parking_permit, caseworker, signed_in, django_assert_num_queries
):
    signed_in(caseworker)
    client.get(SEARCH)
    for more in (1, 30):
        found = _cases(parking_permit, more)[-1]
        # the case's status by its reference, and its service version's workflow (for the
        # state's label), then the redirect to it
        with django_assert_num_queries(SIGNED_IN + 2):
            response = client.get(SEARCH, {"q": found.reference.replace("-", " ").lower()})
        assert response.headers["Location"] == f"/staff/cases/{found.reference}/"


@pytest.mark.parametrize("text", ["EB1 1AA", "resident@example.com"], ids=["postcode", "email"])
def test_a_search_by_postcode_or_email_reads_a_fixed_number_of_queries(
    client, parking_permit, caseworker, signed_in, django_assert_num_queries, text
):
    signed_in(caseworker)
    client.get(SEARCH, {"q": text})  # warm the session and the service cache
    shown = 0
    for more in (2, 40):
        _cases(parking_permit, more, answers=dict(ANSWERS))
        shown += more
        # the matching ids by the blind index, the page's cases by id, the audit event of
        # the search (in a savepoint), and the page's one service version, read once for
        # the cases' states and the service's title
        with django_assert_num_queries(SIGNED_IN + 6):
            response = client.get(SEARCH, {"q": text})
        assert response.status_code == 200
        assert response.content.count(b'<a class="govuk-link" href="/staff/cases/') == min(
            shown, 50
        )


def test_the_case_list_reads_a_fixed_number_of_queries(
    client, parking_permit, caseworker, signed_in, django_assert_num_queries
):
    signed_in(caseworker)
    client.get("/staff/cases/")
    shown = 0
    for more in (2, 40):
        _cases(parking_permit, more)
        _cases(parking_permit, more, approved=True)
        shown += 2 * more
        # the page of cases; the live services, and the version of the one, whose states
        # it filters by; the page's one service version, for its cases' states and the
        # service's title
        with django_assert_num_queries(SIGNED_IN + 4):
            response = client.get("/staff/cases/")
        assert response.status_code == 200
        assert response.content.count(b'href="/staff/cases/') >= min(shown, 50)


def test_the_tracking_page_reads_a_fixed_number_of_queries(
    client, parking_permit, django_assert_num_queries
):
    for more in (1, 30):
        case = _cases(parking_permit, more)[0]
        session = client.session
        session[GRANTED] = {case.reference: int(time.time()) + 600}
        session.save()
        # the session, the case without its answers, its service version, and its thread;
        # then its payment, looked up by its reference (cases.payments.case_payment): the
        # case and its service version again, and its payments
        with django_assert_num_queries(4 + 3):
            response = client.get(f"/applications/{case.reference}/")
        assert response.status_code == 200


# The signed-in reads, the case, its service version; in a savepoint, the audit event and
# the transparency log entry of the view (its index, then the entry with the promise
# signed over it); the case's files, the caller's teams, its notes, labels,
# opinion requests, its payments, thread, messages sent, audit history and the names of
# its actors, and its log entries (tree size, lookup, entries); the session saved.
CASE_PAGE_QUERIES = {"sqlite": 26 + 1, "postgresql": 26 + 1}


def test_the_case_page_reads_a_fixed_number_of_queries(
    client, parking_permit, caseworker, signed_in, django_assert_num_queries
):
    """Kept on its own: the case page grows as it shows more, and this count with it."""
    signed_in(caseworker)
    for more in (1, 30):
        case = _cases(parking_permit, more)[0]
        client.get(f"/staff/cases/{case.reference}/")  # its first opening writes more
        with django_assert_num_queries(CASE_PAGE_QUERIES[connection.vendor]):
            response = client.get(f"/staff/cases/{case.reference}/")
        assert response.status_code == 200
