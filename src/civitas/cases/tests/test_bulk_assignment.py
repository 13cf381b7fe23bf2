"""A team leader ticks several cases of a queue and gives them to one member of the team:
each is the single assignment's compare-and-set, audited per case, and a case that moved
on meanwhile is reported, not skipped in silence."""

import pytest

from civitas.cases.bulk import MAX_CASES, assign_cases
from civitas.cases.models import Case
from civitas.cases.notes import NotAllowed
from civitas.cases.tests.test_queues import member, waiting
from civitas.platform.models import AuditEvent
from conftest import acting


@pytest.fixture
def crew(teams):
    return {
        "leader": member("leader@example.gov.uk", "team_leader", "highways"),
        "worker": member("worker@example.gov.uk", "caseworker", "highways"),
        "other": member("other@example.gov.uk", "caseworker", "highways"),
    }


def post(client, cases, assignee, seen=None, queue="unassigned"):
    data = {"assignee": str(assignee.pk), "queue": queue, "case": [c.reference for c in cases]}
    for case in cases:
        held = (seen or {}).get(case.reference, case.assigned_to_id)
        data[f"seen-{case.reference}"] = str(held) if held else ""
    return client.post("/staff/cases/queues/assign", data)


def test_the_leader_ticks_cases_on_the_queue_page_and_gives_them_to_one_member(
    client, signed_in, teams, crew
):
    cases = waiting(teams["highways"], 3)
    signed_in(crew["leader"])
    page = client.get("/staff/cases/queues/unassigned/").content.decode()
    assert 'form="bulk-assign"' in page
    assert 'id="bulk-assign"' in page
    response = post(client, cases[:2], crew["worker"])
    assert response.status_code == 200
    assert "2 cases assigned" in response.content.decode()
    assert {c.reference for c in Case.objects.filter(assigned_to=crew["worker"])} == {
        c.reference for c in cases[:2]
    }
    events = AuditEvent.objects.filter(action="case.assigned")
    assert sorted(e.object_id for e in events) == sorted(c.reference for c in cases[:2])
    assert {e.details["how"] for e in events} == {"leader"}


def test_a_case_someone_took_meanwhile_is_reported_and_left_with_them(
    client, signed_in, teams, crew
):
    first, second = waiting(teams["highways"], 2)
    drawn = {first.reference: None, second.reference: None}  # as the page showed them
    Case.objects.filter(pk=second.pk).update(assigned_to=crew["other"])  # taken since
    signed_in(crew["leader"])
    response = post(client, [first, second], crew["worker"], seen=drawn)
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 case assigned" in body
    assert "1 case was not assigned" in body
    assert second.reference in body
    assert "Someone else assigned the case since the page was shown" in body
    second.refresh_from_db()
    assert second.assigned_to_id == crew["other"].pk
    assert AuditEvent.objects.filter(action="case.assigned").count() == 1


def test_a_case_decided_meanwhile_and_a_case_of_another_team_are_reported(teams, crew):
    (open_case,) = waiting(teams["highways"], 1)
    (decided,) = waiting(teams["highways"], 1, approved=True)
    (elsewhere,) = waiting(teams["environment"], 1)
    result = assign_cases(
        seen={c.reference: None for c in (open_case, decided, elsewhere)},
        assignee_id=crew["worker"].pk,
        staff=acting(crew["leader"]),
    )
    assert result.assigned == [open_case.reference]
    assert dict(result.refused) == {
        decided.reference: "Only an open case can be assigned",
        elsewhere.reference: "The case is not in one of your teams",
    }


def test_another_organisations_case_is_reported_as_not_found_and_untouched(
    teams, crew, other_council_caseworker
):
    from civitas.cases.tests.factories import CaseFactory
    from civitas.identity.tests.factories import OrganisationFactory

    theirs = CaseFactory(organisation=OrganisationFactory(other_council=True))
    result = assign_cases(
        seen={theirs.reference: None}, assignee_id=crew["worker"].pk, staff=acting(crew["leader"])
    )
    assert result.refused == [(theirs.reference, "There is no such case")]
    theirs.refresh_from_db()
    assert theirs.assigned_to_id is None


def test_only_a_team_leader_assigns_several_cases(client, signed_in, teams, crew):
    cases = waiting(teams["highways"], 2)
    with pytest.raises(NotAllowed):
        assign_cases(
            seen={c.reference: None for c in cases},
            assignee_id=crew["other"].pk,
            staff=acting(crew["worker"]),
        )
    signed_in(crew["worker"])
    assert 'id="bulk-assign"' not in client.get("/staff/cases/queues/unassigned/").content.decode()
    assert post(client, cases, crew["other"]).status_code == 403
    assert not Case.objects.filter(assigned_to__isnull=False).exists()


def test_an_assignee_outside_the_team_is_refused_for_each_case(teams, crew):
    outsider = member("outsider@example.gov.uk", "caseworker", "environment")
    cases = waiting(teams["highways"], 2)
    result = assign_cases(
        seen={c.reference: None for c in cases},
        assignee_id=outsider.pk,
        staff=acting(crew["leader"]),
    )
    assert result.assigned == []
    assert {why for _, why in result.refused} == {
        "Choose a member of the case's team who works cases"
    }


@pytest.mark.parametrize(
    "data",
    [
        {"assignee": "me", "case": ["x"]},
        {"assignee": "", "case": ["x"]},
        {"assignee": "1", "case": ["not-a-reference"]},
        {"assignee": "1", "case": ["ABC\x00DEF"]},
        {"assignee": "1", "case": ["K7M2QH4XP"] * (MAX_CASES + 1)},
    ],
)
def test_hostile_or_malformed_posts_are_refused_without_a_server_error(
    client, signed_in, crew, data
):
    signed_in(crew["leader"])
    response = client.post("/staff/cases/queues/assign", data)
    assert response.status_code == 400


def test_nothing_ticked_says_so(client, signed_in, crew):
    signed_in(crew["leader"])
    response = client.post("/staff/cases/queues/assign", {"assignee": str(crew["worker"].pk)})
    assert response.status_code == 400
    assert "Select the cases to assign" in response.content.decode()
