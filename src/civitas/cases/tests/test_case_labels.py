"""Labels on cases: the service's labels put on and taken off on the case page, audited,
shown as tags, and a queue filter read through the labels' own index."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from civitas.cases.labelling import LabelInvalid, set_label
from civitas.cases.models import Case, CaseLabel
from civitas.cases.queues import PAGE_SIZE, Queue, list_queue, queue_cases, with_label
from civitas.cases.services import CaseNotFound
from civitas.cases.tests.factories import CaseFactory
from civitas.cases.tests.test_queues import member
from civitas.identity.models import Team
from civitas.platform.models import AuditEvent
from conftest import acting


def report_case(team: Team, minutes: int = 0, **fields) -> Case:
    return CaseFactory(
        organisation=team.organisation,
        team=team,
        service_slug="report-a-problem",
        answers={"problem_type": "pothole", "description": "A hole", "email": None},
        fee_pence=None,
        submitted_at=timezone.now()
        - datetime.timedelta(days=1)
        + datetime.timedelta(minutes=minutes),
        **fields,
    )


def test_a_caseworker_puts_labels_on_and_takes_them_off_and_each_change_is_audited(
    teams, client, signed_in
):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    case = report_case(teams["highways"])
    signed_in(worker)
    url = f"/staff/cases/{case.reference}/labels/"
    assert client.post(url, {"label": ["dangerous", "needs_visit"]}).status_code == 302
    assert set(CaseLabel.objects.values_list("label", flat=True)) == {"dangerous", "needs_visit"}
    assert client.post(url, {"label": ["needs_visit"]}).status_code == 302
    assert list(CaseLabel.objects.values_list("label", flat=True)) == ["needs_visit"]
    actions = list(
        AuditEvent.objects.filter(object_id=case.reference, action__startswith="case.label")
        .order_by("occurred_at")
        .values_list("action", "details", "actor_id")
    )
    assert actions == [
        ("case.label_added", {"label": "dangerous"}, str(worker.pk)),
        ("case.label_added", {"label": "needs_visit"}, str(worker.pk)),
        ("case.label_removed", {"label": "dangerous"}, str(worker.pk)),
    ]


def test_labels_show_as_tags_in_the_page_language_and_in_the_history(teams, client, signed_in):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    case = report_case(teams["highways"])
    set_label(reference=case.reference, label="dangerous", on=True, staff=acting(worker))
    signed_in(worker)
    body = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "govuk-tag--purple" in body
    assert "W added the label “Dangerous”" in body
    client.get("/language/cy/?next=/")
    welsh = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Peryglus" in welsh
    assert "Dangerous" not in welsh
    assert "Newid labeli" in welsh  # "Change labels"


def test_the_same_label_twice_changes_nothing_the_second_time(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    case = report_case(teams["highways"])
    staff = acting(worker)
    assert set_label(reference=case.reference, label="dangerous", on=True, staff=staff)
    assert not set_label(reference=case.reference, label="dangerous", on=True, staff=staff)
    assert not set_label(reference=case.reference, label="needs_visit", on=False, staff=staff)
    assert AuditEvent.objects.filter(action__startswith="case.label").count() == 1


@pytest.mark.parametrize(
    "label", ["urgent", "DANGEROUS", "dangerous\x00", "", "x" * 500, "<script>", "' OR 1=1 --"]
)
def test_a_label_the_service_does_not_declare_is_refused(teams, client, signed_in, label):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    case = report_case(teams["highways"])
    with pytest.raises(LabelInvalid):
        set_label(reference=case.reference, label=label, on=True, staff=acting(worker))
    signed_in(worker)
    response = client.post(f"/staff/cases/{case.reference}/labels/", {"label": [label]})
    assert response.status_code == 400
    assert not CaseLabel.objects.exists()


def test_another_organisations_staff_cannot_label_a_case_by_a_guessed_url(
    teams, client, signed_in, other_council_caseworker
):
    case = report_case(teams["highways"])
    signed_in(other_council_caseworker)
    response = client.post(f"/staff/cases/{case.reference}/labels/", {"label": ["dangerous"]})
    assert response.status_code == 404
    with pytest.raises(CaseNotFound):
        set_label(
            reference=case.reference,
            label="dangerous",
            on=True,
            staff=acting(other_council_caseworker, "sample-district"),
        )
    assert not CaseLabel.objects.exists()


def test_the_auditor_sees_labels_but_cannot_change_them(teams, client, signed_in):
    from conftest import make_staff

    worker = member("w@example.gov.uk", "caseworker", "highways")
    case = report_case(teams["highways"])
    set_label(reference=case.reference, label="dangerous", on=True, staff=acting(worker))
    signed_in(make_staff("auditor@example.gov.uk", "auditor"))
    body = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Dangerous" in body
    assert "Save labels" not in body
    response = client.post(f"/staff/cases/{case.reference}/labels/", {"label": []})
    assert response.status_code == 403


def test_a_queue_filtered_by_a_label_pages_by_key_through_only_the_labelled_cases(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    staff = acting(worker)
    cases = [report_case(teams["highways"], minutes=n) for n in range(PAGE_SIZE + 5)]
    labelled = cases[::2]
    for case in labelled:
        set_label(reference=case.reference, label="dangerous", on=True, staff=staff)
    report_case(teams["environment"], minutes=1)  # another team's, even labelled, is not mine
    seen: list[str] = []
    cursor = None
    while True:
        page = list_queue(Queue.TEAM, staff=staff, label="dangerous", cursor=cursor)
        seen.extend(case.reference for case in page.cases)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [case.reference for case in labelled]
    assert list_queue(Queue.TEAM, staff=staff, label="needs_visit").cases == []


def test_the_queue_page_filters_by_label_and_keeps_the_filter_on_the_next_page(
    teams, client, signed_in
):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    plain, marked = report_case(teams["highways"]), report_case(teams["highways"], minutes=1)
    set_label(reference=marked.reference, label="dangerous", on=True, staff=acting(worker))
    signed_in(worker)
    body = client.get("/staff/cases/queues/team/", {"label": "dangerous"}).content.decode()
    assert marked.reference in body
    assert plain.reference not in body
    assert '<option value="dangerous" selected>' in body
    # An unknown label is no filter at all, never an error.
    body = client.get("/staff/cases/queues/team/", {"label": "nope\x00"}).content.decode()
    assert plain.reference in body


def test_the_label_filter_is_read_through_the_labels_index_on_postgresql(teams):
    if connection.vendor != "postgresql":
        pytest.skip("the plan is PostgreSQL's")
    worker = member("w@example.gov.uk", "caseworker", "highways")
    organisation = teams["highways"].organisation
    start = timezone.now() - datetime.timedelta(days=30)
    made = Case.objects.bulk_create(
        CaseFactory.build(
            organisation=organisation,
            team=teams["highways"],
            service_slug="report-a-problem",
            submitted_at=start + datetime.timedelta(minutes=n),
        )
        for n in range(600)
    )
    CaseLabel.objects.bulk_create(
        CaseLabel(
            case=case,
            organisation_id=organisation.id,
            label="dangerous" if n % 10 == 0 else "needs_visit",
            submitted_at=case.submitted_at,
            added_by=worker,
            added_at=start,
        )
        for n, case in enumerate(made)
    )
    staff = acting(worker)
    cases = with_label(
        queue_cases(Queue.TEAM, staff=staff, team_ids=[teams["highways"].id]),
        Queue.TEAM,
        organisation_id=organisation.id,
        label="dangerous",
    )[:51]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        cursor.execute("ANALYZE cases_caselabel")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plan = cases.explain()
    assert "case_label_queue" in plan
    assert "Sort" not in plan


def test_the_due_date_queue_filtered_by_a_label_keeps_its_own_order_and_pages_by_key(teams):
    worker = member("w@example.gov.uk", "caseworker", "highways")
    staff = acting(worker)
    now = timezone.now()
    # Submitted in one order, due in the other: the due queue reads soonest due first.
    cases = [
        report_case(teams["highways"], minutes=n, due_at=now + datetime.timedelta(days=200 - n))
        for n in range(2 * PAGE_SIZE + 6)
    ]
    labelled = cases[::2]
    for case in labelled:
        set_label(reference=case.reference, label="needs_visit", on=True, staff=staff)
    first = list_queue(Queue.DUE, staff=staff, label="needs_visit")
    assert first.next_cursor is not None
    second = list_queue(Queue.DUE, staff=staff, label="needs_visit", cursor=first.next_cursor)
    assert second.next_cursor is None
    seen = [case.reference for case in first.cases + second.cases]
    assert seen == [case.reference for case in reversed(labelled)]
