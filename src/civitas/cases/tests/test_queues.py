"""Routing cases to teams at submission, the queues, assignment and "take the next case"."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from civitas.cases.assignment import AssignmentInvalid, assign_case, take_next_case
from civitas.cases.models import Case
from civitas.cases.public import submit_application
from civitas.cases.queues import PAGE_SIZE, Queue, list_queue
from civitas.cases.services import CaseNotFound
from civitas.cases.tests.factories import CaseFactory
from civitas.identity.models import Organisation, Team
from civitas.identity.public import add_team_member
from civitas.platform.models import AuditEvent
from civitas.platform.references import new_reference
from conftest import PARKING_PERMIT, SERVICES, acting, make_staff, publish_example

REPORT = SERVICES / "report-a-problem" / "service.yaml"


def report(problem_type: str) -> dict:
    return {
        "problem_type": problem_type,
        "location_method": "postcode",
        "postcode": "EB1 1AA",
        "description": "A problem in the road",
        "email": None,
    }


@pytest.fixture
def teams(db):
    publish_example(REPORT)  # makes the organisations and their teams
    return {team.slug: team for team in Team.objects.filter(organisation__slug="example-borough")}


def member(email: str, role: str, *teams: str):
    user = make_staff(email, role)
    for team in teams:
        add_team_member(organisation="example-borough", team=team, email=email)
    return user


def waiting(team: Team, count: int = 1, **fields) -> list[Case]:
    start = timezone.now() - datetime.timedelta(days=1)
    return [
        CaseFactory(
            organisation=team.organisation,
            team=team,
            submitted_at=start + datetime.timedelta(minutes=index),
            **fields,
        )
        for index in range(count)
    ]


@pytest.mark.parametrize(
    ("problem_type", "team"),
    [
        ("pothole", "highways"),
        ("street_light", "highways"),
        ("fly_tipping", "environment"),
        ("graffiti", "environment"),
    ],
)
def test_a_report_goes_to_the_team_its_problem_type_routes_it_to(teams, problem_type, team):
    from civitas.catalogue.public import get_live_service

    service = get_live_service("example-borough", "report-a-problem")
    case = submit_application(service=service, answers=report(problem_type), fee_pence=None)
    assert case.team.slug == team


def test_a_service_with_only_a_default_team_sends_every_case_to_it(parking_permit):
    from civitas.journeys.tests.test_api import valid_answers

    case = submit_application(service=parking_permit, answers=valid_answers(), fee_pence=4800)
    assert case.team.slug == "parking"


def test_a_service_without_routing_sends_its_cases_to_no_team(organisations, tmp_path):
    from civitas.catalogue.public import get_live_service, publish_service_file
    from civitas.catalogue.tests.test_definitions import copy_services
    from civitas.journeys.tests.test_api import valid_answers

    path = copy_services(tmp_path, PARKING_PERMIT)
    source = path.read_text()
    path.write_text(source.replace("routing:\n  default_team: parking\n", ""))
    published = publish_service_file(path, published_by="test")
    service = get_live_service(published.organisation, published.slug)
    assert service.model.routing is None
    case = submit_application(service=service, answers=valid_answers(), fee_pence=4800)
    assert case.team is None


def test_my_teams_queue_lists_only_my_teams_open_cases_oldest_first(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    mine = waiting(teams["highways"], 3)
    waiting(teams["environment"], 2)
    waiting(teams["highways"], 1, approved=True)
    page = list_queue(Queue.TEAM, staff=acting(worker))
    assert [case.reference for case in page.cases] == [case.reference for case in mine]


def test_another_organisations_cases_are_in_none_of_my_queues(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    other = Organisation.objects.create(slug="elsewhere", name="Elsewhere")
    foreign_team = Team.objects.create(organisation=other, slug="highways", name="Highways")
    waiting(foreign_team, 2)
    for queue in Queue:
        assert list_queue(queue, staff=acting(worker)).cases == []
    assert take_next_case(staff=acting(worker)) is None


def test_the_queues_page_by_key_without_losing_or_repeating_a_case(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    cases = waiting(teams["highways"], PAGE_SIZE + 3)
    first = list_queue(Queue.UNASSIGNED, staff=acting(worker))
    second = list_queue(Queue.UNASSIGNED, staff=acting(worker), cursor=first.next_cursor)
    seen = [case.reference for case in first.cases + second.cases]
    assert seen == [case.reference for case in cases]
    assert second.next_cursor is None


def _interleaved(teams, count: int, **fields) -> list[Case]:
    """Open cases of the highways and environment teams, by turns, oldest first."""
    start = timezone.now() - datetime.timedelta(days=3)
    return [
        CaseFactory(
            organisation=teams["highways"].organisation,
            team=teams[("highways", "environment")[index % 2]],
            submitted_at=start + datetime.timedelta(minutes=index),
            **fields,
        )
        for index in range(count)
    ]


@pytest.mark.parametrize("queue", [Queue.TEAM, Queue.UNASSIGNED])
def test_a_queue_of_two_teams_pages_through_both_oldest_first(teams, queue):
    """Each team is read by its own index: the page must still be the oldest of both."""
    worker = member("w@example.gov.uk", "caseworker", "highways", "environment")
    cases = _interleaved(teams, PAGE_SIZE + 7)
    waiting(teams["street-scene"], 3)  # not one of the worker's teams
    _interleaved(teams, 4, approved=True)
    first = list_queue(queue, staff=acting(worker))
    second = list_queue(queue, staff=acting(worker), cursor=first.next_cursor)
    assert len(first.cases) == PAGE_SIZE
    assert [c.reference for c in first.cases + second.cases] == [c.reference for c in cases]
    assert second.next_cursor is None


def test_take_the_next_case_takes_the_oldest_of_all_my_teams(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways", "environment")
    cases = _interleaved(teams, 45)
    taken = [take_next_case(staff=acting(worker)) for _ in range(len(cases))]
    # Past the first candidates of each team too, then none.
    assert [case.reference for case in taken] == [case.reference for case in cases]
    assert take_next_case(staff=acting(worker)) is None


def test_a_queue_filters_by_service_and_ignores_a_made_up_cursor(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    waiting(teams["highways"], 2)
    street = waiting(teams["highways"], 1, service_slug="report-a-problem")
    page = list_queue(
        Queue.TEAM, staff=acting(worker), service="report-a-problem", cursor="garbage'~;--"
    )
    assert [case.reference for case in page.cases] == [street[0].reference]


def test_a_caseworker_takes_a_case_of_their_team_and_it_is_audited(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    (case,) = waiting(teams["highways"])
    assign_case(reference=case.reference, assignee_id=worker.pk, staff=acting(worker))
    case.refresh_from_db()
    assert case.assigned_to_id == worker.pk
    event = AuditEvent.objects.get(action="case.assigned")
    assert event.object_id == case.reference
    assert event.actor_id == str(worker.pk)
    assert event.details == {
        "assignee": str(worker.pk),
        "team": "highways",
        "how": "self",
        "role": "caseworker",
    }
    assert [c.reference for c in list_queue(Queue.MINE, staff=acting(worker)).cases] == [
        case.reference
    ]
    assert list_queue(Queue.UNASSIGNED, staff=acting(worker)).cases == []


def test_a_caseworker_cannot_take_a_case_of_a_team_they_are_not_in(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    (case,) = waiting(teams["environment"])
    with pytest.raises(AssignmentInvalid):
        assign_case(reference=case.reference, assignee_id=worker.pk, staff=acting(worker))
    assert not AuditEvent.objects.filter(action="case.assigned").exists()


def test_a_caseworker_cannot_give_a_case_to_someone_else(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    colleague = member("c@example.gov.uk", "caseworker", "highways")
    (case,) = waiting(teams["highways"])
    with pytest.raises(AssignmentInvalid, match="team leader"):
        assign_case(reference=case.reference, assignee_id=colleague.pk, staff=acting(worker))


def test_a_team_leader_gives_a_case_to_a_member_of_its_team_only(teams):
    leader = member("l@example.gov.uk", "team_leader", "highways")
    colleague = member("c@example.gov.uk", "caseworker", "highways")
    stranger = member("s@example.gov.uk", "caseworker", "environment")
    auditor = member("a@example.gov.uk", "auditor", "highways")
    (case,) = waiting(teams["highways"])
    for unfit in (stranger, auditor):
        with pytest.raises(AssignmentInvalid):
            assign_case(reference=case.reference, assignee_id=unfit.pk, staff=acting(leader))
    assign_case(reference=case.reference, assignee_id=colleague.pk, staff=acting(leader))
    case.refresh_from_db()
    assert case.assigned_to_id == colleague.pk
    event = AuditEvent.objects.get(action="case.assigned")
    assert (event.actor_id, event.details["how"]) == (str(leader.pk), "leader")


def test_an_unknown_reference_and_another_organisations_case_are_alike_not_found(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    other = Organisation.objects.create(slug="elsewhere", name="Elsewhere")
    (theirs,) = waiting(Team.objects.create(organisation=other, slug="highways", name="H"))
    for reference in (theirs.reference, new_reference()):
        with pytest.raises(CaseNotFound):
            assign_case(reference=reference, assignee_id=worker.pk, staff=acting(worker))


def test_the_auditor_cannot_take_a_case(teams):
    auditor = member("a@example.gov.uk", "auditor", "highways")
    waiting(teams["highways"])
    with pytest.raises(AssignmentInvalid):
        take_next_case(staff=acting(auditor))
    assert not Case.objects.filter(assigned_to__isnull=False).exists()


def test_take_the_next_case_gives_the_oldest_unassigned_case_of_my_teams(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways", "environment")
    older = waiting(teams["environment"], 1)[0]
    waiting(teams["highways"], 2)
    waiting(teams["street-scene"], 1)  # not one of my teams
    taken = take_next_case(staff=acting(worker))
    assert taken.reference == older.reference
    assert AuditEvent.objects.get(action="case.assigned").details["how"] == "next"


def test_take_the_next_case_twice_gives_two_cases_then_none(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    cases = waiting(teams["highways"], 2)
    first = take_next_case(staff=acting(worker))
    second = take_next_case(staff=acting(worker))
    assert {first.reference, second.reference} == {c.reference for c in cases}
    assert take_next_case(staff=acting(worker)) is None


@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_taking_the_next_case_at_once_get_different_cases():
    """Real concurrency, two connections: on PostgreSQL, SKIP LOCKED passes over the row
    the other holds; on SQLite the conditional update lets only one of them take it."""
    publish_example(REPORT)
    highways = Team.objects.get(organisation__slug="example-borough", slug="highways")
    workers = [member(f"w{n}@example.gov.uk", "caseworker", "highways") for n in range(2)]
    waiting(highways, 3)
    barrier = threading.Barrier(2)
    taken: list[str | None] = []
    errors: list[BaseException] = []

    def take(worker) -> None:
        try:
            staff = acting(worker)
            barrier.wait()
            case = take_next_case(staff=staff)
            taken.append(case.reference if case else None)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(taken) == 2
    assert None not in taken
    assert taken[0] != taken[1]
    assert Case.objects.filter(assigned_to__isnull=False).count() == 2
    assert AuditEvent.objects.filter(action="case.assigned").count() == 2


@pytest.mark.parametrize("queue", ["mine", "team", "unassigned"])
def test_a_queue_page_reads_in_a_fixed_number_of_queries_however_many_cases(
    teams, client, signed_in, django_assert_num_queries, queue
):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    signed_in(worker)
    client.get(f"/staff/cases/queues/{queue}/")  # the session's first read
    for more in (1, 30):
        waiting(teams["highways"], more)
        waiting(teams["highways"], more, assigned_to=worker)
        # session, user, OTP device, staff context, the labels to filter by, teams, the
        # page (with its teams and assignees joined), the service title (one per service
        # version on the page; here one of no published service, so never cached): the
        # same for 2 cases as for 60.
        with django_assert_num_queries(QUEUE_PAGE_QUERIES):
            response = client.get(f"/staff/cases/queues/{queue}/")
        assert response.status_code == 200
        assert response.content.count(b'href="/staff/cases/') >= more


QUEUE_PAGE_QUERIES = 8


def test_a_team_leaders_queue_page_adds_one_query_for_the_teams_members(
    teams, client, signed_in, django_assert_num_queries
):
    leader = member("l@example.gov.uk", "team_leader", "highways", "environment")
    signed_in(leader)
    client.get("/staff/cases/queues/team/")
    for more in (1, 30):
        waiting(teams["highways"], more)
        waiting(teams["environment"], more)
        # the caseworker's queries, and one for the members of both teams
        with django_assert_num_queries(QUEUE_PAGE_QUERIES + 1):
            assert client.get("/staff/cases/queues/team/").status_code == 200


@pytest.mark.parametrize(
    ("queue", "index"),
    [
        ("mine", "case_assignee"),
        ("team", "case_team_queue"),
        ("unassigned", "case_unassigned"),
        ("due", "case_due"),
        ("overdue", "case_due"),
        ("waiting", "case_waiting_for_citizen"),
    ],
)
def test_each_queue_is_read_in_its_indexs_order_on_postgresql(teams, queue, index):
    """EXPLAIN shows the queue's own index giving the order: no sort of the queue. (The
    planner is told to avoid a sequential scan and a sort, which it may prefer on a test's
    tiny table: the plan it then finds shows that the index alone gives the order.)"""
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    from civitas.cases.queues import queue_cases

    worker = member("w@example.gov.uk", "caseworker", "highways")
    start = timezone.now() - datetime.timedelta(days=30)
    Case.objects.bulk_create(
        CaseFactory.build(
            organisation=teams["highways"].organisation,
            team=teams[("highways", "environment", "street-scene")[n % 3]],
            assigned_to=worker if n % 2 else None,
            submitted_at=start + datetime.timedelta(minutes=n),
            due_at=start + datetime.timedelta(days=7, minutes=n) if n % 5 else None,
            status_kind="open" if n % 5 else "waiting-for-citizen",
            status_since=start + datetime.timedelta(minutes=n),
        )
        for n in range(600)
    )
    staff = acting(worker)
    cases = queue_cases(Queue(queue), staff=staff, team_ids=[teams["highways"].id])[:51]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        plan = cases.explain()
    assert index in plan
    assert "Sort" not in plan


def test_the_take_the_next_case_button_opens_the_case_it_gave_me(teams, client, signed_in):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    oldest, _ = waiting(teams["highways"], 2)
    signed_in(worker)
    response = client.post("/staff/cases/next")
    assert response.status_code == 302
    assert response["Location"] == f"/staff/cases/{oldest.reference}/"
    oldest.refresh_from_db()
    assert oldest.assigned_to_id == worker.pk


def test_with_nothing_waiting_the_button_says_so(teams, client, signed_in):
    signed_in(member("w@example.gov.uk", "caseworker", "highways"))
    response = client.post("/staff/cases/next", follow=True)
    assert b"No case is waiting in your teams." in response.content


def test_a_team_leader_assigns_a_case_from_the_team_queue_page(teams, client, signed_in):
    leader = member("l@example.gov.uk", "team_leader", "highways")
    colleague = member("c@example.gov.uk", "caseworker", "highways")
    (case,) = waiting(teams["highways"])
    signed_in(leader)
    page = client.get("/staff/cases/queues/team/")
    assert f'<option value="{colleague.pk}"'.encode() in page.content
    response = client.post(f"/staff/cases/{case.reference}/assign", {"assignee": colleague.pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assigned_to_id == colleague.pk


def test_assigning_another_organisations_case_by_url_is_not_found_like_an_unknown_one(
    teams, client, signed_in
):
    signed_in(member("w@example.gov.uk", "caseworker", "highways"))
    other = Organisation.objects.create(slug="elsewhere", name="Elsewhere")
    (theirs,) = waiting(Team.objects.create(organisation=other, slug="highways", name="H"))
    for reference in (theirs.reference, new_reference()):
        response = client.post(f"/staff/cases/{reference}/assign", {"assignee": "me"})
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.assigned_to_id is None


def test_a_refused_assignment_says_why_and_changes_nothing(teams, client, signed_in):
    signed_in(member("w@example.gov.uk", "caseworker", "highways"))
    (case,) = waiting(teams["environment"])
    response = client.post(f"/staff/cases/{case.reference}/assign", {"assignee": "me"})
    assert response.status_code == 409
    assert b"The case is not in one of your teams" in response.content
    for hostile in ("-1", "1; DROP TABLE cases_case", ""):
        response = client.post(f"/staff/cases/{case.reference}/assign", {"assignee": hostile})
        assert response.status_code in (400, 409)
    case.refresh_from_db()
    assert case.assigned_to_id is None


def test_the_auditor_sees_the_queues_without_the_buttons_that_change_anything(
    teams, client, signed_in
):
    signed_in(member("a@example.gov.uk", "auditor", "highways"))
    waiting(teams["highways"])
    response = client.get("/staff/cases/queues/team/")
    assert response.status_code == 200
    assert b"Take the next case" not in response.content
    assert b"/assign" not in response.content


def test_the_overdue_queue_lists_my_teams_cases_past_their_due_time_most_overdue_first(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    now = timezone.now()
    later, most, soon = (
        waiting(teams["highways"], due_at=now - datetime.timedelta(hours=1))[0],
        waiting(teams["highways"], due_at=now - datetime.timedelta(days=2))[0],
        waiting(teams["highways"], due_at=now + datetime.timedelta(days=1))[0],
    )
    waiting(teams["environment"], due_at=now - datetime.timedelta(days=3))
    waiting(teams["highways"], status_kind="waiting-for-citizen")  # no clock while waiting
    overdue = list_queue(Queue.OVERDUE, staff=acting(worker))
    assert [case.reference for case in overdue.cases] == [most.reference, later.reference]
    by_due_date = list_queue(Queue.DUE, staff=acting(worker))
    assert [case.reference for case in by_due_date.cases] == [
        most.reference,
        later.reference,
        soon.reference,
    ]


def test_the_waiting_queue_lists_cases_waiting_for_the_citizen_longest_first(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    now = timezone.now()
    recent = waiting(teams["highways"], status_kind="waiting-for-citizen", status_since=now)[0]
    longest = waiting(
        teams["highways"],
        status_kind="waiting-for-citizen",
        status_since=now - datetime.timedelta(days=3),
    )[0]
    waiting(teams["highways"])  # open
    page = list_queue(Queue.WAITING, staff=acting(worker))
    assert [case.reference for case in page.cases] == [longest.reference, recent.reference]


def test_the_due_queues_page_by_key_and_ignore_a_cursor_without_a_time_zone(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    now = timezone.now()
    for n in range(120):
        waiting(teams["highways"], due_at=now - datetime.timedelta(minutes=n % 7))
    seen, cursor = [], None
    while True:
        page = list_queue(Queue.OVERDUE, staff=acting(worker), cursor=cursor)
        seen += [case.reference for case in page.cases]
        if not (cursor := page.next_cursor):
            break
    assert len(seen) == len(set(seen)) == 120
    naive = list_queue(Queue.OVERDUE, staff=acting(worker), cursor="2026-01-01T00:00:00~5")
    assert len(naive.cases) == 50


def test_the_overdue_queue_page_marks_what_is_overdue(teams, client, signed_in):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    waiting(teams["highways"], due_at=timezone.now() - datetime.timedelta(days=1))
    signed_in(worker)
    page = client.get("/staff/cases/queues/overdue/").content.decode()
    assert "govuk-tag--red" in page
    assert "Waiting for the applicant" in page  # the other queues are a link away


def test_a_queue_filters_by_age_and_ignores_an_age_it_does_not_offer(teams, client, signed_in):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    now = timezone.now()
    old = [
        CaseFactory(
            organisation=teams["highways"].organisation,
            team=teams["highways"],
            submitted_at=now - datetime.timedelta(days=9),
        )
    ]
    CaseFactory(
        organisation=teams["highways"].organisation,
        team=teams["highways"],
        submitted_at=now - datetime.timedelta(days=3),
    )
    page = list_queue(Queue.TEAM, staff=acting(worker), older_than_days=7)
    assert [case.reference for case in page.cases] == [old[0].reference]
    signed_in(worker)
    html = client.get("/staff/cases/queues/team/?age=7").content.decode()
    assert old[0].reference in html
    assert html.count("/staff/cases/") - html.count("/staff/cases/queues/") >= 1
    for hostile in ("3", "-7", "7.5", "1e9", "x"):
        response = client.get(f"/staff/cases/queues/team/?age={hostile}")
        assert response.status_code == 200


@pytest.mark.parametrize("key", ["team", "service", "status", "label", "age", "after"])
@pytest.mark.parametrize("value", ["a\x00b", "x" * 500, "<script>", "Ü", "1 OR 1=1"])
def test_a_queue_answers_any_filter_it_is_sent_without_an_error(
    teams, client, signed_in, key, value
):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    waiting(teams["highways"])
    signed_in(worker)
    for queue in ("team", "overdue"):
        response = client.get(f"/staff/cases/queues/{queue}/", {key: value})
        assert response.status_code == 200
        assert "<script>" not in response.content.decode().split("</header>", 1)[-1]
